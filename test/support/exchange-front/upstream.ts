/**
 * The front's connection to the Dovecot that holds the mail: signed in with the account's Dovecot password
 * once Exchange-style sign-in succeeded, then a relay that reads Dovecot's responses with fault-proxy.ts's
 * ImapStreamParser and hands them on in Exchange's words (rewrites.ts), rebuilt messages included.
 */
import net from 'node:net';
import { ImapStreamParser, parseResponse } from '../fault-proxy.js';
import { quote } from '../imap-raw.js';
import { rewriteFetchLine, rewriteResponseLine, rewriteTaggedLine } from './rewrites.js';

const SIGN_IN_TIMEOUT_MS = 10_000;

/** A plaintext connection to Dovecot, signed in as `user`; rejects on a refusal, a close or a timeout. */
export function signInUpstream(port: number, user: string, password: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    let text = '';
    let sent = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`Dovecot sign-in as ${user}: ${why}`));
    };
    const timer = setTimeout(() => fail('no answer'), SIGN_IN_TIMEOUT_MS);
    socket.on('error', (e) => fail(e.message));
    socket.on('close', () => fail('closed'));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!sent && text.startsWith('* OK') && text.includes('\r\n')) {
        sent = true;
        socket.write(`L1 LOGIN ${quote(user)} ${quote(password)}\r\n`);
      }
      const done = /^L1 (\S+).*\r\n/m.exec(text);
      if (!done) return;
      if (done[1] !== 'OK') return fail(done[0].trim());
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {}); // until the relay takes over; a close follows
      resolve(socket);
    });
  });
}

export interface RelaySink {
  /** Response bytes for the client; `boundary`: a response ends here. False: pause until `drained`. */
  data(bytes: Buffer, boundary: boolean): boolean;
  drained(resume: () => void): void;
  /** Dovecot's tagged answer to a relayed command (after its line went through). */
  answered(tag: string, command: string, status: string): void;
  /** A FETCH response carried a rebuilt message or header. */
  rebuilt(): void;
  closed(): void;
}

export class UpstreamRelay {
  #parser = new ImapStreamParser();
  #inFetch = false;
  /** Commands sent and not answered yet: tag -> name. */
  #commands = new Map<string, string>();

  constructor(
    readonly socket: net.Socket,
    readonly sink: RelaySink,
    /** Put on top of every message Dovecot serves (Exchange rebuilds what it stores). */
    readonly addedHeaders: Buffer,
    readonly specialUse: ReadonlyMap<string, string>,
  ) {
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', () => {}); // a close follows
    socket.on('close', () => sink.closed());
  }

  /** Send a client command (already in the form Dovecot should get). */
  send(tag: string, command: string, bytes: Buffer): boolean {
    this.#commands.set(tag, command);
    return this.socket.write(bytes);
  }

  /** Bytes that belong to a command already sent (an APPEND's message, IDLE's DONE). */
  write(bytes: Buffer): boolean {
    return this.socket.write(bytes);
  }

  #read(chunk: Buffer): void {
    let more = true;
    for (const ev of this.#parser.push(chunk)) {
      if (ev.type === 'literal') {
        more = this.sink.data(ev.data, false) && more;
        continue;
      }
      const line = ev.data.toString('latin1');
      if (ev.start) this.#inFetch = parseResponse(line).fetch;
      const tag = ev.start && !ev.literal ? /^(\S+) (?:OK|NO|BAD)\b/i.exec(line)?.[1] : undefined;
      const command = tag === undefined ? undefined : this.#commands.get(tag);
      let out = Buffer.from(line, 'latin1');
      if (command !== undefined) out = Buffer.from(rewriteTaggedLine(line, command), 'latin1');
      else if (this.#inFetch) {
        const r = rewriteFetchLine(line, this.addedHeaders.length);
        out = Buffer.from(r.line, 'latin1');
        if (r.rebuilt) {
          out = Buffer.concat([out, this.addedHeaders]);
          this.sink.rebuilt();
        }
      } else if (ev.start) out = Buffer.from(rewriteResponseLine(line, this.specialUse), 'latin1');
      more = this.sink.data(out, !ev.literal) && more;
      if (command !== undefined) {
        this.#commands.delete(tag!);
        this.sink.answered(tag!, command, parseResponse(line).status!);
      }
    }
    if (!more) {
      this.socket.pause();
      this.sink.drained(() => this.socket.resume());
    }
  }
}
