/**
 * Connections per account across every mailbox of this process: Gmail counts the connections of an account
 * from all clients together (15 at most), so two mailboxes of one job that read the same Gmail account, or
 * the desktop app's mailboxes, each run with its own pools, must share one limit. A slot is held for as long
 * as a connection is open, idle in a pool included.
 */
import { createHash } from 'node:crypto';

class Slots {
  #free: number;
  readonly #waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    this.#free = limit;
  }

  /** Resolves with the slot's release once one is free (in order of asking). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    while (this.#free === 0) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    this.#free--;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#free++;
      this.#waiters.shift()?.();
    };
  }
}

const accounts = new Map<string, Slots>();

/** The shared slots of one account (host, port and user, without case); the first limit asked for holds. */
export function accountSlots(account: { host: string; port: number; user: string }, limit: number): Slots {
  const key = createHash('sha256').update(`${account.host.toLowerCase()}:${account.port}:${account.user.toLowerCase()}`).digest('hex');
  let s = accounts.get(key);
  if (!s) accounts.set(key, (s = new Slots(Math.max(1, limit))));
  return s;
}

export type { Slots };
