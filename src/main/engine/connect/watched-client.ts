/**
 * A stall watch on a signed-in imapflow client. What waits for the server is a call: a command, or one
 * step of a fetch. So the watch runs while a call is outstanding, and a connection idle in the pool (or
 * lent out but between commands) is never a stall, however long it sits there. imapflow's own socket
 * timer cannot tell the two apart (it ends idle connections too), so imap-connect.ts switches it off once
 * signed in and wraps the client here.
 *
 * When the watch fires the client is closed; imapflow then fails every pending call with a bare
 * NoConnection (or, for some commands, quietly answers false), and each of those calls fails with the stall
 * it really was instead (side, server and seconds known).
 * LOGOUT is not watched: disconnect() gives it 2 s and then closes anyway. Progress is bytes read or
 * handed to the socket: imapflow writes a literal whole, so a long imapflow APPEND would show none while
 * it drains (the engine appends through imap-append/, which writes in pieces).
 */
import type { ImapFlow } from 'imapflow';
import type net from 'node:net';
import type { MailferryError } from '../errors/errors.js';
import { StallWatch } from './stall-watch.js';

/**
 * @param stalled builds the error for a stall, given the method of the oldest call that was waiting
 *   ("fetch", "status"...)
 */
export function watchCalls(client: ImapFlow, session: net.Socket, limitMs: number, stalled: (method: string) => MailferryError): ImapFlow {
  /** Outstanding calls by number, oldest first: method names. */
  const pending = new Map<number, string>();
  let next = 0;
  let failure: MailferryError | undefined;
  const watch = new StallWatch(limitMs, () => session.bytesRead + session.bytesWritten, () => pending.size > 0, () => {
    failure = stalled(pending.values().next().value ?? '');
    client.close();
  });
  client.once('close', () => watch.stop());

  const begin = (method: string): number => {
    pending.set(++next, method);
    watch.kick();
    return next;
  };
  const track = async <T>(id: number, p: Promise<T>): Promise<T> => {
    try {
      const value = await p;
      // Some imapflow commands swallow a lost connection (STATUS answers false): a stall is still a stall.
      if (failure) throw failure;
      return value;
    } catch (err) {
      throw failure ?? err;
    } finally {
      pending.delete(id);
    }
  };
  /** A fetch waits for the server only while its consumer asks for the next message. */
  async function* steps<T>(method: string, it: AsyncIterator<T>): AsyncGenerator<T, unknown> {
    let done = false;
    try {
      for (;;) {
        const r = await track(begin(method), it.next());
        if (r.done) {
          done = true;
          return r.value;
        }
        yield r.value;
      }
    } finally {
      // Stopped early (the consumer broke off or failed): imapflow may still read the rest of the reply.
      if (!done && it.return) await track(begin(method), it.return()).catch(() => {});
    }
  }

  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      // Called on the client itself, never on this proxy: imapflow's own calls inside it are not watched twice.
      if (prop === 'logout') return value.bind(target);
      return (...args: unknown[]) => {
        const out: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (out instanceof Promise) return track(begin(String(prop)), out);
        if (out && typeof out === 'object' && Symbol.asyncIterator in out) return steps(String(prop), (out as AsyncIterable<unknown>)[Symbol.asyncIterator]());
        return out;
      };
    },
  });
}
