/**
 * A TCP forwarder on 127.0.0.1 for tests and benchmarks: listens on a free port and relays every
 * connection to a target, optionally delaying each direction (the kernel here has no netem).
 *
 * Delay model: every chunk read from one side is written to the other `delayMs` after it was read, in
 * order, so a round trip costs 2 x delayMs and throughput is not capped (a pipelined client pays the delay
 * once, a ping-pong client on every exchange). TCP_NODELAY is set on all sockets so Nagle does not add
 * its own delay on top.
 *
 * Hooks for faults: `transform` sees each chunk per direction and may replace or drop it; every live
 * connection is listed in `connections` with `cut()` (hard close both sides) and `inject(direction, data)`
 * (write bytes as if the other side had sent them, after the same delay). `cutAfterBytes` closes a
 * connection once that many bytes went in one direction.
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
}

export interface TcpProxy {
  port: number;
  stats: ProxyStats;
  connections: Set<ProxyConnection>;
  close(): Promise<void>;
}

/** A one-way pipe that delivers each chunk `delayMs` after it was read, in order, with back-pressure. */
class DelayedPipe {
  #queue: { due: number; data: Buffer }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #paused = false;

  constructor(
    readonly from: net.Socket,
    readonly to: net.Socket,
    readonly delayMs: number,
  ) {}

  push(data: Buffer): void {
    if (data.length === 0) return;
    if (this.delayMs <= 0 && this.#queue.length === 0) return this.#write(data);
    this.#queue.push({ due: Date.now() + this.delayMs, data });
    this.#schedule();
  }

  end(): void {
    this.#ended = true;
    this.#schedule();
  }

  #write(data: Buffer): void {
    if (this.to.destroyed) return;
    if (!this.to.write(data) && !this.#paused) {
      this.#paused = true;
      this.from.pause();
      this.to.once('drain', () => {
        this.#paused = false;
        this.from.resume();
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
      const now = Date.now();
      while (this.#queue.length && this.#queue[0]!.due <= now) this.#write(this.#queue.shift()!.data);
      this.#schedule();
    }, Math.max(0, head.due - Date.now()));
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#queue = [];
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
      toServer: new DelayedPipe(client, upstream, delay),
      toClient: new DelayedPipe(upstream, client, delay),
    };
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
    };
    connections.add(conn);
    const relay = (direction: Direction, source: net.Socket): void => {
      source.on('data', (chunk: Buffer) => {
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
      source.on('end', () => pipes[direction].end());
    };
    relay('toServer', client);
    relay('toClient', upstream);
    const onGone = (): void => {
      connections.delete(conn);
      conn.cut();
    };
    client.on('error', onGone);
    upstream.on('error', onGone);
    client.on('close', () => setTimeout(onGone, delay + 5));
    upstream.on('close', () => setTimeout(onGone, delay + 5));
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
