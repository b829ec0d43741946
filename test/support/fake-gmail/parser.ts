/**
 * Client side of the wire, as the fake Gmail server reads it: a streaming reader that cuts the byte
 * stream into commands (lines plus the `{n}` / `{n+}` literals inside them, asking for a continuation
 * before a synchronising literal) and a tokenizer that turns one command into atoms, strings and lists.
 *
 * Text is kept as latin1 strings so every byte survives; string tokens are Buffers. A FETCH attribute
 * such as `BODY.PEEK[HEADER.FIELDS (MESSAGE-ID DATE)]<0.100>` is one atom.
 */

export type Segment = { text: string } | { literal: Buffer };

export type Token =
  | { kind: 'atom'; value: string }
  | { kind: 'string'; value: Buffer }
  | { kind: 'list'; items: Token[] };

export interface Command {
  tag: string;
  /** Upper case; `UID FETCH`, `UID SEARCH` for the UID forms. */
  name: string;
  args: Token[];
}

/** A line (without its CRLF) that ends in a literal marker -> the text before it and the literal. */
function literalMarker(line: string): { before: string; size: number; sync: boolean } | undefined {
  const m = /\{(\d{1,10})(\+)?\}$/.exec(line);
  if (!m) return undefined;
  return { before: line.slice(0, m.index), size: Number(m[1]), sync: !m[2] };
}

export interface ReaderHooks {
  /** A complete command. */
  command(segments: Segment[]): void;
  /**
   * A synchronising literal was announced. Return true to ask for it (`+ go ahead`), or false to have
   * the reader drop the command (the hook has answered it, e.g. with a tagged NO).
   */
  continuation(segmentsSoFar: Segment[], size: number): boolean;
  /** A line the client sent while the session waits for one (SASL responses, IDLE's DONE). */
  rawLine?(line: string): boolean;
  /** Protocol violation that ends the connection. */
  error(message: string): void;
}

const MAX_LINE = 1024 * 1024;
const MAX_LITERAL = 64 * 1024 * 1024;

export class CommandReader {
  #pending = Buffer.alloc(0);
  #segments: Segment[] = [];
  #literalLeft = 0;
  #literal: Buffer[] = [];
  #dead = false;

  constructor(private readonly hooks: ReaderHooks) {}

  push(chunk: Buffer): void {
    let data = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = Buffer.alloc(0);
    while (data.length > 0 && !this.#dead) {
      if (this.#literalLeft > 0) {
        const n = Math.min(this.#literalLeft, data.length);
        this.#literal.push(data.subarray(0, n));
        this.#literalLeft -= n;
        data = data.subarray(n);
        if (this.#literalLeft === 0) this.#endLiteral();
        continue;
      }
      const lf = data.indexOf(0x0a);
      if (lf < 0) {
        if (data.length > MAX_LINE) return this.#fail('line too long');
        this.#pending = Buffer.from(data);
        return;
      }
      const line = data.subarray(0, lf > 0 && data[lf - 1] === 0x0d ? lf - 1 : lf).toString('latin1');
      data = data.subarray(lf + 1);
      this.#line(line);
    }
  }

  #line(line: string): void {
    if (this.#segments.length === 0 && this.hooks.rawLine?.(line)) return;
    const marker = literalMarker(line);
    if (!marker) {
      this.#segments.push({ text: line });
      const segments = this.#segments;
      this.#segments = [];
      this.hooks.command(segments);
      return;
    }
    if (marker.size > MAX_LITERAL) return this.#fail('literal too large');
    this.#segments.push({ text: marker.before });
    if (marker.sync && !this.hooks.continuation(this.#segments, marker.size)) {
      this.#segments = [];
      return;
    }
    this.#literalLeft = marker.size;
    if (marker.size === 0) this.#endLiteral();
  }

  #endLiteral(): void {
    this.#segments.push({ literal: Buffer.concat(this.#literal) });
    this.#literal = [];
  }

  #fail(message: string): void {
    this.#dead = true;
    this.hooks.error(message);
  }
}

// ---------- tokenizer ----------

const SECTION_ATOM = /^(BODY|BODY\.PEEK|BINARY|BINARY\.PEEK|BINARY\.SIZE)$/i;

/** Tokens of one command, or an error message. Literals become string tokens. */
export function tokenize(segments: readonly Segment[]): Token[] | string {
  const root: Token[] = [];
  const stack: Token[][] = [root];
  const top = (): Token[] => stack[stack.length - 1]!;
  for (const seg of segments) {
    if ('literal' in seg) {
      top().push({ kind: 'string', value: seg.literal });
      continue;
    }
    const s = seg.text;
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (c === ' ') {
        i++;
      } else if (c === '(') {
        const list: Token = { kind: 'list', items: [] };
        top().push(list);
        stack.push(list.items);
        i++;
      } else if (c === ')') {
        if (stack.length === 1) return 'unbalanced )';
        stack.pop();
        i++;
      } else if (c === '"') {
        let out = '';
        i++;
        for (;;) {
          if (i >= s.length) return 'unterminated quoted string';
          const d = s[i]!;
          if (d === '\\') {
            if (i + 1 >= s.length) return 'unterminated quoted string';
            out += s[i + 1];
            i += 2;
          } else if (d === '"') {
            i++;
            break;
          } else {
            out += d;
            i++;
          }
        }
        top().push({ kind: 'string', value: Buffer.from(out, 'latin1') });
      } else {
        let j = i;
        while (j < s.length && !' ()"'.includes(s[j]!)) {
          if (s[j] === '[' && SECTION_ATOM.test(s.slice(i, j))) {
            const close = s.indexOf(']', j);
            if (close < 0) return 'unterminated section';
            j = close + 1;
            if (s[j] === '<') {
              const end = s.indexOf('>', j);
              if (end < 0) return 'unterminated partial';
              j = end + 1;
            }
            break;
          }
          j++;
        }
        top().push({ kind: 'atom', value: s.slice(i, j) });
        i = j;
      }
    }
  }
  if (stack.length !== 1) return 'unbalanced (';
  return root;
}

/** Tag, name (with UID folded in) and arguments; a string when even the tag cannot be read. */
export function parseCommand(segments: readonly Segment[]): Command | { tag: string; error: string } {
  const first = segments[0];
  const text = first && 'text' in first ? first.text : '';
  const tagMatch = /^([^\s(){%*"\\\]+]+) /.exec(text) ?? /^([^\s(){%*"\\\]+]+)$/.exec(text);
  const tag = tagMatch ? tagMatch[1]! : '*';
  const tokens = tokenize(segments);
  if (typeof tokens === 'string') return { tag, error: tokens };
  const [tagToken, nameToken, ...rest] = tokens;
  if (!tagMatch || tagToken?.kind !== 'atom' || nameToken?.kind !== 'atom') return { tag, error: 'missing command' };
  let name = nameToken.value.toUpperCase();
  let args = rest;
  if (name === 'UID') {
    const sub = rest[0];
    if (sub?.kind !== 'atom') return { tag, error: 'missing UID command' };
    name = `UID ${sub.value.toUpperCase()}`;
    args = rest.slice(1);
  }
  return { tag, name, args };
}

/** A token as text: atoms as written, strings decoded (latin1 for bytes, utf8 when asked). */
export function tokenText(t: Token | undefined, utf8 = false): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'atom') return t.value;
  if (t.kind === 'string') return t.value.toString(utf8 ? 'utf8' : 'latin1');
  return undefined;
}

/** The text of a command argument (atoms as written, strings latin1). */
export function argText(cmd: Command, i: number): string | undefined {
  return tokenText(cmd.args[i]);
}
