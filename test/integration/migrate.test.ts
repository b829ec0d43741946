import fs from 'node:fs';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { expectedDestination, runCli, writeJob } from '../support/migration-fixture.js';

const USER = 'alice@example.com';
let source: DovecotServer;
let destination: DovecotServer;
let corpus: CorpusMessage[];

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  corpus = generateCorpus({ seed: 'migrate-e2e', count: 120, profile: 'small' });
  await seedGmailSource(source, USER, corpus);
});

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

/** Every expected folder holds exactly the expected messages (bytes, flags, date), nothing more. */
async function expectDestinationExact(): Promise<void> {
  const expected = expectedDestination(corpus);
  const actual = await snapshot(destination.imapOptions(USER, 'plain'));
  for (const [folder, msgs] of expected) {
    expect(actual.get(folder), `folder ${folder}`).toEqual(msgs);
  }
  for (const [folder, msgs] of actual) {
    if (!expected.has(folder)) expect(msgs, `unexpected messages in ${folder}`).toEqual([]);
  }
  const names = [...actual.keys()];
  expect(names.filter((n) => /Starred|Important|Gmail|All Mail/i.test(n))).toEqual([]);
}

describe('migrate a Gmail-shaped mailbox into Dovecot', () => {
  it('copies every message of every folder exactly once, then a re-run copies nothing', async () => {
    const job = writeJob(source, destination, USER);
    const reportFile = `${job.dir}/report.json`;
    const first = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
    expect(first.stderr + first.stdout).not.toMatch(/unexpected error/i);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    await expectDestinationExact();

    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
    const mb = report.mailboxes[0];
    expect(mb.totals.failed).toBe(0);
    const expectedTotal = [...expectedDestination(corpus).values()].reduce((s, l) => s + l.length, 0);
    expect(mb.totals.copied).toBe(expectedTotal);
    expect(first.stdout).toContain('already there');

    const started = Date.now();
    const second = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
    expect(second.code, second.stderr).toBe(0);
    const again = JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0];
    expect(again.totals.copied).toBe(0);
    expect(again.totals.planned).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    await expectDestinationExact();
  });

  it('without its ledger, a run finds everything already there and copies nothing', async () => {
    const job = writeJob(source, destination, USER);
    const reportFile = `${job.dir}/report.json`;
    const run = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
    expect(run.code, run.stderr).toBe(0);
    const mb = JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0];
    expect(mb.totals.copied).toBe(0);
    expect(mb.totals.alreadyThere).toBeGreaterThan(100);
    await expectDestinationExact();
  });

  it('verify reports both sides equal', async () => {
    const job = writeJob(source, destination, USER);
    const run = await runCli(['verify', job.jobFile], job.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('complete');
    expect(run.stdout).toMatch(/INBOX\s+INBOX/);
  });

  it('keeps the hierarchy under a destination namespace prefix ("INBOX." as on Courier/cPanel servers)', async () => {
    const prefixed = await startDestination({ prefix: 'INBOX.' });
    try {
      const job = writeJob(source, prefixed, USER);
      const run = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const expected = expectedDestination(corpus, 'INBOX.');
      const actual = await snapshot(prefixed.imapOptions(USER, 'plain'));
      for (const [folder, msgs] of expected) expect(actual.get(folder), `folder ${folder}`).toEqual(msgs);
      for (const [folder, msgs] of actual) if (!expected.has(folder)) expect(msgs, `unexpected messages in ${folder}`).toEqual([]);

      // verify notices a message gone from the destination, and names it.
      const client = new ImapFlow({ ...prefixed.imapOptions(USER, 'plain') });
      await client.connect();
      const lock = await client.getMailboxLock('INBOX.Receipts');
      await client.messageDelete('1');
      lock.release();
      await client.logout();
      const check = await runCli(['verify', job.jobFile], job.env);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain('DIFFERENCES FOUND');
      expect(check.stdout.match(/^missing in INBOX\.Receipts: source UID \d+ in Receipts/gm)).toHaveLength(1);
    } finally {
      await prefixed.stop();
    }
  });

  it('leaves excluded folders out without counting their mail as archived', async () => {
    const other = await startDestination();
    try {
      const job = writeJob(source, other, USER, { folders: { exclude: ['Work*', '[Gmail]/Spam'] } });
      const run = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Not copied as folders:.*Work \(excluded\)/);
      const expected = expectedDestination(corpus);
      for (const k of [...expected.keys()]) if (k.startsWith('Work') || k === 'Junk E-mail') expected.delete(k);
      const actual = await snapshot(other.imapOptions(USER, 'plain'));
      expect([...actual.keys()].filter((k) => k.startsWith('Work'))).toEqual([]);
      expect(actual.get('Junk E-mail')).toEqual([]);
      for (const [folder, msgs] of expected) expect(actual.get(folder), `folder ${folder}`).toEqual(msgs);
    } finally {
      await other.stop();
    }
  });

  it('keeps to the bandwidth cap (a floor on the time: the cap can only slow the run down)', async () => {
    const other = await startDestination();
    try {
      const job = writeJob(source, other, USER);
      const j = JSON.parse(fs.readFileSync(job.jobFile, 'utf8'));
      j.options = { bandwidthLimitKBps: 1024 };
      fs.writeFileSync(job.jobFile, JSON.stringify(j));
      const reportFile = `${job.dir}/report.json`;
      const started = Date.now();
      const run = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
      const seconds = (Date.now() - started) / 1000;
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const bytes = JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0].totals.bytesCopied;
      expect(bytes).toBeGreaterThan(3 * 1024 * 1024);
      // Downloads at 1 MB/s after a one-second burst.
      expect(seconds).toBeGreaterThanOrEqual(bytes / (1024 * 1024) - 1);
    } finally {
      await other.stop();
    }
  });
});
