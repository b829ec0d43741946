/**
 * Coalesces per-mailbox updates into batches sent a few times a second. The engine may report hundreds
 * of changes a second while copying small messages; the window only needs the latest state of each
 * mailbox, about four times a second (every 250 ms), so that is what goes over IPC.
 *
 * The first update after a quiet period goes out on the next tick (no 250 ms lag on a click), later ones
 * wait for the interval; within a batch each key appears once, with its latest value, in first-seen order.
 */
export interface ProgressBatcherOptions<T> {
  /** Minimum time between two batches, ms. Default 250 (four batches a second). */
  intervalMs?: number;
  /** Receives each batch (never empty). */
  emit: (batch: T[]) => void;
  /** The key that identifies an item (later items with the same key replace earlier ones). */
  key: (item: T) => string;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

export class ProgressBatcher<T> {
  readonly #intervalMs: number;
  readonly #emit: (batch: T[]) => void;
  readonly #key: (item: T) => string;
  readonly #now: () => number;
  #pending = new Map<string, T>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastEmit = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(opts: ProgressBatcherOptions<T>) {
    this.#intervalMs = opts.intervalMs ?? 250;
    this.#emit = opts.emit;
    this.#key = opts.key;
    this.#now = opts.now ?? Date.now;
  }

  /** Queues an item; it replaces a pending item with the same key. */
  push(item: T): void {
    if (this.#closed) return;
    this.#pending.set(this.#key(item), item);
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#lastEmit + this.#intervalMs - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, wait);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Sends whatever is pending now (used on quit and by tests). */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    this.#lastEmit = this.#now();
    this.#emit(batch);
  }

  /** Sends what is pending and ignores later pushes. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }
}
