import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { runCli, writeJob } from '../support/migration-fixture.js';

const USER = 'dave@example.com';
let source: DovecotServer;
let destination: DovecotServer;

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination({ quota: { storageKB: 50_000 } })]);
  await seedGmailSource(source, USER, generateCorpus({ seed: 'conn-test', count: 40, profile: 'small' }));
});

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

describe('mailferry test', () => {
  it('reports both sides, the mapping with counts and quota headroom, and writes nothing', async () => {
    const before = [...(await snapshot(destination.imapOptions(USER, 'plain'))).keys()].sort();
    const job = writeJob(source, destination, USER);
    const r = await runCli(['test', job.jobFile], job.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/source: signed in, \d+ folders; no X-GM-EXT-1, UIDPLUS, SPECIAL-USE/);
    expect(r.stdout).toMatch(/destination: signed in, .*MULTIAPPEND.*; quota 0 B of 49 MB used \(49 MB free\)/);
    expect(r.stdout).toMatch(/Gmail must send about [\d.]+ MB: at Google.s 2,500 MB a day download limit that takes at least 1 day\./);
    expect(r.stdout).toMatch(/\[Gmail\]\/Sent Mail\s+Sent Items\s+\d+/);
    expect(r.stdout).toMatch(/\[Gmail\]\/All Mail\s+Archive\s+\d+/);
    expect(r.stdout).toMatch(/\[Gmail\]\/Starred\s+\(not copied: view\)/);
    expect(r.stdout).toContain('Both sides are ready. Nothing was written.');
    expect(r.stdout).toContain('Label policy: a folder per label (a message with three labels lands in three folders).');
    expect([...(await snapshot(destination.imapOptions(USER, 'plain'))).keys()].sort()).toEqual(before);
  });

  it('shows the classified error of the side that fails, and exits 1', async () => {
    const job = writeJob(source, destination, USER);
    job.env.MF_TEST_DST_PASS = 'wrong';
    const r = await runCli(['test', job.jobFile], job.env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/source: signed in/);
    expect(r.stdout).toMatch(/destination: FAILED: The destination server 127\.0\.0\.1:\d+ rejected the username or password/);
    expect(r.stdout).not.toContain('Nothing was written');
  });
});
