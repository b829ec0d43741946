/**
 * A client command as the front holds it, and just enough IMAP argument syntax to read and rewrite the
 * commands Exchange judges (mailbox names, flag lists, SASL arguments). Anything the tokenizer does not
 * understand is forwarded untouched rather than guessed at.
 */

/** The command's text (latin1 lines with their CRLF) and the literals between them, in order. */
export type Part = string | Buffer;

export interface Command {
  tag: string;
  /** Upper case, with its UID prefix: 'SELECT', 'UID FETCH'; '' when the line is not a command. */
  name: string;
  parts: Part[];
}

export type Token =
  | { kind: 'atom' | 'string' | 'list'; raw: string; value: string }
  | { kind: 'literal'; raw: Buffer; value: string };

/** `{12}`, `{12+}`, `~{12}` at the end of a line (its CRLF already removed). */
const LITERAL_ANNOUNCEMENT = /~?\{\d+\+?\}$/;

/**
 * Tokens of a whole command (tag and name included). `open`: the last part announces a literal that has not
 * arrived (an APPEND's message): its announcement is left out. Undefined when the syntax is beyond us.
 */
export function tokenize(parts: readonly Part[], open = false): Token[] | undefined {
  const tokens: Token[] = [];
  for (const [i, part] of parts.entries()) {
    if (typeof part !== 'string') {
      tokens.push({ kind: 'literal', raw: part, value: part.toString('latin1') });
      continue;
    }
    let text = part.replace(/\r?\n$/, '');
    if (i < parts.length - 1 || open) text = text.replace(LITERAL_ANNOUNCEMENT, '');
    for (let pos = 0; pos < text.length; ) {
      if (text[pos] === ' ') {
        pos++;
        continue;
      }
      const end = tokenEnd(text, pos);
      if (end < 0) return undefined; // an unclosed string or list (a literal inside a list)
      const raw = text.slice(pos, end);
      if (raw.startsWith('"')) tokens.push({ kind: 'string', raw, value: raw.slice(1, -1).replace(/\\(.)/g, '$1') });
      else if (raw.startsWith('(')) tokens.push({ kind: 'list', raw, value: raw.slice(1, -1) });
      else tokens.push({ kind: 'atom', raw, value: raw });
      pos = end;
    }
  }
  return tokens;
}

/** End of the token starting at `pos` (exclusive), or -1 if it does not end on this line. */
function tokenEnd(text: string, pos: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = pos; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') {
        quoted = false;
        if (depth === 0) return i + 1;
      }
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === ' ' && depth === 0) return i;
  }
  return quoted || depth > 0 ? -1 : text.length;
}

/** Index of the first argument: after the tag, the name, and "UID" if present. */
export function firstArgument(cmd: Command): number {
  return cmd.name.startsWith('UID ') ? 3 : 2;
}

/** An IMAP quoted string. */
export function quoted(value: string): Token {
  return { kind: 'string', raw: `"${value.replace(/[\\"]/g, '\\$&')}"`, value };
}

/** Tokens back on the wire, one line: literals as LITERAL+ (`{n+}`), so Dovecot sends no "+" we would have to hide. */
export function serialize(tokens: readonly Token[]): Buffer {
  const out: Buffer[] = [];
  let line = '';
  for (const [i, t] of tokens.entries()) {
    if (i > 0) line += ' ';
    if (t.kind !== 'literal') line += t.raw;
    else {
      out.push(Buffer.from(`${line}{${t.raw.length}+}\r\n`, 'latin1'), t.raw);
      line = '';
    }
  }
  out.push(Buffer.from(`${line}\r\n`, 'latin1'));
  return Buffer.concat(out);
}

/** The command as the client sent it, with synchronising literals turned into LITERAL+ ones. */
export function verbatim(parts: readonly Part[]): Buffer {
  return Buffer.concat(
    parts.map((p, i) =>
      typeof p !== 'string' ? p : Buffer.from(i < parts.length - 1 ? p.replace(/\{(\d+)\}(\r?\n)$/, '{$1+}$2') : p, 'latin1'),
    ),
  );
}

/** Flags Exchange does not keep: `(\Seen $Label1)` -> ['$Label1']. A single flag atom works too. */
export function foreignFlags(token: Token | undefined, allowed: ReadonlySet<string>): string[] {
  if (!token || token.kind === 'literal') return [];
  const text = token.kind === 'list' ? token.value : token.raw;
  return text.split(/\s+/).filter((f) => f !== '' && !allowed.has(f.toLowerCase()));
}
