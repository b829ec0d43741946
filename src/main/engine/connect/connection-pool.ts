import type { ImapFlow } from 'imapflow';
import type { Slots } from './account-slots.js';
import { disconnect } from './imap-connect.js';

/** What the pool needs of a connection: whether it can still be used, and how to end it politely. */
export interface Poolable {
  readonly usable: boolean;
}

export interface PoolOptions<T> {
  /** Closes a connection politely and never throws; default: imapflow's LOGOUT then close. */
  end?: (c: T) => Promise<void>;
  /**
   * A connection this old is not lent again but replaced by a fresh login, before the server ends the
   * session mid-message (Gmail: ~24 h with a password, ~1 h with OAuth). Default: never.
   */
  maxAgeMs?: number;
  /**
   * When a connection must not be lent any more (epoch ms), e.g. shortly before the OAuth token it signed
   * in with expires (Exchange then ends the session). Default: no such time.
   */
  expiresAt?: (c: T) => number | undefined;
  /** Waited for before a connection is opened or lent (a server asked this mailbox to stay away). */
  gate?: (signal?: AbortSignal) => Promise<void>;
  /** Slots shared with other pools of the same account (account-slots.ts): one is held per open connection. */
  slots?: Slots;
}

/**
 * Keeps up to `max` logged-in connections to one account and lends them out. A connection that saw an
 * error is dropped, never lent again (imapflow connections cannot be revived). Waiters are served in order.
 */
export class ConnectionPool<T extends Poolable = ImapFlow> {
  readonly #open: (signal: AbortSignal) => Promise<T>;
  /** Aborted by dropAll: connections still signing in are closed too. */
  #drop = new AbortController();
  readonly #end: (c: T) => Promise<void>;
  #max: number;
  #maxAgeMs: number;
  #expiresAt: (c: T) => number | undefined;
  #gate: ((signal?: AbortSignal) => Promise<void>) | undefined;
  #slots: Slots | undefined;
  /** The account slot each connection holds, given back when it ends. */
  #slotOf = new WeakMap<T, () => void>();
  #born = new WeakMap<T, number>();
  #idle: T[] = [];
  #busy = new Set<T>();
  #opening = 0;
  #waiters: Array<() => void> = [];
  #closed = false;

  /**
   * @param open creates and logs in a new connection (throws a classified error on failure); aborting the
   *   signal it is given closes a connection still signing in
   * @param max most connections open at once for this account
   */
  constructor(open: (signal: AbortSignal) => Promise<T>, max: number, o: PoolOptions<T> = {}) {
    this.#open = open;
    this.#max = Math.max(1, max);
    this.#maxAgeMs = o.maxAgeMs ?? Infinity;
    this.#expiresAt = o.expiresAt ?? (() => undefined);
    this.#gate = o.gate;
    const end = o.end ?? ((c) => disconnect(c as unknown as ImapFlow));
    this.#slots = o.slots;
    this.#end = async (c) => {
      await end(c);
      this.#slotOf.get(c)?.();
    };
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
      await this.#gate?.(signal);
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
          const slot = await this.#slots?.acquire(signal);
          let c: T;
          try {
            c = await this.#open(this.#drop.signal);
          } catch (err) {
            slot?.();
            throw err;
          }
          if (slot) this.#slotOf.set(c, slot);
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

  /**
   * Ends every connection now, lent or idle, and keeps the pool open: a server asked the mailbox to stay
   * away, and a closed connection is the only one sure to send nothing more (work in flight fails and is
   * retried once the wait is over).
   */
  dropAll(): void {
    this.#drop.abort();
    this.#drop = new AbortController();
    const all = [...this.#idle, ...this.#busy];
    this.#idle = [];
    this.#busy.clear();
    for (const c of all) void this.#end(c);
    this.#wake();
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
