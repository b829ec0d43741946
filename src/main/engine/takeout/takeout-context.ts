/**
 * The destination side of a Takeout import, built as run/run-migration.ts builds it for an IMAP mailbox
 * (imapflow connections to list, create and look; APPEND writers; the destination's "stay away" holds;
 * sessions renewed before their sign-in token expires), and the MailboxContext the engine's planning and
 * copying functions take. A Takeout import has no IMAP source: its source pool refuses to connect.
 */
import type { ImapFlow } from 'imapflow';
import { AccountThrottle } from '../connect/account-throttle.js';
import { ConnectionPool } from '../connect/connection-pool.js';
import { signInWith, type Credential, type Login } from '../connect/credentials.js';
import { connectImap } from '../connect/imap-connect.js';
import { openAppendConnection, type FastWriter } from '../copy/imap-append/multi-writer.js';
import { MailferryError } from '../errors/errors.js';
import type { MailboxJob } from '../job/job.js';
import type { ProgressTracker } from '../run/progress-tracker.js';

export interface DestinationPools {
  throttle: AccountThrottle;
  source: ConnectionPool;
  destination: ConnectionPool;
  writers: ConnectionPool<FastWriter>;
  close(): Promise<void>;
}

/** Connections retire this long before the token they signed in with expires (Exchange ends the session). */
const TOKEN_MARGIN_MS = 3 * 60_000;

export function destinationPools(
  mb: MailboxJob,
  login: Login,
  o: { connectionsPerAccount: number; sessionMaxMinutes: number; stallTimeoutSeconds: number; signal: AbortSignal },
  tracker: ProgressTracker,
): DestinationPools {
  const throttle = new AccountThrottle();
  const maxAgeMs = o.sessionMaxMinutes * 60_000;
  const stall = { stallTimeoutMs: o.stallTimeoutSeconds * 1000, onStall: () => tracker.connectionStalled() };
  const onServerLine = throttle.onServerLine;
  const gate = (signal?: AbortSignal) => throttle.hold(signal ?? o.signal);
  const retire = new WeakMap<object, number>();
  const expiresAt = (c: object) => retire.get(c);
  const signIn = async <T extends object>(open: (c: Credential) => Promise<T>): Promise<T> =>
    signInWith(login, async (c) => {
      const conn = await open(c);
      if ('accessToken' in c && c.expiresAt) retire.set(conn, c.expiresAt - TOKEN_MARGIN_MS);
      return conn;
    });
  const destination = new ConnectionPool(
    (signal) => signIn((credential) => connectImap({ side: 'destination', endpoint: mb.destination, credential, onServerLine, signal, ...stall })),
    Math.min(o.connectionsPerAccount, 3),
    { maxAgeMs, expiresAt, gate },
  );
  const writers = new ConnectionPool(
    (signal) => signIn((credential) => openAppendConnection(mb.destination, credential, { onServerLine, gate, signal, ...stall })),
    o.connectionsPerAccount,
    { end: (w) => w.logout(), maxAgeMs, expiresAt, gate },
  );
  // Asked to stay away (Exchange): the connections close at once; the gates hold new ones back.
  throttle.onHold = () => {
    destination.dropAll();
    writers.dropAll();
  };
  const source = new ConnectionPool<ImapFlow>(async () => {
    throw new MailferryError({ code: 'INTERNAL', message: 'A Takeout import reads a file, not an IMAP source.', retryable: false });
  }, 1);
  return {
    throttle, source, destination, writers,
    close: async () => {
      await Promise.all([destination.close(), writers.close(), source.close()]);
    },
  };
}
