import type { ImapFlow } from 'imapflow';
import { backoffDelay, sleep } from '../connect/backoff.js';
import { MailferryError, type ErrorInfo } from '../errors/errors.js';
import { AppendGuard, appendBatch } from './append-batch.js';
import { BatchGatherer } from './batch-gatherer.js';
import type { FastWriter } from './imap-append/multi-writer.js';
import { copyLargeItem, STREAM_FROM_BYTES } from './large-message.js';
import { fetchFingerprints, readFolderMeta, type MessageMeta } from '../plan/folder-scan.js';
import { copyFlags, keeps } from '../plan/keywords.js';
import { ref, type FolderWork } from '../plan/mailbox-plan.js';
import type { MailboxContext } from '../run/mailbox-context.js';
import { matchMessages } from '../plan/identity-match.js';
import { classifyAs, onSide } from '../errors/side-errors.js';
import { toUidSet } from '../plan/uid-set.js';

/** Failures that concern the whole mailbox: the run decides (wait for the quota, stop), not the unit. */
const MAILBOX_WIDE = new Set(['SOURCE_OVER_QUOTA', 'DEST_OVER_QUOTA', 'AUTH_FAILED', 'APP_PASSWORD_REQUIRED', 'WEB_LOGIN_REQUIRED', 'IMAP_DISABLED_ACCOUNT', 'IMAP_DISABLED_DOMAIN', 'OAUTH_SIGN_IN_AGAIN']);

/** One body to download and every folder it goes to: one, or on Gmail each label of the message. */
export interface CopyItem {
  /** UID of the message in the folder the unit fetches from. */
  uid: number;
  size: number;
  entries: Array<{ work: FolderWork; meta: MessageMeta }>;
}

/** A slice of work that fetches from one source folder. */
export interface CopyUnit {
  from: FolderWork;
  items: CopyItem[];
}

/**
 * Copies one unit. Each attempt borrows a source connection and a destination writer; after a lost
 * connection the next attempt first reconciles the in-doubt messages against the destination, then goes on
 * with what the ledger does not show as finished.
 */
export async function copyUnit(ctx: MailboxContext, unit: CopyUnit): Promise<void> {
  let items = unit.items;
  const guard = new AppendGuard();
  for (let attempt = 1; ; attempt++) {
    ctx.signal.throwIfAborted();
    try {
      await ctx.source.use((src) => ctx.writers.use((writer) => copyAttempt(ctx, unit.from, items, src, writer, guard), ctx.signal), ctx.signal);
      return;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const info = toInfo(ctx, err);
      if (!info.retryable || MAILBOX_WIDE.has(info.code) || attempt >= ctx.options.retryAttempts) throw new MailferryError(info, { cause: err });
      if (info.code === 'TOO_MANY_CONNECTIONS') lowerConnections(ctx, info);
      // A server that named its backoff (Exchange) is not asked again before it has passed.
      const delay = Math.max(backoffDelay(attempt, ctx.options.retryBaseMs, ctx.options.retryMaxMs), ctx.throttle.holdMs);
      ctx.tracker.setState('retrying', info, Date.now() + delay);
      await sleep(delay, ctx.signal);
      ctx.tracker.setState('copying');
      const before = items.length;
      items = unfinished(ctx, items);
      // Attempts count failures in a row: an attempt that got messages across starts the count again, so
      // a link that drops every few minutes still finishes a big unit.
      if (items.length < before) attempt = 0;
    }
  }
}

/**
 * Drops the entries the ledger shows as finished or this run already saw refused (a refusal is an answer:
 * sent again after a reconnect it would only be refused, counted and listed again), and the items left
 * with none.
 */
function unfinished(ctx: MailboxContext, items: CopyItem[]): CopyItem[] {
  const refused = new Set(ctx.failures.map((f) => `${f.folder}\u0000${f.uid}`));
  const finished = new Map<FolderWork, Set<number>>();
  const done = (w: FolderWork) => {
    let set = finished.get(w);
    if (!set) finished.set(w, (set = ctx.ledger.finishedUids(ctx.job.id, w.mapping.source, w.status.uidValidity)));
    return set;
  };
  const left = (e: CopyItem['entries'][number]) => !done(e.work).has(e.meta.uid) && !refused.has(`${e.work.mapping.source}\u0000${e.meta.uid}`);
  return items.map((it) => ({ ...it, entries: it.entries.filter(left) })).filter((it) => it.entries.length > 0);
}

async function copyAttempt(ctx: MailboxContext, from: FolderWork, items: CopyItem[], src: ImapFlow, writer: FastWriter, guard: AppendGuard): Promise<void> {
  const left = await onSide(ctx.job, 'destination', () => reconcileItems(ctx, items));
  if (left.length === 0) return;
  const { source } = from.mapping;
  // Large messages stream from source to destination (large-message.ts), after the batches.
  const streamed = (it: CopyItem) => it.size >= STREAM_FROM_BYTES && !guard.whole(`${source}\u0000${it.uid}`);
  const large = left.filter(streamed);
  const byUid = new Map(left.filter((it) => !streamed(it)).map((it) => [it.uid, it]));
  const lock = await src.getMailboxLock(source, { readOnly: true });
  try {
    if (Number(src.mailbox && src.mailbox.uidValidity) !== from.status.uidValidity) {
      throw new MailferryError({ code: 'INTERNAL', message: `"${source}" was renumbered on the source during the run; it will be re-planned on the next run.`, retryable: false });
    }
    // Bodies gathered per destination folder; one gathering is appended while the next is fetched.
    const gatherer = new BatchGatherer<FolderWork>(ctx.budget, ctx.signal, (work, batch) => appendBatch(ctx, work, writer, batch, guard));
    try {
      const batched = byUid.size > 0 ? src.fetch(toUidSet(byUid.keys()), { uid: true, source: true }, { uid: true }) : [];
      for await (const msg of batched) {
        // Stopping abandons the bodies being gathered (nothing recorded yet) but lets the append in flight finish.
        ctx.signal.throwIfAborted();
        const it = byUid.get(msg.uid);
        if (!it) continue;
        const raw = msg.source ?? Buffer.alloc(0);
        await ctx.bandwidth.take(raw.length, ctx.signal);
        await gatherer.add(raw.length, it.entries.map((e) => {
          const flags = copyFlags(e.meta, ctx.options.labelsAsKeywords).filter((f) => keeps(e.work.permanentFlags, f));
          return [e.work, { meta: e.meta, item: { raw, flags, internalDate: e.meta.internalDate } }];
        }));
        if (gatherer.full) {
          await gatherer.flush();
          await ctx.throttle.pause(ctx.signal);
        }
      }
      await gatherer.finish();
    } finally {
      await gatherer.close();
    }
    for (const it of large) {
      ctx.signal.throwIfAborted();
      await copyLargeItem(ctx, from, it, src, writer, guard);
      await ctx.throttle.pause(ctx.signal);
    }
  } finally {
    lock.release();
  }
}

/** Reconciles, per destination folder, the entries whose APPEND may have happened; returns what is left. */
async function reconcileItems(ctx: MailboxContext, items: CopyItem[]): Promise<CopyItem[]> {
  const byWork = new Map<FolderWork, MessageMeta[]>();
  for (const it of items) {
    for (const e of it.entries) {
      const list = byWork.get(e.work);
      if (list) list.push(e.meta);
      else byWork.set(e.work, [e.meta]);
    }
  }
  const landed = new Map<FolderWork, Set<number>>();
  for (const [work, metas] of byWork) landed.set(work, await reconcileInDoubt(ctx, work, metas));
  return items
    .map((it) => ({ ...it, entries: it.entries.filter((e) => !landed.get(e.work)!.has(e.meta.uid)) }))
    .filter((it) => it.entries.length > 0);
}

/**
 * Messages whose APPEND may have happened (intent recorded, no confirmation) are looked for among the
 * destination messages no ledger row claims. Returns the UIDs found there (now recorded as done).
 */
async function reconcileInDoubt(ctx: MailboxContext, work: FolderWork, metas: MessageMeta[]): Promise<Set<number>> {
  const { source, target } = work.mapping;
  const pending = ctx.ledger.pending(ctx.job.id, source, work.status.uidValidity);
  const inDoubt = metas.filter((m) => pending.has(m.uid));
  if (inDoubt.length === 0) return new Set();
  const { found, uidValidity } = await ctx.destination.use(async (dst) => {
    const { metas: destMetas, uidValidity } = await readFolderMeta(dst, target);
    const claimed = ctx.ledger.claimedDestUids(ctx.job.id, target, uidValidity);
    // What was sent is fingerprinted in the ledger: look-alikes on the destination are told apart without
    // downloading the source message again.
    const sent = async (uids: number[]) => new Map(uids.flatMap((u) => (pending.get(u) ? [[u, pending.get(u)!] as const] : [])));
    const r = await matchMessages(inDoubt, destMetas.filter((d) => !claimed.has(d.uid)), {
      source: sent, destination: (uids) => fetchFingerprints(dst, target, uids), rebuilds: ctx.destinationProfile.rebuilds,
    });
    return { found: r.found, uidValidity };
  }, ctx.signal);
  for (const f of found) {
    ctx.ledger.markDone(ref(ctx, source, work.status, f.meta.uid), uidValidity, f.destUid);
    ctx.tracker.count(source, 'copied', 1, f.meta.size);
  }
  return new Set(found.map((f) => f.meta.uid));
}

/** "Too many simultaneous connections": one fewer for this account from now on (other clients need theirs). */
function lowerConnections(ctx: MailboxContext, info: ErrorInfo): void {
  const pool = info.details?.side === 'destination' ? ctx.writers : ctx.source;
  pool.setMax(pool.max - 1);
  ctx.notes.push(`${info.details?.side === 'destination' ? 'The destination' : 'Gmail'} refused a connection as one too many; using at most ${pool.max} from now on.`);
}

function toInfo(ctx: MailboxContext, err: unknown): ErrorInfo {
  return classifyAs(ctx.job, 'source', err, 'fetch');
}
