/**
 * Adds up progress across the runs of one migration. Pause and resume are two engine runs: the second one
 * plans only what the ledger does not show as done, so on its own it would start from 0%. The window
 * wants one bar for the whole migration, so each run's snapshot is added to what earlier runs achieved
 * (the "carry").
 *
 * Copied, already-there and skipped messages add up (the ledger never hands them to a later run again).
 * Failed messages do not: every run retries them, so only the latest run's failures count.
 */
import type { FolderProgress, MailboxProgress } from '../../shared/progress.js';

/** States in which the current run has not finished planning yet. */
const PLANNING = new Set(['queued', 'connecting', 'planning']);

export function mergeProgress(carry: MailboxProgress | null, cur: MailboxProgress): MailboxProgress {
  if (!carry) return cur;
  const stillPlanning = PLANNING.has(cur.state);
  const planned = (c: { planned: number; copied: number }, p: number) => (stillPlanning ? Math.max(c.planned, c.copied + p) : c.copied + p);

  const folders: FolderProgress[] = [];
  const byName = new Map(cur.folders.map((f) => [f.source, f]));
  for (const old of carry.folders) {
    const now = byName.get(old.source);
    byName.delete(old.source);
    if (!now) {
      folders.push(old);
      continue;
    }
    folders.push({
      ...now,
      planned: planned(old, now.planned),
      copied: old.copied + now.copied,
      present: old.present + now.present,
      skipped: old.skipped + now.skipped,
      bytesCopied: old.bytesCopied + now.bytesCopied,
    });
  }
  folders.push(...byName.values());

  const merged: MailboxProgress = {
    ...cur,
    folders,
    planned: planned(carry, cur.planned),
    copied: carry.copied + cur.copied,
    present: carry.present + cur.present,
    failed: cur.failed,
    throttledReplies: carry.throttledReplies + cur.throttledReplies,
    // A carry saved by an earlier version has no such counter.
    stalledConnections: (carry.stalledConnections ?? 0) + cur.stalledConnections,
    bytesPlanned: stillPlanning ? Math.max(carry.bytesPlanned, carry.bytesCopied + cur.bytesPlanned) : carry.bytesCopied + cur.bytesPlanned,
    bytesCopied: carry.bytesCopied + cur.bytesCopied,
    startedAt: carry.startedAt ?? cur.startedAt,
  };
  return merged;
}

