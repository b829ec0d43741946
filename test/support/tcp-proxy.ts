/**
 * A TCP forwarder on 127.0.0.1 for tests and benchmarks: listens on a free port and relays every
 * connection to a target, optionally delaying each direction (the kernel here has no netem).
 *
 * Delay model: every chunk read from one side is written to the other `delayMs` after it was read, in
 * order, so a round trip costs 2 x delayMs and throughput is not capped (a pipelined client pays the delay
 * once, a ping-pong client on every exchange). TCP_NODELAY is set on all sockets so Nagle does not add
 * its own delay on top.
 *
 * `bytesPerSecond` makes a direction a slow link: chunks go out no faster than that, and while more than
 * RATE_BUFFER bytes wait the sender is no longer read, so its kernel buffers fill up as on a real link.
 *
 * Hooks for faults: `transform` sees each chunk per direction and may replace or drop it; every live
 * connection is listed in `connections` with `cut()` (hard close both sides), `silence()` (a dead path:
 * nothing more is read or forwarded either way, nothing is closed) and `inject(direction, data)` (write
 * bytes as if the other side had sent them, after the same delay). `cutAfterBytes` closes a connection
 * once that many bytes went in one direction.
 */
import net from 'node:net';

export type Direction = 'toServer' | 'toClient';

export interface ProxyOptions {
  targetPort: number;
  targetHost?: string;
  /** One-way delay added in each direction, ms. Default 0. */
  delayMs?: number;
  /** Called for every chunk; return the bytes to forward (possibly empty or replaced). */
  transform?: (direction: Direction, chunk: Buffer, conn: ProxyConnection) => Buffer;
  /** Cut the connection (both sides) after this many bytes went in that direction. */
  cutAfterBytes?: Partial<Record<Direction, number>>;
  /** A slow link: at most this many bytes per second in that direction. Default: no cap. */
  bytesPerSecond?: Partial<Record<Direction, number>>;
}

export interface ProxyStats {
  connections: number;
  bytesToServer: number;
  bytesToClient: number;
}

export interface ProxyConnection {
  id: number;
  bytes: Record<Direction, number>;
  /** Queue bytes in one direction as if its sender had written them (delayed like real traffic). */
  inject(direction: Direction, data: Buffer | string): void;
  /** Hard close of both sides. */
  cut(): void;
  /**
   * From the next chunk on, nothing is read or forwarded in either direction and no close is passed on from
   * the server (what already waits in the delay line still arrives): the client sees a path that died
   * without a reset. Its own close still ends both sides.
   */
  silence(): void;
  readonly silenced: boolean;
}

export interface TcpProxy {
  port: number;
  stats: ProxyStats;
  connections: Set<ProxyConnection>;
  close(): Promise<void>;
}

/** A rate-limited pipe holds at most this many bytes before it stops reading the sender. */
const RATE_BUFFER = 64 * 1024;

/**
 * A one-way pipe that delivers each chunk `delayMs` after it was read, in order, with back-pressure, and
 * with `bytesPerSecond` no faster than that (in pieces of about 20 ms worth).
 */
class DelayedPipe {
  #queue: { due: number; data: Buffer }[] = [];
  #queued = 0;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #waitingDrain = false;
  #held = false;
  #readingPaused = false;
  /** When a rate-limited link is free for the next piece (ms, Date.now() scale). */
  #linkFree = 0;
  readonly #piece: number;

  constructor(
    readonly from: net.Socket,
    readonly to: net.Socket,
    readonly delayMs: number,
    readonly bytesPerSecond = 0,
  ) {
    this.#piece = bytesPerSecond > 0 ? Math.min(64 * 1024, Math.max(1, Math.floor(bytesPerSecond / 50))) : Infinity;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    if (this.delayMs <= 0 && !this.bytesPerSecond && this.#queue.length === 0) return this.#write(data);
    this.#queue.push({ due: Date.now() + this.delayMs, data });
    this.#queued += data.length;
    this.#updateReading();
    this.#schedule();
  }

  end(): void {
    this.#ended = true;
    this.#schedule();
  }

  /** Stops reading the sender for good (a silenced connection). */
  hold(): void {
    this.#held = true;
    this.#updateReading();
  }

  #updateReading(): void {
    const pause = this.#held || this.#waitingDrain || (this.bytesPerSecond > 0 && this.#queued > RATE_BUFFER);
    if (pause === this.#readingPaused) return;
    this.#readingPaused = pause;
    if (pause) this.from.pause();
    else this.from.resume();
  }

  #write(data: Buffer): void {
    if (this.to.destroyed) return;
    if (!this.to.write(data) && !this.#waitingDrain) {
      this.#waitingDrain = true;
      this.#updateReading();
      this.to.once('drain', () => {
        this.#waitingDrain = false;
        this.#updateReading();
      });
    }
  }

  #schedule(): void {
    if (this.#timer) return;
    const head = this.#queue[0];
    if (!head) {
      if (this.#ended && !this.to.destroyed) this.to.end();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#release();
      this.#schedule();
    }, Math.max(0, Math.max(head.due, this.#linkFree) - Date.now()));
  }

  #release(): void {
    for (;;) {
      const head = this.#queue[0];
      const now = Date.now();
      if (!head || head.due > now || this.#linkFree > now) break;
      let data = head.data;
      if (data.length > this.#piece) {
        head.data = data.subarray(this.#piece);
        data = data.subarray(0, this.#piece);
      } else this.#queue.shift();
      if (this.bytesPerSecond) this.#linkFree = Math.max(this.#linkFree, now) + (data.length * 1000) / this.bytesPerSecond;
      this.#queued -= data.length;
      this.#write(data);
    }
    this.#updateReading();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#queue = [];
    this.#queued = 0;
  }
}

export async function startTcpProxy(opts: ProxyOptions): Promise<TcpProxy> {
  const stats: ProxyStats = { connections: 0, bytesToServer: 0, bytesToClient: 0 };
  const connections = new Set<ProxyConnection>();
  const sockets = new Set<net.Socket>();
  let nextId = 0;

  const server = net.createServer((client) => {
    const upstream = net.connect({ host: opts.targetHost ?? '127.0.0.1', port: opts.targetPort });
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    stats.connections++;
    const delay = opts.delayMs ?? 0;
    const pipes: Record<Direction, DelayedPipe> = {
      toServer: new DelayedPipe(client, upstream, delay, opts.bytesPerSecond?.toServer),
      toClient: new DelayedPipe(upstream, client, delay, opts.bytesPerSecond?.toClient),
    };
    let silenced = false;
    const conn: ProxyConnection = {
      id: ++nextId,
      bytes: { toServer: 0, toClient: 0 },
      inject: (direction, data) => pipes[direction].push(Buffer.from(data)),
      cut: () => {
        pipes.toServer.stop();
        pipes.toClient.stop();
        client.destroy();
        upstream.destroy();
      },
      silence: () => {
        silenced = true;
        pipes.toServer.hold();
        pipes.toClient.hold();
      },
      get silenced() {
        return silenced;
      },
    };
    connections.add(conn);
    const relay = (direction: Direction, source: net.Socket): void => {
      source.on('data', (chunk: Buffer) => {
        if (silenced) return;
        let data = opts.transform ? opts.transform(direction, chunk, conn) : chunk;
        const limit = opts.cutAfterBytes?.[direction];
        if (limit !== undefined && conn.bytes[direction] + data.length >= limit) {
          data = data.subarray(0, Math.max(0, limit - conn.bytes[direction]));
          conn.bytes[direction] += data.length;
          pipes[direction].push(data);
          setTimeout(conn.cut, delay + 5);
          return;
        }
        conn.bytes[direction] += data.length;
        if (direction === 'toServer') stats.bytesToServer += data.length;
        else stats.bytesToClient += data.length;
        pipes[direction].push(data);
      });
      source.on('end', () => !silenced && pipes[direction].end());
    };
    relay('toServer', client);
    relay('toClient', upstream);
    const onGone = (): void => {
      connections.delete(conn);
      conn.cut();
    };
    // A silenced connection stays open towards the client whatever the server does.
    client.on('error', onGone);
    upstream.on('error', () => !silenced && onGone());
    client.on('close', () => setTimeout(onGone, delay + 5));
    upstream.on('close', () => !silenced && setTimeout(onGone, delay + 5));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    stats,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
