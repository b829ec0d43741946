/**
 * Runs the mailboxes of the desktop app: one engine run per mailbox, each with its own AbortController.
 *
 * - pause  = abort the run (the engine finishes the messages in flight and keeps the ledger consistent)
 *            and show 'paused'; resume = run it again: the ledger continues exactly where it stopped.
 * - cancel = the same abort, shown as 'cancelled'; a later start also continues from the ledger.
 * - At most `parallelMailboxes` runs at once; the others wait as 'queued'. A run waiting for a daily quota
 *   (hours, Gmail's download limit) gives its place up until it copies again, so it holds nobody up.
 * - Quit: every run is aborted and awaited; the ones that were running are resumed at the next start.
 * - One run per mailbox (the engine's locks): a mailbox another Mailferry run holds is not started but
 *   shows who holds it (mailbox-holders.ts); a mailbox into the same destination account as one running
 *   here waits in the queue for it.
 *
 * The engine runs here, in Electron's main process (see main.ts for why). Counters are added up across
 * the runs of one migration (progress-merge.ts) and updates leave in batches of ~4 a second.
 */
import { RateLimiter } from '../engine/copy/rate-limiter.js';
import type { RunOptions, RunResult, MailboxResult } from '../engine/run/run-migration.js';
import type { Job, MailboxJob } from '../engine/job/job.js';
import { isActive, canDo, type MailboxAction } from '../../shared/mailbox-actions.js';
import type { AppError, FailureView, LogEntry, MailboxProgress, MailboxStatus, Selection } from '../../shared/contract.js';
import { fail, forTheWindow, toAppError } from './app-error.js';
import { MAX_LOG, restoreRuntime, type AppStore, type MailboxRuntime } from './app-store.js';
import { toJob, toMailboxJob } from './mailbox-config.js';
import { MailboxHolders, type HolderOptions } from './mailbox-holders.js';
import { ProgressBatcher } from './progress-batcher.js';
import { mergeProgress } from './progress-merge.js';
import { entry as logEntry, outcomeLine, transitionLine } from './run-log.js';
import { runOutcome, type StopIntent } from './run-outcome.js';
import { passwordResolver, type SecretStore } from './secret-store.js';

export type RunFn = (job: Job, opts: RunOptions) => Promise<RunResult>;

export interface ManagerOptions {
  store: AppStore;
  secrets: SecretStore;
  /** Folder of the ledger (shared by all mailboxes; the engine keys its rows by mailbox id). */
  stateDir: string;
  run: RunFn;
  /** Time between two progress batches, ms. Default 250. */
  batchIntervalMs?: number;
  /** Where other runs' locks are and how often to look (mailbox-holders.ts). */
  holders?: Omit<HolderOptions, 'stateDir'>;
}

/** What this app is, in another run's refusal ("... in use by another Mailferry run (Mailferry desktop app, ...)"). */
export const RUN_BY = 'Mailferry desktop app';

interface ActiveRun {
  job: MailboxJob;
  controller: AbortController;
  carry: MailboxProgress | null;
  intent?: StopIntent;
  lastEngineState?: string;
  settled: Promise<void>;
  /** Counted against parallelMailboxes: false while it waits for a daily quota. */
  counted: boolean;
}

interface Entry extends MailboxRuntime {
  id: string;
  run?: ActiveRun;
  /** Start again as soon as the current (aborting) run has settled. */
  startAfterSettle?: boolean;
  /** The status before the latest start: shown again if another run's lock refuses that start. */
  before?: MailboxStatus;
  /** The next run copies only the messages the ledger records as refused (Retry failed). */
  retryFailed?: boolean;
}

export class MigrationManager {
  readonly #o: ManagerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #queue: string[] = [];
  readonly #batcher: ProgressBatcher<MailboxStatus>;
  readonly #statusListeners = new Set<(batch: MailboxStatus[]) => void>();
  readonly #activityListeners = new Set<(active: boolean) => void>();
  #running = 0;
  /** One download cap for every mailbox, as the Settings view describes it. */
  readonly #bandwidth = new RateLimiter();
  #wasActive = false;
  #shuttingDown = false;
  readonly #holders: MailboxHolders;

  constructor(options: ManagerOptions) {
    this.#o = options;
    this.#batcher = new ProgressBatcher<MailboxStatus>({
      intervalMs: options.batchIntervalMs ?? 250,
      key: (s) => s.id,
      emit: (batch) => this.#statusListeners.forEach((l) => l(batch)),
    });
    for (const m of options.store.mailboxes()) this.#entries.set(m.id, this.#restore(m.id));
    this.#holders = new MailboxHolders(
      { stateDir: options.stateDir, ...options.holders },
      { entries: () => this.#entries.values(), mailbox: (id) => options.store.mailbox(id), publish: (e) => this.#publish(e as Entry) },
    );
    this.#holders.watch(true);
  }

  #restore(id: string): Entry {
    return { id, ...restoreRuntime(id, this.#o.store.runtime(id)) };
  }

  onStatus(listener: (batch: MailboxStatus[]) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Other runs are looked for only while the window can be seen (Start and Resume look every time). */
  watchHolders(visible: boolean): void {
    if (!this.#shuttingDown) this.#holders.watch(visible);
  }

  /** Called with true when the first mailbox starts and false when the last one stops (sleep prevention). */
  onActivity(listener: (active: boolean) => void): () => void {
    this.#activityListeners.add(listener);
    return () => this.#activityListeners.delete(listener);
  }

  get active(): boolean {
    // Not #running: a run waiting for a quota gives its place up, but it still runs (and keeps the computer awake).
    return this.#queue.length > 0 || [...this.#entries.values()].some((e) => e.run);
  }

  status(id: string): MailboxStatus {
    return structuredClone(this.#entry(id).status);
  }

  /** Every mailbox's status, in no particular order. */
  statuses(): MailboxStatus[] {
    return [...this.#entries.values()].map((e) => structuredClone(e.status));
  }

  /** Shows a mailbox's latest test or verify (they run beside the migration, not in it). */
  annotate(id: string, patch: Partial<Pick<MailboxStatus, 'check' | 'verification'>>): void {
    const e = this.#entries.get(id);
    if (!e) return; // removed meanwhile
    e.status = { ...e.status, ...patch };
    this.#publish(e);
  }

  /** Starts a run that copies only what the latest runs could not copy (the ledger's refused messages). */
  retryFailed(id: string): MailboxStatus[] {
    const e = this.#entry(id);
    if (!canDo(e.status.state, 'start')) fail('WRONG_STATE', `${id} cannot retry while it is ${e.status.state}.`, 'Pause it first, or wait for it to finish.');
    if (this.#holders.check(e)) fail('MAILBOX_IN_USE', e.status.inUse!.message, e.status.inUse!.hint);
    this.#log(e, logEntry('info', 'Retrying the messages that could not be copied.'));
    e.retryFailed = true;
    this.#enqueue(e);
    this.#pump();
    this.#changed();
    return [structuredClone(e.status)];
  }

  runtime(id: string): { failures: FailureView[]; notes: string[]; log: LogEntry[] } {
    const e = this.#entry(id);
    return structuredClone({ failures: e.failures, notes: e.notes, log: e.log });
  }

  /** A new mailbox was saved. */
  added(id: string): void {
    if (!this.#entries.has(id)) this.#entries.set(id, this.#restore(id));
  }

  /** A mailbox is about to be removed: only when nothing runs for it. */
  remove(id: string): void {
    const e = this.#entry(id);
    if (e.run || isActive(e.status.state)) fail('MAILBOX_BUSY', `${id} is still running.`, 'Pause or cancel it first, then remove it.');
    this.#entries.delete(id);
  }

  /** Applies a control to some mailboxes (or to every mailbox where it makes sense) and returns their statuses. */
  control(action: MailboxAction, selection: Selection): MailboxStatus[] {
    const ids = selection.ids === 'all' ? [...this.#entries.keys()].filter((id) => canDo(this.#entries.get(id)!.status.state, action)) : selection.ids;
    const entries = ids.map((id) => this.#entry(id));
    for (const e of entries) {
      if (!canDo(e.status.state, action)) {
        fail('WRONG_STATE', `${e.id} cannot be ${PAST[action]} while it is ${e.status.state}.`);
      }
    }
    // Refused here rather than by the engine after a queue slot and a flash of "Connecting"; "all" skips them.
    const held = action === 'start' || action === 'resume' ? entries.filter((e) => this.#holders.check(e)) : [];
    if (held.length > 0 && selection.ids !== 'all') fail('MAILBOX_IN_USE', held[0]!.status.inUse!.message, held[0]!.status.inUse!.hint);
    for (const e of entries) if (!held.includes(e)) this.#apply(action, e);
    this.#pump();
    this.#changed();
    return entries.map((e) => structuredClone(e.status));
  }

  /** Resumes the mailboxes that were running when the app last quit. */
  resumeLastSession(): string[] {
    const ids = this.#o.store.resumeOnStart().filter((id) => this.#entries.get(id)?.status.state === 'paused' || this.#entries.get(id)?.status.state === 'idle');
    const resumed = ids.filter((id) => {
      const e = this.#entries.get(id)!;
      if (this.#holders.check(e)) {
        this.#log(e, logEntry('warn', `Not resumed: ${said(e.status.inUse!)}`));
        return false;
      }
      this.#log(e, logEntry('info', 'Resuming: it was running when Mailferry was closed.'));
      this.#apply(e.status.state === 'paused' ? 'resume' : 'start', e);
      return true;
    });
    this.#pump();
    this.#changed();
    return resumed;
  }

  /** The user changed "mailboxes at the same time": start queued ones if there is room now. */
  settingsChanged(): void {
    this.#pump();
  }

  /**
   * Quit: stops every run (in-flight messages finish, the ledger is saved), waits for them to settle
   * (at most `timeoutMs`), and remembers which mailboxes to resume at the next start.
   */
  async shutdown(timeoutMs = 20_000): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#holders.watch(false);
    const resume = [...this.#entries.values()].filter((e) => e.run || this.#queue.includes(e.id) || e.startAfterSettle).map((e) => e.id);
    this.#o.store.setResumeOnStart(resume);
    for (const id of this.#queue.splice(0)) {
      const e = this.#entries.get(id)!;
      this.#setState(e, 'paused', null);
      this.#log(e, outcomeLine('quit', e.status.progress));
    }
    const waits: Promise<void>[] = [];
    for (const e of this.#entries.values()) {
      e.startAfterSettle = false;
      if (e.run) {
        e.run.intent = 'quit';
        e.run.controller.abort();
        waits.push(e.run.settled);
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(waits), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.#batcher.close();
    this.#o.store.setResumeOnStart(resume);
    this.#o.store.save();
  }

  #entry(id: string): Entry {
    const e = this.#entries.get(id);
    if (!e) fail('NOT_FOUND', `There is no mailbox ${JSON.stringify(id)}.`, 'It may have been removed; reload the list.');
    return e;
  }

  #apply(action: MailboxAction, e: Entry): void {
    if (this.#shuttingDown) fail('SHUTTING_DOWN', 'Mailferry is closing.');
    switch (action) {
      case 'start':
        // Counters keep adding up across runs (the ledger never hands a copied message to a later run), so a
        // run after "done" shows the whole mailbox plus whatever is new, not "0 / 0".
        this.#log(e, logEntry('info', e.status.state === 'idle' ? 'Started.' : e.status.state === 'done' ? 'Started again: copying what is new since the last run.' : 'Started again; continuing where the last run stopped.'));
        this.#enqueue(e);
        break;
      case 'resume':
        this.#log(e, logEntry('info', 'Resumed.'));
        this.#enqueue(e);
        break;
      case 'pause':
      case 'cancel':
        this.#stop(e, action);
        break;
    }
  }

  #enqueue(e: Entry): void {
    e.before = structuredClone(e.status);
    this.#setState(e, 'queued', null);
    if (e.run) e.startAfterSettle = true; // still finishing its in-flight messages: start right after
    else if (!this.#queue.includes(e.id)) this.#queue.push(e.id);
  }

  #stop(e: Entry, intent: 'pause' | 'cancel'): void {
    const state = intent === 'pause' ? 'paused' : 'cancelled';
    e.startAfterSettle = false;
    e.retryFailed = false; // a Resume or Start later copies everything that is left
    const q = this.#queue.indexOf(e.id);
    if (q >= 0) this.#queue.splice(q, 1);
    if (e.run) {
      e.run.intent = intent;
      e.run.controller.abort();
      this.#setState(e, state, null); // shown at once; the run settles in the background
    } else {
      this.#setState(e, state, null);
      this.#log(e, outcomeLine(intent === 'pause' ? 'paused' : 'cancelled', e.status.progress));
    }
  }

  #pump(): void {
    if (this.#shuttingDown) return;
    const limit = this.#o.store.settings().parallelMailboxes;
    for (let i = 0; this.#running < limit && i < this.#queue.length; ) {
      const e = this.#entries.get(this.#queue[i]!);
      // The engine lets one run write a destination account: a second mailbox into it waits its turn here.
      if (e && !e.run && this.#holders.waits(e)) {
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      if (e && !e.run) this.#launch(e);
    }
  }

  #launch(e: Entry): void {
    const config = this.#o.store.mailbox(e.id);
    let job: Job;
    try {
      if (!config) fail('NOT_FOUND', `There is no mailbox ${JSON.stringify(e.id)}.`);
      job = toJob(toMailboxJob(config), this.#o.store.settings(), config);
    } catch (err) {
      this.#ended(e, undefined, undefined, toAppError(err));
      return;
    }
    this.#bandwidth.setRate(this.#o.store.settings().bandwidthLimitKBps * 1024);
    const run: ActiveRun = { job: job.mailboxes[0]!, controller: new AbortController(), carry: e.carry, settled: Promise.resolve(), counted: true };
    const retryFailed = !!e.retryFailed;
    e.retryFailed = false;
    e.run = run;
    this.#running++;
    run.settled = this.#o
      .run(job, {
        stateDir: this.#o.stateDir,
        signal: run.controller.signal,
        password: passwordResolver(this.#o.secrets),
        bandwidth: this.#bandwidth,
        runBy: RUN_BY,
        onProgress: (p) => this.#progress(e, run, p),
        ...(retryFailed ? { retryFailed: true } : {}),
        ...(config.deleteMissing ? { deleteMissing: true } : {}),
      })
      .then(
        (result) => this.#ended(e, run, result.mailboxes[0]),
        (err: unknown) => this.#ended(e, run, undefined, toAppError(err)),
      )
      .finally(() => {
        e.run = undefined;
        if (run.counted) this.#running--;
        if (e.startAfterSettle && !this.#shuttingDown) {
          e.startAfterSettle = false;
          this.#queue.push(e.id);
        }
        this.#pump();
        this.#changed();
      });
    this.#changed();
  }

  #progress(e: Entry, run: ActiveRun, p: MailboxProgress): void {
    if (e.run !== run) return;
    const merged = mergeProgress(run.carry, p);
    if (run.intent) {
      // Stopping: keep counting what the in-flight messages do, but keep showing paused/cancelled.
      e.status = { ...e.status, progress: { ...merged, state: e.status.state as MailboxProgress['state'] } };
    } else {
      if (p.state !== run.lastEngineState) {
        run.lastEngineState = p.state;
        const line = transitionLine(merged, Date.now(), run.job.source.takeout);
        if (line) this.#log(e, line);
      }
      const problem = (p.state === 'retrying' || p.state === 'waiting-quota') && p.reason ? forTheWindow(p.reason) : null;
      e.status = { ...e.status, id: e.id, state: p.state, progress: merged, lastError: problem, nextAttemptAt: p.nextAttemptAt ?? null, inUse: null };
    }
    this.#publish(e);
    this.#countWhileCopying(run, p.state === 'waiting-quota');
  }

  /**
   * A run that waits for a daily quota (an hour at a time) leaves its place to a queued mailbox; when it copies
   * again it counts again (for a while one more mailbox than the setting may then copy, rather than one stop).
   */
  #countWhileCopying(run: ActiveRun, waiting: boolean): void {
    if (waiting === !run.counted) return;
    run.counted = !waiting;
    this.#running += waiting ? -1 : 1;
    if (waiting) this.#pump();
  }

  #ended(e: Entry, run: ActiveRun | undefined, result: MailboxResult | undefined, error?: AppError): void {
    const progress = result ? mergeProgress(run?.carry ?? null, result.progress) : e.status.progress;
    const err = result?.error ? forTheWindow({ code: result.error.code, message: result.error.message, ...(result.error.hint ? { hint: result.error.hint } : {}) }) : error;
    if (err?.code === 'MAILBOX_IN_USE' && !run?.intent) return this.#refused(e, err);
    if (result) {
      e.failures = result.failures.map((f) => ({ ...f }));
      // Each run repeats its notes (a renamed folder stays renamed): log only the new ones.
      for (const n of result.notes) if (!e.notes.includes(n)) this.#log(e, logEntry('info', `Note: ${n}`));
      e.notes = result.notes;
    }
    e.carry = progress;
    const outcome = runOutcome(run?.intent, result?.progress.state, err, !!e.startAfterSettle);
    const shown = progress ? { ...progress, state: outcome.state === 'queued' ? progress.state : (outcome.state as MailboxProgress['state']) } : null;
    e.status = { ...e.status, id: e.id, state: outcome.state, progress: shown, lastError: outcome.lastError, nextAttemptAt: null, inUse: null };
    this.#log(e, outcomeLine(outcome.kind, progress, err));
    this.#publish(e);
  }

  /**
   * Another run took the mailbox between the check at Start and the engine's lock. Nothing ran, so it is
   * not a failure: the mailbox shows as it was before the start, held by that run, until it ends.
   */
  #refused(e: Entry, inUse: AppError): void {
    e.startAfterSettle = false;
    e.status = { ...(e.before ?? e.status), inUse };
    this.#log(e, logEntry('warn', `Not started: ${said(inUse)}`));
    this.#publish(e);
  }

  #setState(e: Entry, state: MailboxStatus['state'], lastError: AppError | null): void {
    e.status = { ...e.status, state, lastError, nextAttemptAt: null, ...(e.status.progress ? { progress: { ...e.status.progress, state: state === 'idle' || state === 'queued' ? e.status.progress.state : state } } : {}) };
    this.#publish(e);
  }

  #log(e: Entry, line: LogEntry): void {
    e.log.push(line);
    if (e.log.length > MAX_LOG) e.log.splice(0, e.log.length - MAX_LOG);
  }

  #publish(e: Entry): void {
    if (!this.#entries.has(e.id)) return;
    this.#o.store.setRuntime(e.id, { status: e.status, carry: e.carry, failures: e.failures, notes: e.notes, log: e.log });
    this.#batcher.push(structuredClone(e.status));
  }

  /** Keeps the resume list and the activity signal in step with what runs. */
  #changed(): void {
    if (!this.#shuttingDown) {
      this.#o.store.setResumeOnStart([...this.#entries.values()].filter((e) => e.run || isActive(e.status.state)).map((e) => e.id));
    }
    const active = this.active;
    if (active !== this.#wasActive) {
      this.#wasActive = active;
      this.#activityListeners.forEach((l) => l(active));
    }
  }
}

const said = (e: AppError) => `${e.message}${e.hint ? ` ${e.hint}` : ''}`;
const PAST: Record<MailboxAction, string> = { start: 'started', pause: 'paused', resume: 'resumed', cancel: 'cancelled' };
