/**
 * Private Cyrus IMAP 3.6 servers for integration tests: a Fastmail-family destination, in its own temp
 * dir, on free 127.0.0.1 ports, gone after stop().
 *
 * What it is: Debian 12's cyrus-imapd (unpacked by scripts/system-deps.sh; installing it would remove
 * Dovecot) under Debian's cyrus-common master, with Debian's settings (cyrus-config.ts). Users live in
 * a private sasldb; an admin account (CYRUS_ADMIN) sets quotas. Each account is created at startup by
 * a first LOGIN, as a host's would be: INBOX plus Sent, Drafts, Trash, Junk, Archive with special use
 * (listed in lower case: \sent). See server-process.ts for how no process survives.
 *
 * What a test sees (pinned by test/integration/destination-servers.test.ts):
 *   - namespace 'debian' (default): folders under "INBOX." with "."; 'upstream': top level with "/";
 *   - MULTIAPPEND, LITERAL+, SPECIAL-USE, QUOTA, APPENDLIMIT=<maxMessageSize> when set;
 *   - munge8bit (default on, as Debian ships): raw 8-bit header bytes are stored as "X";
 *   - quota in bytes, rounded down to Cyrus's KiB (SETQUOTA STORAGE), changeable while it runs.
 * Ports: `port` offers STARTTLS and takes LOGIN without it; `tlsPort` is implicit TLS.
 * Logs: cyrus.log has only what reaches stderr (Cyrus logs to syslog, which tests do not have); the
 * protocol log of each user (config/log/<user>/) is part of readLog() unless protocolLog is false.
 * Set MAILFERRY_KEEP_SERVERS=1 to keep the temp dir.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CYRUS_ADMIN, CYRUS_BIN, CYRUS_SERVERNAME, START_SCRIPT, renderCyrusConf, renderImapdConf, userQuotaRoot,
  type CyrusNamespace,
} from './cyrus-config.js';
import { makeCertificates } from './dovecot-env.js';
import { tryLogin, waitForLogin } from './dovecot-probe.js';
import { DEFAULT_USERS } from './dovecot.js';
import { RawImap, quote } from './imap-raw.js';
import {
  checkRootPath, checkUsers, imapFlowOptions, keepTempDirs, portsTaken, requireRoot, systemAccount, unpackedPackage,
  type ImapTestServer, type TestUser,
} from './imap-test-server.js';
import { freePorts } from './ports.js';
import { launchInNamespace } from './server-process.js';

export type { CyrusNamespace } from './cyrus-config.js';

export interface CyrusOptions {
  /** Accounts; default DEFAULT_USERS of dovecot.ts. */
  users?: TestUser[];
  /** Storage quota in bytes, by user (rounded down to KiB); users not listed have none. */
  quota?: Record<string, number>;
  /** 'debian' (default): altnamespace no, unixhierarchysep no; 'upstream': yes, yes. */
  namespace?: CyrusNamespace;
  /** Replace raw 8-bit header bytes with "X" (default true, Cyrus's and Debian's default). */
  munge8bit?: boolean;
  /** maxmessagesize in bytes, advertised as APPENDLIMIT; default none. */
  maxMessageSize?: number;
  /** Keep each user's raw protocol log (part of readLog()); default true. */
  protocolLog?: boolean;
}

export interface CyrusServer extends ImapTestServer {
  kind: 'cyrus';
  namespace: CyrusNamespace;
  /** The administrator (SETQUOTA, other users' mailboxes). */
  admin: TestUser;
  /** Sets (or changes, while running) a user's storage quota, in bytes rounded down to KiB. */
  setQuota(user: string, bytes: number): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 5;

function saslpasswd(db: string, account: TestUser): Promise<void> {
  const at = account.user.lastIndexOf('@');
  const [name, realm] = at > 0 ? [account.user.slice(0, at), account.user.slice(at + 1)] : [account.user, CYRUS_SERVERNAME];
  return new Promise((resolve, reject) => {
    const child = execFile('saslpasswd2', ['-f', db, '-p', '-c', '-u', realm, name], (err) => (err ? reject(err) : resolve()));
    child.stdin?.end(account.password); // -p: the password from stdin, no newline
  });
}

function quotaKiB(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`quota must be a whole number of bytes, got ${bytes}`);
  return Math.floor(bytes / 1024);
}

/** Layout and files; returns the CA and the server certificate paths. */
async function prepare(root: string, users: TestUser[], admin: TestUser, protocolLog: boolean) {
  const cyrus = systemAccount('cyrus'); // made by cyrus-common
  const owned = (dir: string): void => {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    chownSync(dir, cyrus.uid, cyrus.gid);
  };
  // config/socket: imapd binds its IDLE client socket there (idle.<pid>), whatever idlesocket says.
  for (const dir of ['config', 'config/socket', 'spool', 'sieve', 'run', 'run/proc', 'run/lock', 'run/socket', 'tls']) owned(join(root, dir));
  if (protocolLog) {
    owned(join(root, 'config', 'log'));
    for (const { user } of users) owned(join(root, 'config', 'log', user));
  }
  const certs = await makeCertificates(join(root, 'tls'));
  for (const file of [certs.keyFile, certs.certFile]) chownSync(file, cyrus.uid, cyrus.gid);
  const db = join(root, 'sasldb2');
  for (const account of [...users, admin]) await saslpasswd(db, account);
  chownSync(db, cyrus.uid, cyrus.gid);
  chmodSync(db, 0o600);
  return certs;
}

function readLogs(root: string, logFile: string): string {
  const parts = [existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''];
  const logDir = join(root, 'config', 'log');
  if (existsSync(logDir)) {
    for (const user of readdirSync(logDir)) {
      for (const file of readdirSync(join(logDir, user))) {
        parts.push(`--- protocol log ${user}/${file}\n${readFileSync(join(logDir, user, file), 'latin1')}`);
      }
    }
  }
  return parts.join('\n');
}

async function setQuotaAs(admin: TestUser, port: number, user: string, namespace: CyrusNamespace, bytes: number): Promise<void> {
  const raw = await RawImap.open(port);
  try {
    await raw.login(admin.user, admin.password);
    const r = await raw.command(`SETQUOTA ${quote(userQuotaRoot(user, namespace))} (STORAGE ${quotaKiB(bytes)})`);
    if (!r.status.startsWith('OK')) throw new Error(`SETQUOTA for ${user} failed: ${r.tagged}`);
  } finally {
    await raw.logout();
  }
}

export async function startCyrus(opts: CyrusOptions = {}): Promise<CyrusServer> {
  requireRoot('Cyrus');
  const pkg = unpackedPackage('cyrus', 'usr/lib/cyrus/bin/imapd');
  if (!existsSync(join(CYRUS_BIN, 'master'))) throw new Error('cyrus-common is not installed: run "bash scripts/system-deps.sh" as root');
  const users = [...(opts.users ?? DEFAULT_USERS)];
  checkUsers(users);
  const namespace = opts.namespace ?? 'debian';
  for (const { user } of users) {
    // With "." as separator a dot in the local part would be a hierarchy level.
    if (user.split('@')[0]!.includes('.')) throw new Error(`Cyrus test users cannot have "." before the "@": ${user}`);
  }
  for (const [user, bytes] of Object.entries(opts.quota ?? {})) {
    if (!users.some((u) => u.user === user)) throw new Error(`quota for ${user}, who is not a user of this server`);
    quotaKiB(bytes);
  }
  const admin: TestUser = { user: CYRUS_ADMIN, password: randomBytes(12).toString('hex') };
  const keep = keepTempDirs();
  const root = mkdtempSync(join(tmpdir(), 'mailferry-cyrus-'));
  const startedAt = Date.now();
  try {
    checkRootPath(root);
    chmodSync(root, 0o755); // user cyrus must traverse it
    const certs = await prepare(root, users, admin, opts.protocolLog ?? true);
    const logFile = join(root, 'cyrus.log');
    const readLog = (): string => readLogs(root, logFile);

    for (let attempt = 1; ; attempt++) {
      const [port, tlsPort] = (await freePorts(2)) as [number, number];
      const input = {
        root, pkg, port, tlsPort, certFile: certs.certFile, keyFile: certs.keyFile, namespace,
        munge8bit: opts.munge8bit ?? true, maxMessageSize: opts.maxMessageSize,
      };
      writeFileSync(join(root, 'imapd.conf'), renderImapdConf(input), { mode: 0o644 });
      writeFileSync(join(root, 'cyrus.conf'), renderCyrusConf(input), { mode: 0o644 });
      const proc = launchInNamespace({ script: START_SCRIPT, args: [root], logFile, root, keep });
      const first = users[0]!;
      const ready = await waitForLogin({
        port, user: first.user, password: first.password,
        deadline: startedAt + START_TIMEOUT_MS * attempt, hasExited: proc.hasExited,
      });
      if (ready !== 'ok') {
        await proc.stop();
        // master reports a failed bind only to syslog (absent here): look at the ports instead.
        if ((await portsTaken([port, tlsPort])) && attempt < PORT_ATTEMPTS) continue;
        const log = readLog();
        throw new Error(`Cyrus did not accept a LOGIN within ${START_TIMEOUT_MS} ms (${ready}):\n${log.trim().slice(-4000)}`);
      }
      let stopping: Promise<void> | undefined;
      const server: CyrusServer = {
        kind: 'cyrus', host: '127.0.0.1', port, tlsPort, caFile: certs.caFile, root, users, namespace, admin,
        separator: namespace === 'upstream' ? '/' : '.',
        prefix: namespace === 'upstream' ? '' : 'INBOX.',
        imapOptions: (user, mode) => imapFlowOptions({ port, tlsPort, caFile: certs.caFile, users }, user, mode),
        readLog,
        async setQuota(user, bytes) {
          if (!users.some((u) => u.user === user)) throw new Error(`${user} is not a user of this server`);
          await setQuotaAs(admin, port, user, namespace, bytes);
        },
        stop() {
          stopping ??= proc.stop().then(() => {
            if (!keep) rmSync(root, { recursive: true, force: true });
          });
          return stopping;
        },
      };
      try {
        // The first LOGIN creates an account (autocreate); the probe did it for the first user.
        const logins = await Promise.all(users.slice(1).map((u) => tryLogin(port, u.user, u.password, 5000)));
        const failed = logins.findIndex((r) => r !== 'ok');
        if (failed >= 0) throw new Error(`first LOGIN of ${users[failed + 1]!.user} failed: ${logins[failed]}`);
        for (const [user, bytes] of Object.entries(opts.quota ?? {})) await server.setQuota(user, bytes);
      } catch (err) {
        const log = readLog();
        await server.stop();
        throw new Error(`Cyrus accounts could not be set up: ${(err as Error).message}\n${log.trim().slice(-4000)}`);
      }
      return server;
    }
  } catch (err) {
    if (!keep) rmSync(root, { recursive: true, force: true });
    throw err;
  }
}
