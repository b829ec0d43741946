import type { ImapFlow } from 'imapflow';
import { disconnect } from './imap-connect.js';

/** What the pool needs of a connection: whether it can still be used, and how to end it politely. */
export interface Poolable {
  readonly usable: boolean;
}

/**
 * Keeps up to `max` logged-in connections to one account and lends them out. A connection that saw an
 * error is dropped, never lent again (imapflow connections cannot be revived). Waiters are served in order.
 */
export class ConnectionPool<T extends Poolable = ImapFlow> {
  readonly #open: () => Promise<T>;
  readonly #end: (c: T) => Promise<void>;
  #max: number;
  #maxAgeMs: number;
  #expiresAt: (c: T) => number | undefined;
  #born = new WeakMap<T, number>();
  #idle: T[] = [];
  #busy = new Set<T>();
  #opening = 0;
  #waiters: Array<() => void> = [];
  #closed = false;

  /**
   * @param open creates and logs in a new connection (throws a classified error on failure)
   * @param max most connections open at once for this account
   * @param end closes a connection politely and never throws; default: imapflow's LOGOUT then close
   * @param maxAgeMs a connection this old is not lent again but replaced by a fresh login, before the
   *   server ends the session mid-message (Gmail: ~24 h with a password, ~1 h with OAuth). Default: never.
   * @param expiresAt when a connection must not be lent any more (epoch ms), e.g. shortly before the OAuth
   *   token it signed in with expires (Exchange then ends the session). Default: no such time.
   */
  constructor(open: () => Promise<T>, max: number, end?: (c: T) => Promise<void>, maxAgeMs = Infinity, expiresAt: (c: T) => number | undefined = () => undefined) {
    this.#open = open;
    this.#max = Math.max(1, max);
    this.#maxAgeMs = maxAgeMs;
    this.#expiresAt = expiresAt;
    this.#end = end ?? ((c) => disconnect(c as unknown as ImapFlow));
  }

  get max(): number {
    return this.#max;
  }

  /** Lowers (or raises) the cap, e.g. after "Too many simultaneous connections". */
  setMax(max: number): void {
    this.#max = Math.max(1, max);
    this.#wake();
  }

  async acquire(signal?: AbortSignal): Promise<T> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.#closed) throw new Error('connection pool closed');
      const idle = this.#idle.pop();
      if (idle) {
        if (idle.usable && Date.now() - (this.#born.get(idle) ?? 0) < this.#maxAgeMs && Date.now() < (this.#expiresAt(idle) ?? Infinity)) {
          this.#busy.add(idle);
          return idle;
        }
        void this.#end(idle);
        continue;
      }
      if (this.#busy.size + this.#opening < this.#max) {
        this.#opening++;
        try {
          const c = await this.#open();
          this.#born.set(c, Date.now());
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
  release(client: T, healthy = true): void {
    this.#busy.delete(client);
    if (healthy && client.usable && !this.#closed && this.#busy.size + this.#idle.length < this.#max) {
      this.#idle.push(client);
    } else {
      void this.#end(client);
    }
    this.#wake();
  }

  /** Borrow a connection for the duration of fn; an exception marks it unhealthy. */
  async use<R>(fn: (client: T) => Promise<R>, signal?: AbortSignal): Promise<R> {
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
    await Promise.all(all.map((c) => this.#end(c)));
  }

  #wake(): void {
    const w = this.#waiters.splice(0);
    for (const resolve of w) resolve();
  }
}
