/**
 * A bare IMAP client for pinning down a server's exact words (imapflow hides them) and for admin
 * commands imapflow lacks (SETQUOTA). One command at a time; every wait is bounded.
 *
 *   const raw = await RawImap.open(port);
 *   await raw.login(user, password);
 *   const r = await raw.command('APPEND INBOX', Buffer.from('Subject: x\r\n\r\nbody'));
 *   r.tagged  // "A3 NO [ALERT] You exceeded your mail quota."  r.untagged // lines before it
 *
 * A response literal ({n}) is folded into its line as latin1 text, so a line can hold a whole header.
 */
import { connect, type Socket } from 'node:net';

export interface RawReply {
  /** The tagged status line, e.g. "A2 OK [APPENDUID 38 1] APPEND Ok." ("" if the server closed first). */
  tagged: string;
  /** The status without the tag: "OK [APPENDUID 38 1] APPEND Ok.". */
  status: string;
  /** Untagged and continuation lines the server sent while this command ran, in order. */
  untagged: string[];
}

const TIMEOUT_MS = 10_000;

export class RawImap {
  /** The server's first line, "* OK ...". */
  greeting = '';
  #socket: Socket;
  #buf = Buffer.alloc(0);
  #lines: string[] = [];
  #partial = '';
  #literal = 0;
  #closed = false;
  #wake: (() => void) | undefined;
  #tag = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#listen();
  }

  static async open(port: number, host = '127.0.0.1'): Promise<RawImap> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, TIMEOUT_MS);
      socket.once('connect', () => (clearTimeout(timer), resolve()));
      socket.once('error', (e) => (clearTimeout(timer), reject(e)));
    });
    const raw = new RawImap(socket);
    raw.greeting = await raw.#nextLine();
    if (!/^\* (OK|PREAUTH)/.test(raw.greeting)) {
      raw.close();
      throw new Error(`unexpected greeting ${JSON.stringify(raw.greeting)}`);
    }
    return raw;
  }

  #listen(): void {
    this.#socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#parse();
      this.#wake?.();
    });
    this.#socket.on('error', () => {}); // shows as a close
    this.#socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  #parse(): void {
    for (;;) {
      if (this.#literal > 0) {
        if (this.#buf.length < this.#literal) return;
        this.#partial += this.#buf.subarray(0, this.#literal).toString('latin1');
        this.#buf = this.#buf.subarray(this.#literal);
        this.#literal = 0;
      }
      const crlf = this.#buf.indexOf('\r\n');
      if (crlf < 0) return;
      const text = this.#buf.subarray(0, crlf).toString('latin1');
      this.#buf = this.#buf.subarray(crlf + 2);
      const m = /\{(\d+)\}$/.exec(text);
      if (m) {
        this.#partial += `${text}\r\n`;
        this.#literal = Number(m[1]);
        continue;
      }
      this.#lines.push(this.#partial + text);
      this.#partial = '';
    }
  }

  async #nextLine(): Promise<string> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (this.#lines.length === 0) {
      if (this.#closed) throw new Error('connection closed by the server');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no reply within 10 s');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => (clearTimeout(timer), resolve());
      });
      this.#wake = undefined;
    }
    return this.#lines.shift()!;
  }

  /** Sends `TAG command` (with a synchronizing literal if given) and collects the reply. */
  async command(command: string, literal?: Buffer): Promise<RawReply> {
    const tag = `A${++this.#tag}`;
    const untagged: string[] = [];
    const reply = (tagged: string): RawReply => ({ tagged, status: tagged.slice(tag.length + 1), untagged });
    const collect = async (until: (line: string) => boolean): Promise<string> => {
      for (;;) {
        let line: string;
        try {
          line = await this.#nextLine();
        } catch (e) {
          if (this.#closed) return '';
          throw e;
        }
        if (line.startsWith(`${tag} `) || until(line)) return line;
        untagged.push(line);
      }
    };
    if (literal === undefined) {
      this.#socket.write(`${tag} ${command}\r\n`);
      return reply(await collect(() => false));
    }
    this.#socket.write(`${tag} ${command} {${literal.length}}\r\n`);
    const go = await collect((l) => l.startsWith('+'));
    if (!go.startsWith('+')) return reply(go); // refused before the literal (or closed)
    this.#socket.write(Buffer.concat([literal, Buffer.from('\r\n')]));
    return reply(await collect(() => false));
  }

  async login(user: string, password: string): Promise<void> {
    const r = await this.command(`LOGIN ${quote(user)} ${quote(password)}`);
    if (!r.status.startsWith('OK')) throw new Error(`LOGIN ${user} failed: ${r.tagged}`);
  }

  async logout(): Promise<void> {
    if (!this.#closed) await this.command('LOGOUT').catch(() => undefined);
    this.close();
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** An IMAP quoted string. */
export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
