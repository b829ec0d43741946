/**
 * The second pass: the export streamed once more, message by message, each appended to its folders with
 * the engine's destination writer (copy/append-batch.ts: ledger intents before APPEND, done with the
 * APPENDUID after, refusals listed). Bodies in memory count against the run's byte budget; one batch is
 * appended while the next is read. Per batch and folder, what the destination already held is matched
 * first (DestinationIndex) and recorded as present, not copied. A lost destination connection is retried
 * here, batch by batch, after looking on the destination for what the lost batch may have stored: a cut
 * link does not restart a file of tens of GB.
 */
import { backoffDelay, sleep } from '../connect/backoff.js';
import { AppendGuard, appendBatch, type Batch } from '../copy/append-batch.js';
import { BatchGatherer } from '../copy/batch-gatherer.js';
import { classifyAs, onSide } from '../errors/side-errors.js';
import { inWindow } from '../job/date-window.js';
import { fetchFingerprints, readFolderMeta, type MessageMeta } from '../plan/folder-scan.js';
import { matchMessages, type Match } from '../plan/identity-match.js';
import { contentFingerprint, headerEnd, identityOf } from '../plan/message-identity.js';
import { copyFlags, keeps } from '../plan/keywords.js';
import { facts, ref } from '../plan/mailbox-plan.js';
import type { MailboxContext } from '../run/mailbox-context.js';
import { readMbox, type ExportFile } from './export-file.js';
import { parseMboxMessage, peekMbox } from './mbox-message.js';
import { splitMbox } from './mbox-split.js';
import { readLabels } from './takeout-labels.js';
import type { TakeoutPlan, TakeoutWork } from './takeout-plan.js';

/** Failures of one connection, retried here; anything else ends the pass (the run decides). */
const TRANSIENT = new Set(['CONNECTION_LOST', 'CONNECTION_STALLED', 'TIMEOUT', 'SESSION_EXPIRED', 'THROTTLED']);

export async function copyExport(ctx: MailboxContext, file: ExportFile, plan: TakeoutPlan): Promise<void> {
  const { where, chunks } = await readMbox(file);
  const guard = new AppendGuard();
  const gatherer = new BatchGatherer<TakeoutWork>(ctx.budget, ctx.signal, (w, batch) => placeBatch(ctx, w, batch, guard));
  const wanted = (w: TakeoutWork | undefined, ordinal: number): w is TakeoutWork =>
    !!w && !w.finished.has(ordinal) && (!ctx.retryFailed || w.failed.has(ordinal));
  try {
    for await (const entry of splitMbox(chunks, where)) {
      // Stopping abandons the messages being gathered (nothing recorded yet) but lets the append in flight finish.
      ctx.signal.throwIfAborted();
      const head = peekMbox(entry.bytes);
      if (!inWindow(head.receivedAt, ctx.window)) continue;
      const labels = readLabels(head.labelHeader);
      const works = plan.place(labels).map((p) => plan.works.get(p)).filter((w) => wanted(w, entry.ordinal));
      if (works.length === 0) continue;
      const { raw, receivedAt } = parseMboxMessage(entry.bytes);
      const meta: MessageMeta = {
        uid: entry.ordinal, size: raw.length, internalDate: receivedAt, flags: labels.flags, labels: labels.labels,
        ...identityOf(raw.subarray(0, headerEnd(raw)), receivedAt),
      };
      await gatherer.add(raw.length, works.map((w) => {
        const flags = copyFlags(meta, ctx.options.labelsAsKeywords).filter((f) => keeps(w.work.permanentFlags, f));
        return [w, { meta, item: { raw, flags, internalDate: receivedAt } }];
      }));
      if (gatherer.full) await gatherer.flush();
    }
    await gatherer.finish();
  } finally {
    await gatherer.close();
  }
  for (const w of plan.works.values()) ctx.tracker.folderDone(w.work.mapping.source);
}

/** One folder's share of a batch: what the destination holds already is recorded, the rest appended. */
async function placeBatch(ctx: MailboxContext, w: TakeoutWork, batch: Batch, guard: AppendGuard): Promise<void> {
  let left = batch;
  if (!w.index.empty) {
    const { found, missing } = await match(ctx, w, batch, w.index.candidates(batch.map((b) => b.meta)));
    recordFound(ctx, w, found, false);
    left = batch.filter((b) => missing.includes(b.meta));
  }
  for (let attempt = 1; left.length > 0; attempt++) {
    try {
      await ctx.writers.use((writer) => appendBatch(ctx, w.work, writer, left, guard), ctx.signal);
      return;
    } catch (err) {
      const info = classifyAs(ctx.job, 'destination', err);
      if (ctx.signal.aborted || !TRANSIENT.has(info.code) || attempt >= ctx.options.retryAttempts) throw err;
      const delay = Math.max(backoffDelay(attempt, ctx.options.retryBaseMs, ctx.options.retryMaxMs), ctx.throttle.holdMs);
      ctx.tracker.setState('retrying', info, Date.now() + delay);
      await sleep(delay, ctx.signal);
      ctx.tracker.setState('copying');
      left = await inDoubt(ctx, w, left);
    }
  }
}

/**
 * After a lost connection: drops what the ledger now shows as finished or this run saw refused, and looks
 * on the destination for the messages whose APPEND may have happened (intent recorded, no answer).
 */
async function inDoubt(ctx: MailboxContext, w: TakeoutWork, batch: Batch): Promise<Batch> {
  const { source, target } = w.work.mapping;
  const { uidValidity } = w.work.status;
  const finished = ctx.ledger.finishedUids(ctx.job.id, source, uidValidity);
  const refused = new Set(ctx.failures.filter((f) => f.folder === source).map((f) => f.uid));
  const left = batch.filter((b) => !finished.has(b.meta.uid) && !refused.has(b.meta.uid));
  const pending = ctx.ledger.pending(ctx.job.id, source, uidValidity);
  const doubtful = left.filter((b) => pending.has(b.meta.uid));
  if (doubtful.length === 0) return left;
  const read = await ctx.destination.use((dst) => onSide(ctx.job, 'destination', () => readFolderMeta(dst, target)), ctx.signal);
  const claimed = ctx.ledger.claimedDestUids(ctx.job.id, target, read.uidValidity);
  const { found } = await match(ctx, w, doubtful, read.metas.filter((d) => !claimed.has(d.uid)));
  recordFound(ctx, w, found, true, read.uidValidity);
  const landed = new Set(found.map((f) => f.meta.uid));
  return left.filter((b) => !landed.has(b.meta.uid));
}

/** plan/identity-match.ts over a batch; fingerprints of the batch's own bytes, the destination's fetched. */
function match(ctx: MailboxContext, w: TakeoutWork, batch: Batch, destination: MessageMeta[]): Promise<{ found: Match[]; missing: MessageMeta[] }> {
  const raw = new Map(batch.map((b) => [b.meta.uid, b.item.raw]));
  const target = w.work.mapping.target;
  return matchMessages(batch.map((b) => b.meta), destination, {
    source: async (uids) => new Map(uids.map((u) => [u, contentFingerprint(raw.get(u)!)] as const)),
    destination: (uids) => ctx.destination.use((dst) => onSide(ctx.job, 'destination', () => fetchFingerprints(dst, target, uids)), ctx.signal),
    rebuilds: ctx.destinationProfile.rebuilds,
  });
}

/** Found on the destination: a copy of ours whose answer was lost (done), else one already there (present). */
function recordFound(ctx: MailboxContext, w: TakeoutWork, found: Match[], ours: boolean, uidValidity?: number): void {
  if (found.length === 0) return;
  const { source, target } = w.work.mapping;
  for (const f of found) w.index.take(f.destUid);
  if (ours) {
    for (const f of found) {
      ctx.ledger.markDone(ref(ctx, source, w.work.status, f.meta.uid), uidValidity ?? null, f.destUid);
      ctx.tracker.count(source, 'copied', 1, f.meta.size);
    }
    return;
  }
  ctx.ledger.recordFinished(found.map((f) => ({
    ref: ref(ctx, source, w.work.status, f.meta.uid), facts: facts(target, f.meta), state: 'present' as const,
    destUidValidity: w.index.uidValidity, destUid: f.destUid,
  })));
  ctx.tracker.count(source, 'present', found.length);
}
