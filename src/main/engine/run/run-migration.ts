import PQueue from 'p-queue';
import { AccountThrottle } from '../connect/account-throttle.js';
import { backoffDelay, sleep } from '../connect/backoff.js';
import { ByteBudget } from '../copy/byte-budget.js';
import { ConnectionPool } from '../connect/connection-pool.js';
import { copyUnit } from '../copy/copy-unit.js';
import { noteDestinationChanges } from '../report/destination-readback.js';
import { loginFor, signInWith, type Credential, type CredentialOptions, type Login } from '../connect/credentials.js';
import { accountSlots } from '../connect/account-slots.js';
import { connectImap } from '../connect/imap-connect.js';
import { buildUnits, foldersOf } from '../copy/copy-units.js';
import { MailferryError, type ErrorInfo } from '../errors/errors.js';
import { openAppendConnection } from '../copy/imap-append/multi-writer.js';
import type { Job, JobOptions, MailboxJob } from '../job/job.js';
import { Ledger } from '../ledger/ledger.js';
import type { FailureRecord, MailboxContext } from './mailbox-context.js';
import { planMailbox, type FolderWork } from '../plan/mailbox-plan.js';
import { ProgressTracker } from './progress-tracker.js';
import { RateLimiter } from '../copy/rate-limiter.js';
import { MailboxLock } from '../state/run-lock.js';
import { combine, type DateWindow } from '../job/date-window.js';
import { UNKNOWN_PROFILE } from '../servers/server-profiles.js';
import { SourceMetaCache } from '../plan/source-meta-cache.js';
import { classifyAs } from '../errors/side-errors.js';
import { isTakeoutMailbox, runTakeoutMailbox } from '../takeout/takeout-run.js';
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
  // Credentials first: a missing secret is reported before anything connects or is written. A Takeout
  // export as the source is a file: nothing to sign in to there.
  const secrets = job.mailboxes.map((m) => ({
    source: isTakeoutMailbox(m) ? undefined : loginFor('source', m.source, credOpts), destination: loginFor('destination', m.destination, credOpts),
  }));
  const budget = new ByteBudget(job.options.memoryBudgetMB * 1024 * 1024);
  const bandwidth = opts.bandwidth ?? new RateLimiter(job.options.bandwidthLimitKBps * 1024);
  const global = new PQueue({ concurrency: Math.max(1, Math.floor(job.options.globalConnections / 2)) });
  let ledger: Ledger | undefined;
  const openLedger = () => (ledger ??= opts.dryRun ? Ledger.openForDryRun(opts.stateDir) : Ledger.open(opts.stateDir));
  const shared: Shared = { job, opts: { ...opts, signal, bandwidth }, openLedger, budget, global };
  try {
    const mailboxes = await Promise.all(job.mailboxes.map((m, i) => (isTakeoutMailbox(m)
      ? runTakeoutMailbox({ mb: m, options: job.options, run: shared.opts, openLedger, budget, bandwidth: shared.opts.bandwidth, destination: secrets[i]!.destination })
      : runMailbox(shared, m, { source: secrets[i]!.source!, destination: secrets[i]!.destination }))));
    return { startedAt, finishedAt: new Date().toISOString(), dryRun: !!opts.dryRun, mailboxes };
  } finally {
    ledger?.close();
  }
}

/** What every mailbox of one run shares: the job, the options, the ledger, the byte budget and the global cap. */
interface Shared {
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
    return await runLockedMailbox(shared, mb, secret, tracker);
  } finally {
    lock?.release();
  }
}

async function runLockedMailbox(shared: Shared, mb: MailboxJob, secret: { source: Login; destination: Login }, tracker: ProgressTracker): Promise<MailboxResult> {
  const { job, opts, openLedger, budget, global } = shared;
  const throttle = new AccountThrottle();
  throttle.onThrottled = (n) => tracker.throttled(n);
  const { connectionsPerAccount: cap, sessionMaxMinutes } = job.options;
  const maxAge = sessionMaxMinutes * 60_000;
  // An OAuth session ends with its token (about an hour): renew well before, never mid-message.
  const sourceMaxAge = mb.source.auth === 'oauth2' || mb.source.auth === 'service-account' ? Math.min(maxAge, OAUTH_SESSION_MS) : maxAge;
  const onServerLine = throttle.onServerLine;
  const stall = { stallTimeoutMs: job.options.stallTimeoutSeconds * 1000, onStall: () => tracker.connectionStalled() };
  // Gmail counts an account's connections from every client: mailboxes reading one account share its cap.
  // A connection retires shortly before the token it signed in with expires (a short-lived one sooner).
  const source = new ConnectionPool(() => signInWith(secret.source, (c) => lasts(c, connectImap({ side: 'source', endpoint: mb.source, credential: c, onServerLine, ...stall }))), cap, {
    maxAgeMs: sourceMaxAge, expiresAt: tokenExpiry, slots: accountSlots(mb.source, cap),
  });
  // imapflow on the destination only lists, creates and reconciles; the copying goes through the writers.
  // The destination may ask the mailbox to stay away for a while (Exchange): no new connection before then.
  // Exchange ends a session when its token expires: connections retire a few minutes before their token.
  const gate = (signal?: AbortSignal) => throttle.hold(signal ?? opts.signal);
  const destination = new ConnectionPool(
    (signal) => signInWith(secret.destination, (c) => lasts(c, connectImap({ side: 'destination', endpoint: mb.destination, credential: c, onServerLine, signal, ...stall }))),
    Math.min(cap, 3),
    { maxAgeMs: maxAge, expiresAt: tokenExpiry, gate },
  );
  const writers = new ConnectionPool(
    (signal) => signInWith(secret.destination, (c) => lasts(c, openAppendConnection(mb.destination, c, { onServerLine, gate, signal, ...stall }))),
    cap,
    { end: (w) => w.logout(), maxAgeMs: maxAge, expiresAt: tokenExpiry, gate },
  );
  // Asked to stay away (Exchange): the mailbox's destination connections close at once, so nothing more is
  // sent before the wait is over; the gates hold new ones back.
  throttle.onHold = () => {
    destination.dropAll();
    writers.dropAll();
  };
  const failures: FailureRecord[] = [];
  const notes: string[] = [];
  const sourceMeta = new SourceMetaCache();
  if (!mb.source.user.includes('@')) notes.push(`The Gmail username "${mb.source.user}" is not a full address; Gmail expects the whole address (name@example.com).`);
  let error: ErrorInfo | undefined;
  let connected = false;
  try {
    for (let attempt = 1; ; attempt++) {
      const stop = new AbortController();
      const signal = AbortSignal.any([opts.signal, stop.signal]);
      failures.length = 0; // a new attempt retries the failed messages and reports them afresh
      const copiedBefore = tracker.copied;
      try {
        tracker.setState('connecting');
        // Both sides must accept us before the ledger is created or anything is written.
        await Promise.all([source.use(async () => {}, signal), destination.use(async () => {}, signal)]);
        connected = true;
        const ctx: MailboxContext = {
          job: mb, options: job.options, ledger: openLedger(), tracker, source, destination, writers, budget, throttle, bandwidth: opts.bandwidth, sourceMeta,
          dryRun: !!opts.dryRun, signal, failures, notes, destinationProfile: UNKNOWN_PROFILE,
          window: combine(opts.received, mb.received, job.options.received), outsideWindow: 0, retryFailed: !!opts.retryFailed,
          deleteMissing: opts.deleteMissing ?? job.options.deleteMissing, synced: { changed: 0, deleted: 0 },
        };
        if (ctx.ledger.privacyNote) notes.push(ctx.ledger.privacyNote);
        if (!opts.dryRun) ctx.ledger.history.recordEndpoints(mb); // the client report names them (hosts and users only)
        tracker.setState('planning');
        tracker.beginPlan();
        const plan = await planMailbox(ctx);
        if (!opts.dryRun) {
          tracker.setState('copying');
          await copyAll(ctx, plan.work, global, stop);
          await noteDestinationChanges(ctx); // reads back a few copies: what the server changed, in the notes
        }
        error = undefined;
        break;
      } catch (err) {
        if (opts.signal.aborted) break;
        error = toInfo(mb, err);
        if (tracker.copied > copiedBefore) attempt = 1; // failures in a row count, not failures in all
        const next = nextStep(error, attempt, connected, job.options);
        if (next === undefined) break;
        if (error.code === 'TOO_MANY_CONNECTIONS') {
          source.setMax(source.max - 1);
          notes.push(`Gmail refused a connection as one too many; using at most ${source.max} from now on.`);
        }
        if (next.state === 'waiting-quota') attempt = 0; // waiting for the quota is not a failed attempt
        const delayMs = Math.max(next.delayMs, throttle.holdMs);
        tracker.setState(next.state, error, Date.now() + delayMs);
        try {
          await sleep(delayMs, opts.signal);
        } catch {
          break;
        }
      }
    }
  } finally {
    await Promise.all([source.close(), destination.close(), writers.close()]);
  }
  if (error?.code === 'DEST_OVER_QUOTA' && !error.retryable) error = destinationFull(error, tracker.snapshot());
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

/** A full destination, in the words of what happened: how many messages are still to copy, and what to do. */
function destinationFull(error: ErrorInfo, p: MailboxProgress): ErrorInfo {
  const left = Math.max(0, p.planned - p.copied - p.failed);
  return {
    ...error,
    message: `The destination mailbox is full: ${left} message${left === 1 ? '' : 's'} not copied (${error.message.replace(/\.$/, '')}).`,
    hint: 'Free space or raise the quota on the destination, then run the job again; what was copied stays copied and is not copied twice.',
    details: { ...error.details, notCopied: left },
  };
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

/** Destination work is classified where it runs (onSide); a raw error left here came from the source. */
function toInfo(mb: MailboxJob, err: unknown): ErrorInfo {
  if (err instanceof MailferryError || isImapError(err)) return classifyAs(mb, 'source', err);
  return { code: 'INTERNAL', message: `Unexpected error: ${(err as Error)?.message ?? String(err)}`, retryable: false };
}

/** An error from imapflow or the socket under it (as opposed to a bug of ours). */
function isImapError(err: unknown): boolean {
  const e = err as { code?: unknown; responseText?: unknown; serverResponseCode?: unknown } | null;
  return !!e && typeof e === 'object' && (typeof e.code === 'string' || e.responseText !== undefined || e.serverResponseCode !== undefined);
}

/** Queues every unit; the first unit error that concerns the whole mailbox stops the others. */
async function copyAll(ctx: MailboxContext, work: FolderWork[], global: PQueue, stop: AbortController): Promise<void> {
  const perAccount = new PQueue({ concurrency: ctx.options.connectionsPerAccount });
  const units = buildUnits(work);
  const open = new Map<FolderWork, number>();
  for (const u of units) for (const w of foldersOf(u)) open.set(w, (open.get(w) ?? 0) + 1);
  let firstError: unknown;
  await Promise.all(
    units.map((u) =>
      perAccount
        // No signal for p-queue: it would settle a running task at once on abort, and the run would close the
        // connections and the ledger under an APPEND in flight. A unit sees the abort itself and stops after it.
        .add(() => global.add(() => copyUnit(ctx, u)))
        .then(() => {
          for (const w of foldersOf(u)) {
            const left = open.get(w)! - 1;
            open.set(w, left);
            if (left === 0) ctx.tracker.folderDone(w.mapping.source);
          }
        })
        .catch((err: unknown) => {
          firstError ??= err;
          stop.abort(err);
        }),
    ),
  );
  if (firstError !== undefined && !(firstError instanceof DOMException && firstError.name === 'AbortError')) throw firstError;
}

/** Google shows an app password once and it stays valid until revoked: it should not outlive its use. */
export const REVOKE_REMINDER =
  'Done: revoke the app password made for this migration at https://myaccount.google.com/apppasswords (make a new one if you run it again).';

/** When a connection signed in with an access token retires: a margin before the token expires. */
const tokenRetire = new WeakMap<object, number>();
const TOKEN_MARGIN_MS = 3 * 60_000;
const tokenExpiry = (c: object): number | undefined => tokenRetire.get(c);
async function lasts<T extends object>(credential: Credential, connecting: Promise<T>): Promise<T> {
  const conn = await connecting;
  if ('accessToken' in credential && credential.expiresAt) tokenRetire.set(conn, credential.expiresAt - TOKEN_MARGIN_MS);
  return conn;
}

/** Gmail and Exchange end an OAuth session when its token expires (~1 h); new connections well before that. */
const OAUTH_SESSION_MS = 50 * 60_000;

