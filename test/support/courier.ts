/**
 * Private Courier-IMAP 5 servers for integration tests: a shared-hosting (cPanel-like) destination, in
 * its own temp dir, on free 127.0.0.1 ports, gone after stop().
 *
 * What it is: Debian 12's courier-imap, unpacked by scripts/system-deps.sh (installing it would remove
 * Dovecot), run with Debian's own imapd/imapd-ssl settings; authdaemond with a private userdb. See
 * courier-config.ts for the layout and the mount trick, server-process.ts for how no process survives.
 *
 * What a test sees (see test/integration/destination-servers.test.ts, which pins each of these):
 *   - every folder under "INBOX." with separator "."; `CREATE Foo` is refused;
 *   - INBOX only, unless `folders` asks for host-made ones (created with maildirmake -f and subscribed);
 *   - no SPECIAL-USE, LITERAL+, MULTIAPPEND or APPENDLIMIT; UIDPLUS (APPENDUID) and QUOTA;
 *   - a message without a final line ending is stored with CRLF added;
 *   - a Maildir++ quota per user (bytes, `maildirmake -q NNNS`), changeable while it runs (setQuota).
 *   - Debian's limits and habits: 20 connections per IP (MAXPERIP; every test client is 127.0.0.1),
 *     40 in all, Trash emptied of messages older than 7 days (IMAP_EMPTYTRASH=Trash:7).
 * Ports: `port` offers STARTTLS and takes LOGIN without it; `tlsPort` is implicit TLS (couriertls).
 * Set MAILFERRY_KEEP_SERVERS=1 to keep the temp dir.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AUTHDAEMONRC, IMAPD_ENV, START_SCRIPT, checkFolderName, courierHome, renderSubscriptions, renderUserdb } from './courier-config.js';
import { makeCertificates, mailOwner, mkdirOwned, writeFileOwned, type MailOwner } from './dovecot-env.js';
import { waitForLogin } from './dovecot-probe.js';
import { DEFAULT_USERS } from './dovecot.js';
import {
  checkRootPath, checkUsers, imapFlowOptions, keepTempDirs, requireRoot, systemAccount, unpackedPackage,
  type ImapTestServer, type TestUser,
} from './imap-test-server.js';
import { freePorts } from './ports.js';
import { launchInNamespace } from './server-process.js';

const execFileAsync = promisify(execFile);

export interface CourierOptions {
  /** Accounts; default DEFAULT_USERS of dovecot.ts. */
  users?: TestUser[];
  /** Maildir++ quota in bytes, by user; users not listed have none. */
  quota?: Record<string, number>;
  /**
   * Folders every account starts with, as a hosting panel or another client left them:
   * ['Sent', 'Drafts', 'Trash', 'spam'] (cPanel) or ['Sent Items', 'Deleted Items']. Made with
   * maildirmake -f and subscribed. Default none: INBOX only.
   */
  folders?: string[];
}

export interface CourierServer extends ImapTestServer {
  kind: 'courier';
  separator: '.';
  prefix: 'INBOX.';
  /** Owner of every mail file (the mail owner of dovecot-env.ts). */
  owner: MailOwner;
  /** The user's Maildir (INBOX; folders are its ".Name" subfolders). */
  mailDir(user: string): string;
  /** Sets (or changes, while running) a user's quota; Courier reads it on the next APPEND. */
  setQuota(user: string, bytes: number): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 5;
const MAILDIRMAKE = 'maildirmake.courier';

/** Runs maildirmake as the mail owner: the files it writes (maildirsize) must stay writable by imapd. */
async function maildirmake(owner: MailOwner, args: string[]): Promise<void> {
  await execFileAsync(MAILDIRMAKE, args, { uid: owner.uid, gid: owner.gid });
}

function quotaArgs(bytes: number | undefined): string[] {
  if (bytes === undefined) return [];
  if (!Number.isInteger(bytes) || bytes <= 0) throw new Error(`quota must be a positive whole number of bytes, got ${bytes}`);
  return ['-q', `${bytes}S`];
}

async function makeAccount(root: string, user: string, owner: MailOwner, opts: CourierOptions): Promise<void> {
  const home = courierHome(root, user);
  mkdirOwned(home, owner);
  const maildir = join(home, 'Maildir');
  await maildirmake(owner, [...quotaArgs(opts.quota?.[user]), maildir]);
  const folders = opts.folders ?? [];
  for (const folder of folders) await maildirmake(owner, ['-f', folder, maildir]);
  if (folders.length) writeFileOwned(join(maildir, 'courierimapsubscribed'), renderSubscriptions(folders), owner);
}

/** ROOT/etc and ROOT/run: what the namespace sees as /etc/courier and /run/courier. */
async function writeServerFiles(root: string, users: TestUser[], owner: MailOwner, tlsDir: string): Promise<string> {
  const courier = systemAccount('courier'); // made by courier-base
  const etc = join(root, 'etc');
  const run = join(root, 'run');
  mkdirSync(etc, { mode: 0o755 });
  mkdirSync(join(run, 'authdaemon'), { recursive: true, mode: 0o755 });
  writeFileSync(join(etc, 'authdaemonrc'), AUTHDAEMONRC, { mode: 0o644 });
  writeFileSync(join(etc, 'userdb'), renderUserdb(root, users, owner), { mode: 0o600 }); // makeuserdb insists
  await execFileAsync('makeuserdb', ['-f', join(etc, 'userdb')]);
  writeFileSync(join(root, 'imapd.env'), IMAPD_ENV, { mode: 0o644 });
  // couriertls runs as user courier: key then certificate in one PEM, readable by group courier.
  const certs = await makeCertificates(tlsDir);
  const pem = join(etc, 'imapd.pem');
  writeFileSync(pem, Buffer.concat([readFileSync(certs.keyFile), readFileSync(certs.certFile)]), { mode: 0o640 });
  chownSync(pem, 0, courier.gid);
  const cache = join(run, 'tlscache');
  writeFileSync(cache, '', { mode: 0o600 });
  chownSync(cache, courier.uid, courier.gid);
  // The mount points; courier-base creates /etc/courier, /run/courier exists once its service ran.
  mkdirSync('/run/courier', { recursive: true });
  return certs.caFile;
}

export async function startCourier(opts: CourierOptions = {}): Promise<CourierServer> {
  requireRoot('Courier');
  const pkg = unpackedPackage('courier', 'usr/bin/imapd');
  if (!existsSync('/etc/courier')) throw new Error('courier-base is not installed: run "bash scripts/system-deps.sh" as root');
  const users = [...(opts.users ?? DEFAULT_USERS)];
  checkUsers(users);
  for (const user of Object.keys(opts.quota ?? {})) {
    if (!users.some((u) => u.user === user)) throw new Error(`quota for ${user}, who is not a user of this server`);
  }
  for (const folder of opts.folders ?? []) checkFolderName(folder);
  const owner = mailOwner();
  const keep = keepTempDirs();
  const root = mkdtempSync(join(tmpdir(), 'mailferry-courier-'));
  const startedAt = Date.now();
  try {
    checkRootPath(root);
    chmodSync(root, 0o755); // the mail owner and user courier must traverse it
    mkdirSync(join(root, 'tls'), { mode: 0o700 });
    const caFile = await writeServerFiles(root, users, owner, join(root, 'tls'));
    await Promise.all(users.map((u) => makeAccount(root, u.user, owner, opts)));
    const logFile = join(root, 'courier.log');
    const readLog = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

    for (let attempt = 1; ; attempt++) {
      const [port, tlsPort] = (await freePorts(2)) as [number, number];
      const proc = launchInNamespace({ script: START_SCRIPT, args: [root, pkg, String(port), String(tlsPort)], logFile, root, keep });
      const first = users[0]!;
      // couriertcpd says so on stderr when its port was taken after freePorts chose it: give up early.
      const bindFailed = (): boolean => /Address already in use/i.test(readLog());
      const ready = await waitForLogin({
        port, user: first.user, password: first.password,
        deadline: startedAt + START_TIMEOUT_MS * attempt, hasExited: () => proc.hasExited() || bindFailed(),
      });
      if (ready === 'ok') {
        let stopping: Promise<void> | undefined;
        const server: CourierServer = {
          kind: 'courier', host: '127.0.0.1', port, tlsPort, caFile, root, users, separator: '.', prefix: 'INBOX.', owner,
          mailDir: (user) => join(courierHome(root, user), 'Maildir'),
          imapOptions: (user, mode) => imapFlowOptions({ port, tlsPort, caFile, users }, user, mode),
          readLog,
          async setQuota(user, bytes) {
            if (!users.some((u) => u.user === user)) throw new Error(`${user} is not a user of this server`);
            await maildirmake(owner, [...quotaArgs(bytes), server.mailDir(user)]);
          },
          stop() {
            stopping ??= proc.stop().then(() => {
              if (!keep) rmSync(root, { recursive: true, force: true });
            });
            return stopping;
          },
        };
        return server;
      }
      await proc.stop();
      if (bindFailed() && attempt < PORT_ATTEMPTS) {
        rmSync(logFile, { force: true }); // the next attempt must not read this one's failure
        continue;
      }
      const log = readLog();
      throw new Error(`Courier did not accept a LOGIN within ${START_TIMEOUT_MS} ms (${ready}):\n${log.trim().slice(-4000)}`);
    }
  } catch (err) {
    if (!keep) rmSync(root, { recursive: true, force: true });
    throw err;
  }
}
