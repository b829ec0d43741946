/**
 * A scripted Gmail IMAP server for tests: it stands in for Gmail where Dovecot cannot, with
 * X-GM-EXT-1 (X-GM-MSGID, X-GM-THRID, X-GM-LABELS), Gmail's folders (localised, SPECIAL-USE, All Mail
 * as the union of labels with one id per message), Gmail's exact greeting, login, ALERT and BYE lines,
 * XOAUTH2/OAUTHBEARER with the JSON error challenge, and knobs for connection limits, session expiry
 * and throttling. It is a read-only source: APPEND, STORE, COPY, MOVE, CREATE ... answer NO [CANNOT].
 *
 *   const gmail = await startFakeGmail({ messages: fromCorpus(corpus), locale: 'de' });
 *   const client = new ImapFlow(gmail.imapOptions());          // app password of the first account
 *   ...
 *   gmail.stats.bodyFetches.get(msgid)                          // full bodies sent per X-GM-MSGID
 *   await gmail.stop();
 *
 * Listens on 127.0.0.1, a kernel-chosen free port; plain by default, implicit TLS with `tls: true`
 * (a throw-away CA from dovecot-env.ts makeCertificates; trust it with `caFile`). No STARTTLS (Gmail
 * has none either). A SELECT takes a snapshot of the folder: setMessages() is seen by the next
 * SELECT/EXAMINE/STATUS/LIST, and selected sessions get no EXISTS/EXPUNGE for it.
 *
 * Files: store.ts (messages, folders, UIDs, fromCorpus), options.ts (options, stats, GMAIL_LINES),
 * session.ts (connection, command loop, faults), commands.ts (command table), auth.ts,
 * mailbox-commands.ts, fetch.ts, search.ts,
 * parser.ts (client bytes -> commands), wire.ts (modified UTF-7, strings, dates, sequence sets).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import type { ImapFlowOptions } from 'imapflow';
import type { Endpoint } from '../../../src/main/engine/job/job.js';
import { makeCertificates } from '../dovecot-env.js';
import { DEFAULT_ACCOUNTS, newStats, type FakeGmailAccount, type FakeGmailOptions, type FakeGmailStats } from './options.js';
import { Session, type ServerContext } from './session.js';
import { GmailStore, type FakeMessage } from './store.js';

export { GMAIL_LINES, OAUTH_ERROR_JSON, DEFAULT_ACCOUNTS, postAuthCapabilities, preAuthCapabilities } from './options.js';
export type { AuthMechanism, ByeAfter, CommandRecord, FakeGmailAccount, FakeGmailOptions, FakeGmailStats, LoginAttempt, LoginReply } from './options.js';
export { fromCorpus, GmailStore, LOCALES, type FakeMessage, type FolderDef, type FromCorpusOptions, type GmailLocale, type StoredMessage } from './store.js';
export { decodeMutf7, encodeMutf7 } from './wire.js';

export interface FakeGmail {
  host: '127.0.0.1';
  port: number;
  /** Implicit TLS (then trust `caFile`). */
  secure: boolean;
  caFile: string | undefined;
  accounts: readonly FakeGmailAccount[];
  stats: FakeGmailStats;
  store: GmailStore;
  /** Folder names (Unicode) in LIST order. */
  folderNames(): string[];
  /** Name of a system folder in this server's locale: systemFolder('trash') -> "[Gmail]/Bin" for en-GB. */
  systemFolder: GmailStore['systemFolder'];
  /** Replaces the messages (UIDs of messages that stay in a folder are kept). */
  setMessages(messages: FakeMessage[]): void;
  /** Changes a folder's UIDVALIDITY (by default renumbering its messages), as Gmail does after a label rename. */
  setUidValidity(folder: string, value: number, renumber?: boolean): void;
  /** Full bodies sent for one message (by X-GM-MSGID). */
  bodyFetchCount(msgid: bigint | string): number;
  /** How many commands of a name (`UID FETCH`, `LOGIN` ...) the server has seen. */
  commandCount(name: string): number;
  /** imapflow options: app password (or `{ accessToken }`), logger off, no compression, TLS trust when secure. */
  imapOptions(user?: string, auth?: { accessToken: string } | { pass: string }): ImapFlowOptions;
  /** A job endpoint for the engine ('none' or 'tls' with `ca`). */
  endpoint(user?: string): Endpoint;
  /** Closes the listener and every connection. */
  stop(): Promise<void>;
}

export async function startFakeGmail(opts: FakeGmailOptions = {}): Promise<FakeGmail> {
  const store = new GmailStore(opts.messages ?? [], { locale: opts.locale, uidValidity: opts.uidValidity, hiddenFromImap: opts.hiddenFromImap, folderSizeLimit: opts.folderSizeLimit });
  const stats: FakeGmailStats = newStats();
  const ctx: ServerContext = { opts, store, stats, sessions: new Set(), counters: { okReplies: 0, loginAttempts: 0, byes: 0 } };
  const accounts = opts.accounts ?? DEFAULT_ACCOUNTS;
  const sockets = new Set<Socket>();
  let certDir: string | undefined;
  let caFile: string | undefined;

  const onConnection = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    stats.connections++;
    const session = new Session(ctx, socket, stats.connections);
    ctx.sessions.add(session);
    stats.open = ctx.sessions.size;
  };

  let server: Server;
  if (opts.tls) {
    certDir = mkdtempSync(join(tmpdir(), 'mailferry-fake-gmail-'));
    const certs = await makeCertificates(certDir);
    caFile = certs.caFile;
    server = createTlsServer({ key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile), minVersion: 'TLSv1.2' }, onConnection);
    server.on('tlsClientError', () => {});
  } else {
    server = createNetServer(onConnection);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake Gmail: no listening address');
  const port = address.port;

  const account = (user?: string): FakeGmailAccount => {
    const a = user === undefined ? accounts[0] : accounts.find((x) => x.user === user);
    if (!a) throw new Error(`${user} is not an account of this fake Gmail`);
    return a;
  };

  let stopping: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    secure: !!opts.tls,
    caFile,
    accounts,
    stats,
    store,
    folderNames: () => store.folders.map((f) => f.name),
    systemFolder: (kind) => store.systemFolder(kind),
    setMessages: (messages) => store.setMessages(messages),
    setUidValidity: (folder, value, renumber) => store.setUidValidity(folder, value, renumber),
    bodyFetchCount: (msgid) => stats.bodyFetches.get(msgid.toString()) ?? 0,
    commandCount: (name) => stats.commands.filter((c) => c.name === name.toUpperCase()).length,
    imapOptions(user, auth) {
      const a = account(user);
      const credentials = auth ?? { pass: a.password ?? '' };
      return {
        host: '127.0.0.1', port, secure: !!opts.tls, doSTARTTLS: opts.tls ? undefined : false,
        auth: { user: a.user, ...credentials }, logger: false, disableCompression: true, disableAutoIdle: true,
        ...(caFile ? { tls: { ca: readFileSync(caFile) } } : {}),
      };
    },
    endpoint(user) {
      const e: Endpoint = { host: '127.0.0.1', port, security: opts.tls ? 'tls' : 'none', user: account(user).user };
      if (caFile) e.ca = caFile;
      return e;
    },
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        if (certDir) rmSync(certDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** The brief's name for startFakeGmail. */
export const start = startFakeGmail;
