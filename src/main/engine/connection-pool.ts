import type { ImapFlow } from 'imapflow';
import { disconnect } from './imap-connect.js';

/**
 * Keeps up to `max` logged-in connections to one account and lends them out. A connection that saw an
 * error is dropped, never lent again (imapflow connections cannot be revived). Waiters are served in order.
 */
export class ConnectionPool {
  readonly #open: () => Promise<ImapFlow>;
  #max: number;
  #idle: ImapFlow[] = [];
  #busy = new Set<ImapFlow>();
  #opening = 0;
  #waiters: Array<() => void> = [];
  #closed = false;

  /**
   * @param open creates and logs in a new connection (throws a classified error on failure)
   * @param max most connections open at once for this account
   */
  constructor(open: () => Promise<ImapFlow>, max: number) {
    this.#open = open;
    this.#max = Math.max(1, max);
  }

  get max(): number {
    return this.#max;
  }

  /** Lowers (or raises) the cap, e.g. after "Too many simultaneous connections". */
  setMax(max: number): void {
    this.#max = Math.max(1, max);
    this.#wake();
  }

  async acquire(signal?: AbortSignal): Promise<ImapFlow> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.#closed) throw new Error('connection pool closed');
      const idle = this.#idle.pop();
      if (idle) {
        if (idle.usable) {
          this.#busy.add(idle);
          return idle;
        }
        idle.close();
        continue;
      }
      if (this.#busy.size + this.#opening < this.#max) {
        this.#opening++;
        try {
          const c = await this.#open();
          this.#busy.add(c);
          return c;
        } finally {
          this.#opening--;
        }
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Returns a connection; `healthy: false` closes it instead of keeping it. */
  release(client: ImapFlow, healthy = true): void {
    this.#busy.delete(client);
    if (healthy && client.usable && !this.#closed && this.#busy.size + this.#idle.length < this.#max) {
      this.#idle.push(client);
    } else {
      void disconnect(client);
    }
    this.#wake();
  }

  /** Borrow a connection for the duration of fn; an exception marks it unhealthy. */
  async use<T>(fn: (client: ImapFlow) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const c = await this.acquire(signal);
    let healthy = false;
    try {
      const out = await fn(c);
      healthy = true;
      return out;
    } finally {
      this.release(c, healthy);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#idle, ...this.#busy];
    this.#idle = [];
    this.#busy.clear();
    this.#wake();
    await Promise.all(all.map((c) => disconnect(c)));
  }

  #wake(): void {
    const w = this.#waiters.splice(0);
    for (const resolve of w) resolve();
  }
}
