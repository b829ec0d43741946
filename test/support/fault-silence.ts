/**
 * The "silence" fault of fault-proxy.ts: a path that dies without a reset (a NAT that forgot the flow, a
 * laptop that changed Wi-Fi, a hung server). At a chosen moment a connection stops forwarding in both
 * directions; both sockets stay open, nothing is closed and nothing is sent. The client can only notice
 * by the silence itself.
 *
 * Moments: at accept (no greeting), after T ms, after N bytes towards the client, after the k-th FETCH
 * response, right after the LOGIN/AUTHENTICATE line reached the server (its reply never comes back), or
 * after the first N bytes of the server's TLS handshake (implicit TLS, or right after STARTTLS).
 * Connections are chosen by number (the proxy numbers them from 1 in accept order) or by a seeded chance,
 * so a run can finish on the healthy ones.
 */
import type { Prng } from './corpus.js';
import type { ProxyConnection } from './tcp-proxy.js';

/** A number, or a [min, max] range drawn per connection from the seeded Prng. */
export type Range = number | [number, number];

export type SilenceMoment =
  | 'accept'
  | 'login'
  | { afterMs: Range }
  | { afterBytes: number }
  | { afterFetchResponses: number }
  | { tlsBytes: number };

export interface SilencePlan {
  at: SilenceMoment;
  /** Only these connections (numbers from 1). Default: every connection (still capped by `max`). */
  connections?: number[];
  /** Or each connection with this chance (seeded). */
  probability?: number;
  /** At most this many connections silenced in all. */
  max?: number;
}

/** Per-connection state of the silence fault. */
export interface SilenceState {
  /** This connection will go quiet at the plan's moment. */
  armed: boolean;
  /** Bytes forwarded towards the client (for afterBytes), or of its TLS stream (for tlsBytes). */
  bytes: number;
}

export interface SilencerHooks {
  /** The plan in force (live: a test may change it between runs). */
  plan: () => SilencePlan | undefined;
  rng: Prng;
  /** Runs fn after ms (cancelled when the proxy closes). */
  later: (ms: number, fn: () => void) => void;
  /** The connection is still open. */
  alive: (conn: ProxyConnection) => boolean;
  /** Counts and notes a silence; called once per silenced connection. */
  silenced: (conn: ProxyConnection, why: string) => void;
}

export class Silencer {
  readonly #h: SilencerHooks;
  #chosen = 0;

  constructor(hooks: SilencerHooks) {
    this.#h = hooks;
  }

  /** At accept: is this connection one to silence? Silences at once for 'accept', or starts the clock. */
  init(conn: ProxyConnection): SilenceState {
    const st: SilenceState = { armed: false, bytes: 0 };
    const p = this.#h.plan();
    if (!p || this.#chosen >= (p.max ?? Infinity)) return st;
    const picked = p.connections ? p.connections.includes(conn.id) : p.probability !== undefined ? this.#h.rng.chance(p.probability) : true;
    if (!picked) return st;
    this.#chosen++;
    st.armed = true;
    if (p.at === 'accept') this.silence(conn, st, 'at accept');
    else if (typeof p.at === 'object' && 'afterMs' in p.at) {
      const ms = typeof p.at.afterMs === 'number' ? p.at.afterMs : this.#h.rng.int(p.at.afterMs[0], p.at.afterMs[1]);
      this.#h.later(ms, () => this.silence(conn, st, `after ${ms} ms`));
    }
    return st;
  }

  /**
   * A chunk towards the client: for byte moments, the part to forward before the silence (the whole
   * chunk when the moment is not reached). `tls`: the chunk belongs to the TLS stream.
   */
  toClient(conn: ProxyConnection, st: SilenceState, chunk: Buffer, tls: boolean): Buffer {
    const at = this.#h.plan()?.at;
    if (!st.armed || typeof at !== 'object') return chunk;
    const limit = 'afterBytes' in at ? at.afterBytes : 'tlsBytes' in at && tls ? at.tlsBytes : undefined;
    if (limit === undefined) return chunk;
    const keep = chunk.subarray(0, Math.max(0, limit - st.bytes));
    st.bytes += keep.length;
    if (st.bytes >= limit) this.silence(conn, st, `after ${limit} bytes${tls ? ' of TLS' : ''} towards the client`);
    return keep;
  }

  /** The LOGIN/AUTHENTICATE line was forwarded: true when the connection goes quiet now. */
  loginSent(conn: ProxyConnection, st: SilenceState): boolean {
    return st.armed && this.#h.plan()?.at === 'login' && this.silence(conn, st, 'after the LOGIN line');
  }

  /** The n-th FETCH response of this connection was forwarded: true when the connection goes quiet now. */
  fetchDone(conn: ProxyConnection, st: SilenceState, n: number): boolean {
    const at = this.#h.plan()?.at;
    return st.armed && typeof at === 'object' && 'afterFetchResponses' in at && at.afterFetchResponses === n && this.silence(conn, st, `after ${n} FETCH responses`);
  }

  /** Takes effect from the next chunk on: what the current chunk forwards still goes out. */
  silence(conn: ProxyConnection, st: SilenceState, why: string): true {
    if (st.armed && !conn.silenced && this.#h.alive(conn)) {
      st.armed = false;
      conn.silence();
      this.#h.silenced(conn, why);
    }
    return true;
  }
}
