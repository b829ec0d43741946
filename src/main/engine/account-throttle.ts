import { sleep } from './backoff.js';
import { isThrottledLine } from './classify-error.js';

/**
 * Gmail's polite "slow down": ` [THROTTLED]` appended to a successful tagged reply, visible only in the
 * raw server lines. Each one doubles a pause taken between batches of this account (up to a cap); every
 * successful batch without one shrinks it again, so the account speeds up once Gmail is happy.
 */
export class AccountThrottle {
  readonly #stepMs: number;
  readonly #maxMs: number;
  #delayMs = 0;
  #count = 0;
  #sinceLast = 0;

  /**
   * @param stepMs first pause after a throttled reply (default 250 ms)
   * @param maxMs longest pause between batches (default 30 s)
   */
  constructor(stepMs = 250, maxMs = 30_000) {
    this.#stepMs = stepMs;
    this.#maxMs = maxMs;
  }

  /** Throttled replies seen so far. */
  get count(): number {
    return this.#count;
  }

  get delayMs(): number {
    return this.#delayMs;
  }

  /** Feed every raw server line here. */
  readonly onServerLine = (line: string): void => {
    if (isThrottledLine(line)) this.throttled();
  };

  /** Told the running count after every throttled reply (for progress and the report). */
  onThrottled: ((count: number) => void) | undefined;

  throttled(): void {
    this.#count++;
    this.onThrottled?.(this.#count);
    this.#sinceLast = 0;
    this.#delayMs = Math.min(this.#maxMs, Math.max(this.#stepMs, this.#delayMs * 2));
  }

  /** A batch went through; after a few in a row without throttling the pause shrinks. */
  succeeded(): void {
    if (++this.#sinceLast < 3 || this.#delayMs === 0) return;
    this.#delayMs = this.#delayMs / 2 < this.#stepMs ? 0 : this.#delayMs / 2;
  }

  /** The pause to take before the next batch (none when not throttled). */
  async pause(signal?: AbortSignal): Promise<void> {
    if (this.#delayMs > 0) await sleep(this.#delayMs, signal);
  }
}
