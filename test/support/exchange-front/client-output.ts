/**
 * Everything the client reads, in an order a real server could have produced. Dovecot's responses stream
 * through as they come; the front's own answers (refusals, CAPABILITY...) wait until every command sent
 * before them has its answer, and are only ever written between two responses, never inside one.
 */
import type { Duplex } from 'node:stream';

interface Entry {
  tag: string;
  /** Undefined while Dovecot has not answered; then [] (its lines went through), or our own lines. */
  lines?: string[];
  status?: string;
  end?: boolean;
}

export interface OutputHooks {
  /** A tagged NO/BAD/OK reached the client (ours or Dovecot's). */
  tagged(status: string): void;
  /** An answer queued with `end` was written: the session closes. */
  end(): void;
}

export class ClientOutput {
  #queue: Entry[] = [];
  #soon: string[] = [];
  /** The relayed stream is between two responses. */
  #boundary = true;
  #ended = false;

  constructor(
    readonly socket: Duplex,
    readonly hooks: OutputHooks,
  ) {}

  get atBoundary(): boolean {
    return this.#boundary;
  }

  /** A command went to Dovecot: its answer will come from there. */
  relayed(tag: string): void {
    this.#queue.push({ tag });
  }

  /** Our own answer: `untagged` lines, then `<tag> <status>`; `end` closes the session after it. */
  reply(tag: string, untagged: readonly string[], status: string, end = false): void {
    this.#queue.push({ tag, lines: [...untagged, `${tag} ${status}`], status: status.split(' ')[0]!, end });
    this.flush();
  }

  /** A line for the client as soon as no response is half written (a continuation request). */
  soon(line: string): void {
    this.#soon.push(line);
    this.flush();
  }

  /** Bytes of Dovecot's responses; `boundary`: they end a response. False: wait for 'drain'. */
  relay(data: Buffer, boundary: boolean): boolean {
    if (this.#ended) return true;
    const more = this.socket.write(data);
    this.#boundary = boundary;
    if (boundary) this.flush();
    return more;
  }

  /** Dovecot's tagged answer to `tag` went through: answers queued behind it may follow. */
  answered(tag: string): void {
    const entry = this.#queue.find((e) => e.tag === tag && e.lines === undefined);
    if (entry) entry.lines = [];
    this.flush();
  }

  /** Lines written now (the caller is at a boundary), then the socket closes. Idempotent. */
  end(lines: readonly string[]): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#queue = [];
    this.socket.end(lines.map((l) => `${l}\r\n`).join(''));
    setTimeout(() => this.socket.destroy(), 1000).unref(); // a client that never closes its side
  }

  get ended(): boolean {
    return this.#ended;
  }

  flush(): void {
    if (!this.#boundary) return;
    if (this.#soon.length && !this.#ended) this.socket.write(this.#soon.splice(0).map((l) => `${l}\r\n`).join(''));
    while (!this.#ended && this.#queue[0]?.lines !== undefined) {
      const head = this.#queue.shift()!;
      if (head.lines!.length === 0) continue; // relayed: already written
      this.socket.write(head.lines!.map((l) => `${l}\r\n`).join(''));
      this.hooks.tagged(head.status!);
      if (head.end) this.hooks.end();
    }
  }
}
