/**
 * One mailbox's full run, loaded only when a re-run's quick look (quick-rerun.ts) did not settle it:
 * connection pools for both sides and the writers, the plan, the copy, and retries with backoff.
 */
import PQueue from 'p-queue';
import { AccountThrottle } from '../connect/account-throttle.js';
import { sleep } from '../connect/backoff.js';
import { ConnectionPool } from '../connect/connection-pool.js';
import { copyUnit } from '../copy/copy-unit.js';
import { noteDestinationChanges } from '../report/destination-readback.js';
import { signInWith, type Credential, type Login } from '../connect/credentials.js';
import { accountSlots } from '../connect/account-slots.js';
import { connectImap } from '../connect/imap-connect.js';
import { buildUnits, foldersOf } from '../copy/copy-units.js';
import type { ErrorInfo } from '../errors/errors.js';
import { openAppendConnection } from '../copy/imap-append/multi-writer.js';
import type { MailboxJob } from '../job/job.js';
import type { FailureRecord, MailboxContext } from './mailbox-context.js';
import { planMailbox, type FolderWork } from '../plan/mailbox-plan.js';
import type { ProgressTracker } from './progress-tracker.js';
import { combine } from '../job/date-window.js';
import { UNKNOWN_PROFILE } from '../servers/server-profiles.js';
import { SourceMetaCache } from '../plan/source-meta-cache.js';
import type { MailboxProgress } from '../../../shared/progress.js';
import { firstNotes, nextStep, settle, toInfo, type MailboxResult, type Shared } from './run-migration.js';

export async function runLockedMailbox(shared: Shared, mb: MailboxJob, secret: { source: Login; destination: Login }, tracker: ProgressTracker): Promise<MailboxResult> {
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
  const notes = firstNotes(mb);
  const sourceMeta = new SourceMetaCache();
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
        // Planned: the header fields of every source message (10,000 messages: ~10 MiB of heap) are not needed while copying.
        sourceMeta.clear();
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
  return settle(shared, mb, tracker, { connected, failures, notes, ...(error ? { error } : {}) });
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
