/**
 * One raw IMAP connection for writing: tagged commands, pipelined, each made of text, Buffers (written as
 * they are, never copied into a string) and "wait for +" points for synchronising literals.
 *
 * Commands are written strictly one after another by a single pump; their tagged replies may arrive at any
 * time, so several commands with non-synchronising literals are in flight at once. A synchronising literal
 * stops the pump until the server says "+" (or answers the command instead, which ends it). Writes respect
 * socket back-pressure, so memory is bounded by the Buffers the caller already holds.
 *
 * A server that goes quiet while anything waits for it (greeting, TLS handshake, a reply, a "+") is
 * dropped by a stall watch (stall-watch.ts): big literals are written in pieces so that a slow upload,
 * during which the server rightly says nothing, shows progress as long as the kernel takes bytes.
 *
 * Connecting, TLS and signing in live in session.ts.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { coded, fail, failureInfo, replyInfo, type ErrorContext } from './append-errors.js';
import type { ErrorInfo, MailferryError } from '../../errors/errors.js';
import { DEFAULT_STALL_MS, StallWatch, stallError } from '../../connect/stall-watch.js';
import { ProtocolError, ResponseReader, type ServerResponse } from './response-reader.js';
import { WAIT_CONTINUATION, parseCapabilities, parseRespText, type CommandPart, type StreamedData, type TaggedResponse } from './wire.js';

interface Pending {
  tag: string;
  parts: CommandPart[];
  answered: boolean;
  resolve: (r: TaggedResponse) => void;
  reject: (e: MailferryError) => void;
}

export interface ConnectionHooks {
  /** Every server response line (literals as "{n}"); for diagnostics and Gmail's [THROTTLED]. */
  onServerLine?: (line: string) => void;
  /** How long a wait for the server may go without progress, ms. Default 60 s (options.stallTimeoutSeconds). */
  stallTimeoutMs?: number;
  /** Called once if the connection is dropped as stalled (CONNECTION_STALLED), for the report's counter. */
  onStall?: (info: ErrorInfo) => void;
  /** Waited for before each command is written: the server asked this mailbox to stay away until then. */
  gate?: () => Promise<void>;
}

/** Literals are written in pieces this big: each one the kernel takes is progress for the stall watch. */
const PIECE = 64 * 1024;

export class AppendConnection {
  /** Capabilities as last announced (upper case). */
  capabilities = new Set<string>();
  /** Context for classifying failures; `phase` follows the session (connect, login, append). */
  ctx: ErrorContext;
  #socket!: Socket | TLSSocket;
  /** The TCP socket under any TLS: it counts every byte heard, handshake records included. */
  #tcp: Socket | undefined;
  #handshaking = false;
  /** Pieces of our writes the kernel has taken after a wait, and streamed pieces (progress for the watch). */
  #drained = 0;
  /** Waiting for the next piece of streamed literal data: nothing is owed by the server meanwhile. */
  #feeding = false;
  #watch: StallWatch;
  #reader = new ResponseReader();
  #hooks: ConnectionHooks;
  #tagNo = 0;
  #queue: Pending[] = [];
  #inFlight = new Map<string, Pending>();
  #pumping = false;
  #continuation: { pending: Pending; resolve: (go: boolean) => void } | undefined;
  #untaggedWaiter: ((r: ServerResponse) => void) | undefined;
  #untaggedListeners: ((text: string) => void)[] = [];
  #failure: unknown;
  #bye: string | undefined;
  #closed = false;
  #closeError: MailferryError | undefined;
  #closedWaiters: (() => void)[] = [];
  #logoutSent = false;

  constructor(ctx: ErrorContext, hooks: ConnectionHooks = {}) {
    this.ctx = ctx;
    this.#hooks = hooks;
    const limit = hooks.stallTimeoutMs ?? DEFAULT_STALL_MS;
    this.#watch = new StallWatch(limit, () => (this.#tcp?.bytesRead ?? 0) + this.#drained, () => this.#waiting(), () => this.#stalled(limit));
  }

  get usable(): boolean {
    return !this.#closed && !this.#logoutSent;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Starts reading from a socket (again after STARTTLS: nothing may be left unread from the plain one).
   * `tcp` is the socket under a TLS one, given on the first attach; a TLS socket is still handshaking.
   */
  attach(socket: Socket | TLSSocket, tcp: Socket = socket): void {
    if (this.#reader.pendingBytes > 0) throw new ProtocolError('server sent data after STARTTLS before the TLS handshake');
    this.#socket = socket;
    if (!this.#tcp) {
      this.#tcp = tcp;
      // The wait for the greeting starts once the server accepted the connection (session.ts times the connect).
      if (tcp.connecting) tcp.once('connect', () => this.#watch.kick());
    }
    if (socket instanceof TLSSocket) {
      this.#handshaking = true;
      socket.once('secureConnect', () => (this.#handshaking = false));
      this.#watch.kick();
    }
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
  }

  /** Stops reading a socket without closing it (before the STARTTLS handshake takes it over). */
  detach(): Socket | TLSSocket {
    const s = this.#socket;
    s.off('data', this.#onData);
    s.off('error', this.#onError);
    s.off('close', this.#onClose);
    return s;
  }

  /** The next untagged response (the greeting). Rejects if the connection closes first. */
  nextUntagged(): Promise<ServerResponse> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(this.#closeError);
      this.#untaggedWaiter = resolve;
      this.#closedWaiters.push(() => reject(this.#closeError));
      this.#watch.kick();
    });
  }

  onUntagged(fn: (text: string) => void): () => void {
    this.#untaggedListeners.push(fn);
    return () => (this.#untaggedListeners = this.#untaggedListeners.filter((f) => f !== fn));
  }

  /**
   * Queues a command (without tag and final CRLF). Resolves with its tagged reply, whether OK, NO or BAD;
   * rejects with a classified MailferryError when the connection is lost before the reply.
   */
  command(parts: CommandPart[]): Promise<TaggedResponse> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(this.#closeError);
      if (typeof parts[0] === 'string' && /^LOGOUT\b/i.test(parts[0])) this.#logoutSent = true;
      this.#queue.push({ tag: `M${++this.#tagNo}`, parts, answered: false, resolve, reject });
      this.#watch.kick();
      void this.#pump();
    });
  }

  /** Closes at once; anything in flight fails as a lost connection. */
  destroy(reason?: unknown): void {
    if (reason !== undefined && this.#failure === undefined) this.#failure = reason;
    this.#socket?.destroy();
  }

  /** Resolves when the socket is closed (immediately if it already is). */
  whenClosed(): Promise<void> {
    return this.#closed ? Promise.resolve() : new Promise((r) => this.#closedWaiters.push(r));
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        // Held before the command counts as sent: nothing waits for the server meanwhile (no stall).
        await this.#hooks.gate?.();
        if (this.#closed) break;
        const p = this.#queue.shift()!;
        this.#inFlight.set(p.tag, p);
        await this.#write(p);
      }
    } catch (err) {
      this.destroy(err);
    } finally {
      this.#pumping = false;
    }
  }

  async #write(p: Pending): Promise<void> {
    const s = this.#socket;
    let corked = false;
    const cork = (): void => {
      if (!corked) s.cork();
      corked = true;
    };
    const uncork = (): void => {
      if (corked) s.uncork();
      corked = false;
    };
    try {
      cork();
      s.write(`${p.tag} `);
      for (const part of p.parts) {
        if (part === WAIT_CONTINUATION) {
          uncork();
          const go = p.answered ? false : await new Promise<boolean>((resolve) => (this.#continuation = { pending: p, resolve }));
          this.#continuation = undefined;
          if (!go || this.#closed) return; // answered instead of "+": the server ended the command there
          cork();
          continue;
        }
        if (typeof part === 'object' && 'stream' in part) {
          uncork();
          if (!(await this.#writeStream(s, part))) return;
          cork();
          continue;
        }
        for (const piece of pieces(part)) {
          s.write(piece);
          if (s.writableNeedDrain) {
            uncork();
            await drained(s);
            this.#drained++;
            if (this.#closed) return;
            cork();
          }
        }
      }
      s.write('\r\n');
    } finally {
      uncork();
    }
  }

  /**
   * Writes streamed literal data as it arrives. A stream that fails leaves the literal unfinished, so the
   * connection cannot go on: its failure becomes the connection's (the command rejects) and it is closed.
   */
  async #writeStream(s: Socket, part: StreamedData): Promise<boolean> {
    const it = part.stream[Symbol.asyncIterator]();
    for (;;) {
      this.#feeding = true;
      let next: IteratorResult<Buffer>;
      try {
        next = await it.next();
      } finally {
        this.#feeding = false;
      }
      if (this.#closed) {
        await it.return?.();
        return false;
      }
      if (next.done) return true;
      this.#drained++;
      for (const piece of pieces(next.value)) {
        s.write(piece);
        if (s.writableNeedDrain) {
          await drained(s);
          this.#drained++;
          if (this.#closed) {
            await it.return?.();
            return false;
          }
        }
      }
    }
  }

  #onData = (chunk: Buffer): void => {
    let responses: ServerResponse[];
    try {
      responses = this.#reader.push(chunk);
    } catch (err) {
      this.destroy(err);
      return;
    }
    for (const r of responses) {
      if (this.#closed) return;
      this.#hooks.onServerLine?.(r.text);
      this.#dispatch(r);
    }
  };

  #dispatch(r: ServerResponse): void {
    const text = r.text;
    if (text.startsWith('+')) {
      const c = this.#continuation;
      if (!c) return this.destroy(new ProtocolError('unexpected continuation request from the server'));
      this.#continuation = undefined;
      c.resolve(true);
      return;
    }
    if (text.startsWith('* ')) {
      const m = /^\* (\S+) ?(.*)$/s.exec(text)!;
      const kind = m[1]!.toUpperCase();
      if (kind === 'CAPABILITY') this.capabilities = parseCapabilities(m[2]!);
      if (kind === 'OK' || kind === 'PREAUTH' || kind === 'BYE') {
        const rt = parseRespText(m[2]!);
        if (rt.code === 'CAPABILITY' && rt.codeArgs) this.capabilities = parseCapabilities(rt.codeArgs);
      }
      if (kind === 'BYE') this.#bye = text;
      const waiter = this.#untaggedWaiter;
      this.#untaggedWaiter = undefined;
      waiter?.(r);
      for (const fn of this.#untaggedListeners) fn(text);
      return;
    }
    const m = /^(\S+) (OK|NO|BAD)(?: (.*))?$/is.exec(text);
    const p = m ? this.#inFlight.get(m[1]!) : undefined;
    if (!m || !p) return this.destroy(new ProtocolError('unexpected response from the server'));
    this.#inFlight.delete(p.tag);
    p.answered = true;
    const rt = parseRespText(m[3] ?? '');
    if (rt.code === 'CAPABILITY' && rt.codeArgs) this.capabilities = parseCapabilities(rt.codeArgs);
    const resp: TaggedResponse = { tag: p.tag, status: m[2]!.toUpperCase() as TaggedResponse['status'], text: rt.text, line: text };
    if (rt.code !== undefined) resp.code = rt.code;
    if (rt.codeArgs !== undefined) resp.codeArgs = rt.codeArgs;
    if (this.#continuation?.pending === p) {
      const c = this.#continuation;
      this.#continuation = undefined;
      c.resolve(false);
    }
    p.resolve(resp);
  }

  #onError = (err: Error): void => {
    if (this.#failure === undefined) this.#failure = err;
  };

  /** Something waits for the server: a greeting, a handshake, a reply. LOGOUT is bounded by its caller. */
  #waiting(): boolean {
    if (this.#closed || this.#logoutSent || this.#feeding || !this.#tcp || this.#tcp.connecting) return false;
    return this.#handshaking || this.#untaggedWaiter !== undefined || this.#inFlight.size > 0 || this.#queue.length > 0;
  }

  #stalled(limit: number): void {
    const oldest = this.#inFlight.values().next().value ?? this.#queue[0];
    const verb = typeof oldest?.parts[0] === 'string' ? /^[A-Z]+/i.exec(oldest.parts[0])?.[0]?.toUpperCase() : undefined;
    const during = this.#handshaking ? 'the TLS handshake' : this.#untaggedWaiter ? 'the greeting'
      : verb === 'LOGIN' || verb === 'AUTHENTICATE' ? 'sign-in' : verb ? `the ${verb} command` : 'a command';
    const plain = !(this.#socket instanceof TLSSocket);
    this.destroy(stallError({ stallMs: limit, during, heard: (this.#tcp?.bytesRead ?? 0) > 0, plain }));
  }

  #onClose = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    let info;
    if (this.#failure !== undefined) info = failureInfo(this.#failure, this.ctx);
    else if (this.#bye !== undefined) info = replyInfo({ tag: '*', status: 'NO', text: this.#bye, line: this.#bye }, this.ctx);
    else info = failureInfo(coded('EConnectionClosed', 'the server closed the connection'), this.ctx);
    this.#closeError = fail(info, this.#failure);
    this.#watch.stop();
    if (info.code === 'CONNECTION_STALLED') this.#hooks.onStall?.(info);
    this.#continuation?.resolve(false);
    this.#continuation = undefined;
    const pending = [...this.#inFlight.values(), ...this.#queue];
    this.#inFlight.clear();
    this.#queue = [];
    // Everything unanswered fails alike (logout() ignores the failure of its own LOGOUT).
    for (const p of pending) p.reject(this.#closeError);
    for (const w of this.#closedWaiters.splice(0)) w();
  };

  /** The error every command gets once the connection is gone. */
  get closeError(): MailferryError | undefined {
    return this.#closeError;
  }
}

/** A Buffer in pieces of PIECE bytes (views, not copies); a string whole. */
function* pieces(part: string | Buffer): Generator<string | Buffer> {
  if (typeof part === 'string') return yield part;
  for (let at = 0; at < part.length; at += PIECE) yield part.subarray(at, at + PIECE);
}

function drained(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}
