import PQueue from 'p-queue';
import { backoffDelay } from '../connect/backoff.js';
import { ByteBudget } from '../copy/byte-budget.js';
import { loginFor, type CredentialOptions, type Login } from '../connect/credentials.js';
import { MailferryError, type ErrorInfo } from '../errors/errors.js';
import type { Job, JobOptions, MailboxJob } from '../job/job.js';
import { Ledger } from '../ledger/ledger.js';
import type { FailureRecord } from './mailbox-context.js';
import { ProgressTracker } from './progress-tracker.js';
import { RateLimiter } from '../copy/rate-limiter.js';
import { MailboxLock } from '../state/run-lock.js';
import type { DateWindow } from '../job/date-window.js';
import { classifyAs } from '../errors/side-errors.js';
import { quickRerun } from './quick-rerun.js';
import type { MailboxProgress, ProgressListener } from '../../../shared/progress.js';

export interface RunOptions {
  /** Folder holding the ledger (mailferry.sqlite). */
  stateDir: string;
  /** Plan and report without creating folders, copying or writing the ledger. */
  dryRun?: boolean;
  /** Aborting stops every mailbox after its in-flight messages; the ledger stays consistent. */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Where passwords come from; default: passwordEnv or the OS keychain. */
  password?: CredentialOptions['password'];
  /** Fresh OAuth access tokens for 'oauth2' endpoints. */
  accessToken?: CredentialOptions['accessToken'];
  /** A download cap shared with other runs (the desktop app runs one per mailbox); default: the job's option. */
  bandwidth?: RateLimiter;
  /** What this run is, for the message that refuses a second run of the same mailbox ("mailferry migrate job.json"). */
  runBy?: string;
  /** Only messages received in this window, on top of the job's (`--since`, `--before`). */
  received?: DateWindow;
  /** Only the messages the ledger records as refused (`--retry-failed`). */
  retryFailed?: boolean;
  /** Delete on the destination what was deleted on the source (`--delete-missing`); default the job's option. */
  deleteMissing?: boolean;
}

export interface MailboxResult {
  id: string;
  ok: boolean;
  error?: ErrorInfo;
  progress: MailboxProgress;
  failures: FailureRecord[];
  notes: string[];
}

export interface RunResult {
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  mailboxes: MailboxResult[];
}

/**
 * Runs a whole job: every mailbox concurrently, each with its own connection pools (the per-account cap)
 * and all of them under the global connection cap and one byte budget.
 */
export async function runMigration(job: Job, opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const signal = opts.signal ?? new AbortController().signal;
  const credOpts: CredentialOptions = { ...(opts.password ? { password: opts.password } : {}), ...(opts.accessToken ? { accessToken: opts.accessToken } : {}) };
  // A Takeout export as the source is a file: nothing to sign in to there (its code loads only when used).
  const takeout = job.mailboxes.some((m) => m.source.takeout !== undefined) ? await import('../takeout/takeout-run.js') : undefined;
  // Credentials first: a missing secret is reported before anything connects or is written.
  const secrets = job.mailboxes.map((m) => ({
    source: takeout?.isTakeoutMailbox(m) ? undefined : loginFor('source', m.source, credOpts), destination: loginFor('destination', m.destination, credOpts),
  }));
  const budget = new ByteBudget(job.options.memoryBudgetMB * 1024 * 1024);
  const bandwidth = opts.bandwidth ?? new RateLimiter(job.options.bandwidthLimitKBps * 1024);
  const global = new PQueue({ concurrency: Math.max(1, Math.floor(job.options.globalConnections / 2)) });
  let ledger: Ledger | undefined;
  const openLedger = () => (ledger ??= opts.dryRun ? Ledger.openForDryRun(opts.stateDir) : Ledger.open(opts.stateDir));
  const shared: Shared = { job, opts: { ...opts, signal, bandwidth }, openLedger, budget, global };
  try {
    const mailboxes = await Promise.all(job.mailboxes.map((m, i) => (takeout?.isTakeoutMailbox(m)
      ? takeout.runTakeoutMailbox({ mb: m, options: job.options, run: shared.opts, openLedger, budget, bandwidth: shared.opts.bandwidth, destination: secrets[i]!.destination })
      : runMailbox(shared, m, { source: secrets[i]!.source!, destination: secrets[i]!.destination }))));
    return { startedAt, finishedAt: new Date().toISOString(), dryRun: !!opts.dryRun, mailboxes };
  } finally {
    ledger?.close();
  }
}

/** What every mailbox of one run shares: the job, the options, the ledger, the byte budget and the global cap. */
export interface Shared {
  job: Job;
  opts: RunOptions & { signal: AbortSignal; bandwidth: RateLimiter };
  openLedger: () => Ledger;
  budget: ByteBudget;
  global: PQueue;
}

async function runMailbox(shared: Shared, mb: MailboxJob, secret: { source: Login; destination: Login }): Promise<MailboxResult> {
  const { opts } = shared;
  const tracker = new ProgressTracker(mb.id, opts.onProgress);
  // One run per mailbox: taken before anything connects, so a second run is refused at once. A dry run
  // writes nothing and needs no lock.
  let lock: MailboxLock | undefined;
  if (!opts.dryRun) {
    try {
      lock = MailboxLock.acquire(mb, opts.stateDir, opts.runBy ?? 'mailferry');
    } catch (err) {
      const error = err instanceof MailferryError ? err.toInfo() : toInfo(mb, err);
      tracker.setState('failed', error);
      tracker.flush();
      return { id: mb.id, ok: false, error, progress: tracker.snapshot(), failures: [], notes: [] };
    }
  }
  try {
    // A re-run with nothing new is finished from one quick look at both sides; anything else runs in full
    // (its code, imapflow included, loads only then).
    return (await quickRerun(shared, mb, secret, tracker)) ?? (await (await import('./mailbox-run.js')).runLockedMailbox(shared, mb, secret, tracker));
  } finally {
    lock?.release();
  }
}

/** The notes every run of a mailbox starts with. */
export function firstNotes(mb: MailboxJob): string[] {
  return mb.source.user.includes('@') ? [] : [`The Gmail username "${mb.source.user}" is not a full address; Gmail expects the whole address (name@example.com).`];
}

/** How a mailbox's run ended, for settle(). */
export interface Ending {
  /** Both sides accepted the sign-in at least once (the run is then recorded in the ledger's history). */
  connected: boolean;
  error?: ErrorInfo;
  failures: FailureRecord[];
  notes: string[];
}

/** The mailbox's final state, its record in the ledger's history, and its result. */
export function settle(shared: Shared, mb: MailboxJob, tracker: ProgressTracker, end: Ending): MailboxResult {
  const { opts, openLedger } = shared;
  const { connected, error, failures, notes } = end;
  if (opts.signal.aborted) tracker.setState('cancelled', { code: 'CANCELLED', message: 'Stopped on request; run again to resume.', retryable: true });
  else if (error) tracker.setState('failed', error);
  else tracker.setState('done');
  tracker.flush();
  const p = tracker.snapshot();
  if (connected && !opts.dryRun) {
    try {
      openLedger().recordRun({
        mailbox: mb.id, startedAt: p.startedAt ?? Date.now(), finishedAt: p.finishedAt ?? Date.now(), state: p.state,
        copied: p.copied, present: p.present, failed: p.failed, bytes: p.bytesCopied, ...(error ? { errorCode: error.code } : {}),
      });
    } catch {
      // The ledger could not be opened or written: that error is already this mailbox's reported error.
    }
  }
  const ok = !error && !opts.signal.aborted && failures.length === 0;
  if (ok && !opts.dryRun && (mb.source.auth ?? 'password') === 'password') notes.push(REVOKE_REMINDER);
  const result: MailboxResult = { id: mb.id, ok, progress: p, failures, notes: [...new Set(notes)] };
  if (error) result.error = error;
  return result;
}

/** Failures that prove the server was reached and answered: worth retrying even before a first login. */
const AFTER_CONTACT = new Set(['TOO_MANY_CONNECTIONS', 'CONNECTION_LOST', 'CONNECTION_STALLED', 'SESSION_EXPIRED', 'THROTTLED']);

/**
 * What to do after a mailbox attempt failed: wait for a daily quota (hours, without counting it as an
 * attempt), retry with backoff, or stop. Before the first successful connection only the replies that say
 * "later" or show the server was reached are retried: a wrong host, port, password or certificate is
 * reported at once.
 */
export function nextStep(
  error: ErrorInfo,
  attempt: number,
  connected: boolean,
  o: Pick<JobOptions, 'retryBaseMs' | 'retryMaxMs' | 'retryAttempts' | 'quotaWaitSeconds'>,
): { state: 'retrying' | 'waiting-quota'; delayMs: number } | undefined {
  // A daily limit (Gmail's download quota, or a destination's upload limit) resets by itself: wait for it.
  if (error.code === 'SOURCE_OVER_QUOTA' || (error.code === 'DEST_OVER_QUOTA' && error.retryable)) {
    return { state: 'waiting-quota', delayMs: o.quotaWaitSeconds * 1000 };
  }
  if (!error.retryable || attempt >= o.retryAttempts) return undefined;
  if (!connected && !AFTER_CONTACT.has(error.code)) return undefined;
  return { state: 'retrying', delayMs: backoffDelay(attempt, o.retryBaseMs, o.retryMaxMs) };
}

/** Google shows an app password once and it stays valid until revoked: it should not outlive its use. */
export const REVOKE_REMINDER =
  'Done: revoke the app password made for this migration at https://myaccount.google.com/apppasswords (make a new one if you run it again).';

/** Destination work is classified where it runs (onSide); a raw error left here came from the source. */
export function toInfo(mb: MailboxJob, err: unknown): ErrorInfo {
  if (err instanceof MailferryError || isImapError(err)) return classifyAs(mb, 'source', err);
  return { code: 'INTERNAL', message: `Unexpected error: ${(err as Error)?.message ?? String(err)}`, retryable: false };
}

/** An error from imapflow or the socket under it (as opposed to a bug of ours). */
function isImapError(err: unknown): boolean {
  const e = err as { code?: unknown; responseText?: unknown; serverResponseCode?: unknown } | null;
  return !!e && typeof e === 'object' && (typeof e.code === 'string' || e.responseText !== undefined || e.serverResponseCode !== undefined);
}
