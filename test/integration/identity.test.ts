import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectExact } from '../support/expect-exact.js';
import { seedFolder, seedGmailSource } from '../support/maildir-seed.js';
import { fingerprint, snapshot, sortFingerprints, type MessageFingerprint } from '../support/mailbox-snapshot.js';
import { expectedDestination, runCli, writeJob } from '../support/migration-fixture.js';

// Exactly once by identity: what goes to Archive, and what a run without its ledger takes as already there.
const cleanup: DovecotServer[] = [];
afterAll(async () => {
  await Promise.all(cleanup.map((s) => s.stop()));
});

async function pair(): Promise<{ source: DovecotServer; destination: DovecotServer }> {
  const [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  cleanup.push(source, destination);
  return { source, destination };
}

function message(id: string, subject: string, body: string, date = new Date('2021-03-04T05:06:07Z')): Buffer {
  return Buffer.from(
    `Message-ID: <${id}@identity.test>\r\nDate: Thu, 4 Mar 2021 05:06:07 +0000\r\nFrom: Ann <ann@example.com>\r\n` +
      `To: Bob <bob@example.com>\r\nSubject: ${subject}\r\n\r\n${body}\r\n`,
  );
}

function add(expected: Map<string, MessageFingerprint[]>, folder: string, ...fps: MessageFingerprint[]): void {
  expected.set(folder, sortFingerprints([...(expected.get(folder) ?? []), ...fps]));
}

async function migrate(job: ReturnType<typeof writeJob>, stateDir = job.stateDir) {
  const reportFile = path.join(job.dir, `report-${Date.now()}.json`);
  const r = await runCli(['migrate', job.jobFile, '--state', stateDir, '--report', reportFile], job.env);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  // What a run writes about a client's mail is readable by this user only.
  expect(fs.statSync(stateDir).mode & 0o777).toBe(0o700);
  expect(fs.statSync(path.join(stateDir, 'mailferry.sqlite')).mode & 0o777).toBe(0o600);
  expect(fs.statSync(reportFile).mode & 0o777).toBe(0o600);
  return JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0];
}

describe('archived mail by identity', () => {
  const USER = 'alice@example.com';
  let source: DovecotServer;
  let destination: DovecotServer;
  let expected: Map<string, MessageFingerprint[]>;

  beforeAll(async () => {
    ({ source, destination } = await pair());
    const corpus: CorpusMessage[] = generateCorpus({ seed: 'identity', count: 60, profile: 'small', maxSizeMB: 0.1 });
    await seedGmailSource(source, USER, corpus);
    expected = expectedDestination(corpus);
    const date = new Date('2021-03-04T05:06:07Z');
    const inboxAndHidden = message('inbox-hidden', 'In Inbox and in a hidden store', 'x');
    const labelAndHidden = message('label-hidden', 'In a label and in a hidden store', 'y');
    const starred = message('starred', 'In Inbox and starred', 'z');
    const twin = message('twin', 'Archived twin', 'the same bytes twice');
    // All Mail lists the first two twice (once per physical copy); the view (Starred) adds no copy.
    await seedFolder(source, USER, 'INBOX', [{ raw: inboxAndHidden, internalDate: date }, { raw: starred, internalDate: date, flags: ['\\Flagged'] }]);
    await seedFolder(source, USER, 'Work', [{ raw: labelAndHidden, internalDate: date }]);
    await seedFolder(source, USER, 'backing/Archive', [
      { raw: inboxAndHidden, internalDate: date }, { raw: labelAndHidden, internalDate: date },
      { raw: twin, internalDate: date }, { raw: twin, internalDate: date },
    ]);
    add(expected, 'INBOX', fingerprint(inboxAndHidden, [], date), fingerprint(starred, ['\\Flagged'], date));
    add(expected, 'Work', fingerprint(labelAndHidden, [], date));
    add(expected, 'Archive', fingerprint(twin, [], date), fingerprint(twin, [], date));
  });

  it('nothing extra in Archive, no twin lost; the same without the ledger; verify agrees', async () => {
    const job = writeJob(source, destination, USER);
    await migrate(job);
    const options = destination.imapOptions(USER, 'plain');
    expectExact(await snapshot(options), expected);
    // A run without its state folder finds everything already there: no duplicate of a twin either.
    const again = await migrate(job, path.join(job.dir, 'fresh-state'));
    expect(again.totals.copied).toBe(0);
    expectExact(await snapshot(options), expected);
    const v = await runCli(['verify', job.jobFile], job.env);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});

describe('two different messages with the same Message-ID, date and size', () => {
  const USER = 'bob@example.com';

  it('with the ledger deleted: both end on the destination, whatever their order', async () => {
    const { source, destination } = await pair();
    const date = new Date('2022-05-06T07:08:09Z');
    const first = message('same', 'Same metadata', 'body AAAA');
    const second = message('same', 'Same metadata', 'body BBBB');
    expect(first.length).toBe(second.length);
    // The source lists the second before the first; the destination already holds only the first.
    await seedFolder(source, USER, 'INBOX', [{ raw: second, internalDate: date }, { raw: first, internalDate: date }]);
    await seedFolder(destination, USER, 'INBOX', [{ raw: first, internalDate: date }]);
    const job = writeJob(source, destination, USER);
    const report = await migrate(job);
    expect(report.totals.copied).toBe(1);
    const inbox = (await snapshot(destination.imapOptions(USER, 'plain'), ['INBOX'])).get('INBOX')!;
    expect(inbox).toEqual(sortFingerprints([fingerprint(first, [], date), fingerprint(second, [], date)]));
    const again = await migrate(job, path.join(job.dir, 'no-ledger'));
    expect(again.totals.copied).toBe(0);
    expect((await snapshot(destination.imapOptions(USER, 'plain'), ['INBOX'])).get('INBOX')).toHaveLength(2);
  });
});
