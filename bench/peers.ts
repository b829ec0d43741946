/**
 * The peers Mailferry is measured against, each copying the same source into a fresh Dovecot destination:
 *   dsync:  Dovecot's own migration, `doveadm sync -1 -R` with the imapc storage pointed at the source (through
 *           the delay line when there is one) and writing straight into the destination's own storage;
 *   mbsync: isync, IMAP to IMAP.
 * Neither knows Gmail's labels: both skip the views (All Mail, Starred, Important), so archived mail is left
 * out of their copy, which makes them slightly less work than Mailferry's.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DESTINATION_SPECIAL_FOLDERS } from '../test/support/dovecot-config.js';
import { startDestination, type DovecotServer } from '../test/support/dovecot.js';
import { snapshot } from '../test/support/mailbox-snapshot.js';
import { sourceReads, timed, type Run } from './measure.js';

const VIEWS = ['[Gmail]/All Mail', '[Gmail]/Starred', '[Gmail]/Important'];

export interface PeerTarget {
  source: DovecotServer;
  user: string;
  /** Port the peer reaches the source on: the source's own, or a delay line in front of it. */
  sourcePort: number;
}

async function countMessages(dest: DovecotServer, user: string): Promise<number> {
  const boxes = await snapshot(dest.imapOptions(user, 'plain'));
  return [...boxes.values()].reduce((n, l) => n + l.length, 0);
}

function complaint(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => /error|fatal|cannot|refus|panic/i.test(l))?.trim();
}

/**
 * The destination's config with its namespace location moved to mail_location: dsync converts only the
 * namespace that has no location of its own, and `-o namespace/.../location=` does not reach it.
 */
function dsyncConfig(dest: DovecotServer, source: DovecotServer): string {
  const text = fs.readFileSync(path.join(dest.root, 'dovecot.conf'), 'utf8');
  const location = /^\s*location = (maildir:\S+)$/m.exec(text)![1]!;
  const file = path.join(dest.root, 'dsync.conf');
  // doveadm reads the source's CA after dropping to the mail owner; the test CA sits in a root-only dir.
  const ca = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mf-dsync-')), 'source-ca.pem');
  fs.copyFileSync(source.caFile, ca);
  fs.chmodSync(path.dirname(ca), 0o755);
  fs.chmodSync(ca, 0o644);
  fs.writeFileSync(file, `mail_location = ${location}\nssl_client_ca_file = ${ca}\n${text.replace(/^\s*location = maildir:\S+$/m, '')}`);
  return file;
}

/** dsync over imapc: the first run into a fresh destination, then the no-op re-run. */
export async function dsyncPeer(t: PeerTarget): Promise<{ first: Run; noop: Run } | undefined> {
  if (spawnSync('which', ['doveadm']).status !== 0) return void console.log('dsync: doveadm not installed (apt-get install dovecot-core), skipped');
  const dest = await startDestination();
  try {
    const pass = t.source.users.find((u) => u.user === t.user)!.password;
    const args = [
      '-c', dsyncConfig(dest, t.source),
      '-o', 'imapc_host=127.0.0.1', '-o', `imapc_port=${t.sourcePort}`,
      '-o', `imapc_user=${t.user}`, '-o', `imapc_password=${pass}`,
      '-o', 'imapc_ssl=starttls',
      // guid-forced: GUIDs from the header hash. Without it every message has the same empty GUID and dsync
      // silently leaves most of a folder out (the Sent Mail of a 60-message test corpus came over empty); with it
      // a message under several labels is fetched once and copied locally, as dsync is meant to work.
      // BENCH_DSYNC_FEATURES tries others (the note lists what each did).
      '-o', `imapc_features=${process.env.BENCH_DSYNC_FEATURES ?? 'rfc822.size fetch-headers guid-forced modseq'}`, '-o', 'mail_prefetch_count=20',
      // `sync -1` (one way): `backup -R` refuses to start because the destination's INBOX exists with another GUID
      // ("mailbox_delete failed: INBOX can't be deleted"). Mailbox names here use the destination's "." separator.
      'sync', '-1', '-R', '-u', t.user, ...VIEWS.flatMap((v) => ['-x', v.replace('/', '.')]), 'imapc:',
    ];
    const run = async (): Promise<Run> => {
      const reads = sourceReads(t.source, t.user);
      const { stderr, ...r } = await timed('doveadm', args);
      if (r.exit !== 0) console.log(`  dsync exit ${r.exit}: ${complaint(stderr) ?? stderr.slice(-500)}`);
      return { ...r, messages: await countMessages(dest, t.user), ...(await reads()) };
    };
    const first = await run();
    const noop = await run();
    return { first, noop };
  } finally {
    await dest.stop();
  }
}

/** mbsync's first run into a fresh destination (its re-run is not the point: it keeps its own state). */
export async function mbsyncPeer(t: PeerTarget): Promise<{ first: Run } | undefined> {
  if (spawnSync('which', ['mbsync']).status !== 0) return void console.log('mbsync: not installed (apt-get install isync), skipped');
  // "/" as the destination's separator: mbsync cannot put the label "Clients/acme.com" on a "." server.
  const dest = await startDestination({ separator: '/' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-mbsync-'));
  try {
    const pass = t.source.users.find((u) => u.user === t.user)!.password;
    const account = (name: string, port: number, ca: string) =>
      `IMAPAccount ${name}\nHost 127.0.0.1\nPort ${port}\nUser ${t.user}\nPass ${pass}\nSSLType STARTTLS\nCertificateFile ${ca}\nAuthMechs LOGIN\nPipelineDepth 50\n\nIMAPStore ${name}\nAccount ${name}\n\n`;
    // The destination's own special folders (Archive, Sent Items...) are left out: mbsync would look for them on the source.
    const config = account('src', t.sourcePort, t.source.caFile) + account('dst', dest.port, dest.caFile) +
      `Channel all\nFar :src:\nNear :dst:\nPatterns * ${[...VIEWS, ...DESTINATION_SPECIAL_FOLDERS.map((f) => f.name)].map((v) => `!"${v}"`).join(' ')}\nCreate Near\nSync Pull\nCopyArrivalDate yes\nSyncState ${dir}/\n`;
    fs.writeFileSync(path.join(dir, 'mbsyncrc'), config, { mode: 0o600 });
    const reads = sourceReads(t.source, t.user);
    const { stderr, ...r } = await timed('mbsync', ['-c', path.join(dir, 'mbsyncrc'), '-a', '-q']);
    if (r.exit !== 0) console.log(`  mbsync exit ${r.exit}: ${complaint(stderr) ?? stderr.slice(-500)}`);
    return { first: { ...r, messages: await countMessages(dest, t.user), ...(await reads()) } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await dest.stop();
  }
}
