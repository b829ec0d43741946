/**
 * Notices a connection whose path died without a reset (a NAT that forgot the flow, a laptop that changed
 * Wi-Fi, a hung server): the socket stays open and nothing arrives, and the kernel would keep it that way
 * for hours. Both IMAP clients (imapflow through imap-connect.ts, the APPEND client) use this one rule:
 *
 *   something is waiting for the server, and for `limitMs` no byte arrived and none of ours was taken by
 *   the kernel  =>  the connection is stalled.
 *
 * Only waiting counts: a connection idle in a pool is never stalled, however long it sits there. Bytes
 * that keep coming (a long download) or keep draining to the kernel (a long upload, written in pieces so
 * progress shows) keep it alive. The counter is polled every limit/20, so a stall is declared between
 * limitMs and limitMs + 10 %, never before.
 */
import { performance } from 'node:perf_hooks';

/** The job's default (options.stallTimeoutSeconds). */
export const DEFAULT_STALL_MS = 60_000;

export interface StallFacts {
  /** How long nothing came back, ms. */
  stallMs: number;
  /** What was waiting, in words: "the greeting", "the TLS handshake", "sign-in", "a command". */
  during: string;
  /** The server had sent something on this connection before it went quiet. */
  heard: boolean;
  /** No TLS yet: a server that says nothing at all may be a TLS port spoken to in plain text. */
  plain?: boolean;
}

export type StallError = Error & StallFacts & { code: 'ESTALLED' };

/** The error a stalled connection ends with (classify-error.ts turns it into CONNECTION_STALLED or TIMEOUT). */
export function stallError(facts: StallFacts): StallError {
  return Object.assign(new Error(`no data from the server for ${Math.round(facts.stallMs / 1000)} s during ${facts.during}`), facts, { code: 'ESTALLED' as const });
}

export function isStallError(err: unknown): err is StallError {
  return (err as { code?: unknown } | null)?.code === 'ESTALLED';
}

export class StallWatch {
  readonly limitMs: number;
  readonly #progress: () => number;
  readonly #waiting: () => boolean;
  readonly #onStall: () => void;
  readonly #pollMs: number;
  #last = 0;
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #stopped = false;

  /**
   * @param limitMs how long a wait may go without progress
   * @param progress a counter that grows whenever bytes arrive or are taken by the kernel
   * @param waiting whether anything waits for the server right now
   * @param onStall called once, when the limit passed without progress while waiting; the watch stops
   */
  constructor(limitMs: number, progress: () => number, waiting: () => boolean, onStall: () => void) {
    this.limitMs = limitMs;
    this.#progress = progress;
    this.#waiting = waiting;
    this.#onStall = onStall;
    this.#pollMs = Math.max(10, Math.floor(limitMs / 20));
  }

  /** A wait begins. If none was running, the clock starts now: time spent idle before never counts. */
  kick(): void {
    if (this.#timer || this.#immediate || this.#stopped) return;
    this.#last = performance.now();
    this.#count = this.#progress();
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = this.#immediate = undefined;
  }

  #arm(): void {
    this.#timer = setTimeout(this.#poll, this.#pollMs);
    this.#timer.unref();
  }

  #poll = (): void => {
    this.#timer = undefined;
    if (!this.#observe()) return;
    // Timers run before I/O: after a pause of our own (GC, a busy CPU) let bytes that already arrived be
    // read before calling the silence the server's.
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      if (!this.#observe()) return;
      this.stop();
      this.#onStall();
    });
  };

  /** Notes progress; true when the limit has passed without any while waiting, else re-arms (or idles). */
  #observe(): boolean {
    if (this.#stopped) return false;
    const n = this.#progress();
    if (n !== this.#count) {
      this.#count = n;
      this.#last = performance.now();
    }
    if (!this.#waiting()) return false; // idle: the next kick() starts a new clock
    if (performance.now() - this.#last >= this.limitMs) return true;
    this.#arm();
    return false;
  }
}
