/**
 * One client connection of the fake Gmail server: reads commands in order, dispatches them, writes
 * responses with back-pressure, and injects Gmail's faults (BYE after N commands or ms, [THROTTLED]).
 * Commands run strictly one after another; a `+` continuation is queued behind earlier commands so it
 * can never land inside another response.
 */
import type { Socket } from 'node:net';
import { AUTHED, HANDLERS, READ_ONLY } from './commands.js';
import type { FakeGmailOptions, FakeGmailStats } from './options.js';
import { GMAIL_LINES } from './options.js';
import { CommandReader, parseCommand, tokenText, type Segment, type Token } from './parser.js';
import type { GmailStore, StoredMessage } from './store.js';
import { decodeMutf7, encodeMutf7, quoted, ResponseBuilder } from './wire.js';

export interface ServerContext {
  opts: FakeGmailOptions;
  store: GmailStore;
  stats: FakeGmailStats;
  sessions: Set<Session>;
  counters: { okReplies: number; loginAttempts: number; byes: number };
}

export type SessionState = 'notauth' | 'auth' | 'selected' | 'logout';

export interface Selected {
  name: string;
  readOnly: boolean;
  /** Snapshot taken at SELECT: message sequence number n is view[n - 1]. */
  view: Array<{ uid: number; msg: StoredMessage }>;
}

type QueueItem = { kind: 'command'; segments: Segment[] } | { kind: 'continue' } | { kind: 'reject'; tag: string; text: string };

export class Session {
  state: SessionState = 'notauth';
  user: string | undefined;
  selected: Selected | undefined;
  /** UTF8=ACCEPT was enabled: names and labels as UTF-8. */
  utf8 = false;
  #queue: QueueItem[] = [];
  #busy = false;
  #closed = false;
  #reader: CommandReader;
  #lineWaiter: ((line: string | undefined) => void) | undefined;
  #commandsAfterLogin = 0;
  #byeArmed = false;
  #byePending = false;
  #byeTimer: NodeJS.Timeout | undefined;

  constructor(readonly ctx: ServerContext, readonly socket: Socket, readonly id: number) {
    this.#reader = new CommandReader({
      command: (segments) => this.#enqueue({ kind: 'command', segments }),
      continuation: (segments) => {
        const first = segments[0];
        const m = first && 'text' in first ? /^(\S+) (?:UID )?(\S+)/i.exec(first.text) : null;
        if (m && m[2]!.toUpperCase() === 'APPEND') {
          this.#enqueue({ kind: 'reject', tag: m[1]!, text: READ_ONLY });
          return false;
        }
        this.#enqueue({ kind: 'continue' });
        return true;
      },
      rawLine: (line) => {
        const waiter = this.#lineWaiter;
        if (!waiter) return false;
        this.#lineWaiter = undefined;
        waiter(line);
        return true;
      },
      error: (message) => {
        void this.write([Buffer.from(`* BAD ${message}\r\n`)]).finally(() => this.end());
      },
    });
    socket.on('data', (chunk: Buffer) => {
      ctx.stats.bytesReceived += chunk.length;
      if (!this.#closed) this.#reader.push(chunk);
    });
    socket.on('close', () => this.#onClose());
    socket.on('error', () => this.#onClose());
    void this.write([Buffer.from(`${GMAIL_LINES.greeting}\r\n`)]);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A BYE is due: long responses (FETCH) stop between two messages and call sendBye(). */
  get byePending(): boolean {
    return this.#byePending;
  }

  // ---------- output ----------

  async write(parts: Buffer[], summary?: string): Promise<void> {
    if (this.#closed || this.socket.destroyed) return;
    if (this.ctx.opts.transcript) {
      const text = summary ?? Buffer.concat(parts).toString('utf8');
      for (const line of text.split('\r\n').filter((l) => l !== '')) this.ctx.stats.lines.push(line);
    }
    let ok = true;
    for (const p of parts) {
      this.ctx.stats.bytesSent += p.length;
      ok = this.socket.write(p);
    }
    if (!ok && !this.socket.destroyed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }

  send(rb: ResponseBuilder): Promise<void> {
    return this.write(rb.toBuffers(), this.ctx.opts.transcript ? rb.summary() : undefined);
  }

  /** `* <text>` */
  untagged(text: string): Promise<void> {
    return this.write([Buffer.from(`* ${text}\r\n`, 'latin1')]);
  }

  continuation(text: string): Promise<void> {
    return this.write([Buffer.from(`+ ${text}\r\n`, 'latin1')]);
  }

  /** `<tag> <reply>`; every n-th OK gets " [THROTTLED]" when throttling is on. */
  tagged(tag: string, reply: string): Promise<void> {
    if (/^OK\b/i.test(reply)) {
      const every = this.ctx.opts.throttle?.every;
      this.ctx.counters.okReplies++;
      if (every && this.ctx.counters.okReplies % every === 0) {
        reply += ' [THROTTLED]';
        this.ctx.stats.throttled++;
      }
    }
    return this.write([Buffer.from(`${tag} ${reply}\r\n`, 'latin1')]);
  }

  /** The next line the client sends (a SASL response, IDLE's DONE); undefined when the connection closes. */
  readLine(): Promise<string | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#lineWaiter = resolve;
    });
  }

  end(): void {
    if (this.#closed) return;
    this.state = 'logout';
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.#onClose();
  }

  // ---------- names ----------

  /** A mailbox name or label as the client wrote it -> Unicode. */
  decodeName(t: Token | undefined): string | undefined {
    const raw = tokenText(t);
    if (raw === undefined) return undefined;
    const text = /[\x80-\xff]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
    return this.utf8 ? text : decodeMutf7(text);
  }

  /** A quoted mailbox name or label for the wire (modified UTF-7, or UTF-8 once UTF8=ACCEPT is on). */
  encodeName(name: string): string {
    if (!this.utf8) return quoted(encodeMutf7(name));
    return quoted(Buffer.from(name, 'utf8').toString('latin1'));
  }

  // ---------- login bookkeeping ----------

  loggedIn(user: string): void {
    this.state = 'auth';
    this.user = user;
    this.ctx.stats.logins++;
    const bye = this.ctx.opts.byeAfter;
    if (bye && (bye.times === undefined || this.ctx.counters.byes < bye.times)) {
      this.#byeArmed = true;
      if (bye.ms !== undefined) {
        this.#byeTimer = setTimeout(() => {
          this.#byePending = true;
          // Idle, or waiting for a client line (IDLE, SASL): nothing is being written, say it now.
          if (!this.#busy || this.#lineWaiter) void this.sendBye();
        }, bye.ms);
        this.#byeTimer.unref();
      }
    }
  }

  /** Sends byeAfter's line and closes (counts toward byeAfter.times). */
  async sendBye(): Promise<void> {
    if (this.#closed || !this.#byeArmed) return;
    const bye = this.ctx.opts.byeAfter!;
    if (bye.times !== undefined && this.ctx.counters.byes >= bye.times) {
      this.#byeArmed = false;
      this.#byePending = false;
      return;
    }
    this.ctx.counters.byes++;
    this.ctx.stats.byes++;
    this.#byeArmed = false;
    await this.write([Buffer.from(`${bye.line ?? GMAIL_LINES.sessionExpired}\r\n`, 'latin1')]);
    this.end();
  }

  // ---------- command loop ----------

  #enqueue(item: QueueItem): void {
    this.#queue.push(item);
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#queue.length && !this.#closed) {
        const item = this.#queue.shift()!;
        if (item.kind === 'continue') await this.continuation('go ahead');
        else if (item.kind === 'reject') await this.tagged(item.tag, item.text);
        else await this.#run(item.segments);
        if (this.#byePending && !this.#closed) await this.sendBye();
      }
    } catch (err) {
      await this.write([Buffer.from(`* BAD Internal error: ${String((err as Error)?.message ?? err).replace(/[\r\n]/g, ' ')}\r\n`)]);
      this.end();
    } finally {
      this.#busy = false;
    }
  }

  async #run(segments: Segment[]): Promise<void> {
    const cmd = parseCommand(segments);
    if ('error' in cmd) {
      await this.tagged(cmd.tag, 'BAD Could not parse command');
      return;
    }
    const argsText = segments.map((s) => ('text' in s ? s.text : `{${s.literal.length}}`)).join('').slice(cmd.tag.length + 1 + cmd.name.length + 1);
    const secret = cmd.name === 'LOGIN' || cmd.name === 'AUTHENTICATE';
    this.ctx.stats.commands.push({ connection: this.id, tag: cmd.tag, name: cmd.name, args: secret ? '(hidden)' : argsText.slice(0, 300) });
    if (this.#byeArmed && AUTHED.has(this.state)) {
      const limit = this.ctx.opts.byeAfter?.commands;
      if (limit !== undefined && this.#commandsAfterLogin >= limit) {
        await this.sendBye();
        if (this.#closed) return;
      }
      this.#commandsAfterLogin++;
    }
    const entry = HANDLERS[cmd.name];
    if (!entry) {
      await this.tagged(cmd.tag, 'BAD Unknown command');
      return;
    }
    const [states, handler] = entry;
    if (!states.has(this.state)) {
      const why = states.has('notauth') ? 'already logged in' : this.state === 'notauth' ? 'not logged in' : 'no mailbox selected';
      await this.tagged(cmd.tag, `BAD Command not valid in this state (${why})`);
      return;
    }
    await handler(this, cmd);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.state = 'logout';
    clearTimeout(this.#byeTimer);
    this.ctx.sessions.delete(this);
    this.ctx.stats.open = this.ctx.sessions.size;
    const waiter = this.#lineWaiter;
    this.#lineWaiter = undefined;
    waiter?.(undefined);
  }
}
