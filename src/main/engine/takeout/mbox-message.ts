/**
 * One Takeout mbox message made back into the message Gmail serves over IMAP, and what Takeout says
 * about it:
 *   - the "From " line gives the received date (Gmail's INTERNALDATE, to the second);
 *   - the X-GM-THRID and X-Gmail-Labels fields Takeout puts on top are removed (the labels kept);
 *   - mboxrd quoting is undone: one ">" less on every line matching /^>+From /;
 *   - every line ends in CRLF;
 *   - the separator's empty line is dropped.
 * Nothing else changes. An mbox cannot say that a message had no final line ending, so such a message
 * comes back with one CRLF more than Gmail serves (2 bytes: plan/identity-match.ts allows for it).
 */
const LF = 0x0a;
const CR = 0x0d;
const GT = 0x3e;
const CRLF = Buffer.from('\r\n');
const FROM = Buffer.from('From ');
/** The fields Takeout adds, in the order it writes them at the top of every message. */
const TAKEOUT_FIELDS = /^(x-gm-thrid|x-gmail-labels)[ \t]*:/i;

export interface MboxHead {
  /** From the "From " line; undefined when it holds no date. */
  fromDate: Date | undefined;
  /** X-Gmail-Labels as written (unfolded, still comma-separated); undefined when absent. */
  labelHeader: string | undefined;
}

export interface MboxMessage extends MboxHead {
  /** The message as Gmail serves it over IMAP (see the file comment). */
  raw: Buffer;
  /** When Gmail received it: the "From " line's date, else the Date header (whole seconds). */
  receivedAt: Date;
}

export function parseMboxMessage(bytes: Buffer): MboxMessage {
  const { head, bodyAt } = readHead(bytes);
  let body = bytes.subarray(bodyAt);
  // The separator: the empty line before the next "From " line (or at the end of the file).
  if (body.length >= 2 && body[body.length - 1] === LF && body[body.length - 2] === LF) body = body.subarray(0, body.length - 1);
  else if (body.length >= 3 && body[body.length - 1] === LF && body[body.length - 2] === CR && body[body.length - 3] === LF) body = body.subarray(0, body.length - 2);
  const raw = normaliseLines(body);
  return { ...head, raw, receivedAt: head.fromDate ?? dateHeader(raw) };
}

/** The "From " line's date and Takeout's labels, without touching the rest (the first pass reads only these). */
export function peekMbox(bytes: Buffer): MboxHead & { receivedAt: Date } {
  const { head, bodyAt } = readHead(bytes);
  return { ...head, receivedAt: head.fromDate ?? dateHeader(bytes.subarray(bodyAt)) };
}

function readHead(bytes: Buffer): { head: MboxHead; bodyAt: number } {
  const eol = bytes.indexOf(LF);
  const fromLine = bytes.subarray(0, eol < 0 ? bytes.length : eol).toString('latin1').replace(/\r$/, '');
  let at = eol < 0 ? bytes.length : eol + 1;
  let labelHeader: string | undefined;
  for (;;) {
    const end = fieldEnd(bytes, at);
    const field = bytes.subarray(at, end).toString('utf8');
    if (!TAKEOUT_FIELDS.test(field)) break;
    if (/^x-gmail-labels/i.test(field)) labelHeader ??= field.slice(field.indexOf(':') + 1).replace(/\r?\n/g, '').trim();
    at = end;
  }
  return { head: { fromDate: fromLineDate(fromLine), labelHeader }, bodyAt: at };
}

/**
 * The Date header, for a message whose "From " line holds no date; whole seconds as IMAP dates are.
 * Without a usable one, the epoch: a fixed date keeps the message's identity the same on every run.
 */
function dateHeader(raw: Buffer): Date {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const m = /^date:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(end >= 0 ? head.slice(0, end) : head);
  const t = m ? Date.parse(m[1]!.replace(/\r?\n[ \t]+/g, ' ').replace(/\s*\(.*\)\s*$/, '')) : NaN;
  return new Date(Number.isFinite(t) ? Math.floor(t / 1000) * 1000 : 0);
}

/** End of the header field starting at `at` (its continuation lines included). */
function fieldEnd(b: Buffer, at: number): number {
  let end = at;
  for (;;) {
    const nl = b.indexOf(LF, end);
    if (nl < 0) return b.length;
    end = nl + 1;
    if (b[end] !== 0x20 && b[end] !== 0x09) return end;
  }
}

/** Undoes mboxrd quoting and writes every line ending as CRLF; unchanged runs are not copied. */
export function normaliseLines(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let keep = 0;
  for (let line = 0; line < b.length; ) {
    const nl = b.indexOf(LF, line);
    if (b[line] === GT) {
      let j = line + 1;
      while (b[j] === GT) j++;
      if (b.subarray(j, j + FROM.length).equals(FROM)) {
        out.push(b.subarray(keep, line));
        keep = line + 1;
      }
    }
    if (nl < 0) break;
    if (nl === 0 || b[nl - 1] !== CR) {
      out.push(b.subarray(keep, nl), CRLF);
      keep = nl + 1;
    }
    line = nl + 1;
  }
  if (out.length === 0) return b;
  out.push(b.subarray(keep));
  return Buffer.concat(out);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/** "From 1655...@xxx Wed Jan 08 20:41:08 +0000 2020" (Takeout) or asctime "Wed Jan  8 20:41:08 2020" (UTC). */
const FROM_DATE = /^From \S*\s+(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(?:([+-]\d{4})\s+)?(\d{4})(?:\s+([+-]\d{4}))?/;

export function fromLineDate(line: string): Date | undefined {
  const m = FROM_DATE.exec(line);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!.toLowerCase());
  if (month < 0) return undefined;
  const zone = m[6] ?? m[8] ?? '+0000';
  const offset = (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const utc = Date.UTC(Number(m[7]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return Number.isFinite(utc) ? new Date(utc - offset * 60_000) : undefined;
}
