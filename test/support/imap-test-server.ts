/**
 * What every real IMAP server the tests start has in common (Dovecot from dovecot.ts, Courier-IMAP from
 * courier.ts, Cyrus from cyrus.ts), so one scenario can run on each family:
 *
 *   for (const server of [await startDestination(), await startCourier(), await startCyrus()]) { ... }
 *
 * DovecotServer satisfies ImapTestServer structurally; nothing here changes dovecot.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { ImapFlowOptions } from 'imapflow';
import type { ServerKind } from './dovecot-config.js';
import type { ConnectMode, DovecotUser } from './dovecot.js';

export type { ConnectMode } from './dovecot.js';
export type TestUser = DovecotUser;
export type ImapServerKind = ServerKind | 'courier' | 'cyrus';

export interface ImapTestServer {
  kind: ImapServerKind;
  host: '127.0.0.1';
  /** Plaintext port; STARTTLS is offered, LOGIN works without it. */
  port: number;
  /** Implicit-TLS port. */
  tlsPort: number;
  /** PEM of the throw-away CA that signed the server certificate (127.0.0.1 and localhost). */
  caFile: string;
  /** The server's temp dir; removed by stop(). */
  root: string;
  users: TestUser[];
  /** Hierarchy separator of the personal namespace. */
  separator: '/' | '.';
  /** Personal namespace prefix: "" or "INBOX.". */
  prefix: string;
  /** ImapFlow options (logger off, compression off). Defaults: first user, 'plain'. */
  imapOptions(user?: string, mode?: ConnectMode): ImapFlowOptions;
  /** What the server logged so far, for failure messages. */
  readLog(): string;
  stop(): Promise<void>;
}

/** Set either to keep a stopped server's temp dir for inspection. */
export function keepTempDirs(): boolean {
  return process.env['MAILFERRY_KEEP_SERVERS'] === '1' || process.env['MAILFERRY_KEEP_DOVECOT'] === '1';
}

/** Same rules as dovecot.ts: names and passwords that every server's user database can hold. */
export function checkUsers(users: readonly TestUser[]): void {
  if (users.length === 0) throw new Error('at least one user is needed');
  for (const { user, password } of users) {
    if (!/^[A-Za-z0-9._+@-]+$/.test(user)) throw new Error(`unsupported test user name ${JSON.stringify(user)}`);
    if (/[:\r\n\0]/.test(password) || password === '') throw new Error(`unsupported password for ${user}`);
  }
}

/** ImapFlow options for a server on 127.0.0.1, as dovecot.ts builds them. */
export function imapFlowOptions(
  s: { port: number; tlsPort: number; caFile: string; users: readonly TestUser[] },
  user = s.users[0]!.user,
  mode: ConnectMode = 'plain',
): ImapFlowOptions {
  const account = s.users.find((u) => u.user === user);
  if (!account) throw new Error(`${user} is not a user of this server`);
  const base = { host: '127.0.0.1', auth: { user, pass: account.password }, logger: false as const, disableCompression: true };
  // imapflow upgrades whenever STARTTLS is offered, so 'plain' must say no explicitly.
  if (mode === 'plain') return { ...base, port: s.port, secure: false, doSTARTTLS: false };
  const ca = readFileSync(s.caFile);
  if (mode === 'starttls') return { ...base, port: s.port, secure: false, doSTARTTLS: true, tls: { ca } };
  return { ...base, port: s.tlsPort, secure: true, tls: { ca } };
}

const REPO_ROOT = resolve(import.meta.dirname, '../..');

/**
 * Root of a Debian package that scripts/system-deps.sh unpacked privately (courier-imap, cyrus-imapd
 * conflict with dovecot-imapd, so they are never installed). $MAILFERRY_IMAP_SERVERS overrides the cache.
 */
export function unpackedPackage(family: 'courier' | 'cyrus', probe: string): string {
  const dir = join(process.env['MAILFERRY_IMAP_SERVERS'] ?? join(REPO_ROOT, '.tools', 'imap-servers'), family);
  if (!existsSync(join(dir, probe))) {
    throw new Error(`${join(dir, probe)} is missing: run "bash scripts/system-deps.sh" as root to install ${family}`);
  }
  return dir;
}

/** Tests start servers as root: both families need it (mount namespace, setuid to the mail users). */
export function requireRoot(family: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${family} test servers must be started as root (as CI runs)`);
}

/** Paths are pasted into config files and shell arguments; refuse the few characters that would break them. */
export function checkRootPath(root: string): void {
  if (!/^[A-Za-z0-9/._-]+$/.test(root)) throw new Error(`temp dir path ${root} has characters a config cannot hold; set TMPDIR`);
}

/** uid and primary gid of an account a Debian package created (courier, cyrus). */
export function systemAccount(name: string): { uid: number; gid: number } {
  let fields: string[] = [];
  try {
    fields = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
  } catch {
    throw new Error(`no user "${name}": run "bash scripts/system-deps.sh" as root`);
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * Whether another process holds one of `ports` on 127.0.0.1: after a failed start (our server stopped),
 * that means freePorts' pick was taken in between and a retry with new ports is the fix.
 */
export async function portsTaken(ports: readonly number[]): Promise<boolean> {
  const taken = await Promise.all(
    ports.map(
      (port) =>
        new Promise<boolean>((resolve) => {
          const probe = createServer();
          probe.once('error', () => resolve(true));
          probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(false)));
        }),
    ),
  );
  return taken.includes(true);
}
