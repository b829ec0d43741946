/**
 * Reads the client's side of a session as whole commands, on fault-proxy.ts's ImapStreamParser (literals
 * skipped by their announced size). A command is held until complete, its small literals included (a
 * synchronising one gets its "+" from the front), so it can be judged and rewritten before Dovecot sees it.
 * An APPEND is the exception: it is judged when its message literal is announced, then the message streams
 * through untouched (35 MB is never buffered) or is swallowed if refused.
 */
import { ImapStreamParser, parseCommand, type ImapEvent } from '../fault-proxy.js';
import { tokenize, type Command } from './args.js';

/** Literals inside other commands (mailbox names, search strings) are buffered up to this size. */
const MAX_ARGUMENT_LITERAL = 64 * 1024;

export interface MessageHead {
  size: number;
  /** A synchronising literal: the client waits for "+" (or the answer) before sending it. */
  sync: boolean;
}

export interface ReaderHandler {
  /** A whole command, or an APPEND up to its message (`message`). True: stream the message through. */
  command(cmd: Command, message?: MessageHead): boolean;
  /** Message bytes (and the rest of the APPEND line) of an APPEND the handler let through. */
  passThrough(data: Buffer): void;
  /** A line that is no command (while `rawLines`): DONE after IDLE, a SASL response after "+". */
  rawLine(line: string): void;
  /** The client waits for "+" before sending a literal inside a command. */
  continuation(): void;
  /** A line longer than the limit, or an argument literal too big to hold: refused, with its tag. */
  oversized(tag: string): void;
}

export class CommandReader {
  /** Set by the handler while it expects a non-command line. */
  rawLines = false;
  #parser = new ImapStreamParser();
  #mode: 'idle' | 'assemble' | 'stream' | 'discard' = 'idle';
  #cmd: Command | undefined;
  #literal: Buffer[] = [];
  #paused = false;
  #backlog: ImapEvent[] = [];

  constructor(
    readonly handler: ReaderHandler,
    readonly maxLineLength: number,
  ) {}

  push(chunk: Buffer): void {
    const events = this.#parser.push(chunk);
    for (const [i, ev] of events.entries()) {
      if (this.#paused) {
        this.#backlog.push(...events.slice(i));
        return;
      }
      if (!this.#handle(ev)) return; // the parser was reset: what followed in this chunk was misread
    }
  }

  /** Hold every further command (an answer the handler computes asynchronously, e.g. a sign-in). */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const backlog = this.#backlog;
    this.#backlog = [];
    for (const [i, ev] of backlog.entries()) {
      if (this.#paused) {
        this.#backlog.push(...backlog.slice(i));
        return;
      }
      if (!this.#handle(ev)) return;
    }
  }

  /** False when the parser had to be reset (a refused synchronising literal the client will not send). */
  #handle(ev: ImapEvent): boolean {
    if (this.#mode === 'stream' || this.#mode === 'discard') {
      if (this.#mode === 'stream') this.handler.passThrough(ev.data);
      if (ev.type === 'line' && !ev.literal) this.#mode = 'idle';
      return true;
    }
    if (ev.type === 'literal') {
      this.#literal.push(ev.data);
      if (ev.remaining === 0) this.#cmd!.parts.push(Buffer.concat(this.#literal.splice(0)));
      return true;
    }
    const text = ev.data.toString('latin1');
    if (this.#mode === 'idle') {
      if (this.rawLines) {
        this.handler.rawLine(text.replace(/\r?\n$/, ''));
        return true;
      }
      const parsed = parseCommand(text);
      const name = parsed ? (parsed.uid ? `UID ${parsed.command}` : parsed.command) : '';
      this.#cmd = { tag: parsed?.tag ?? (/^\S+/.exec(text)?.[0] ?? '*'), name, parts: [] };
      this.#mode = 'assemble';
    }
    const cmd = this.#cmd!;
    const literal = ev.literal;
    if (text.length > this.maxLineLength || (literal && cmd.name !== 'APPEND' && literal.size > MAX_ARGUMENT_LITERAL)) {
      this.handler.oversized(cmd.tag);
      return this.#skipLiteral(literal);
    }
    cmd.parts.push(text);
    if (!literal) {
      this.#mode = 'idle';
      this.handler.command(cmd);
      return true;
    }
    const head = cmd.name === 'APPEND' ? tokenize(cmd.parts, true) : [];
    if (!head || head.length > 2) {
      // Mailbox (and flags, date) read, or syntax the handler will refuse: this literal is the message.
      if (this.handler.command(cmd, literal)) {
        this.#mode = 'stream';
        return true;
      }
      return this.#skipLiteral(literal);
    }
    if (literal.sync) this.handler.continuation();
    return true;
  }

  /** After a refusal: a LITERAL+ literal still arrives and is swallowed; a synchronising one never comes. */
  #skipLiteral(literal: { sync: boolean } | undefined): boolean {
    if (!literal) {
      this.#mode = 'idle';
      return true;
    }
    if (!literal.sync) {
      this.#mode = 'discard';
      return true;
    }
    this.#mode = 'idle';
    this.#parser = new ImapStreamParser();
    return false;
  }
}
