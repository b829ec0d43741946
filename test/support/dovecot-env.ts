/**
 * What a private Dovecot needs from the machine: its binary, an unprivileged user to run as and to own
 * the mail files, and a throw-away TLS certificate authority. Used by dovecot.ts and maildir-seed.ts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The account that Dovecot's unprivileged processes run as and that owns every maildir file. */
export interface MailOwner {
  name: string;
  /** Name of the owner's primary group (default_internal_group: Dovecot's sockets are chowned to it). */
  group: string;
  uid: number;
  gid: number;
}

/** Name of the dedicated account created on demand when the tests run as root. */
export const DEFAULT_MAIL_USER = 'mailferry-dovecot';

/** The dovecot binary: $MAILFERRY_DOVECOT_BIN, else the Debian path, else whatever PATH has. */
export function dovecotBinary(): string {
  const fromEnv = process.env['MAILFERRY_DOVECOT_BIN'];
  if (fromEnv) return fromEnv;
  for (const candidate of ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot']) {
    if (existsSync(candidate)) return candidate;
  }
  return 'dovecot';
}

function getent(db: 'passwd' | 'group', key: string): string[] | undefined {
  try {
    return execFileSync('getent', [db, key], { encoding: 'utf8' }).trim().split(':');
  } catch {
    return undefined; // getent exits 2 when the key does not exist
  }
}

function lookupUser(name: string): MailOwner | undefined {
  const fields = getent('passwd', name);
  const uid = Number(fields?.[2]);
  const gid = Number(fields?.[3]);
  if (!fields || !Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  const group = getent('group', String(gid))?.[0];
  if (!group) return undefined;
  return { name, group, uid, gid };
}

let cachedOwner: MailOwner | undefined;

/**
 * Root (CI, fresh Debian 12): a dedicated system account ($MAILFERRY_DOVECOT_USER or
 * "mailferry-dovecot"), created idempotently with useradd; two test workers racing to create it is
 * fine because a failed useradd is followed by a second lookup. Falls back to "nobody" when useradd is
 * unavailable. Not root: Dovecot runs entirely as the current user.
 */
export function mailOwner(): MailOwner {
  if (cachedOwner) return cachedOwner;
  if (process.getuid?.() !== 0) {
    const me = userInfo();
    const group = getent('group', String(me.gid))?.[0];
    if (!group) throw new Error(`cannot find the name of group ${me.gid}`);
    cachedOwner = { name: me.username, group, uid: me.uid, gid: me.gid };
    return cachedOwner;
  }
  const name = process.env['MAILFERRY_DOVECOT_USER'] ?? DEFAULT_MAIL_USER;
  let owner = lookupUser(name);
  if (!owner) {
    try {
      execFileSync(
        'useradd',
        ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name],
        { stdio: 'ignore' },
      );
    } catch {
      // Lost a race with another worker, or no useradd: look again, then fall back.
    }
    owner = lookupUser(name) ?? lookupUser('nobody');
  }
  if (!owner) throw new Error(`cannot find or create the Dovecot mail user "${name}" (and no "nobody" user)`);
  if (owner.uid === 0) throw new Error(`the Dovecot mail user "${owner.name}" must not be root`);
  cachedOwner = owner;
  return owner;
}

/** mkdir -p that hands every directory it creates (and `path` itself) to `owner` when running as root. */
export function mkdirOwned(path: string, owner: MailOwner): void {
  const missing: string[] = [];
  for (let p = path; !existsSync(p); p = dirname(p)) missing.push(p);
  mkdirSync(path, { recursive: true, mode: 0o755 });
  if (process.getuid?.() !== 0) return;
  for (const p of missing) chownSync(p, owner.uid, owner.gid);
  if (missing.length === 0 && statSync(path).uid !== owner.uid) chownSync(path, owner.uid, owner.gid);
}

/** Write a file owned by `owner` (when root). */
export function writeFileOwned(path: string, data: string | Buffer, owner: MailOwner): void {
  writeFileSync(path, data, { mode: 0o644 });
  if (process.getuid?.() === 0) chownSync(path, owner.uid, owner.gid);
}

export interface TestCertificates {
  /** PEM of the throw-away CA: pass it as `tls.ca` to trust the server. */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** SHA-256 fingerprint of the server certificate, "AB:CD:..." as Node's X509Certificate prints it. */
  fingerprint256: string;
}

const OPENSSL_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/**
 * A fresh CA and a server certificate for 127.0.0.1 and localhost, signed by it, in `dir`. EC P-256
 * keys keep this to a few tens of milliseconds. Our own openssl config, so the system one is irrelevant.
 */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  const cnf = join(dir, 'openssl.cnf');
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.pem');
  writeFileSync(cnf, OPENSSL_CONFIG);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const serial = `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
  await execFileAsync('openssl', ['req', '-x509', '-config', cnf, '-extensions', 'ca_ext', ...ec, '-keyout', caKey, '-out', caFile, '-days', '30', '-subj', `/CN=Mailferry test CA ${serial}`]);
  await execFileAsync('openssl', ['req', '-new', '-config', cnf, ...ec, '-keyout', keyFile, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await execFileAsync('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-set_serial', serial, '-days', '30', '-extfile', cnf, '-extensions', 'server_ext', '-out', certFile]);
  const fingerprint256 = new X509Certificate(readFileSync(certFile)).fingerprint256;
  return { caFile, certFile, keyFile, fingerprint256 };
}
