/**
 * A mailbox whose source is a Google Takeout export ("source": { "takeout": "x.tgz", "user": ... }), run
 * end to end as run/run-migration.ts runs an IMAP mailbox: the same run lock, progress, retries, ledger
 * and report. The passes: sign in to the destination; read the file once (takeout-scan.ts: labels, counts,
 * damage) unless the ledger shows this very file imported completely; map and create folders
 * (takeout-plan.ts); stream it again and append (takeout-copy.ts).
 *
 * Its ledger rows live under a mailbox key of their own, `<id> (Google Takeout)`: the ledger lets one row
 * per mailbox key claim a destination message, and a later IMAP delta of the same mailbox must be able to
 * claim the copies this import made (as "already there"), as this import claims copies an IMAP pass made.
 */
import { basename } from 'node:path';
import { sleep } from '../connect/backoff.js';
import type { Login } from '../connect/credentials.js';
import type { ByteBudget } from '../copy/byte-budget.js';
import type { RateLimiter } from '../copy/rate-limiter.js';
import { MailferryError, type ErrorInfo } from '../errors/errors.js';
import { classifyAs } from '../errors/side-errors.js';
import { combine, describeWindow } from '../job/date-window.js';
import type { JobOptions, MailboxJob } from '../job/job.js';
import type { Ledger } from '../ledger/ledger.js';
import { SourceMetaCache } from '../plan/source-meta-cache.js';
import { noteDestinationChanges } from '../report/destination-readback.js';
import type { MailboxContext } from '../run/mailbox-context.js';
import { ProgressTracker } from '../run/progress-tracker.js';
import { nextStep, type MailboxResult, type RunOptions } from '../run/run-migration.js';
import { UNKNOWN_PROFILE } from '../servers/server-profiles.js';
import { MailboxLock } from '../state/run-lock.js';
import { openExport, type ExportFile } from './export-file.js';
import { destinationPools } from './takeout-context.js';
import { copyExport } from './takeout-copy.js';
import { roleOf, takeoutNotes } from './takeout-notes.js';
import { planImport, type TakeoutPlan } from './takeout-plan.js';
import { scanExport, type ExportScan } from './takeout-scan.js';

export type TakeoutMailbox = MailboxJob & { source: { takeout: string } };

export const isTakeoutMailbox = (m: MailboxJob): m is TakeoutMailbox => m.source.takeout !== undefined;

export interface TakeoutRun {
  mb: TakeoutMailbox;
  options: JobOptions;
  run: RunOptions & { signal: AbortSignal };
  openLedger: () => Ledger;
  budget: ByteBudget;
  bandwidth: RateLimiter;
  destination: Login;
}

/** The ledger's mailbox key for the rows of a Takeout import (see the file comment). */
export const takeoutLedgerId = (id: string): string => `${id} (Google Takeout)`;

export async function runTakeoutMailbox(t: TakeoutRun): Promise<MailboxResult> {
  const tracker = new ProgressTracker(t.mb.id, t.run.onProgress);
  let lock: MailboxLock | undefined;
  if (!t.run.dryRun) {
    try {
      lock = MailboxLock.acquire(t.mb, t.run.stateDir, t.run.runBy ?? 'mailferry');
    } catch (err) {
      return finish(t, tracker, err instanceof MailferryError ? err.toInfo() : toInfo(t.mb, err), [], [], false);
    }
  }
  try {
    return await importLocked(t, tracker);
  } finally {
    lock?.release();
  }
}

async function importLocked(t: TakeoutRun, tracker: ProgressTracker): Promise<MailboxResult> {
  const { mb, options, run } = t;
  const pools = destinationPools(mb, t.destination, { ...options, signal: run.signal }, tracker);
  const failures: MailboxContext['failures'] = [];
  const notes: string[] = [];
  const window = combine(run.received, mb.received, options.received);
  let file: ExportFile | undefined;
  let scan: ExportScan | undefined;
  let error: ErrorInfo | undefined;
  let connected = false;
  try {
    for (let attempt = 1; ; attempt++) {
      failures.length = 0; // a new attempt retries the refused messages and reports them afresh
      const copiedBefore = tracker.copied;
      try {
        tracker.setState('connecting');
        await pools.destination.use(async () => {}, run.signal);
        connected = true;
        const ctx: MailboxContext = {
          job: { ...mb, id: takeoutLedgerId(mb.id) }, options, ledger: t.openLedger(), tracker, ...pools, budget: t.budget, bandwidth: t.bandwidth,
          sourceMeta: new SourceMetaCache(), dryRun: !!run.dryRun, signal: run.signal, failures, notes, destinationProfile: UNKNOWN_PROFILE,
          window, outsideWindow: 0, retryFailed: !!run.retryFailed, deleteMissing: false, synced: { changed: 0, deleted: 0 },
        };
        if (ctx.ledger.privacyNote) notes.push(ctx.ledger.privacyNote);
        if (!ctx.dryRun) {
          ctx.ledger.history.recordEndpoints({ id: ctx.job.id, source: { host: `Google Takeout: ${basename(mb.source.takeout)}`, user: mb.source.user, auth: 'takeout' }, destination: mb.destination });
        }
        tracker.setState('planning');
        tracker.beginPlan();
        file ??= await openExport(mb.source.takeout);
        if (!ctx.retryFailed && importedBefore(ctx, file)) break;
        scan ??= await scanExport(file, window, run.signal);
        const plan = await pools.destination.use((dst) => planImport(ctx, dst, file!, scan!), run.signal);
        notes.push(...takeoutNotes(scan, run.deleteMissing ?? options.deleteMissing));
        if (!ctx.dryRun) {
          tracker.setState('copying');
          await copyExport(ctx, file, plan);
          markComplete(ctx, file, scan, plan);
          await noteDestinationChanges(ctx);
        }
        error = undefined;
        break;
      } catch (err) {
        if (run.signal.aborted) break;
        error = toInfo(mb, err);
        if (tracker.copied > copiedBefore) attempt = 1; // failures in a row count, not failures in all
        const next = nextStep(error, attempt, connected, options);
        if (next === undefined) break;
        const delayMs = Math.max(next.delayMs, pools.throttle.holdMs);
        tracker.setState(next.state, error, Date.now() + delayMs);
        try {
          await sleep(delayMs, run.signal);
        } catch {
          break;
        }
      }
    }
  } finally {
    await pools.close();
  }
  if (window && scan && scan.outsideWindow > 0) notes.push(`Only messages ${describeWindow(window)} were copied in this pass; ${scan.outsideWindow} others are left for a later one.`);
  return finish(t, tracker, error, failures, notes, connected);
}

/**
 * The ledger shows this very file imported completely (every folder's rows finished, marked complete by
 * markComplete): nothing to read. A re-run of a finished import takes a second, not another pass over
 * tens of GB.
 */
function importedBefore(ctx: MailboxContext, file: ExportFile): boolean {
  const rows = ctx.ledger.history.folders(ctx.job.id).flatMap((f) => ctx.ledger.getFolder(ctx.job.id, f.sourcePath) ?? []).filter((cp) => cp.uidValidity === file.identity);
  if (rows.length === 0 || rows.some((cp) => cp.uidNext === 0)) return false;
  if (rows.some((cp) => ctx.ledger.finishedUids(ctx.job.id, cp.sourcePath, file.identity).size < cp.messages)) return false;
  // The first run's order: INBOX first, then by name as mapFolders sorts.
  rows.sort((a, b) => Number(b.sourcePath === 'INBOX') - Number(a.sourcePath === 'INBOX') || (a.sourcePath < b.sourcePath ? -1 : 1));
  for (const cp of rows) {
    ctx.tracker.addFolder({ source: cp.sourcePath, target: cp.targetPath, role: roleOf(cp.sourcePath), sourceCount: cp.messages });
    ctx.tracker.folderDone(cp.sourcePath);
  }
  ctx.notes.push(`Nothing new: ${basename(file.path)} was imported completely by an earlier run.`);
  return true;
}

/** Every message of the file (no window, nothing refused) is finished: the file is marked complete. */
function markComplete(ctx: MailboxContext, file: ExportFile, scan: ExportScan, plan: TakeoutPlan): void {
  if (ctx.window || ctx.retryFailed || ctx.failures.length > 0) return;
  const works = [...plan.works.values()];
  if (works.some((w) => ctx.ledger.finishedUids(ctx.job.id, w.work.mapping.source, file.identity).size < w.count)) return;
  for (const w of works) {
    const { source, target } = w.work.mapping;
    ctx.ledger.putFolder({ mailbox: ctx.job.id, sourcePath: source, uidValidity: file.identity, uidNext: scan.messages + 1, messages: w.count, targetPath: target });
  }
}

function finish(t: TakeoutRun, tracker: ProgressTracker, error: ErrorInfo | undefined, failures: MailboxContext['failures'], notes: string[], connected: boolean): MailboxResult {
  const { run } = t;
  if (run.signal.aborted) tracker.setState('cancelled', { code: 'CANCELLED', message: 'Stopped on request; run again to resume.', retryable: true });
  else if (error) tracker.setState('failed', error);
  else tracker.setState('done');
  tracker.flush();
  const p = tracker.snapshot();
  if (connected && !run.dryRun) {
    try {
      t.openLedger().recordRun({
        mailbox: takeoutLedgerId(t.mb.id), startedAt: p.startedAt ?? Date.now(), finishedAt: p.finishedAt ?? Date.now(), state: p.state,
        copied: p.copied, present: p.present, failed: p.failed, bytes: p.bytesCopied, ...(error ? { errorCode: error.code } : {}),
      });
    } catch {
      // The ledger could not be opened or written: that error is already this mailbox's reported error.
    }
  }
  const result: MailboxResult = { id: t.mb.id, ok: !error && !run.signal.aborted && failures.length === 0, progress: p, failures, notes: [...new Set(notes)] };
  if (error) result.error = error;
  return result;
}

/** The export's own errors are MailferryErrors already; the rest came from the destination. */
function toInfo(mb: MailboxJob, err: unknown): ErrorInfo {
  if (err instanceof MailferryError) return err.toInfo();
  const e = err as { code?: unknown; responseText?: unknown } | null;
  if (e && typeof e === 'object' && (typeof e.code === 'string' || e.responseText !== undefined)) return classifyAs(mb, 'destination', err);
  return { code: 'INTERNAL', message: `Unexpected error: ${(err as Error)?.message ?? String(err)}`, retryable: false };
}
