import { GMAIL_DAILY_DOWNLOAD_BYTES } from '../preflight/connection-test.js';

const DAY_MS = 86_400_000;
/** The recent pace is measured over the runs of the last week before the latest one finished. */
export const PACE_WINDOW_MS = 7 * DAY_MS;

/** How long the rest of a mailbox takes: the floor Gmail's download limit sets, and what the recent runs imply. */
export interface WorkEstimate {
  /** About how many bytes are left to copy; null when the ledger knows no message size of this mailbox yet. */
  bytesToCopy: number | null;
  /** Whole days Gmail's daily download limit (2,500 MB) makes that take at least; 0 when nothing is left. */
  gmailLimitDays: number | null;
  /** Bytes copied per day by the runs of the last week (a span under a day counts as one day). */
  recentBytesPerDay: number | null;
  /** Whole days the rest takes at that pace. */
  daysAtRecentPace: number | null;
}

export interface WorkInput {
  /** Messages not copied yet (refused ones are not counted: running again does not make them fit). */
  messagesToCopy: number;
  /** Average size of the mailbox's messages the ledger has seen; null when it has seen none. */
  averageSize: number | null;
  runs: ReadonlyArray<{ startedAt: number; finishedAt: number; bytes: number }>;
}

/**
 * The remaining work in days. Sizes of messages not recorded yet are estimated from the average of those
 * recorded (the ledger records a message when its copy starts), so the figure is "about". Gmail's limit
 * counts downloads: a message under several labels is downloaded once but copied into each folder, so for a
 * mailbox with many multi-label messages the figures lean high.
 */
export function estimateWork(input: WorkInput): WorkEstimate {
  const bytesToCopy = input.messagesToCopy === 0 ? 0 : input.averageSize === null ? null : Math.round(input.messagesToCopy * input.averageSize);
  const recentBytesPerDay = recentPace(input.runs);
  return {
    bytesToCopy,
    gmailLimitDays: bytesToCopy === null ? null : Math.ceil(bytesToCopy / GMAIL_DAILY_DOWNLOAD_BYTES),
    recentBytesPerDay,
    daysAtRecentPace: bytesToCopy === 0 ? 0 : bytesToCopy === null || recentBytesPerDay === null ? null : Math.ceil(bytesToCopy / recentBytesPerDay),
  };
}

/**
 * Bytes per day over the runs that finished in the week before the latest one. Measured per calendar span
 * (first start to last finish), not per running hour: the pauses between runs (waiting for Gmail's quota,
 * a laptop closed overnight) are part of the pace a client will see.
 */
export function recentPace(runs: WorkInput['runs']): number | null {
  if (runs.length === 0) return null;
  const last = Math.max(...runs.map((r) => r.finishedAt));
  const recent = runs.filter((r) => r.finishedAt >= last - PACE_WINDOW_MS);
  const bytes = recent.reduce((s, r) => s + r.bytes, 0);
  if (bytes === 0) return null;
  // A run that began before the week is measured whole: its bytes came over its whole span.
  const first = Math.min(...recent.map((r) => r.startedAt));
  return bytes / (Math.max(DAY_MS, last - first) / DAY_MS);
}
