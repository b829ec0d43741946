/**
 * The fast DestinationWriter: a raw IMAP connection that uses the best APPEND the server offers.
 *
 *   multiappend   RFC 3502: up to batchLimit messages per APPEND command, one server commit per command,
 *                 several commands in flight; literals non-synchronising when LITERAL+/LITERAL- allow.
 *   literal-plus  RFC 7888: one message per APPEND, pipelineDepth APPENDs in flight (with LITERAL- only
 *                 literals up to 4 KB skip the "+" round trip).
 *   serial        one APPEND at a time with synchronising literals: what every IMAP4rev1 server accepts.
 *
 * Outcomes stay per message and in order, with the APPENDUID (RFC 4315) UID of each message; a MULTIAPPEND
 * answer `[APPENDUID v 7:9,12]` is expanded in order. A message over APPENDLIMIT is refused locally before
 * anything is sent. A MULTIAPPEND refused for a message-level reason is split in halves, recursively, until
 * the message(s) at fault are found; MULTIAPPEND is atomic, so nothing of a refused command was stored and
 * every other message goes in exactly once. Mailbox-wide refusals (over quota, no such folder, throttling)
 * and a lost connection throw a MailferryError, leaving the call's messages in doubt for the ledger.
 */
import { AppendStopped, type AppendItem, type AppendOutcome, type DestinationWriter, type StreamedAppendItem } from '../destination-writer.js';
import { MailferryError, type ErrorInfo } from '../../errors/errors.js';
import type { Credential } from '../../connect/credentials.js';
import type { Endpoint } from '../../job/job.js';
import { chunkBy } from '../../plan/uid-set.js';
import { appendLimitInfo, type ErrorContext, fail, failureInfo, perMessageInfo, refusalKind, replyInfo } from './append-errors.js';
import type { AppendConnection } from './append-connection.js';
import { literalModeOf, openSession, type SessionOptions } from './session.js';
import {
  appendLimitOf, canSendNonSync, formatFlags, formatInternalDate, literal, mailboxArg, parseAppendUid,
  type CommandPart, type LiteralMode,
} from './wire.js';

export type AppendStrategy = 'multiappend' | 'literal-plus' | 'serial';

export interface FastWriterOptions extends SessionOptions {
  /** Use this strategy instead of the best advertised one (it must be supported; 'serial' always is). */
  forceStrategy?: AppendStrategy;
  /** Messages per MULTIAPPEND command, 1-64. Default 32. */
  batchLimit?: number;
  /** Bytes per MULTIAPPEND command (a bigger message goes alone). Default 16 MiB. */
  batchBytes?: number;
  /** Commands in flight at once. Default 16 for literal-plus, 4 for multiappend; always 1 for serial. */
  pipelineDepth?: number;
  /** Use weaker literals than advertised ('minus', 'sync'); for tests. Default: what the server offers. */
  literals?: LiteralMode;
}

export interface FastWriter extends DestinationWriter {
  readonly usable: boolean;
  readonly strategy: AppendStrategy;
  readonly literalMode: LiteralMode;
  readonly capabilities: ReadonlySet<string>;
  /**
   * One APPEND whose literal is written as the stream yields it. A refusal is an outcome; a stream that
   * fails or ends short closes the connection (the literal cannot be finished), and the call throws.
   */
  appendStream(folder: string, item: StreamedAppendItem): Promise<AppendOutcome>;
  /** Politely: LOGOUT, then close. Never throws. */
  logout(): Promise<void>;
  /** At once. Never throws. */
  close(): Promise<void>;
}

const RANK: Record<LiteralMode, number> = { sync: 0, minus: 1, plus: 2 };

export async function openAppendConnection(endpoint: Endpoint, credential: Credential, opts: FastWriterOptions = {}): Promise<FastWriter> {
  const conn = await openSession(endpoint, credential, opts);
  try {
    return new MultiWriter(conn, opts);
  } catch (err) {
    conn.destroy();
    throw err;
  }
}

class MultiWriter implements FastWriter {
  readonly strategy: AppendStrategy;
  readonly literalMode: LiteralMode;
  readonly #conn: AppendConnection;
  readonly #batchLimit: number;
  readonly #batchBytes: number;
  readonly #depth: number;
  readonly #folderLimits = new Map<string, number | undefined>();

  constructor(conn: AppendConnection, opts: FastWriterOptions) {
    this.#conn = conn;
    const caps = conn.capabilities;
    const offered = literalModeOf(caps);
    const best: AppendStrategy = caps.has('MULTIAPPEND') ? 'multiappend' : offered !== 'sync' ? 'literal-plus' : 'serial';
    this.strategy = opts.forceStrategy ?? best;
    if ((this.strategy === 'multiappend' && !caps.has('MULTIAPPEND')) || (this.strategy === 'literal-plus' && offered === 'sync')) {
      const what = this.strategy === 'multiappend' ? 'MULTIAPPEND' : 'LITERAL+ or LITERAL-';
      throw new MailferryError({ code: 'INTERNAL', message: `The destination server does not offer ${what}.`, retryable: false });
    }
    const wanted = opts.literals ?? (this.strategy === 'serial' ? 'sync' : offered);
    this.literalMode = RANK[wanted] <= RANK[offered] ? wanted : offered;
    this.#batchLimit = this.strategy === 'multiappend' ? clamp(opts.batchLimit ?? 32, 1, 64) : 1;
    this.#batchBytes = Math.max(1, opts.batchBytes ?? 16 * 1024 * 1024);
    this.#depth = this.strategy === 'serial' ? 1 : clamp(opts.pipelineDepth ?? (this.strategy === 'multiappend' ? 4 : 16), 1, 256);
  }

  get usable(): boolean {
    return this.#conn.usable;
  }

  get capabilities(): ReadonlySet<string> {
    return this.#conn.capabilities;
  }

  async append(folder: string, items: AppendItem[]): Promise<AppendOutcome[]> {
    const ctx = { ...this.#conn.ctx, folder, phase: 'append' as const };
    if (!this.#conn.usable) throw this.#conn.closeError ?? fail(failureInfo(new Error('connection closed'), ctx));
    const out: (AppendOutcome | undefined)[] = new Array(items.length);
    const limit = await this.#limitFor(folder, ctx);
    const todo: number[] = [];
    items.forEach((item, i) => {
      if (limit !== undefined && item.raw.length > limit) out[i] = { ok: false, error: appendLimitInfo(item.raw.length, limit, ctx) };
      else todo.push(i);
    });
    const groups = chunkBy(todo, (i) => items[i]!.raw.length, this.#batchBytes, this.#batchLimit);
    let fatal: MailferryError | undefined;

    const run = async (group: number[]): Promise<void> => {
      if (fatal) return;
      let resp;
      try {
        resp = await this.#conn.command(this.#appendCommand(folder, group.map((i) => items[i]!)));
      } catch (err) {
        fatal ??= err instanceof MailferryError ? err : fail(failureInfo(err, ctx), err);
        return;
      }
      if (resp.status === 'OK') {
        const au = parseAppendUid(resp);
        const uids = au && au.uids.length === group.length ? au.uids : undefined;
        group.forEach((i, k) => (out[i] = uids ? { ok: true, uid: uids[k]!, uidValidity: au!.uidValidity } : { ok: true }));
        return;
      }
      const info: ErrorInfo = replyInfo(resp, ctx);
      if (refusalKind(resp, info) === 'stop') {
        fatal ??= fail(info);
      } else if (group.length === 1) {
        out[group[0]!] = { ok: false, error: perMessageInfo(info) };
      } else {
        const mid = Math.ceil(group.length / 2);
        await Promise.all([run(group.slice(0, mid)), run(group.slice(mid))]);
      }
    };

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length && !fatal) await run(groups[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.#depth, groups.length) }, worker));
    // Commands answered before the stop keep their outcomes: those messages are stored (or refused) for sure.
    if (fatal) throw new AppendStopped(fatal, out);
    return out as AppendOutcome[];
  }

  async appendStream(folder: string, item: StreamedAppendItem): Promise<AppendOutcome> {
    const ctx = { ...this.#conn.ctx, folder, phase: 'append' as const };
    if (!this.#conn.usable) throw this.#conn.closeError ?? fail(failureInfo(new Error('connection closed'), ctx));
    const limit = await this.#limitFor(folder, ctx);
    if (limit !== undefined && item.size > limit) return { ok: false, error: appendLimitInfo(item.size, limit, ctx) };
    const flags = formatFlags(item.flags).text;
    const date = formatInternalDate(item.internalDate);
    const parts: CommandPart[] = ['APPEND ', ...mailboxArg(folder, this.literalMode), ` ${flags ? `${flags} ` : ''}${date ? `${date} ` : ''}`];
    parts.push(...literal({ stream: item.stream }, canSendNonSync(this.literalMode, [item.size]), item.size));
    let resp;
    try {
      resp = await this.#conn.command(parts);
    } catch (err) {
      throw err instanceof MailferryError ? err : fail(failureInfo(err, ctx), err);
    }
    if (resp.status === 'OK') {
      const au = parseAppendUid(resp);
      return au && au.uids.length === 1 ? { ok: true, uid: au.uids[0]!, uidValidity: au.uidValidity } : { ok: true };
    }
    const info = replyInfo(resp, ctx);
    if (refusalKind(resp, info) === 'stop') throw new AppendStopped(fail(info), [undefined]);
    return { ok: false, error: perMessageInfo(info) };
  }

  /** APPEND mailbox SP [flags SP] [date SP] literal, once per message for MULTIAPPEND. */
  #appendCommand(folder: string, batch: AppendItem[]): CommandPart[] {
    const nonSync = canSendNonSync(this.literalMode, batch.map((b) => b.raw.length));
    const parts: CommandPart[] = ['APPEND ', ...mailboxArg(folder, this.literalMode)];
    for (const item of batch) {
      const flags = formatFlags(item.flags).text;
      const date = formatInternalDate(item.internalDate);
      parts.push(` ${flags ? `${flags} ` : ''}${date ? `${date} ` : ''}`, ...literal(item.raw, nonSync));
    }
    return parts;
  }

  /** APPENDLIMIT=n for the server, or per mailbox (RFC 7889: bare APPENDLIMIT, STATUS (APPENDLIMIT)). */
  async #limitFor(folder: string, ctx: ErrorContext): Promise<number | undefined> {
    const global = appendLimitOf(this.#conn.capabilities);
    if (global !== 'per-mailbox') return global;
    if (this.#folderLimits.has(folder)) return this.#folderLimits.get(folder);
    let limit: number | undefined;
    const off = this.#conn.onUntagged((text) => {
      const m = /^\* STATUS .*\(.*\bAPPENDLIMIT (\d+)/i.exec(text);
      if (m) limit = Number(m[1]);
    });
    try {
      const r = await this.#conn.command(['STATUS ', ...mailboxArg(folder, this.literalMode), ' (APPENDLIMIT)']);
      if (r.status !== 'OK') return undefined; // a folder that does not exist yet is reported by APPEND itself
    } catch (err) {
      throw err instanceof MailferryError ? err : fail(failureInfo(err, ctx), err);
    } finally {
      off();
    }
    this.#folderLimits.set(folder, limit);
    return limit;
  }

  async logout(): Promise<void> {
    if (this.#conn.usable) {
      const bye = this.#conn.command(['LOGOUT']).catch(() => undefined);
      await Promise.race([bye, this.#conn.whenClosed(), new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    this.#conn.destroy();
  }

  async close(): Promise<void> {
    this.#conn.destroy();
    await Promise.race([this.#conn.whenClosed(), new Promise((r) => setTimeout(r, 1000).unref())]);
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.floor(n)));
}
