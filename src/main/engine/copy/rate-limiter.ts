import { sleep } from '../connect/backoff.js';

/**
 * A byte-rate cap (token bucket) shared by everything that downloads: the user's bandwidth cap, so a
 * migration leaves room for the rest of the office. Up to one second of burst; 0 means no cap.
 */
export class RateLimiter {
  #bytesPerSecond: number;
  #tokens: number;
  #last = Date.now();
  #queue: Promise<void> = Promise.resolve();

  /** @param bytesPerSecond the cap; 0 or less for none (default) */
  constructor(bytesPerSecond = 0) {
    this.#bytesPerSecond = bytesPerSecond;
    this.#tokens = Math.max(0, bytesPerSecond);
  }

  get bytesPerSecond(): number {
    return this.#bytesPerSecond;
  }

  /** Changes the cap; runs in progress follow from their next message. */
  setRate(bytesPerSecond: number): void {
    this.#bytesPerSecond = bytesPerSecond;
    this.#tokens = Math.min(this.#tokens, Math.max(0, bytesPerSecond));
  }

  /** Waits until `bytes` fit under the cap; callers are served in order. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#wait(bytes, signal));
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #wait(bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const rate = this.#bytesPerSecond;
      if (rate <= 0) return;
      const now = Date.now();
      this.#tokens = Math.min(rate, this.#tokens + ((now - this.#last) / 1000) * rate);
      this.#last = now;
      // A message bigger than a second's worth goes through once the bucket is full, then pays its debt.
      if (this.#tokens >= Math.min(bytes, rate)) {
        this.#tokens -= bytes;
        return;
      }
      await sleep(Math.ceil(((Math.min(bytes, rate) - this.#tokens) / rate) * 1000), signal);
    }
  }
}
