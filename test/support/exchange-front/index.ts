/**
 * An IMAP front that speaks to a client like Exchange Online (outlook.office365.com) and keeps the mail in a
 * real Dovecot: no server here can show Exchange's dialect, so this fake stands in front of one that holds
 * the messages (DESIGN.md, Tests). Strings are destination-facts.md's (strings.ts).
 *
 *   const destination = await startDestination({ separator: '/', specialFolders: [] });
 *   const front = await startExchangeFront({ destination, tokens: new Map([['tok-1', 'alice@example.com']]) });
 *   // or tokens: identity.accessTokens (fake-microsoft-identity.ts: token -> { user, expiresAt }), or a hook
 *   const client = new ImapFlow(front.imapOptions('alice@example.com', 'tok-1'));   // XOAUTH2, plaintext port
 *   ... front.stats.appends.accepted, front.log, front.commandsDuringBackoff('alice@example.com')
 *   await front.close();
 *
 * Layers: session.ts (one connection), command-reader.ts (client commands, literals by size),
 * client-output.ts (answer order), upstream.ts + rewrites.ts (Dovecot's answers in Exchange's words, messages
 * rebuilt), auth.ts (XOAUTH2 and the token hook), faults.ts (throttling, log, stats), folders.ts (names).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { ImapFlowOptions } from 'imapflow';
import { makeCertificates } from '../dovecot-env.js';
import type { DovecotServer } from '../dovecot.js';
import { tokenCheck, type TokenCheck, type TokenTable } from './auth.js';
import { FrontLedger, type Backoff, type CommandRecord, type ExchangeFrontStats, type ThrottlePlan } from './faults.js';
import { createExchangeFolders } from './folders.js';
import { ExchangeSession } from './session.js';
import { EXCHANGE_ADDED_HEADERS, EXCHANGE_FOLDERS, type ExchangeFolder } from './strings.js';

export type { TokenCheck, TokenTable, TokenVerdict } from './auth.js';
export type { Backoff, CommandRecord, ExchangeFrontStats, ThrottlePlan } from './faults.js';
export { EXCHANGE, EXCHANGE_ADDED_HEADERS, EXCHANGE_FOLDERS } from './strings.js';

/** Exchange Online's default message size limit (admins may raise it to 150 MB). */
export const EXCHANGE_MAX_MESSAGE_BYTES = 35 * 1024 * 1024;

export interface ExchangeFrontOptions {
  /** The Dovecot holding the mail, "/"-separated with no folders of its own: `startDestination({ separator: '/', specialFolders: [] })`. */
  destination: DovecotServer;
  /** Whether a bearer token signs its mailbox in (see TokenVerdict), or a table token -> mailbox. */
  tokens: TokenCheck | TokenTable;
  /** Dovecot passwords by account. Default: the destination's users. */
  passwords?: Readonly<Record<string, string>>;
  /** Largest APPEND accepted. Default EXCHANGE_MAX_MESSAGE_BYTES (35 MB); no APPENDLIMIT is advertised. */
  maxMessageBytes?: number;
  /** Longest command line (text, without literals). Default 10,500 ("about 10,500 characters"). */
  maxLineLength?: number;
  /** Tagged NO/BAD answers in one session before `* BYE Connection closed`. Default 10. */
  maxErrors?: number;
  /** Every session ends after this long (`* BYE Session invalidated - AccessTokenExpired`). Default: only token expiry. */
  sessionLifetimeMs?: number;
  /** Throttling per account. Default: none. */
  throttle?: ThrottlePlan;
  /** Header lines put on top of every message served back. Default EXCHANGE_ADDED_HEADERS. */
  addedHeaders?: readonly string[];
  /** Folders every account has (created in the maildir at start). Default EXCHANGE_FOLDERS. */
  folders?: readonly ExchangeFolder[];
}

export interface ExchangeFront {
  host: '127.0.0.1';
  /** Plaintext port (no STARTTLS offered). */
  port: number;
  /** Implicit-TLS port (as outlook.office365.com:993), certificate for 127.0.0.1 signed by `caFile`. */
  tlsPort: number;
  caFile: string;
  stats: ExchangeFrontStats;
  /** Every command read, with its time, session and account (once signed in or signing in). */
  log: readonly CommandRecord[];
  /** Every throttle event (not the repeats during it). */
  backoffs: readonly Backoff[];
  /** The last 500 notable events, for failure messages. */
  events: readonly string[];
  /** Commands and sign-ins for an account (or any) that came while it was in a backoff. */
  commandsDuringBackoff(account?: string): CommandRecord[];
  /** The bytes put on top of every message (its rebuilt size is the stored size plus their length). */
  addedHeaders: Buffer;
  /** ImapFlow options signing `user` in with XOAUTH2 (logger off, compression off). */
  imapOptions(user: string, accessToken: string, mode?: 'plain' | 'tls'): ImapFlowOptions;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

export async function startExchangeFront(opts: ExchangeFrontOptions): Promise<ExchangeFront> {
  const { destination } = opts;
  if (destination.separator !== '/' || destination.prefix !== '') {
    throw new Error('the Exchange front needs a "/" destination with prefix "": startDestination({ separator: \'/\', specialFolders: [] })');
  }
  const folders = opts.folders ?? EXCHANGE_FOLDERS;
  for (const { user } of destination.users) createExchangeFolders(destination.mailDir(user), destination.owner, folders);
  // Exchange takes the mailbox name in any case; Dovecot wants its own spelling.
  const accounts = Object.entries(opts.passwords ?? Object.fromEntries(destination.users.map((u) => [u.user, u.password])));
  const passwords = new Map(accounts.map(([user, password]) => [user.toLowerCase(), { user, password }]));
  const ledger = new FrontLedger(opts.throttle);
  const addedHeaders = Buffer.from((opts.addedHeaders ?? EXCHANGE_ADDED_HEADERS).map((h) => `${h}\r\n`).join(''), 'latin1');
  const config = {
    ledger, addedHeaders,
    checkToken: tokenCheck(opts.tokens),
    account: (user: string) => passwords.get(user.toLowerCase()),
    mailDir: (user: string) => destination.mailDir(user),
    upstreamPort: destination.port,
    maxMessageBytes: opts.maxMessageBytes ?? EXCHANGE_MAX_MESSAGE_BYTES,
    maxLineLength: opts.maxLineLength ?? 10_500,
    maxErrors: opts.maxErrors ?? 10,
    sessionLifetimeMs: opts.sessionLifetimeMs,
    specialUse: new Map(folders.flatMap((f) => (f.specialUse ? [[f.name, f.specialUse] as const] : []))),
  };

  const certDir = mkdtempSync(join(tmpdir(), 'mailferry-exchange-front-'));
  const sessions = new Set<ExchangeSession>();
  let nextId = 0;
  const accept = (socket: net.Socket) => {
    socket.setNoDelay(true);
    ledger.stats.connections++;
    const session = new ExchangeSession(socket, ++nextId, config);
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
  };
  const plain = net.createServer(accept);
  let secure: tls.Server | undefined;
  try {
    const certs = await makeCertificates(certDir);
    secure = tls.createServer({ key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) }, accept);
    secure.on('tlsClientError', () => {}); // a client that distrusts the CA: its own error to report
    const [port, tlsPort] = await Promise.all([listen(plain), listen(secure)]);
    const ca = readFileSync(certs.caFile);
    return {
      host: '127.0.0.1', port, tlsPort, caFile: certs.caFile, stats: ledger.stats, log: ledger.log, backoffs: ledger.backoffs,
      events: ledger.events, addedHeaders,
      commandsDuringBackoff: (account) => ledger.commandsDuringBackoff(account),
      imapOptions(user, accessToken, mode = 'plain') {
        const base = { host: '127.0.0.1', auth: { user, accessToken }, logger: false as const, disableCompression: true };
        return mode === 'plain' ? { ...base, port, secure: false, doSTARTTLS: false } : { ...base, port: tlsPort, secure: true, tls: { ca } };
      },
      async close() {
        for (const s of sessions) s.destroy();
        await Promise.all([plain, secure!].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
        rmSync(certDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    plain.close();
    secure?.close();
    rmSync(certDir, { recursive: true, force: true });
    throw err;
  }
}
