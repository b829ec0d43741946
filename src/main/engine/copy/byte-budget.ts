import { COLLECT_EVERY, collectGarbageSoon } from './collect-garbage.js';

/**
 * A global limit on message bytes held in memory at once, shared by every copy unit of every mailbox.
 * A message larger than the whole budget is still admitted when nothing else is held, so it cannot deadlock.
 * What it hands back is also freed for real, not just counted (collect-garbage.ts).
 */
export class ByteBudget {
  readonly #limit: number;
  #used = 0;
  #peak = 0;
  #released = 0;
  #waiters: Array<{ bytes: number; resolve: () => void }> = [];

  /** @param limitBytes total bytes allowed in flight (default 64 MiB) */
  constructor(limitBytes = 64 * 1024 * 1024) {
    this.#limit = limitBytes;
  }

  get used(): number {
    return this.#used;
  }

  get peak(): number {
    return this.#peak;
  }

  async acquire(bytes: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#fits(bytes) && this.#waiters.length === 0) {
      this.#take(bytes);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const w = { bytes, resolve };
      this.#waiters.push(w);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.#waiters.indexOf(w);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
    this.#released += bytes;
    if (this.#released >= COLLECT_EVERY) {
      this.#released = 0;
      collectGarbageSoon();
    }
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0]!.bytes)) {
      const w = this.#waiters.shift()!;
      this.#take(w.bytes);
      w.resolve();
    }
  }

  #fits(bytes: number): boolean {
    return this.#used === 0 || this.#used + bytes <= this.#limit;
  }

  #take(bytes: number): void {
    this.#used += bytes;
    this.#peak = Math.max(this.#peak, this.#used);
  }
}
