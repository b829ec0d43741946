/**
 * Other Mailferry runs that hold a mailbox. The engine refuses a second run of a mailbox (run-lock.ts: a
 * lock per mailbox id in the state folder, one per destination account in the user's lock folder); the
 * window should say so before Start is clicked, and notice by itself when that other run starts or ends.
 *
 * The manager asks at Start and Resume, and this watch looks every `intervalMs` while the window can be
 * seen at the mailboxes that are not running here (a probe is two small file opens). The answer goes into
 * MailboxStatus.inUse and reaches the window with the ordinary status batches. Main looks rather than the
 * window polling a call: one place probes, the window hears only of changes, and the contract grows by one
 * field instead of a call plus a timer in every view.
 *
 * The app's own runs hold the same locks: a mailbox that shares a lock file with one of them (itself, or
 * another mailbox into the same destination account) is the app's own business, never "another run".
 */
import type { MailboxJob } from '../engine/job/job.js';
import { lockFiles, mailboxHolder } from '../engine/state/run-lock.js';
import { isActive } from '../../shared/mailbox-actions.js';
import type { AppError, MailboxConfig, MailboxStatus } from '../../shared/contract.js';
import { toMailboxJob } from './mailbox-config.js';

export interface HolderOptions {
  /** The app's state folder (its per-mailbox locks). */
  stateDir: string;
  /** The per-user lock folder (destination accounts); default the engine's, which MAILFERRY_LOCK_DIR overrides. */
  lockDir?: string;
  /** Time between two checks while watching, ms. Default 2000. */
  intervalMs?: number;
}

/** A mailbox as the manager keeps it: what the watch reads, and the status it updates. */
export interface Watched {
  id: string;
  status: MailboxStatus;
  run?: { job: MailboxJob };
  startAfterSettle?: boolean;
}

export interface HolderHost {
  entries(): Iterable<Watched>;
  mailbox(id: string): MailboxConfig | undefined;
  /** Shows a changed `e.status`. */
  publish(e: Watched): void;
}

export class MailboxHolders {
  readonly #o: HolderOptions;
  readonly #host: HolderHost;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: HolderOptions, host: HolderHost) {
    this.#o = options;
    this.#host = host;
  }

  /** Looks whether another run holds `e` now, puts the answer in e.status.inUse (published if it changed); true when held. */
  check(e: Watched, running = this.#running()): boolean {
    const job = this.#jobOf(e.id);
    const inUse = job && !this.#sharesLocks(job, running) ? this.#heldElsewhere(job) : null;
    if (inUse?.message !== e.status.inUse?.message) {
      e.status = { ...e.status, inUse };
      this.#host.publish(e);
    }
    return inUse !== null;
  }

  /** Whether `e` must wait for one of this app's runs: they share a lock file (the same destination account). */
  waits(e: Watched): boolean {
    const job = this.#jobOf(e.id);
    return !!job && this.#sharesLocks(job, this.#running());
  }

  /** true: check now, then every intervalMs; false: stop (the window is hidden or closed, or the app quits). */
  watch(on: boolean): void {
    if (!on) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    this.#tick();
    this.#timer ??= setInterval(this.#tick, this.#o.intervalMs ?? 2000);
    this.#timer.unref?.();
  }

  /** Every mailbox that is not running, queued or settling here. Runs on a timer, so it never throws. */
  readonly #tick = (): void => {
    try {
      const running = this.#running();
      for (const e of this.#host.entries()) if (!e.run && !e.startAfterSettle && !isActive(e.status.state)) this.check(e, running);
    } catch (err) {
      console.error('mailferry: looking for other Mailferry runs failed', err);
    }
  };

  #running(): MailboxJob[] {
    return [...this.#host.entries()].flatMap((e) => (e.run ? [e.run.job] : []));
  }

  #jobOf(id: string): MailboxJob | undefined {
    const config = this.#host.mailbox(id);
    try {
      return config && toMailboxJob(config);
    } catch {
      return undefined; // an invalid mailbox fails in words when it runs
    }
  }

  #sharesLocks(mb: MailboxJob, running: readonly MailboxJob[]): boolean {
    const mine = lockFiles(mb, this.#o.stateDir, this.#o.lockDir);
    return running.some((r) => {
      const theirs = lockFiles(r, this.#o.stateDir, this.#o.lockDir);
      return theirs.state === mine.state || theirs.destination === mine.destination;
    });
  }

  #heldElsewhere(mb: MailboxJob): AppError | null {
    let info: ReturnType<typeof mailboxHolder>;
    try {
      info = mailboxHolder(mb, this.#o.stateDir, this.#o.lockDir);
    } catch {
      return null; // an unreadable lock folder: the run itself then says what is wrong, in words
    }
    return info && { code: info.code, message: info.message, ...(info.hint ? { hint: info.hint } : {}) };
  }
}
