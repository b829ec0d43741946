/**
 * Reading IMAP replies for quick-session.ts: whole responses out of the byte stream (a line, or lines
 * joined by the literals `{n}` they announce), the data of LIST, STATUS, NAMESPACE and CAPABILITY as
 * tokens, and modified UTF-7 folder names (RFC 3501 5.1.3) decoded the way imapflow gives them to the
 * engine, so a name read here is the name the ledger holds.
 */

/** An atom or string (literals included), NIL as null, or a parenthesised list. */
export type Token = string | null | Token[];

/** One server response: its line text with every literal replaced by a marker, and the literals. */
export interface RawResponse {
  text: string;
  literals: Buffer[];
}

/** Literals in folder names are small; anything bigger means this is not the conversation we expect. */
const MAX_RESPONSE = 4 * 1024 * 1024;
const MARK = '\u0000';

/** Splits the stream into responses; throws on a response larger than the quick look ever needs. */
export class ReplyReader {
  #buf: Buffer = Buffer.alloc(0);
  #parts: string[] = [];
  #literals: Buffer[] = [];
  #literalLeft = -1;

  push(chunk: Buffer): RawResponse[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    if (this.#buf.length > MAX_RESPONSE) throw new Error('server response too large');
    const out: RawResponse[] = [];
    for (;;) {
      if (this.#literalLeft >= 0) {
        if (this.#buf.length < this.#literalLeft) break;
        this.#literals.push(Buffer.from(this.#buf.subarray(0, this.#literalLeft)));
        this.#parts.push(`${MARK}${this.#literals.length - 1}${MARK}`);
        this.#buf = this.#buf.subarray(this.#literalLeft);
        this.#literalLeft = -1;
        continue;
      }
      const nl = this.#buf.indexOf('\r\n');
      if (nl < 0) break;
      const line = this.#buf.subarray(0, nl).toString('utf8');
      this.#buf = this.#buf.subarray(nl + 2);
      const lit = /\{(\d+)\+?\}$/.exec(line);
      if (lit && Number(lit[1]) <= MAX_RESPONSE) {
        this.#parts.push(line.slice(0, lit.index));
        this.#literalLeft = Number(lit[1]);
        continue;
      }
      this.#parts.push(line);
      out.push({ text: this.#parts.join(''), literals: this.#literals });
      this.#parts = [];
      this.#literals = [];
    }
    return out;
  }
}

const ATOM = /[^ ()]+/y;

/** Tokens of a data response after its keyword, e.g. the flags, delimiter and name of a LIST. */
export function tokens(text: string, literals: Buffer[]): Token[] {
  const root: Token[] = [];
  const stack: Token[][] = [root];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const top = stack[stack.length - 1]!;
    if (c === ' ') i++;
    else if (c === '(') {
      const list: Token[] = [];
      top.push(list);
      stack.push(list);
      i++;
    } else if (c === ')') {
      if (stack.length > 1) stack.pop();
      i++;
    } else if (c === '"') {
      let s = '';
      for (i++; i < text.length && text[i] !== '"'; i++) s += text[i] === '\\' ? text[++i] ?? '' : text[i];
      top.push(s);
      i++;
    } else if (c === MARK) {
      const end = text.indexOf(MARK, i + 1);
      top.push(literals[Number(text.slice(i + 1, end))]!.toString('utf8'));
      i = end + 1;
    } else {
      ATOM.lastIndex = i;
      const m = ATOM.exec(text)![0];
      top.push(m.toUpperCase() === 'NIL' ? null : m);
      i += m.length;
    }
  }
  return root;
}

/**
 * A folder name as sent by a server without UTF8=ACCEPT: "&" starts modified base64 of UTF-16, "&-" is
 * "&". A name that does not decode is kept as sent (imapflow does the same).
 */
export function decodeFolderName(name: string): string {
  if (!name.includes('&')) return name;
  try {
    return name.replace(/&([^-]*)-/g, (_, b64: string) => {
      if (b64 === '') return '&';
      const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
      if (bytes.length % 2 !== 0) throw new Error('odd UTF-16');
      return bytes.swap16().toString('utf16le');
    });
  } catch {
    return name;
  }
}

/** A tagged or untagged status response: OK / NO / BAD / BYE / PREAUTH, its [CODE ...] and text. */
export function statusOf(rest: string): { status: string; code: string | undefined; codeArgs: string; text: string } {
  const m = /^(\S+)\s?(?:\[([^\s\]]+)\s?([^\]]*)\])?\s?(.*)$/s.exec(rest)!;
  return { status: m[1]!.toUpperCase(), code: m[2]?.toUpperCase(), codeArgs: m[3] ?? '', text: m[4] ?? '' };
}
