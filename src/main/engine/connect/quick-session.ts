/**
 * A short raw IMAP session for a re-run's quick look (plan/rerun-check.ts). imapflow waits for every
 * command before sending the next: CAPABILITY, ID, sign-in (two round trips without SASL-IR), ID again,
 * NAMESPACE, ENABLE, then LIST and LSUB, about a dozen round trips before the folders are known, 0.6 s
 * through a 50 ms line. Here the sign-in and the commands of the look go out together after the TLS
 * handshake and come back in one round trip; LOGOUT is sent without waiting for its answer.
 *
 * Certificates are verified as imap-connect.ts does (the endpoint's CA file, TLS 1.2+, SNI for host
 * names); the password goes only into the sign-in command, inside TLS (or on a 'none' endpoint, which
 * the job allows only towards this computer). The sign-in is picked before the post-TLS capabilities
 * are known: AUTHENTICATE PLAIN with an initial response where the plain-text greeting of a STARTTLS
 * server offered it, else LOGIN; XOAUTH2 for a token. Whatever goes wrong, the look (plan/rerun-check.ts)
 * gives up and the run connects the usual way, which reports what went wrong.
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Endpoint } from '../job/job.js';
import type { Credential } from './credentials.js';
import { xoauth2InitialResponse } from '../oauth/sasl.js';
import { ReplyReader, statusOf, tokens, type Token } from './imap-reply.js';

export interface Tagged {
  status: string;
  code: string | undefined;
  text: string;
}

/** The answers to a batch of commands: each command's tagged reply, and every untagged data response. */
export interface Answers {
  tagged: Tagged[];
  /** By keyword (LIST, STATUS, NAMESPACE, CAPABILITY...): each response's tokens after the keyword. */
  data: Array<{ name: string; args: Token[] }>;
  /** Capabilities the server announced last (CAPABILITY response or [CAPABILITY] code). */
  capabilities: Set<string>;
}

export class QuickSession {
  readonly #socket: net.Socket;
  readonly #reader = new ReplyReader();
  #capabilities = new Set<string>();
  #onResponse: ((text: string, literals: Buffer[]) => void) | undefined;
  #failed: ((err: Error) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #idleMs: number;
  /** The greeting is still to come inside the first batch (commands sent before it, see open()). */
  #greetingAhead: boolean;

  private constructor(socket: net.Socket, idleMs: number, greetingAhead = false) {
    this.#socket = socket;
    this.#idleMs = idleMs;
    this.#greetingAhead = greetingAhead;
    this.#listen(socket);
  }

  /**
   * Connects: TLS at once on a 'tls' endpoint, STARTTLS after the greeting on a 'starttls' one. `idleMs`:
   * the longest wait for any byte before the session is given up.
   */
  static async open(endpoint: Endpoint, idleMs: number): Promise<QuickSession> {
    const tcp = net.connect({ host: endpoint.host, port: endpoint.port });
    tcp.setNoDelay(true);
    if (endpoint.security !== 'starttls') {
      // The commands may go out before the greeting: the server reads them once it has greeted, which saves
      // the round trip spent waiting for it (a greeting that refuses ends the session in send()).
      const socket = endpoint.security === 'tls' ? secure(tcp, endpoint) : tcp;
      const s = new QuickSession(socket, idleMs, true);
      await s.#ready(socket, endpoint.security === 'tls' ? 'secureConnect' : 'connect');
      return s;
    }
    const s = new QuickSession(tcp, idleMs);
    try {
      const greeting = statusOf((await s.#next()).slice(2));
      if (greeting.status !== 'OK') throw new Error(`greeting ${greeting.status}`);
      s.#noteCapabilities(greeting.code, greeting.codeArgs);
      const r = await s.send(['STARTTLS']);
      if (r.tagged[0]!.status !== 'OK') throw new Error('STARTTLS refused');
      // Nothing said in plain text is kept once TLS starts, except which sign-in to try.
      s.#socket.removeAllListeners('data');
      const tlsSocket = secure(s.#socket, endpoint);
      const fresh = new QuickSession(tlsSocket, idleMs);
      fresh.#capabilities = s.#capabilities;
      await fresh.#ready(tlsSocket, 'secureConnect');
      return fresh;
    } catch (err) {
      s.destroy();
      throw err;
    }
  }

  /** The sign-in command for this credential, or undefined when it cannot be written blind. */
  signIn(user: string, credential: Credential): string | undefined {
    if ('accessToken' in credential) return `AUTHENTICATE XOAUTH2 ${xoauth2InitialResponse(user, credential.accessToken)}`;
    const caps = this.#capabilities;
    if (caps.has('AUTH=PLAIN') && caps.has('SASL-IR')) return `AUTHENTICATE PLAIN ${Buffer.from(`\0${user}\0${credential.password}`, 'utf8').toString('base64')}`;
    const quotable = (v: string) => /^[\x20-\x7e]*$/.test(v);
    if (!quotable(user) || !quotable(credential.password)) return undefined;
    return `LOGIN ${quote(user)} ${quote(credential.password)}`;
  }

  /**
   * Writes the commands at once (tags Q1, Q2...) and resolves when the last one is answered. With `signIn`
   * the first command is a sign-in, and the wait ends at its answer (`tagged` then holds that one) unless it
   * is OK and announces the signed-in session's capabilities, as Dovecot, Cyrus and Gmail do: Courier answers
   * a bare "OK LOGIN Ok." and drops what was pipelined behind it, which would leave the wait to the idle limit.
   */
  async send(commands: string[], opts: { signIn?: boolean } = {}): Promise<Answers> {
    const answers: Answers = { tagged: [], data: [], capabilities: this.#capabilities };
    let announced = false;
    const done = new Promise<Answers>((resolve, reject) => {
      this.#failed = reject;
      this.#onResponse = (text, literals) => {
        if (text.startsWith('+')) return reject(new Error('unexpected continuation request'));
        const m = /^(\S+) (.*)$/s.exec(text);
        if (!m) return;
        if (m[1] === '*') {
          const data = /^(\d+ )?([A-Za-z-]+) ?(.*)$/s.exec(m[2]!);
          const name = (data?.[2] ?? '').toUpperCase();
          if (['OK', 'NO', 'BAD', 'PREAUTH'].includes(name)) {
            const st = statusOf(m[2]!);
            // The greeting's capabilities are those before the sign-in: they announce nothing about it.
            announced ||= st.code === 'CAPABILITY' && !this.#greetingAhead;
            this.#greetingAhead = false;
            this.#noteCapabilities(st.code, st.codeArgs);
          } else if (name === 'BYE') reject(new Error('the server ended the session'));
          else if (name === 'CAPABILITY') {
            announced = true;
            this.#noteCapabilities('CAPABILITY', data![3]!);
          } else answers.data.push({ name, args: tokens(data![3]!, literals) });
          return;
        }
        const st = statusOf(m[2]!);
        announced ||= st.code === 'CAPABILITY';
        this.#noteCapabilities(st.code, st.codeArgs);
        answers.tagged.push({ status: st.status, code: st.code, text: st.text });
        const bareSignIn = opts.signIn && answers.tagged.length === 1 && (st.status !== 'OK' || !announced);
        if (answers.tagged.length === commands.length || bareSignIn) {
          answers.capabilities = this.#capabilities;
          resolve(answers);
        }
      };
    });
    this.#socket.write(commands.map((c, i) => `Q${i + 1} ${c}\r\n`).join(''));
    this.#arm();
    try {
      return await done;
    } finally {
      clearTimeout(this.#timer);
      this.#onResponse = undefined;
    }
  }

  /** LOGOUT, then close once the server is done; nothing waits for it (the process may exit first). */
  logout(): void {
    clearTimeout(this.#timer);
    this.#socket.removeAllListeners('data');
    this.#socket.on('data', () => {});
    this.#socket.end('QZ LOGOUT\r\n');
    this.#socket.unref();
  }

  destroy(): void {
    clearTimeout(this.#timer);
    this.#socket.destroy();
  }

  #listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      if (this.#onResponse) this.#arm(); // only a wait can time out, not a session between two batches
      try {
        for (const r of this.#reader.push(chunk)) this.#onResponse?.(r.text, r.literals);
      } catch (err) {
        this.#fail(err as Error);
      }
    });
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  /** Waits for the socket's connect (or TLS handshake) within the idle limit. */
  async #ready(socket: net.Socket, event: 'connect' | 'secureConnect'): Promise<void> {
    this.#arm();
    try {
      await new Promise<void>((resolve, reject) => {
        this.#failed = reject;
        socket.once(event, () => resolve());
      });
    } finally {
      clearTimeout(this.#timer);
    }
  }

  /** The next response (the greeting); used before any command is sent. */
  #next(): Promise<string> {
    this.#arm();
    return new Promise((resolve, reject) => {
      this.#failed = reject;
      this.#onResponse = (text) => {
        clearTimeout(this.#timer);
        this.#onResponse = undefined;
        resolve(text);
      };
    });
  }

  #noteCapabilities(code: string | undefined, args: string): void {
    if (code === 'CAPABILITY') this.#capabilities = new Set(args.trim().split(/\s+/).map((c) => c.toUpperCase()));
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#fail(new Error(`no answer for ${this.#idleMs} ms`)), this.#idleMs);
  }

  #fail(err: Error): void {
    clearTimeout(this.#timer);
    this.#failed?.(err);
    this.#failed = undefined;
    this.#socket.destroy();
  }
}

function secure(socket: net.Socket, endpoint: Endpoint): tls.TLSSocket {
  const o: tls.ConnectionOptions = { socket, host: endpoint.host, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
  if (endpoint.ca) o.ca = fs.readFileSync(endpoint.ca);
  if (net.isIP(endpoint.host) === 0) o.servername = endpoint.host;
  return tls.connect(o);
}

function quote(v: string): string {
  return `"${v.replace(/[\\"]/g, '\\$&')}"`;
}
