/**
 * Exchange's rules for the commands that reach the store: which it refuses (keywords, the size limit,
 * reserved names, a name that exists in another case) and, for the rest, what Dovecot should get: the same
 * command with folder names in the stored spelling. Only counting, no I/O: the session sends the result.
 */
import { firstArgument, foreignFlags, quoted, serialize, tokenize, verbatim, type Command, type Token } from './args.js';
import type { MessageHead } from './command-reader.js';
import type { ExchangeFrontStats } from './faults.js';
import { isReservedName, resolveFolder } from './folders.js';
import { EXCHANGE, EXCHANGE_FLAGS } from './strings.js';

/** The front answers `refuse` itself, or Dovecot gets `send` (an APPEND: up to its message, as LITERAL+). */
export type Judgment = { refuse: string } | { send: Buffer };

export interface JudgeContext {
  /** The signed-in account's maildir, where folder names are looked up in any case. */
  mailDir: string;
  maxMessageBytes: number;
  stats: ExchangeFrontStats;
}

/** Where each command names a folder (argument positions): resolved in any case. */
const MAILBOX_ARGUMENTS: Readonly<Record<string, number[]>> = {
  SELECT: [0], EXAMINE: [0], DELETE: [0], SUBSCRIBE: [0], UNSUBSCRIBE: [0], STATUS: [0], RENAME: [0, 1], APPEND: [0],
  CREATE: [0], COPY: [1], MOVE: [1], 'UID COPY': [1], 'UID MOVE': [1],
};

export function judge(cmd: Command, ctx: JudgeContext, message?: MessageHead): Judgment {
  const tokens = tokenize(cmd.parts, message !== undefined);
  const at = firstArgument(cmd);
  const args = tokens?.slice(at) ?? [];
  const refusal = message ? appendRefusal(args, message, ctx) : refusalOf(cmd.name, args, ctx);
  if (refusal) return { refuse: refusal };
  const positions = MAILBOX_ARGUMENTS[cmd.name];
  if (!tokens || !positions) return { send: verbatim(cmd.parts) };
  for (const i of positions.map((p) => at + p)) {
    const t = tokens[i];
    const stored = t && resolveFolder(ctx.mailDir, t.value).name;
    if (stored !== undefined && stored !== t!.value) tokens[i] = quoted(stored); // "sent items/x" -> "Sent Items/x"
  }
  const line = serialize(tokens);
  return { send: message ? Buffer.concat([line.subarray(0, -2), Buffer.from(` {${message.size}+}\r\n`)]) : line };
}

function appendRefusal(args: Token[], message: MessageHead, ctx: JudgeContext): string | undefined {
  const { appends } = ctx.stats;
  const flags = args[1]?.kind === 'list' ? args[1] : undefined;
  let refusal: string | undefined;
  if (!args[0]) refusal = EXCHANGE.argumentError;
  else if (foreignFlags(flags, EXCHANGE_FLAGS).length) [refusal, appends.keyword] = [EXCHANGE.argumentError, appends.keyword + 1];
  else if (message.size > ctx.maxMessageBytes) [refusal, appends.tooBig] = [EXCHANGE.tooBig, appends.tooBig + 1];
  if (refusal) appends.refused++;
  return refusal;
}

function refusalOf(name: string, args: Token[], ctx: JudgeContext): string | undefined {
  const { stats, mailDir } = ctx;
  const [first, second] = args;
  if ((name === 'STORE' || name === 'UID STORE') && foreignFlags(args[2], EXCHANGE_FLAGS).length) {
    stats.keywordStores++;
    return EXCHANGE.argumentError;
  }
  const created = name === 'CREATE' ? first : name === 'RENAME' ? second : undefined;
  if (!created) return undefined;
  if (isReservedName(created.value)) {
    stats.reservedName++;
    return EXCHANGE.reservedName;
  }
  const existing = resolveFolder(mailDir, created.value);
  // A rename that only changes the case of a name is fine; onto another existing folder it is not.
  const sameFolder = name === 'RENAME' && first !== undefined && resolveFolder(mailDir, first.value).name === existing.name;
  if (!existing.exists || sameFolder) return undefined;
  stats.alreadyExists++;
  return EXCHANGE.alreadyExists;
}
