import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CorpusMessage } from './corpus.js';
import type { DovecotServer } from './dovecot.js';
import type { ImapTestServer } from './imap-test-server.js';
import { fingerprint, sortFingerprints, type MessageFingerprint } from './mailbox-snapshot.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Where the Gmail placement of a corpus message must land on the harness destination (Maildir++, "."). */
const SYSTEM_TARGET: Record<string, string> = {
  sent: 'Sent Items',
  drafts: 'Drafts',
  trash: 'Deleted Items',
  spam: 'Junk E-mail',
  archived: 'Archive',
};

/** A Gmail label path as the destination names it: "/" becomes ".", a "." inside a label becomes "_". */
export function destinationLabel(label: string, prefix = ''): string {
  return label === 'INBOX' ? 'INBOX' : prefix + label.split('/').map((s) => s.replaceAll('.', '_')).join('.');
}

/**
 * The destination the default policy must produce, computed from the corpus alone (not from the engine):
 * one copy per label folder, system folders by special use, archived mail in Archive.
 */
export function expectedDestination(corpus: readonly CorpusMessage[], prefix = ''): Map<string, MessageFingerprint[]> {
  const out = new Map<string, MessageFingerprint[]>();
  const add = (folder: string, m: CorpusMessage) => {
    const list = out.get(folder) ?? [];
    list.push(fingerprint(m.raw, m.flags, m.internalDate));
    out.set(folder, list);
  };
  for (const m of corpus) {
    for (const label of m.placement.labels) add(destinationLabel(label, prefix), m);
    if (m.placement.system) add(prefix + SYSTEM_TARGET[m.placement.system]!, m);
  }
  for (const [k, v] of out) out.set(k, sortFingerprints(v));
  return out;
}

export interface JobFixture {
  dir: string;
  jobFile: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
}

/** Writes a job file for one mailbox between two harness servers (plain loopback, passwords from env). */
export function writeJob(
  source: DovecotServer,
  destination: ImapTestServer,
  user = source.users[0]!.user,
  extra: Record<string, unknown> = {},
  /** Ports to use instead of the servers' own, e.g. a delay or fault proxy in front of them. */
  ports: { source?: number; destination?: number } = {},
): JobFixture {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-job-'));
  const srcUser = source.users.find((u) => u.user === user)!;
  const dstUser = destination.users.find((u) => u.user === user)!;
  const job = {
    mailboxes: [
      {
        id: user,
        source: { host: '127.0.0.1', port: ports.source ?? source.port, security: 'none', user, passwordEnv: 'MF_TEST_SRC_PASS' },
        destination: { host: '127.0.0.1', port: ports.destination ?? destination.port, security: 'none', user, passwordEnv: 'MF_TEST_DST_PASS' },
        ...extra,
      },
    ],
  };
  const jobFile = path.join(dir, 'job.json');
  fs.writeFileSync(jobFile, JSON.stringify(job, null, 2));
  return { dir, jobFile, stateDir: path.join(dir, 'state'), env: { ...process.env, MF_TEST_SRC_PASS: srcUser.password, MF_TEST_DST_PASS: dstUser.password } };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real command line (bin/mailferry) and collects its output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, opts: { killAfterMs?: number; killWhen?: (stderr: string) => boolean; killDelayMs?: number; input?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'bin/mailferry'), args, { env, cwd: ROOT, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    let stdout = '';
    let stderr = '';
    let killing = false;
    const kill = () => child.kill('SIGKILL');
    const timer = opts.killAfterMs !== undefined ? setTimeout(kill, opts.killAfterMs) : undefined;
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => {
      stderr += d;
      if (!killing && opts.killWhen?.(stderr)) {
        killing = true;
        setTimeout(kill, opts.killDelayMs ?? 0);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
