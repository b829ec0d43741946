/**
 * Private Dovecot instances for integration tests and benchmarks: a Gmail-like source and a typical
 * destination, each in its own temp dir, listening on free 127.0.0.1 ports, gone after stop().
 *
 * Each instance is `dovecot -c ROOT/dovecot.conf -F`, a child of the test process, in its own process
 * group so stop() can kill the master and every child at once. Unprivileged processes (login, auth,
 * imap) run as the mail owner from dovecot-env.ts ("mailferry-dovecot", created on demand, when root).
 * No dovecot survives the test run (see dovecot-process.ts: stop(), an exit hook, and a watchdog for
 * SIGKILLed test processes). Set MAILFERRY_KEEP_DOVECOT=1 to keep the temp dirs for inspection.
 *
 * Ports: `port` is plaintext with STARTTLS offered (LOGIN allowed without TLS); `tlsPort` is implicit
 * TLS. The certificate is for 127.0.0.1 and localhost, signed by a throw-away CA (`caFile`).
 * Trap: imapflow upgrades with STARTTLS whenever it is offered, so a plain client without the CA fails
 * certificate verification. Use `server.imapOptions(user, 'plain')` (doSTARTTLS: false) or pass the CA.
 *
 * ## The Gmail-like source (startGmailSource)
 * Three namespaces, all with separator "/":
 *   ""          maildir LAYOUT=fs: INBOX and user labels ("Reçus/2024" is a folder Reçus with child 2024).
 *   "backing/"  hidden (not listed) maildir: Sent, Drafts, Trash, Spam, Archive. A label cannot be
 *               called "backing".
 *   "[Gmail]/"  virtual plugin, listed under a \Noselect "[Gmail]" parent like Gmail:
 *                 All Mail  \All       = INBOX + every label + backing/Sent, Drafts, Archive (not Trash,
 *                                        Spam); APPEND saves into backing/Archive (archived, as on Gmail)
 *                 Sent Mail \Sent      = backing/Sent (APPEND saves there: "!backing/Sent")
 *                 Drafts    \Drafts    = backing/Drafts      Trash \Trash = backing/Trash
 *                 Spam      \Junk      = backing/Spam
 *                 Starred   \Flagged   = All Mail's sources, messages with \Flagged
 *                 Important \Important = All Mail's sources, messages with keyword $Important
 * Seeding (maildir-seed.ts does this): a message with label L goes into the maildir folder L (INBOX is a
 * label too); system 'sent' -> backing/Sent, 'drafts' -> backing/Drafts, 'trash' -> backing/Trash,
 * 'spam' -> backing/Spam, 'archived' (All Mail only, no label) -> backing/Archive.
 * Limits of the model: a message with three labels is three physical copies (one per label folder), so
 * All Mail shows it three times, each copy with its own flags; real Gmail shows it once, with one
 * X-GM-MSGID. There is no X-GM-EXT-1 at all (that is the scripted fake server's job). Virtual
 * mailboxes return no APPENDUID; Starred and Important refuse APPEND (`NO [CANNOT]`).
 *
 * ## The destination (startDestination)
 * Maildir++ (separator "."), namespace prefix "" by default (the common case; pass prefix "INBOX." for a
 * Courier/cPanel-style server), folders created and subscribed at login with special-use and non-Gmail
 * names: "Sent Items" \Sent, "Deleted Items" \Trash, "Junk E-mail" \Junk, "Drafts" \Drafts,
 * "Archive" \Archive. Quota plugin (count backend, quota_vsizes = yes): over a limit, APPEND gets
 * `NO [OVERQUOTA] Quota exceeded (mailbox for user is full)`. appendLimit: APPEND above it gets
 * `NO [LIMIT] Mail size is larger than the maximum size allowed by server configuration` and
 * `APPENDLIMIT=<n>` is advertised (via imap_capability; Dovecot 2.3 has no native APPENDLIMIT).
 * `separator: '/'` gives maildir LAYOUT=fs with "/" (Exchange's layout, used under exchange-front/), and
 * `specialFolders` replaces the folders created at login (`[]`: none).
 * Both kinds: UIDPLUS, MULTIAPPEND, LITERAL+, CONDSTORE, QRESYNC, SPECIAL-USE, COMPRESS=DEFLATE.
 * Auth: passwd-file, PLAIN/LOGIN. The anvil auth penalty is off, but Dovecot still answers a wrong
 * password after about 0.5 s (its floor, even with auth_failure_delay = 0).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlowOptions } from 'imapflow';
import { dovecotBinary, makeCertificates, mailOwner, mkdirOwned, type MailOwner } from './dovecot-env.js';
import {
  folderDirFor,
  renderConfig,
  userHome,
  writeGmailVirtualDefinitions,
  type QuotaLimits,
  type ServerKind,
} from './dovecot-config.js';
import { launchDovecot, type DovecotProcess } from './dovecot-process.js';
import { waitForLogin } from './dovecot-probe.js';
import { freePorts } from './ports.js';

export type { QuotaLimits, ServerKind } from './dovecot-config.js';

export interface DovecotUser {
  user: string;
  password: string;
}

/** How a client reaches the server: plaintext (no STARTTLS), STARTTLS on the plain port, or implicit TLS. */
export type ConnectMode = 'plain' | 'starttls' | 'tls';

export interface DovecotServer {
  kind: ServerKind;
  host: '127.0.0.1';
  /** Plaintext port; STARTTLS is offered, LOGIN works without it. */
  port: number;
  /** Implicit-TLS port. */
  tlsPort: number;
  /** PEM file of the CA that signed the server certificate (CN 127.0.0.1, SAN IP:127.0.0.1 DNS:localhost). */
  caFile: string;
  /** SHA-256 fingerprint of the server certificate ("AB:CD:..."), for pinning tests. */
  certFingerprint256: string;
  /** The server's temp dir; removed by stop(). */
  root: string;
  logFile: string;
  users: DovecotUser[];
  /** Hierarchy separator: "/" on the source, "." on the destination unless started with separator "/". */
  separator: '/' | '.';
  /** Personal namespace prefix: "" on the source; "" or "INBOX." on the destination. */
  prefix: string;
  /** Owner of every mail file (maildir-seed.ts chowns to it). */
  owner: MailOwner;
  /** The user's Maildir root, which is also the INBOX maildir. */
  mailDir(user: string): string;
  /** The maildir directory of a physical mailbox by IMAP name (see folderDirFor in dovecot-config.ts). */
  folderDir(user: string, mailbox: string): string;
  /** ImapFlow options for this server (logger off, compression off). Defaults: first user, 'plain'. */
  imapOptions(user?: string, mode?: ConnectMode): ImapFlowOptions;
  /** Dovecot's log so far, for failure messages. */
  readLog(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Accounts; default DEFAULT_USERS. */
  users?: DovecotUser[];
  /** mail_max_userip_connections, default 100 (Dovecot's own default, 10, is too low for parallel tests). */
  maxConnectionsPerUser?: number;
}

export interface DestinationOptions extends StartOptions {
  quota?: QuotaLimits;
  /** Largest APPEND accepted, in bytes. */
  appendLimit?: number;
  /** imap_max_line_length in bytes (Dovecot default 65536). */
  maxLineLength?: number;
  /** Namespace prefix, "" (default) or "INBOX.". */
  prefix?: '' | 'INBOX.';
  /** "." Maildir++ (default) or "/" maildir LAYOUT=fs (Exchange's layout; prefix "" only). */
  separator?: '.' | '/';
  /** Folders created and subscribed at login, with their special-use; default DESTINATION_SPECIAL_FOLDERS. */
  specialFolders?: ReadonlyArray<{ name: string; specialUse: string }>;
}

export const DEFAULT_USERS: readonly DovecotUser[] = [
  { user: 'alice@example.com', password: 'alice-secret' },
  { user: 'bob@example.com', password: 'bob-secret' },
  { user: 'carol@example.com', password: 'carol-secret' },
  { user: 'dave@example.com', password: 'dave-secret' },
];

const START_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 5;

const liveServers = new Set<DovecotServer>();
let instanceCounter = 0;

/** Stops every server this process started (for an afterAll that wants to be sure). */
export async function stopAll(): Promise<void> {
  await Promise.all([...liveServers].map((s) => s.stop()));
}

function validateUsers(users: readonly DovecotUser[]): void {
  if (users.length === 0) throw new Error('at least one user is needed');
  for (const { user, password } of users) {
    if (!/^[A-Za-z0-9._+@-]+$/.test(user)) throw new Error(`unsupported test user name ${JSON.stringify(user)}`);
    if (/[:\r\n\0]/.test(password) || password === '') throw new Error(`unsupported password for ${user}`);
  }
}

async function start(kind: ServerKind, opts: DestinationOptions): Promise<DovecotServer> {
  const users = [...(opts.users ?? DEFAULT_USERS)];
  validateUsers(users);
  const owner = mailOwner();
  const keep = process.env['MAILFERRY_KEEP_DOVECOT'] === '1';
  const root = mkdtempSync(join(tmpdir(), `mailferry-${kind}-`));
  if (!/^[A-Za-z0-9/._-]+$/.test(root)) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`temp dir path ${root} has characters a dovecot.conf cannot hold; set TMPDIR`);
  }
  chmodSync(root, 0o755); // the mail owner must traverse it
  const startedAt = Date.now();
  try {
    mkdirSync(join(root, 'tls'), { mode: 0o700 }); // read by the master (root) only
    const certs = await makeCertificates(join(root, 'tls'));
    const passwdFile = join(root, 'passwd');
    writeFileSync(passwdFile, users.map((u) => `${u.user}:{PLAIN}${u.password}\n`).join(''), { mode: 0o644 });
    for (const { user } of users) {
      const home = userHome(root, user);
      mkdirOwned(home, owner);
      if (kind === 'gmail-source') writeGmailVirtualDefinitions(home, owner);
      else for (const sub of ['cur', 'new', 'tmp']) mkdirOwned(join(home, 'Maildir', sub), owner);
    }
    const prefix = kind === 'destination' ? (opts.prefix ?? '') : '';
    const separator = kind === 'gmail-source' ? '/' : (opts.separator ?? '.');
    if (separator === '/' && prefix !== '') throw new Error('a "/" destination has namespace prefix "" only');
    const configFile = join(root, 'dovecot.conf');
    const logFile = join(root, 'dovecot.log');
    const readLog = (): string => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    };
    const instanceName = `mf-${kind === 'gmail-source' ? 'src' : 'dst'}-${process.pid}-${++instanceCounter}`;

    for (let attempt = 1; ; attempt++) {
      const [port, tlsPort] = (await freePorts(2)) as [number, number];
      writeFileSync(
        configFile,
        renderConfig({
          kind, root, instanceName, owner, port, tlsPort, prefix, separator, specialFolders: opts.specialFolders,
          certFile: certs.certFile, keyFile: certs.keyFile, passwdFile,
          quota: opts.quota, appendLimit: opts.appendLimit, maxLineLength: opts.maxLineLength,
          maxConnectionsPerUser: opts.maxConnectionsPerUser ?? 100,
        }),
      );
      const proc = launchDovecot(configFile, root, keep);
      if (proc.pid < 0) {
        await proc.exited;
        throw new Error(`could not run ${dovecotBinary()}: ${proc.stderr()}`);
      }
      const first = users[0]!;
      const ready = await waitForLogin({
        port, user: first.user, password: first.password,
        deadline: startedAt + START_TIMEOUT_MS * attempt, hasExited: proc.hasExited,
      });
      if (ready === 'ok') {
        const server = makeServer({ kind, root, port, tlsPort, certs, users, prefix, separator, owner, logFile, readLog, proc, keep });
        liveServers.add(server);
        return server;
      }
      const diagnostics = `${proc.stderr()}\n${readLog()}`;
      proc.kill();
      await proc.exited;
      if (/Address already in use/i.test(diagnostics) && attempt < PORT_ATTEMPTS) continue;
      throw new Error(`dovecot (${kind}) did not accept a LOGIN within ${START_TIMEOUT_MS} ms (${ready}):\n${diagnostics.trim().slice(-4000)}`);
    }
  } catch (err) {
    if (!keep) rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

function makeServer(p: {
  kind: ServerKind; root: string; port: number; tlsPort: number; users: DovecotUser[]; prefix: string; separator: '.' | '/';
  certs: { caFile: string; fingerprint256: string }; owner: MailOwner; logFile: string; readLog: () => string;
  proc: DovecotProcess; keep: boolean;
}): DovecotServer {
  let stopping: Promise<void> | undefined;
  const server: DovecotServer = {
    kind: p.kind,
    host: '127.0.0.1',
    port: p.port,
    tlsPort: p.tlsPort,
    caFile: p.certs.caFile,
    certFingerprint256: p.certs.fingerprint256,
    root: p.root,
    logFile: p.logFile,
    users: p.users,
    separator: p.separator,
    prefix: p.prefix,
    owner: p.owner,
    mailDir: (user) => join(userHome(p.root, user), 'Maildir'),
    folderDir: (user, mailbox) => folderDirFor(p.kind, p.prefix, userHome(p.root, user), mailbox, p.separator),
    imapOptions(user = p.users[0]!.user, mode = 'plain') {
      const account = p.users.find((u) => u.user === user);
      if (!account) throw new Error(`${user} is not a user of this server`);
      const ca = readFileSync(p.certs.caFile);
      const base = { host: '127.0.0.1', auth: { user, pass: account.password }, logger: false as const, disableCompression: true };
      if (mode === 'plain') return { ...base, port: p.port, secure: false, doSTARTTLS: false };
      if (mode === 'starttls') return { ...base, port: p.port, secure: false, doSTARTTLS: true, tls: { ca } };
      return { ...base, port: p.tlsPort, secure: true, tls: { ca } };
    },
    readLog: p.readLog,
    stop() {
      stopping ??= (async () => {
        liveServers.delete(server);
        p.proc.kill();
        await Promise.race([p.proc.exited, new Promise((r) => setTimeout(r, 5000).unref())]);
        if (!p.keep) rmSync(p.root, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  return server;
}

/** A Gmail-like source (see the file comment for its folders and how seeding maps to them). */
export function startGmailSource(opts: StartOptions = {}): Promise<DovecotServer> {
  return start('gmail-source', opts);
}

/** A typical non-Gmail destination: Maildir++, special-use folders with other names, quota, COMPRESS. */
export function startDestination(opts: DestinationOptions = {}): Promise<DovecotServer> {
  return start('destination', opts);
}
