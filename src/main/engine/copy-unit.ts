import type { ImapFlow } from 'imapflow';
import { matchByKey } from './archive-selection.js';
import { backoffDelay, sleep } from './backoff.js';
import { classifyError } from './classify-error.js';
import { MailferryError, type ErrorInfo } from './errors.js';
import type { AppendItem, DestinationWriter } from './destination-writer.js';
import { readFolderMeta, type MessageMeta } from './folder-scan.js';
import { facts, ref, type FolderWork } from './mailbox-plan.js';
import type { MailboxContext } from './mailbox-context.js';
import { sha256Hex } from './message-key.js';
import { toUidSet } from './uid-set.js';

/** Failures that concern the whole mailbox: the run decides (wait for the quota, stop), not the unit. */
const MAILBOX_WIDE = new Set(['SOURCE_OVER_QUOTA', 'DEST_OVER_QUOTA', 'AUTH_FAILED', 'APP_PASSWORD_REQUIRED', 'WEB_LOGIN_REQUIRED', 'IMAP_DISABLED_ACCOUNT', 'IMAP_DISABLED_DOMAIN', 'OAUTH_SIGN_IN_AGAIN']);
/** Messages appended per writer call (the batch is also bounded by the byte budget). */
const BATCH_MESSAGES = 32;
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Copies one range of one folder. Each attempt borrows a source and a destination connection; after a lost
 * connection the next attempt first reconciles the in-doubt messages against the destination, then goes on
 * with what the ledger does not show as finished.
 */
export async function copyUnit(ctx: MailboxContext, work: FolderWork, metas: MessageMeta[]): Promise<void> {
  let remaining = metas;
  for (let attempt = 1; ; attempt++) {
    ctx.signal.throwIfAborted();
    try {
      await ctx.source.use((src) => ctx.writers.use((writer) => copyAttempt(ctx, work, remaining, src, writer), ctx.signal), ctx.signal);
      return;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const info = toInfo(ctx, err);
      if (!info.retryable || MAILBOX_WIDE.has(info.code) || attempt >= ctx.options.retryAttempts) throw new MailferryError(info, { cause: err });
      if (info.code === 'TOO_MANY_CONNECTIONS') lowerConnections(ctx, info);
      const delay = backoffDelay(attempt, ctx.options.retryBaseMs, ctx.options.retryMaxMs);
      ctx.tracker.setState('retrying', info, Date.now() + delay);
      await sleep(delay, ctx.signal);
      ctx.tracker.setState('copying');
      const finished = ctx.ledger.finishedUids(ctx.job.id, work.mapping.source, work.status.uidValidity);
      remaining = remaining.filter((m) => !finished.has(m.uid));
    }
  }
}

async function copyAttempt(ctx: MailboxContext, work: FolderWork, metas: MessageMeta[], src: ImapFlow, writer: DestinationWriter): Promise<void> {
  const { source } = work.mapping;
  const left = await onDestination(ctx, () => reconcileInDoubt(ctx, work, metas));
  if (left.length === 0) return;
  const byUid = new Map(left.map((m) => [m.uid, m]));
  const lock = await src.getMailboxLock(source, { readOnly: true });
  try {
    if (Number(src.mailbox && src.mailbox.uidValidity) !== work.status.uidValidity) {
      throw new MailferryError({ code: 'INTERNAL', message: `"${source}" was renumbered on the source during the run; it will be re-planned on the next run.`, retryable: false });
    }
    let batch: Array<{ meta: MessageMeta; item: AppendItem }> = [];
    let batchBytes = 0;
    // One batch is appended while the next is fetched: the source stream and the destination overlap.
    let inFlight: Promise<void> | undefined;
    const flush = async () => {
      await inFlight;
      if (batch.length === 0) return;
      const b = batch;
      const bytes = batchBytes;
      batch = [];
      batchBytes = 0;
      inFlight = appendBatch(ctx, work, writer, b).finally(() => ctx.budget.release(bytes));
      inFlight.catch(() => {}); // observed by the next flush; never an unhandled rejection meanwhile
    };
    try {
      for await (const msg of src.fetch(toUidSet(byUid.keys()), { uid: true, source: true }, { uid: true })) {
        // Stopping abandons the batch being gathered (nothing recorded yet) but lets the one in flight finish.
        ctx.signal.throwIfAborted();
        const meta = byUid.get(msg.uid);
        if (!meta) continue;
        const raw = msg.source ?? Buffer.alloc(0);
        await ctx.budget.acquire(raw.length, ctx.signal);
        batch.push({ meta, item: { raw, flags: appendFlags(meta.flags), internalDate: meta.internalDate } });
        batchBytes += raw.length;
        if (batch.length >= BATCH_MESSAGES || batchBytes >= BATCH_BYTES) {
          await flush();
          await ctx.throttle.pause(ctx.signal);
        }
      }
      await flush();
      await inFlight;
    } finally {
      ctx.budget.release(batchBytes);
      await inFlight?.catch(() => {});
    }
  } finally {
    lock.release();
  }
}

async function appendBatch(ctx: MailboxContext, work: FolderWork, writer: DestinationWriter, batch: Array<{ meta: MessageMeta; item: AppendItem }>): Promise<void> {
  const { source, target } = work.mapping;
  ctx.ledger.recordIntents(batch.map(({ meta, item }) => ({ ref: ref(ctx, source, work.status, meta.uid), facts: facts(target, meta), sha256: sha256Hex(item.raw) })));
  const outcomes = await writer.append(target, batch.map((b) => b.item));
  ctx.throttle.succeeded();
  outcomes.forEach((o, i) => {
    const { meta, item } = batch[i]!;
    const r = ref(ctx, source, work.status, meta.uid);
    if (o.ok) {
      ctx.ledger.markDone(r, o.uidValidity ?? null, o.uid ?? null);
      ctx.tracker.count(source, 'copied', 1, item.raw.length);
    } else {
      ctx.ledger.markFailed(r, facts(target, meta), `${o.error.code}: ${o.error.message}`);
      ctx.tracker.count(source, 'failed');
      ctx.failures.push({
        folder: source, target, uid: meta.uid, size: meta.size, date: meta.internalDate.toISOString(),
        subject: subjectOf(item.raw), code: o.error.code, reason: o.error.message,
      });
    }
  });
}

/**
 * Messages whose APPEND may have happened (intent recorded, no confirmation) are looked for among the
 * destination messages no ledger row claims; found ones are recorded, the rest are copied again.
 */
async function reconcileInDoubt(ctx: MailboxContext, work: FolderWork, metas: MessageMeta[]): Promise<MessageMeta[]> {
  const { source, target } = work.mapping;
  const pending = ctx.ledger.pendingUids(ctx.job.id, source, work.status.uidValidity);
  const inDoubt = metas.filter((m) => pending.has(m.uid));
  if (inDoubt.length === 0) return metas;
  const { metas: destMetas, uidValidity } = await ctx.destination.use((dst) => readFolderMeta(dst, target), ctx.signal);
  const claimed = ctx.ledger.claimedDestUids(ctx.job.id, target, uidValidity);
  const { found } = matchByKey(inDoubt, destMetas.filter((d) => !claimed.has(d.uid)));
  for (const f of found) {
    ctx.ledger.markDone(ref(ctx, source, work.status, f.meta.uid), uidValidity, f.destUid);
    ctx.tracker.count(source, 'copied', 1, f.meta.size);
  }
  const done = new Set(found.map((f) => f.meta.uid));
  return metas.filter((m) => !done.has(m.uid));
}

/** "Too many simultaneous connections": one fewer for this account from now on (other clients need theirs). */
function lowerConnections(ctx: MailboxContext, info: ErrorInfo): void {
  const pool = info.details?.side === 'destination' ? ctx.writers : ctx.source;
  pool.setMax(pool.max - 1);
  ctx.notes.push(`${info.details?.side === 'destination' ? 'The destination' : 'Gmail'} refused a connection as one too many; using at most ${pool.max} from now on.`);
}

/** \Recent is session state and cannot be set by APPEND. */
function appendFlags(flags: string[]): string[] {
  return flags.filter((f) => f.toLowerCase() !== '\\recent');
}

function subjectOf(raw: Buffer): string {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const m = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(end >= 0 ? head.slice(0, end) : head);
  return (m?.[1] ?? '').replace(/\r?\n[ \t]+/g, ' ').slice(0, 200);
}

/** Runs destination-side work so that its failures are classified as the destination's. */
async function onDestination<T>(ctx: MailboxContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MailferryError) throw err;
    const d = ctx.job.destination;
    throw new MailferryError(classifyError(err, { side: 'destination', host: d.host, port: d.port, phase: 'other' }), { cause: err });
  }
}

function toInfo(ctx: MailboxContext, err: unknown): ErrorInfo {
  if (err instanceof MailferryError) return err.toInfo();
  return classifyError(err, { side: 'source', host: ctx.job.source.host, port: ctx.job.source.port, phase: 'fetch' });
}
