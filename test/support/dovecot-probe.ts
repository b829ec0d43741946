/**
 * Readiness probe for a starting Dovecot: a raw IMAP LOGIN on the plaintext port, repeated until it
 * succeeds. Dovecot opens its listeners before the auth process is ready, so a TCP connect (or even the
 * greeting) proves nothing; only a tagged OK to LOGIN does.
 */
import { connect } from 'node:net';

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** One attempt: 'ok', or a short reason why not (connection refused, NO, timeout...). */
export function tryLogin(port: number, user: string, password: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = '';
    let state: 'greeting' | 'login' | 'logout' = 'greeting';
    let settled = false;
    const finish = (result: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    socket.on('close', () => finish(state === 'logout' ? 'ok' : 'closed'));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (state === 'greeting' && line.startsWith('* OK')) {
          state = 'login';
          socket.write(`p1 LOGIN ${quote(user)} ${quote(password)}\r\n`);
        } else if (state === 'greeting' && line.startsWith('* BYE')) {
          finish(line);
        } else if (state === 'login' && line.startsWith('p1 ')) {
          if (!line.startsWith('p1 OK')) return finish(line);
          state = 'logout';
          socket.write('p2 LOGOUT\r\n');
        } else if (state === 'logout' && line.startsWith('p2 ')) {
          finish('ok');
        }
      }
    });
  });
}

export interface WaitForLoginOptions {
  port: number;
  user: string;
  password: string;
  /** Epoch ms after which to give up. */
  deadline: number;
  /** Stop early when the server process is gone. */
  hasExited: () => boolean;
}

/** Polls tryLogin every 25 ms. Resolves 'ok', 'exited', or the last failure reason at the deadline. */
export async function waitForLogin(opts: WaitForLoginOptions): Promise<string> {
  let last = 'not tried';
  while (Date.now() < opts.deadline) {
    if (opts.hasExited()) return 'exited';
    last = await tryLogin(opts.port, opts.user, opts.password, Math.max(100, Math.min(2000, opts.deadline - Date.now())));
    if (last === 'ok') return 'ok';
    await new Promise((r) => setTimeout(r, 25));
  }
  return last;
}
