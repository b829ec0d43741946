import type { ErrorInfo } from '../errors/errors.js';
import type { FolderProgress, FolderRole, MailboxProgress, MailboxState, ProgressListener } from '../../../shared/progress.js';

const RATE_WINDOW_MS = 10_000;

/**
 * Counts what happens to one mailbox and hands snapshots to a listener. Emits at most every `intervalMs`
 * for counter changes (state changes are immediate), so a fast copy does not flood the front end.
 */
export class ProgressTracker {
  readonly #p: MailboxProgress;
  readonly #folders = new Map<string, FolderProgress>();
  readonly #listener: ProgressListener | undefined;
  readonly #intervalMs: number;
  #samples: Array<{ t: number; copied: number; bytes: number }> = [];
  #lastEmit = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(id: string, listener?: ProgressListener, intervalMs = 250) {
    this.#listener = listener;
    this.#intervalMs = intervalMs;
    this.#p = {
      id, state: 'queued', folders: [], planned: 0, copied: 0, present: 0, failed: 0, throttledReplies: 0, stalledConnections: 0, bytesPlanned: 0,
      bytesCopied: 0, rate: 0, byteRate: 0, etaSeconds: null, startedAt: null, finishedAt: null,
    };
  }

  get state(): MailboxState {
    return this.#p.state;
  }

  /** Messages copied so far in this run. */
  get copied(): number {
    return this.#p.copied;
  }

  setState(state: MailboxState, reason?: ErrorInfo, nextAttemptAt?: number): void {
    this.#p.state = state;
    if (reason) {
      this.#p.reason = { code: reason.code, message: reason.message, ...(reason.hint ? { hint: reason.hint } : {}) };
    } else delete this.#p.reason;
    if (nextAttemptAt !== undefined) this.#p.nextAttemptAt = nextAttemptAt;
    else delete this.#p.nextAttemptAt;
    if (state === 'copying' && this.#p.startedAt === null) this.#p.startedAt = Date.now();
    if (state === 'done' || state === 'failed' || state === 'cancelled') this.#p.finishedAt = Date.now();
    this.#emit(true);
  }

  /**
   * Starts a (re-)plan after an interruption within the run: what was copied so far stays counted,
   * failures are forgotten (they are retried and counted again), and planning adds what is left.
   */
  beginPlan(): void {
    this.#p.planned = 0;
    this.#p.bytesPlanned = 0;
    this.#p.failed = 0;
    for (const f of this.#folders.values()) {
      f.planned = f.copied;
      f.failed = 0;
      f.done = false;
      this.#p.planned += f.copied;
      this.#p.bytesPlanned += f.bytesCopied;
    }
  }

  /** Adds a folder, or refreshes it when a re-plan meets it again. */
  addFolder(f: { source: string; target: string | null; role: FolderRole; sourceCount: number }): void {
    const known = this.#folders.get(f.source);
    if (known) Object.assign(known, f);
    else {
      const fp: FolderProgress = { ...f, planned: 0, copied: 0, present: 0, skipped: 0, failed: 0, bytesCopied: 0, done: false };
      this.#folders.set(f.source, fp);
      this.#p.folders.push(fp);
    }
    this.#emit(false);
  }

  /** Gmail asked this account to slow down (counted for the report). */
  throttled(count: number): void {
    this.#p.throttledReplies = count;
    this.#emit(false);
  }

  /** A connection of this mailbox was dropped as stalled (counted for the report). */
  connectionStalled(): void {
    this.#p.stalledConnections++;
    this.#emit(false);
  }

  folder(source: string): FolderProgress | undefined {
    return this.#folders.get(source);
  }

  plan(source: string, messages: number, bytes: number): void {
    const f = this.#folders.get(source);
    if (f) f.planned += messages;
    this.#p.planned += messages;
    this.#p.bytesPlanned += bytes;
    this.#emit(false);
  }

  count(source: string, what: 'copied' | 'present' | 'skipped' | 'failed', n = 1, bytes = 0): void {
    const f = this.#folders.get(source);
    if (f) {
      f[what] += n;
      if (what === 'copied') f.bytesCopied += bytes;
    }
    if (what === 'copied') {
      this.#p.copied += n;
      this.#p.bytesCopied += bytes;
    } else if (what === 'present') this.#p.present += n;
    else if (what === 'failed') this.#p.failed += n;
    this.#emit(false);
  }

  folderDone(source: string): void {
    const f = this.#folders.get(source);
    if (f) f.done = true;
    this.#emit(false);
  }

  snapshot(): MailboxProgress {
    this.#updateRates();
    return structuredClone(this.#p);
  }

  /** Sends the final snapshot and stops the timer. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#listener?.(this.snapshot());
  }

  #updateRates(): void {
    const now = Date.now();
    this.#samples.push({ t: now, copied: this.#p.copied, bytes: this.#p.bytesCopied });
    while (this.#samples.length > 2 && now - this.#samples[0]!.t > RATE_WINDOW_MS) this.#samples.shift();
    const first = this.#samples[0]!;
    const dt = (now - first.t) / 1000;
    if (dt > 0.5) {
      this.#p.rate = (this.#p.copied - first.copied) / dt;
      this.#p.byteRate = (this.#p.bytesCopied - first.bytes) / dt;
    }
    const left = this.#p.planned - this.#p.copied - this.#p.failed;
    this.#p.etaSeconds = this.#p.rate > 0 ? Math.ceil(left / this.#p.rate) : left === 0 ? 0 : null;
  }

  #emit(immediate: boolean): void {
    if (!this.#listener) return;
    const now = Date.now();
    if (immediate || now - this.#lastEmit >= this.#intervalMs) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#lastEmit = now;
      this.#listener(this.snapshot());
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#lastEmit = Date.now();
        this.#listener?.(this.snapshot());
      }, this.#intervalMs - (now - this.#lastEmit));
      this.#timer.unref();
    }
  }
}
