import type { AccountThrottle } from '../connect/account-throttle.js';
import type { ByteBudget } from '../copy/byte-budget.js';
import type { ConnectionPool } from '../connect/connection-pool.js';
import type { FastWriter } from '../copy/imap-append/multi-writer.js';
import type { JobOptions, MailboxJob } from '../job/job.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ProgressTracker } from './progress-tracker.js';
import type { RateLimiter } from '../copy/rate-limiter.js';
import type { DateWindow } from '../job/date-window.js';
import type { ServerProfile } from '../servers/server-profiles.js';
import type { SourceMetaCache } from '../plan/source-meta-cache.js';
import type { FailureRecord } from '../../../shared/progress.js';

export type { FailureRecord };

/** Everything one mailbox's planning and copying needs; built by the run, shared by its units. */
export interface MailboxContext {
  job: MailboxJob;
  options: JobOptions;
  ledger: Ledger;
  tracker: ProgressTracker;
  source: ConnectionPool;
  /** imapflow connections to the destination: listing, creating folders, reconciling. */
  destination: ConnectionPool;
  /** Raw APPEND connections to the destination (MULTIAPPEND / pipelined LITERAL+ where offered). */
  writers: ConnectionPool<FastWriter>;
  budget: ByteBudget;
  /** Slows the account down while Gmail answers [THROTTLED]; fed by every connection's raw lines. */
  throttle: AccountThrottle;
  /** Source message metadata fetched so far in this run (re-planning after a drop fetches only what is new). */
  sourceMeta: SourceMetaCache;
  /** The user's download cap, shared by every mailbox of the run. */
  bandwidth: RateLimiter;
  dryRun: boolean;
  signal: AbortSignal;
  failures: FailureRecord[];
  /** Things the user should know that are not failures (renamed folders, UIDVALIDITY changes). */
  notes: string[];
  /** What the destination's family does (rebuilds messages, size limit), learned when planning starts. */
  destinationProfile: ServerProfile;
  /** This pass copies only messages received in this window (pre-stage, delta). */
  window: DateWindow | undefined;
  /** Messages left out by the window in this pass (for the note). */
  outsideWindow: number;
  /** --retry-failed: only the messages recorded as refused. */
  retryFailed: boolean;
  /** --delete-missing: delete copies whose message is gone from the source. */
  deleteMissing: boolean;
  /** What the delta did to copies already there: flag changes brought over, copies deleted. */
  synced: { changed: number; deleted: number };
}
