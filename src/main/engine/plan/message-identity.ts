/**
 * How a message is recognised without its body, on the source and on a destination that may have changed
 * what it stored (Courier adds a final CRLF, Cyrus turns raw 8-bit header bytes into "X", Dovecot serves bare
 * LFs as CRLF, Exchange rebuilds everything but the Message-ID and the received date):
 *
 *   key          Message-ID and the received second (INTERNALDATE) when the message has a Message-ID,
 *                else headerKey. Neither size nor exact header bytes: both change on some servers.
 *   headerKey    Date, From and Subject (unfolded, whitespace collapsed, 8-bit bytes as "X") and the
 *                received second; a destination that adds a Message-ID is still found by it.
 *   fingerprint  sha256 over a normalised form of the whole message, for telling apart messages that share
 *                a key (see identity-match.ts): line endings as CRLF, no trailing line endings, 8-bit header
 *                bytes as "X", headers a server adds on store left out.
 */
import { createHash, type Hash } from 'node:crypto';

/** The header fields fetched with every message's metadata (a few hundred bytes, never bodies). */
export const IDENTITY_HEADERS = ['message-id', 'date', 'from', 'subject'];

export interface Identity {
  key: string;
  headerKey: string;
  messageId: string | null;
}

export function identityOf(headerBlock: Buffer | undefined, internalDate: Date): Identity {
  const fields = headerFields(headerBlock);
  const second = Math.floor(internalDate.getTime() / 1000);
  const messageId = fields.get('message-id')?.replace(/\s+/g, '') || null;
  const named = ['date', 'from', 'subject'].map((n) => `${n}:${fields.get(n) ?? ''}`).join('\n');
  const headerKey = own(`h:${createHash('sha256').update(named).digest('base64url').slice(0, 22)}@${second}`);
  return { key: messageId ? own(`id:${messageId}@${second}`) : headerKey, headerKey, messageId: messageId && own(messageId) };
}

/**
 * A string of its own: V8 keeps slices and concatenations as views of their parts, so an identity kept for
 * every message of a run would keep its whole decoded header alive (~4 MiB per 10,000 messages).
 */
function own(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

/** The Message-ID value of a header block, or null. */
export function messageIdOf(headerBlock: Buffer | undefined): string | null {
  return headerFields(headerBlock).get('message-id')?.replace(/\s+/g, '') || null;
}

/** First value of each header field: name lower case, unfolded, whitespace collapsed, 8-bit bytes as "X". */
function headerFields(headerBlock: Buffer | undefined): Map<string, string> {
  const text = eightBitAsX((headerBlock ?? Buffer.alloc(0)).toString('latin1')).replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(i + 1).replace(/\s+/g, ' ').trim());
  }
  return out;
}

function eightBitAsX(latin1: string): string {
  // eslint-disable-next-line no-control-regex
  return latin1.replace(/[^\x00-\x7f]/g, 'X');
}

/**
 * Headers a destination may add to what it stores (Exchange: X-MS-Exchange-...; delivery-style servers:
 * Return-Path, Received; mbox-backed ones: Status, X-UID...), left out of fingerprints on both sides.
 */
const ADDED_BY_SERVERS = /^(x-ms-|x-microsoft-|return-path:|received:|status:|x-status:|x-keywords:|x-uid:|content-length:)/i;

/**
 * The content fingerprint: equal for a message and its copy as a destination stored it (see the file
 * comment), different for two messages whose bytes differ otherwise. The body is hashed in place when it
 * needs no normalising (the common case), so a large message is not copied.
 */
export function contentFingerprint(raw: Buffer): string {
  const split = headerEnd(raw);
  const hash = createHash('sha256');
  hashHeader(hash, raw.subarray(0, split));
  let body = raw.subarray(split);
  let end = body.length;
  while (end > 0 && (body[end - 1] === 0x0a || body[end - 1] === 0x0d)) end--;
  body = body.subarray(0, end);
  hash.update(normalised(body));
  return hash.digest('base64url');
}

/**
 * Dovecot serves bare line ends as CRLF and NUL as 0x80: both normalised, copying only when needed. Local:
 * a cut that is not inside a run of line ends gives the same bytes piece by piece.
 */
function normalised(body: Buffer): Buffer {
  if (!hasBareLineEnd(body) && !body.includes(0)) return body;
  return Buffer.from(body.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n').replaceAll('\u0000', '\u0080'), 'latin1');
}

function hashHeader(hash: Hash, header: Buffer): void {
  // A field with its continuation lines is one entry (U+E000 cannot come out of a latin1 decoding).
  const fields = eightBitAsX(header.toString('latin1')).replace(/\r\n|\r|\n/g, '\n').replace(/\n(?=[ \t])/g, '\uE000').split('\n');
  for (const field of fields) {
    if (field === '' || ADDED_BY_SERVERS.test(field)) continue;
    hash.update(field.replaceAll('\uE000', '\r\n')).update('\r\n');
  }
  hash.update('\r\n');
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * contentFingerprint over a message that arrives in pieces (a large message streamed from source to
 * destination is never whole in memory): the same digest for the same bytes, however they are split.
 * The header is gathered until its blank line (a message with none is all header and is gathered whole).
 * Each body piece is settled up to its last byte that is not a line end and normalised as contentFingerprint
 * does; the run of line ends after it waits for what follows, as trailing ones do not count.
 */
export class FingerprintStream {
  readonly #hash = createHash('sha256');
  #header: Buffer[] | undefined = [];
  #headerBytes = 0;
  /** Line-end bytes (CR, LF only) at the end of what came so far, not hashed yet. */
  #held: Buffer = Buffer.alloc(0);

  update(chunk: Buffer): void {
    if (this.#header) {
      this.#header.push(chunk);
      this.#headerBytes += chunk.length;
      const gathered = Buffer.concat(this.#header, this.#headerBytes);
      const split = headerEnd(gathered);
      if (split === gathered.length && !endsHeader(gathered)) {
        this.#header = [gathered];
        return;
      }
      this.#header = undefined;
      hashHeader(this.#hash, gathered.subarray(0, split));
      chunk = gathered.subarray(split);
    }
    let end = chunk.length;
    while (end > 0 && (chunk[end - 1] === CR || chunk[end - 1] === LF)) end--;
    if (end === 0) {
      this.#held = Buffer.concat([this.#held, chunk]);
      return;
    }
    const settled = this.#held.length ? Buffer.concat([this.#held, chunk.subarray(0, end)]) : chunk.subarray(0, end);
    this.#held = Buffer.from(chunk.subarray(end));
    this.#hash.update(normalised(settled));
  }

  digest(): string {
    if (this.#header) hashHeader(this.#hash, Buffer.concat(this.#header, this.#headerBytes));
    return this.#hash.digest('base64url');
  }
}

/** Whether a gathered header block ends exactly at its blank line (headerEnd says "all header" otherwise too). */
function endsHeader(b: Buffer): boolean {
  return b.indexOf('\r\n\r\n') >= 0 || b.indexOf('\n\n') >= 0;
}

/** Offset just past the blank line that ends the header (CRLFCRLF or LFLF), or the end of the message. */
export function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return raw.length;
  if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf)) return crlf + 4;
  return lf + 2;
}

/** Whether any CR or LF is not part of a CRLF pair. */
function hasBareLineEnd(b: Buffer): boolean {
  for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) if (i === 0 || b[i - 1] !== 0x0d) return true;
  for (let i = b.indexOf(0x0d); i >= 0; i = b.indexOf(0x0d, i + 1)) if (b[i + 1] !== 0x0a) return true;
  return false;
}
