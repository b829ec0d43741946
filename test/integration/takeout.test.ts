/**
 * Google Takeout exports (.mbox, .tgz, .zip) as the source of `mailferry migrate`, into a real Dovecot:
 * exact, flat memory on a big file, a cut file refused and finished by a re-run, and exactly once together
 * with IMAP passes of the same account (Takeout first then an IMAP delta, and the other way round).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectExact } from '../support/expect-exact.js';
import { describeFaults, startFaultProxy } from '../support/fault-proxy.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { expectedDestination, runCli, type CliRun } from '../support/migration-fixture.js';
import { packTgz, packZip, prepareTakeoutCorpus, takeoutView, writeTakeoutMbox } from '../support/takeout.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const USER = 'alice@example.com';
const DESTINATION_USERS = Array.from({ length: 10 }, (_, i) => ({ user: `d${i + 1}@example.com`, password: `d${i + 1}-secret` }));
let source: DovecotServer;
let destination: DovecotServer;
let dir: string;
/** The account's mail at export time (with the export's hard cases), and what arrived after it. */
let old: CorpusMessage[];
let newer: CorpusMessage[];
const files = { mbox: '', tgz: '', zip: '' };

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination({ users: DESTINATION_USERS })]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-takeout-'));
  old = prepareTakeoutCorpus(generateCorpus({ seed: 'takeout', count: 2000, profile: 'small' }));
  // Received after the export (the corpus runs until 2025): a day apart from 2026-01-01 on.
  newer = generateCorpus({ seed: 'after-export', count: 40, profile: 'small' }).map((m, i) => ({ ...m, internalDate: new Date(Date.UTC(2026, 0, 1 + i, 9, 30, 15)) }));
  expect(old.filter((m) => m.tags.includes('no-final-crlf')).length).toBeGreaterThan(50);
  expect(old.filter((m) => m.tags.includes('from-lines')).length).toBeGreaterThan(50);
  expect(old.filter((m) => m.tags.includes('comma-label')).length).toBeGreaterThan(10);
  await seedGmailSource(source, USER, [...old, ...newer]);
  files.mbox = path.join(dir, 'All mail Including Spam and Trash.mbox');
  await writeTakeoutMbox(files.mbox, old, 2);
  files.tgz = path.join(dir, 'takeout-20260101T000000Z-001.tgz');
  files.zip = path.join(dir, 'takeout-20260101T000000Z-001.zip');
  await Promise.all([packTgz(files.mbox, files.tgz), packZip(files.mbox, files.zip)]);
}, 180_000);

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const password = (user: string) => DESTINATION_USERS.find((u) => u.user === user)!.password;
const destinationOf = (user: string) => ({ host: '127.0.0.1', port: destination.port, security: 'none', user, passwordEnv: 'MF_TEST_DST_PASS' });

/** A job folder for one destination user: the Takeout job and the IMAP job share its state folder. */
function jobs(dstUser: string, exportFile: string, via?: { port: number; options: Record<string, unknown> }) {
  const jobDir = fs.mkdtempSync(path.join(dir, 'job-'));
  const write = (name: string, src: Record<string, unknown>) => {
    const file = path.join(jobDir, name);
    const dst = { ...destinationOf(dstUser), ...(via ? { port: via.port } : {}) };
    fs.writeFileSync(file, JSON.stringify({ mailboxes: [{ source: src, destination: dst }], ...(via ? { options: via.options } : {}) }));
    return file;
  };
  const copy = path.join(jobDir, path.basename(exportFile));
  fs.copyFileSync(exportFile, copy);
  return {
    dir: jobDir, exportCopy: copy, stateDir: path.join(jobDir, 'state'), report: path.join(jobDir, 'report.json'),
    takeout: write('takeout.json', { takeout: path.basename(exportFile), user: USER }),
    imap: write('imap.json', { host: '127.0.0.1', port: source.port, security: 'none', user: USER, passwordEnv: 'MF_TEST_SRC_PASS' }),
    env: { ...process.env, MF_TEST_DST_PASS: password(dstUser), MF_TEST_SRC_PASS: source.users[0]!.password },
  };
}

async function migrate(job: ReturnType<typeof jobs>, which: 'takeout' | 'imap', stateDir = job.stateDir) {
  const run = await runCli(['migrate', job[which], '--state', stateDir, '--report', job.report], job.env);
  const report = fs.existsSync(job.report) ? JSON.parse(fs.readFileSync(job.report, 'utf8')).mailboxes[0] : undefined;
  fs.rmSync(job.report, { force: true });
  return { run, report, out: run.stdout + run.stderr };
}

const placements = (c: readonly CorpusMessage[]) => c.reduce((n, m) => n + m.placement.labels.length + (m.placement.system ? 1 : 0), 0);
const expectOk = (r: CliRun) => expect(r.code, r.stdout + r.stderr).toBe(0);
const onDestination = (user: string) => snapshot(destination.imapOptions(user, 'plain'));
const totalOn = async (user: string) => [...(await onDestination(user)).values()].reduce((n, l) => n + l.length, 0);

describe('a Google Takeout export as the source', () => {
  it('.mbox: every message in its folders, bytes as Gmail serves them; a re-run reads nothing; without the ledger nothing is copied twice', async () => {
    const job = jobs('d1@example.com', files.mbox);
    const first = await migrate(job, 'takeout');
    expectOk(first.run);
    expectExact(await onDestination('d1@example.com'), expectedDestination(takeoutView(old)));
    expect(first.report.totals.copied).toBe(placements(old));
    expect(first.run.stdout).toMatch(/INBOX\s+INBOX/);
    expect(first.run.stdout).toMatch(/Not copied as folders:.*\[Gmail\]\/Starred/);
    expect(first.run.stdout).toContain('2 chat transcripts');
    expect(first.run.stdout).toMatch(/inbox tabs Category Forums \(\d+\), Category Promotions/);

    const started = Date.now();
    const again = await migrate(job, 'takeout');
    expectOk(again.run);
    expect(again.report.totals.copied).toBe(0);
    expect(again.run.stdout).toContain('was imported completely by an earlier run');
    expect(Date.now() - started).toBeLessThan(10_000);

    const fresh = await migrate(job, 'takeout', path.join(job.dir, 'other-state'));
    expectOk(fresh.run);
    expect(fresh.report.totals.copied).toBe(0);
    expect(fresh.report.totals.alreadyThere).toBe(placements(old));
    expectExact(await onDestination('d1@example.com'), expectedDestination(takeoutView(old)));
  });

  it.each([['tgz', 'd2@example.com'], ['zip', 'd3@example.com']] as const)('.%s as Takeout delivers it: the same, read as a stream', async (kind, user) => {
    const job = jobs(user, files[kind]);
    const r = await migrate(job, 'takeout');
    expectOk(r.run);
    expectExact(await onDestination(user), expectedDestination(takeoutView(old)));
  });

  it('a cut file: a clear error naming the file and where, nothing written, exit 1; the whole file then completes', async () => {
    const job = jobs('d4@example.com', files.mbox);
    const full = fs.readFileSync(files.mbox);
    let cut = Math.floor(full.length * 0.6);
    while (full[cut - 1] === 0x0a) cut++;
    fs.writeFileSync(job.exportCopy, full.subarray(0, cut));
    const broken = await migrate(job, 'takeout');
    expect(broken.run.code, broken.out).toBe(1);
    expect(broken.out).toMatch(new RegExp(`${path.basename(files.mbox)} ends in the middle of message \\d+ \\(which starts at byte \\d+ of ${cut}\\)`));
    expect(broken.out).toContain('Download the export again');
    expect(await totalOn('d4@example.com')).toBe(0);

    const tgzJob = jobs('d4@example.com', files.tgz);
    const tgz = fs.readFileSync(files.tgz);
    fs.writeFileSync(tgzJob.exportCopy, tgz.subarray(0, Math.floor(tgz.length * 0.6)));
    const brokenTgz = await migrate(tgzJob, 'takeout');
    expect(brokenTgz.run.code, brokenTgz.out).toBe(1);
    expect(brokenTgz.out).toMatch(/\.tgz is incomplete: it ends at byte \d+ of \d+ before the export does .*while reading message \d+/);
    const zipJob = jobs('d4@example.com', files.zip);
    fs.writeFileSync(zipJob.exportCopy, fs.readFileSync(files.zip).subarray(0, 1_000_000));
    const brokenZip = await migrate(zipJob, 'takeout');
    expect(brokenZip.run.code, brokenZip.out).toBe(1);
    expect(brokenZip.out).toMatch(/\.zip is incomplete or damaged: its table of contents/);
    expect(await totalOn('d4@example.com')).toBe(0);

    fs.copyFileSync(files.mbox, job.exportCopy);
    const whole = await migrate(job, 'takeout');
    expectOk(whole.run);
    expectExact(await onDestination('d4@example.com'), expectedDestination(takeoutView(old)));
  });

  it('Takeout first, then an IMAP delta into the same destination and state folder: only what arrived since is copied', async () => {
    const job = jobs('d5@example.com', files.tgz);
    expectOk((await migrate(job, 'takeout')).run);
    const delta = await migrate(job, 'imap');
    expectOk(delta.run);
    expect(delta.report.totals.copied).toBe(placements(newer));
    expectExact(await onDestination('d5@example.com'), expectedDestination([...takeoutView(old), ...newer]));
  });

  it('an IMAP pass first, then the Takeout import: nothing is copied twice', async () => {
    const job = jobs('d6@example.com', files.zip);
    expectOk((await migrate(job, 'imap')).run);
    const imported = await migrate(job, 'takeout');
    expectOk(imported.run);
    expect(imported.report.totals.copied).toBe(0);
    expect(imported.report.totals.alreadyThere).toBe(placements(old));
    expectExact(await onDestination('d6@example.com'), expectedDestination([...old, ...newer]));
  });

  it('the destination ending sessions mid-APPEND, then a kill -9 mid-copy: the import still ends exact, nothing twice', async () => {
    const proxy = await startFaultProxy({ targetPort: destination.port, delayMs: 2, seed: 'takeout', plan: { sessionExpiry: { midAppend: true, max: 3 } } });
    try {
      const job = jobs('d9@example.com', files.tgz, { port: proxy.port, options: { retryBaseMs: 50, retryMaxMs: 500 } });
      const cut = await migrate(job, 'takeout');
      expect(cut.run.code, `${cut.out}\n${describeFaults(proxy.faults)}`).toBe(0);
      expect(proxy.faults.sessionExpired).toBe(3);
      expectExact(await onDestination('d9@example.com'), expectedDestination(takeoutView(old)));

      proxy.plan = {};
      const killed = jobs('d10@example.com', files.mbox, { port: proxy.port, options: {} });
      const first = await runCli(['migrate', killed.takeout, '--state', killed.stateDir], killed.env, { killWhen: (e) => e.includes(': copying'), killDelayMs: 400 });
      expect(first.signal, first.stdout + first.stderr).toBe('SIGKILL');
      const landed = await totalOn('d10@example.com');
      expect(landed, 'killed in the middle').toBeGreaterThan(0);
      expect(landed).toBeLessThan(placements(old));
      const second = await migrate(killed, 'takeout');
      expectOk(second.run);
      expect(second.report.totals.copied).toBeLessThanOrEqual(placements(old) - landed);
      expectExact(await onDestination('d10@example.com'), expectedDestination(takeoutView(old)));
    } finally {
      await proxy.close();
    }
  });

  it('a 200 MB export streams through in flat memory: the peak barely moves from a 10 times smaller one', async () => {
    const big = generateCorpus({ seed: 'takeout-big', count: 2800, profile: 'realistic', maxSizeMB: 4 });
    const peaks: Array<{ mb: number; peakMiB: number }> = [];
    for (const [messages, user] of [[280, 'd7@example.com'], [big.length, 'd8@example.com']] as const) {
      const mbox = path.join(dir, `big-${messages}.mbox`);
      const size = await writeTakeoutMbox(mbox, big.slice(0, messages));
      const tgz = path.join(dir, `big-${messages}.tgz`);
      await packTgz(mbox, tgz, 1);
      fs.rmSync(mbox);
      const job = jobs(user, tgz);
      const { code, out, peakMiB } = await measured(['migrate', job.takeout, '--state', job.stateDir], job.env);
      expect(code, out).toBe(0);
      peaks.push({ mb: Math.round(size / 1048576), peakMiB });
      console.log(`Takeout import of ${Math.round(size / 1048576)} MB (.tgz, ${messages} messages up to 4 MB, memoryBudgetMB 64): peak RSS ${peakMiB} MiB`);
      if (messages === big.length) expectExact(await onDestination(user), expectedDestination(takeoutView(big)));
    }
    const [small, large] = peaks as [(typeof peaks)[0], (typeof peaks)[0]];
    expect(large.mb).toBeGreaterThan(190);
    // The node process with its modules takes about 100 MiB; the copy adds its byte budget and the
    // buffers V8 frees lazily, whatever the size of the file.
    expect(large.peakMiB).toBeLessThan(200);
    expect(large.peakMiB - small.peakMiB).toBeLessThan(40);
  }, 300_000);
});

/** Runs the command line and samples its peak resident memory (VmHWM) until it exits. */
function measured(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; peakMiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'bin/mailferry'), args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let peakKiB = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        // exited between two samples
      }
    };
    const timer = setInterval(sample, 50);
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => sample());
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, out, peakMiB: Math.round(peakKiB / 1024) });
    });
  });
}
