import { sleep } from './backoff.js';
import { isThrottledLine } from './classify-error.js';

/**
 * Gmail's polite "slow down": ` [THROTTLED]` appended to a successful tagged reply, visible only in the
 * raw server lines. A batch that saw any doubles the pause taken between this account's batches (up to a
 * cap; one step per batch however many replies said it); a few batches in a row without one halve it, so
 * the account speeds up again once Gmail is content.
 */
export class AccountThrottle {
  readonly #stepMs: number;
  readonly #maxMs: number;
  #delayMs = 0;
  #count = 0;
  #sinceLast = 0;
  #seen = false;

  /**
   * @param stepMs first pause after a throttled batch (default 250 ms)
   * @param maxMs longest pause between batches (default 10 s)
   */
  constructor(stepMs = 250, maxMs = 10_000) {
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
    this.#seen = true;
    this.onThrottled?.(this.#count);
  }

  /** A batch went through: slow down if it was throttled, else speed up after a few good ones. */
  succeeded(): void {
    if (this.#seen) {
      this.#seen = false;
      this.#sinceLast = 0;
      this.#delayMs = Math.min(this.#maxMs, Math.max(this.#stepMs, this.#delayMs * 2));
      return;
    }
    if (++this.#sinceLast < 3 || this.#delayMs === 0) return;
    this.#sinceLast = 0;
    this.#delayMs = this.#delayMs / 2 < this.#stepMs ? 0 : this.#delayMs / 2;
  }

  /** The pause to take before the next batch (none when not throttled). */
  async pause(signal?: AbortSignal): Promise<void> {
    if (this.#delayMs > 0) await sleep(this.#delayMs, signal);
  }
}
