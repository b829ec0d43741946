/**
 * Numbers the window derives from a progress snapshot. Shared so that main (logs) and the window agree.
 * Plain data only.
 */
import type { MailboxProgress } from './progress.js';

/** Share of the planned messages handled (copied or failed), 0..1; 1 for a finished mailbox with nothing to do. */
export function messageFraction(p: MailboxProgress): number {
  if (p.planned > 0) return Math.min(1, (p.copied + p.failed) / p.planned);
  return p.state === 'done' ? 1 : 0;
}

/** Share of the planned bytes copied, 0..1. */
export function byteFraction(p: MailboxProgress): number {
  if (p.bytesPlanned > 0) return Math.min(1, p.bytesCopied / p.bytesPlanned);
  return p.state === 'done' ? 1 : 0;
}

/** Folders finished / folders that are copied at all (views and excluded folders do not count). */
export function folderCounts(p: MailboxProgress): { done: number; total: number } {
  const copied = p.folders.filter((f) => f.target !== null);
  return { done: copied.filter((f) => f.done).length, total: copied.length };
}
