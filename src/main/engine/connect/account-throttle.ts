import { sleep } from './backoff.js';
import { isThrottledLine } from '../errors/classify-error.js';

/**
 * The servers' "slow down", seen in the raw server lines of every connection of a mailbox:
 * - Gmail's ` [THROTTLED]` appended to a successful tagged reply;
 * - Exchange's `BAD Request is throttled. Suggested Backoff Time: 4000 milliseconds` (then it closes the
 *   connection, and answers the same to anyone who comes back earlier): no connection of the mailbox sends
 *   anything, or connects, before that time has passed.
 * A batch that saw either doubles the pause taken between this account's batches (up to a cap; one step per
 * batch however many replies said it); a few batches in a row without one halve it, so the account settles
 * at a pace that stops provoking it and speeds up again once the server is content.
 */
export class AccountThrottle {
  readonly #stepMs: number;
  readonly #maxMs: number;
  #delayMs = 0;
  #count = 0;
  #sinceLast = 0;
  #seen = false;
  #holdUntil = 0;
  readonly #now: () => number;

  /**
   * @param stepMs first pause after a throttled batch (default 250 ms)
   * @param maxMs longest pause between batches (default 10 s)
   */
  constructor(stepMs = 250, maxMs = 10_000, now: () => number = Date.now) {
    this.#stepMs = stepMs;
    this.#maxMs = maxMs;
    this.#now = now;
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
    if (!isThrottledLine(line)) return;
    this.throttled();
    const backoff = suggestedBackoffMs(line);
    if (backoff === undefined) return;
    this.#holdUntil = Math.max(this.#holdUntil, this.#now() + backoff);
    this.onHold?.(backoff);
  };

  /** Told when a server names a wait (ms) for the mailbox, to stop what is in flight. */
  onHold: ((ms: number) => void) | undefined;

  /** How long the server asked this mailbox to stay away still (0: not asked, or passed). */
  get holdMs(): number {
    return Math.max(0, this.#holdUntil - this.#now());
  }

  /** Waits until the server's suggested backoff has passed (before connecting or sending anything). */
  async hold(signal?: AbortSignal): Promise<void> {
    for (let ms = this.holdMs; ms > 0; ms = this.holdMs) await sleep(ms, signal);
  }

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

  /** The pause to take before the next batch (none when not throttled), after any suggested backoff. */
  async pause(signal?: AbortSignal): Promise<void> {
    await this.hold(signal);
    if (this.#delayMs > 0) await sleep(this.#delayMs, signal);
  }
}

/** Exchange's "Suggested Backoff Time: 178755 milliseconds", in ms. */
export function suggestedBackoffMs(line: string): number | undefined {
  const m = /suggested backoff time:\s*(\d+)\s*(milliseconds|ms|seconds|s)\b/i.exec(line);
  if (!m) return undefined;
  return Number(m[1]) * (/^s/i.test(m[2]!) ? 1000 : 1);
}
