import PQueue from 'p-queue';
import { ByteBudget } from './byte-budget.js';
import { ConnectionPool } from './connection-pool.js';
import { copyUnit } from './copy-unit.js';
import { MailferryError, type ErrorInfo } from './errors.js';
import { openAppendConnection } from './imap-append/multi-writer.js';
import { connectImap, type Side } from './imap-connect.js';
import type { Endpoint, Job, MailboxJob } from './job.js';
import { Ledger } from './ledger/ledger.js';
import type { FailureRecord, MailboxContext } from './mailbox-context.js';
import { planMailbox, type FolderWork } from './mailbox-plan.js';
import { ProgressTracker } from './progress-tracker.js';
import { resolvePassword } from './secrets.js';
import { chunkBy } from './uid-set.js';
import type { MailboxProgress, ProgressListener } from '../../shared/progress.js';

export interface RunOptions {
  /** Folder holding the ledger (mailferry.sqlite). */
  stateDir: string;
  /** Plan and report without creating folders, copying or writing the ledger. */
  dryRun?: boolean;
  /** Aborting stops every mailbox after its in-flight messages; the ledger stays consistent. */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Where passwords come from; default: passwordEnv or the OS keychain. */
  password?: (side: Side, endpoint: Endpoint) => string;
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

/** A unit is a slice of one folder, small enough that several can share a big folder. */
const UNIT_BYTES = 64 * 1024 * 1024;
const UNIT_MESSAGES = 500;

/**
 * Runs a whole job: every mailbox concurrently, each with its own connection pools (the per-account cap)
 * and all of them under the global connection cap and one byte budget.
 */
export async function runMigration(job: Job, opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const signal = opts.signal ?? new AbortController().signal;
  const password = opts.password ?? defaultPassword;
  // Passwords first: a missing secret is reported before anything connects or is written.
  const secrets = job.mailboxes.map((m) => ({ source: password('source', m.source), destination: password('destination', m.destination) }));
  const budget = new ByteBudget(job.options.memoryBudgetMB * 1024 * 1024);
  const global = new PQueue({ concurrency: Math.max(1, Math.floor(job.options.globalConnections / 2)) });
  let ledger: Ledger | undefined;
  const openLedger = () => (ledger ??= opts.dryRun ? Ledger.openForDryRun(opts.stateDir) : Ledger.open(opts.stateDir));
  try {
    const mailboxes = await Promise.all(
      job.mailboxes.map((m, i) => runMailbox(job, m, secrets[i]!, { ...opts, signal }, openLedger, budget, global)),
    );
    return { startedAt, finishedAt: new Date().toISOString(), dryRun: !!opts.dryRun, mailboxes };
  } finally {
    ledger?.close();
  }
}

async function runMailbox(
  job: Job,
  mb: MailboxJob,
  secret: { source: string; destination: string },
  opts: RunOptions & { signal: AbortSignal },
  openLedger: () => Ledger,
  budget: ByteBudget,
  global: PQueue,
): Promise<MailboxResult> {
  const tracker = new ProgressTracker(mb.id, opts.onProgress);
  const stop = new AbortController();
  const signal = AbortSignal.any([opts.signal, stop.signal]);
  const cap = job.options.connectionsPerAccount;
  const pool = (side: Side, endpoint: Endpoint, pass: string) =>
    new ConnectionPool(() => connectImap({ side, endpoint, password: pass }), cap);
  const source = pool('source', mb.source, secret.source);
  // imapflow on the destination only lists, creates and reconciles; the copying goes through the writers.
  const destination = new ConnectionPool(() => connectImap({ side: 'destination', endpoint: mb.destination, password: secret.destination }), 2);
  const writers = new ConnectionPool(() => openAppendConnection(mb.destination, secret.destination), cap, (w) => w.logout());
  const failures: FailureRecord[] = [];
  const notes: string[] = [];
  let error: ErrorInfo | undefined;
  try {
    tracker.setState('connecting');
    // Both sides must accept us before the ledger is created or anything is written.
    await Promise.all([source.use(async () => {}, signal), destination.use(async () => {}, signal)]);
    const ctx: MailboxContext = {
      job: mb, options: job.options, ledger: openLedger(), tracker, source, destination, writers, budget,
      dryRun: !!opts.dryRun, signal, failures, notes,
    };
    tracker.setState('planning');
    const plan = await planMailbox(ctx);
    if (!opts.dryRun) {
      tracker.setState('copying');
      await copyAll(ctx, plan.work, global, stop);
    }
  } catch (err) {
    error = err instanceof MailferryError ? err.toInfo() : { code: 'INTERNAL', message: `Unexpected error: ${(err as Error)?.message ?? String(err)}`, retryable: false };
  } finally {
    await Promise.all([source.close(), destination.close(), writers.close()]);
  }
  if (opts.signal.aborted) tracker.setState('cancelled', { code: 'CANCELLED', message: 'Stopped on request; run again to resume.', retryable: true });
  else if (error) tracker.setState('failed', error);
  else tracker.setState('done');
  tracker.flush();
  const result: MailboxResult = { id: mb.id, ok: !error && !opts.signal.aborted && failures.length === 0, progress: tracker.snapshot(), failures, notes };
  if (error) result.error = error;
  return result;
}

/** Queues every unit; the first unit error that concerns the whole mailbox stops the others. */
async function copyAll(ctx: MailboxContext, work: FolderWork[], global: PQueue, stop: AbortController): Promise<void> {
  const perAccount = new PQueue({ concurrency: ctx.options.connectionsPerAccount });
  let firstError: unknown;
  const folderJobs = work.map(async (w) => {
    const units = chunkBy(w.todo, (m) => m.size, UNIT_BYTES, UNIT_MESSAGES);
    await Promise.all(
      units.map((u) =>
        perAccount
          .add(() => global.add(() => copyUnit(ctx, w, u), { signal: ctx.signal }), { signal: ctx.signal })
          .catch((err: unknown) => {
            firstError ??= err;
            stop.abort(err);
          }),
      ),
    );
    ctx.tracker.folderDone(w.mapping.source);
  });
  await Promise.all(folderJobs);
  if (firstError !== undefined && !(firstError instanceof DOMException && firstError.name === 'AbortError')) throw firstError;
}

function defaultPassword(side: Side, endpoint: Endpoint): string {
  return resolvePassword(endpoint, process.env, { stripWhitespace: side === 'source' });
}
