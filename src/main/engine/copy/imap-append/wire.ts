/**
 * IMAP wire formatting and the few parsers the APPEND client needs (RFC 3501, 3502, 4315, 7888).
 * Pure functions; no sockets here.
 */

/** Marker inside a command: stop writing until the server sends a "+" continuation. */
export const WAIT_CONTINUATION: unique symbol = Symbol('wait-continuation');
/** Literal data that arrives while it is written (a large message streamed from the source). */
export interface StreamedData {
  stream: AsyncIterable<Buffer>;
}
export type CommandPart = string | Buffer | StreamedData | typeof WAIT_CONTINUATION;

/** How literals may be sent: all non-synchronising (LITERAL+), up to 4096 bytes (LITERAL-), or never. */
export type LiteralMode = 'plus' | 'minus' | 'sync';

/** LITERAL- (RFC 7888) allows non-synchronising literals up to this many bytes. */
export const LITERAL_MINUS_MAX = 4096;

/** A literal: `{n+}` CRLF data, or `{n}` CRLF, wait for "+", data. The data is passed through, never copied; streamed data needs its size. */
export function literal(data: Buffer | StreamedData, nonSync: boolean, size = (data as Buffer).length): CommandPart[] {
  return nonSync ? [`{${size}+}\r\n`, data] : [`{${size}}\r\n`, WAIT_CONTINUATION, data];
}

/** True when every literal of a command may be non-synchronising under `mode`. */
export function canSendNonSync(mode: LiteralMode, sizes: number[]): boolean {
  if (mode === 'plus') return true;
  if (mode === 'minus') return sizes.every((n) => n <= LITERAL_MINUS_MAX);
  return false;
}

/**
 * A string argument: a quoted string when RFC 3501 allows one (7-bit, no CR/LF/NUL), else a literal.
 * Used for user names, passwords and mailbox names; the value never appears anywhere else.
 */
export function astring(value: string, mode: LiteralMode): CommandPart[] {
  // eslint-disable-next-line no-control-regex
  if (/^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value)) return [`"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`];
  const data = Buffer.from(value, 'utf8');
  return literal(data, canSendNonSync(mode, [data.length]));
}

/** Modified UTF-7 for mailbox names (RFC 3501 5.1.3), as servers without UTF8=ACCEPT expect. */
export function encodeMailboxName(name: string): string {
  let out = '';
  let pending = '';
  const flush = (): void => {
    if (!pending) return;
    const utf16 = Buffer.alloc(pending.length * 2);
    for (let i = 0; i < pending.length; i++) utf16.writeUInt16BE(pending.charCodeAt(i), i * 2);
    out += `&${utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = '';
  };
  for (const ch of name) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else {
      pending += ch;
    }
  }
  flush();
  return out;
}

/** The mailbox argument of APPEND/STATUS. "inbox" in any case is INBOX. */
export function mailboxArg(folder: string, mode: LiteralMode): CommandPart[] {
  const name = folder.toUpperCase() === 'INBOX' ? 'INBOX' : encodeMailboxName(folder);
  return astring(name, mode);
}

const SYSTEM_FLAGS = new Map(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'].map((f) => [f.toLowerCase(), f]));
// atom-char minus the list/resp specials: no ( ) { SP CTL % * " \ ]
// eslint-disable-next-line no-control-regex
const KEYWORD = /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;

/**
 * The flag list for APPEND: the five system flags (as given) and keywords that are valid atoms.
 * \Recent is never sent (servers refuse it); other backslash names and keywords IMAP cannot express are
 * dropped and returned so the caller can report them. Duplicates are sent once.
 */
export function formatFlags(flags: readonly string[]): { text: string; dropped: string[] } {
  const seen = new Set<string>();
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const flag of flags) {
    const key = flag.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    if (flag.startsWith('\\')) {
      const system = SYSTEM_FLAGS.get(key);
      if (system) kept.push(system);
      else if (key !== '\\recent') dropped.push(flag);
    } else if (KEYWORD.test(flag)) {
      kept.push(flag);
    } else {
      dropped.push(flag);
    }
  }
  return { text: kept.length ? `(${kept.join(' ')})` : '', dropped };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** INTERNALDATE as RFC 3501 date-time, in UTC: `"05-Mar-2024 09:07:03 +0000"`; '' when not expressible. */
export function formatInternalDate(date: Date | undefined): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return '';
  const y = date.getUTCFullYear();
  if (y < 1000 || y > 9999) return '';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `"${p(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${y} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000"`;
}

/** Expands an RFC 4315 uid-set ("5,7:9") in order; a range a:b counts up from min to max. undefined if malformed. */
export function expandUidSet(set: string, max = 100_000): number[] | undefined {
  const out: number[] = [];
  for (const part of set.split(',')) {
    const m = /^(\d+)(?::(\d+))?$/.exec(part);
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    if (lo < 1 || hi - lo + out.length >= max) return undefined;
    for (let u = lo; u <= hi; u++) out.push(u);
  }
  return out;
}

export interface TaggedResponse {
  tag: string;
  status: 'OK' | 'NO' | 'BAD';
  /** Bracketed response code, upper case (APPENDUID, OVERQUOTA...), and what follows it inside the brackets. */
  code?: string;
  codeArgs?: string;
  /** Human text after the response code. */
  text: string;
  /** The whole line, for error reports. */
  line: string;
}

/** Parses "[CODE args] text" (the part after "tag STATUS " or "* OK "). */
export function parseRespText(rest: string): { code?: string; codeArgs?: string; text: string } {
  const m = /^\[([^\s\]]+)(?: ([^\]]*))?\]\s?(.*)$/s.exec(rest);
  if (!m) return { text: rest };
  const out: { code?: string; codeArgs?: string; text: string } = { code: m[1]!.toUpperCase(), text: m[3] ?? '' };
  if (m[2] !== undefined) out.codeArgs = m[2];
  return out;
}

/** APPENDUID from a tagged OK: uidvalidity and the UIDs in message order. */
export function parseAppendUid(resp: TaggedResponse): { uidValidity: number; uids: number[] } | undefined {
  if (resp.status !== 'OK' || resp.code !== 'APPENDUID' || !resp.codeArgs) return undefined;
  const m = /^(\d+) (\S+)$/.exec(resp.codeArgs.trim());
  if (!m) return undefined;
  const uids = expandUidSet(m[2]!);
  return uids ? { uidValidity: Number(m[1]), uids } : undefined;
}

/** Capability atoms, upper case ("APPENDLIMIT=35882577" keeps its value). */
export function parseCapabilities(list: string): Set<string> {
  return new Set(list.trim().split(/\s+/).filter(Boolean).map((c) => c.toUpperCase()));
}

/** APPENDLIMIT=n from capabilities: a number, 'per-mailbox' for a bare APPENDLIMIT, or undefined. */
export function appendLimitOf(caps: ReadonlySet<string>): number | 'per-mailbox' | undefined {
  for (const c of caps) {
    if (c === 'APPENDLIMIT') return 'per-mailbox';
    const m = /^APPENDLIMIT=(\d+)$/.exec(c);
    if (m) return Number(m[1]);
  }
  return undefined;
}
