/**
 * Byte-level IMAP helpers for the fake Gmail server: modified UTF-7 mailbox names, strings (quoted when
 * safe, otherwise a `{n}\r\n` literal), INTERNALDATE, sequence sets, and a response builder that keeps
 * text and literal bytes apart so a message body is written exactly as stored.
 */

// ---------- modified UTF-7 (RFC 3501 5.1.3) ----------

function b64encodeModified(units: number[]): string {
  const bytes = Buffer.alloc(units.length * 2);
  units.forEach((u, i) => bytes.writeUInt16BE(u, i * 2));
  return bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',');
}

/** "Entwürfe" -> "Entw&APw-rfe", "&" -> "&-". Printable ASCII stays as it is. */
export function encodeMutf7(name: string): string {
  let out = '';
  let run: number[] = [];
  const flush = (): void => {
    if (run.length) out += `&${b64encodeModified(run)}-`;
    run = [];
  };
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += code === 0x26 ? '&-' : name[i];
    } else {
      run.push(code); // UTF-16 code units: surrogate pairs travel as they are
    }
  }
  flush();
  return out;
}

/** The inverse of encodeMutf7; a malformed shift sequence is kept literally. */
export function decodeMutf7(name: string): string {
  return name.replace(/&([A-Za-z0-9+,]*)-/g, (whole, b64: string) => {
    if (b64 === '') return '&';
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2 !== 0) return whole;
    let s = '';
    for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode(bytes.readUInt16BE(i));
    return s;
  });
}

// ---------- strings ----------

/** True when `value` can travel as a quoted string: 7-bit, no CR, LF or NUL, not absurdly long. */
export function isQuotable(value: Buffer): boolean {
  if (value.length > 1000) return false;
  for (const b of value) if (b === 0 || b === 0x0a || b === 0x0d || b > 0x7e) return false;
  return true;
}

export function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

// ---------- dates ----------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `"05-Mar-2021 14:07:09 +0000"` (Gmail answers in UTC with a zero-padded day). */
export function internalDate(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `"${p(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000"`;
}

/** SEARCH dates (`1-Feb-2020`): the UTC day they name, as [start, end) in ms; undefined when malformed. */
export function parseSearchDate(text: string): [number, number] | undefined {
  const m = /^"?(\d{1,2})-([A-Za-z]{3})-(\d{4})"?$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase());
  if (month < 0) return undefined;
  const start = Date.UTC(Number(m[3]), month, Number(m[1]));
  return [start, start + 86_400_000];
}

// ---------- sequence sets ----------

export type SeqRange = [number, number];

/**
 * `1,3:5,9:*` -> ranges, each low-high. `*` is `max` (the highest UID or message number; 0 when the
 * mailbox is empty), ranges may be written in either order (`7:2`). Undefined when malformed.
 */
export function parseSequenceSet(text: string, max: number): SeqRange[] | undefined {
  const ranges: SeqRange[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+|\*)(?::(\d+|\*))?$/.exec(part);
    if (!m) return undefined;
    const value = (s: string): number => (s === '*' ? max : Number(s));
    const a = value(m[1]!);
    const b = m[2] === undefined ? a : value(m[2]);
    if ((m[1] !== '*' && a === 0) || (m[2] !== undefined && m[2] !== '*' && b === 0)) return undefined;
    ranges.push(a <= b ? [a, b] : [b, a]);
  }
  return ranges;
}

/** A membership test for a parsed set: ranges sorted and merged once, then a binary search per number. */
export function rangeMatcher(ranges: readonly SeqRange[]): (n: number) => boolean {
  const merged: SeqRange[] = [];
  for (const [lo, hi] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  return (n) => {
    let a = 0;
    let b = merged.length - 1;
    while (a <= b) {
      const mid = (a + b) >> 1;
      const [lo, hi] = merged[mid]!;
      if (n < lo) b = mid - 1;
      else if (n > hi) a = mid + 1;
      else return true;
    }
    return false;
  };
}

/** Ascending numbers -> the shortest sequence set (`1:3,7,9:10`). */
export function formatSequenceSet(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

// ---------- responses ----------

/** One response being built: text pieces and literals, joined into wire bytes by toBuffers(). */
export class ResponseBuilder {
  #parts: Buffer[] = [];
  #text = '';
  #summary = '';

  /** Raw protocol text (atoms, numbers, parentheses). Must be ASCII without CR/LF. */
  text(s: string): this {
    if (/[\r\n]/.test(s)) throw new Error(`protocol text may not hold CR/LF: ${JSON.stringify(s)}`);
    this.#text += s;
    this.#summary += s;
    return this;
  }

  /** A string: quoted when 7-bit and safe, else a literal. `forceLiteral` for message data. */
  string(value: string | Buffer, forceLiteral = false): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (!forceLiteral && isQuotable(bytes)) return this.text(quoted(bytes.toString('latin1')));
    return this.literal(bytes);
  }

  literal(bytes: Buffer): this {
    this.#text += `{${bytes.length}}\r\n`;
    this.#summary += `{${bytes.length}}`;
    this.#flushText();
    this.#parts.push(bytes);
    return this;
  }

  #flushText(): void {
    if (this.#text) this.#parts.push(Buffer.from(this.#text, 'latin1'));
    this.#text = '';
  }

  /** The response as one line, literals shown only by their `{n}` marker (for transcripts). */
  summary(): string {
    return this.#summary;
  }

  /** The finished response, CRLF included. */
  toBuffers(): Buffer[] {
    this.#text += '\r\n';
    this.#flushText();
    return this.#parts;
  }
}
