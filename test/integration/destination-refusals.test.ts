import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, rfc5322Date } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { setDovecotQuota } from '../support/dovecot-quota.js';
import { expectExact } from '../support/expect-exact.js';
import { seedFolder, seedGmailSource } from '../support/maildir-seed.js';
import { snapshot, type MessageFingerprint } from '../support/mailbox-snapshot.js';
import { expectedDestination, runCli, writeJob, type CliRun } from '../support/migration-fixture.js';

/**
 * What the destination refuses is refused per message (too big) or per folder (cannot be created), and
 * the rest of the run completes; a full destination stops that mailbox with a clear line, and once space
 * is made the next run completes without duplicating anything.
 * One Gmail-like source, one account per case, so the cases cannot see each other's messages.
 */
let source: DovecotServer;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  source = await startGmailSource();
});

afterAll(async () => {
  await Promise.all([source?.stop(), ...stops.map((s) => s())]);
});

async function destinationWith(opts: Parameters<typeof startDestination>[0]): Promise<DovecotServer> {
  const d = await startDestination(opts);
  stops.push(() => d.stop());
  return d;
}

async function migrate(job: ReturnType<typeof writeJob>, extra: string[] = []): Promise<CliRun & { report: any }> {
  const reportFile = path.join(job.dir, 'report.json');
  const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile, ...extra], job.env);
  expect(r.stderr, 'no crash').not.toMatch(/unexpected error/i);
  return { ...r, report: JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0] };
}

const total = (m: Map<string, MessageFingerprint[]>) => [...m.values()].reduce((s, l) => s + l.length, 0);

/** A message of about `bytes` bytes with a base64 "attachment", CRLF throughout. */
function bigMessage(subject: string, bytes: number, date: Date): Buffer {
  const head = `From: Bob <bob@example.org>\r\nTo: x@example.com\r\nSubject: ${subject}\r\nDate: ${rfc5322Date(date, 0)}\r\n` +
    `Message-ID: <${subject.replace(/\W/g, '')}@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n` +
    'Content-Transfer-Encoding: base64\r\n\r\n';
  const line = `${'QUJD'.repeat(19)}\r\n`; // 78 bytes
  return Buffer.from(head + line.repeat(Math.ceil((bytes - head.length) / line.length)));
}

describe('destination refusals are per message or per folder, not per run', () => {
  it('skips messages over the APPENDLIMIT, lists them, and copies everything else exactly', async () => {
    const USER = 'alice@example.com';
    const corpus = generateCorpus({ seed: 'too-big', count: 40, profile: 'small', maxSizeMB: 1.5 });
    await seedGmailSource(source, USER, corpus);
    const when = (n: number) => new Date(Date.UTC(2023, 4, n, 9, 30, 0));
    // Three 2-3 MB messages: one in INBOX, one in a label, one archived (All Mail only).
    const big = [
      { folder: 'INBOX', shownAs: 'INBOX', raw: bigMessage('Big one in the inbox', 2_200_000, when(1)), internalDate: when(1) },
      { folder: 'Work', shownAs: 'Work', raw: bigMessage('Big one in Work', 2_600_000, when(2)), internalDate: when(2) },
      { folder: 'backing/Archive', shownAs: '[Gmail]/All Mail', raw: bigMessage('Big archived one', 2_900_000, when(3)), internalDate: when(3) },
    ];
    for (const b of big) await seedFolder(source, USER, b.folder, [{ raw: b.raw, internalDate: b.internalDate }]);

    const destination = await destinationWith({ appendLimit: 2_000_000 });
    const job = writeJob(source, destination, USER);
    // Foreseen before the run: the source is searched for messages over the advertised limit.
    const t = await runCli(['test', job.jobFile], job.env);
    expect(t.stdout).toMatch(/Warning: 3 messages are larger than the destination's limit of 1\.9 MB and would be refused: /);
    for (const b of big) expect(t.stdout).toContain(b.raw.toString('latin1').match(/^Subject: (.*)\r$/m)![1]!);
    const run = await migrate(job);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.report.state).toBe('done');
    expect(run.report.error).toBeUndefined();
    expectExact(await snapshot(destination.imapOptions(USER, 'plain')), expectedDestination(corpus));

    const failures = [...run.report.failures].sort((a, b) => a.size - b.size);
    expect(failures).toHaveLength(3);
    for (const [i, b] of big.entries()) {
      const subject = b.raw.toString('latin1').match(/^Subject: (.*)\r$/m)![1]!;
      expect(failures[i]).toMatchObject({ folder: b.shownAs, size: b.raw.length, date: b.internalDate.toISOString(), subject, code: 'MESSAGE_TOO_BIG' });
      expect(failures[i].reason).toMatch(/refused a message .*as too large \(its limit is 1\.9 MB\)/);
      // The CLI's final output names each one: folder, UID, size, date, subject, reason.
      const size = `${(b.raw.length / 1048576).toFixed(1)} MB`;
      expect(run.stdout).toContain(`Failed: ${b.shownAs} UID ${failures[i].uid} (${size}, ${b.internalDate.toISOString()}, "${subject}"): ${failures[i].reason}`);
    }
    expect(run.stdout).toMatch(/, 3 failed\.$/m);

    // Retry only what failed: the three are tried again (and refused again, reasons refreshed); mail that
    // arrived meanwhile waits for a normal run.
    const late = { raw: bigMessage('Arrived after the first run', 3000, when(9)), internalDate: when(9) };
    await seedFolder(source, USER, 'INBOX', [late]);
    const retry = await migrate(job, ['--retry-failed']);
    expect(retry.code, retry.stdout).toBe(1);
    expect(retry.report.totals.copied).toBe(0);
    expect(retry.report.failures.map((f: { subject: string }) => f.subject).sort()).toEqual(failures.map((f: { subject: string }) => f.subject).sort());
    const normal = await migrate(job);
    expect(normal.report.totals.copied).toBe(1);
  });

  it('stops the mailbox when the destination is over quota, then completes without duplicates once there is room', async () => {
    const USER = 'bob@example.com';
    const corpus = generateCorpus({ seed: 'quota', count: 80, profile: 'small', maxSizeMB: 1 });
    await seedGmailSource(source, USER, corpus);
    const expected = expectedDestination(corpus);
    // Above one APPEND batch (32 messages), so the first batch always fits and the quota bites mid-run.
    const limit = 40;
    expect(total(expected)).toBeGreaterThan(limit + 20);
    const destination = await destinationWith({ quota: { messages: limit } });
    // Four writer connections: the quota bites while several MULTIAPPENDs are in flight.
    const job = writeJob(source, destination, USER);
    fs.writeFileSync(job.jobFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(job.jobFile, 'utf8')), options: { connectionsPerAccount: 4 } }));

    const full = await migrate(job);
    expect(full.code, full.stdout + full.stderr).toBe(1);
    expect(full.report.state).toBe('failed');
    expect(full.report.error.code).toBe('DEST_OVER_QUOTA');
    // A full destination is one stop for the mailbox, not a list of refused messages.
    expect(full.report.failures).toEqual([]);
    expect(full.stdout).not.toMatch(/listed in the report/);
    const errorLine = full.stdout.split('\n').find((l) => l.startsWith('Error: '));
    expect(errorLine, full.stdout).toMatch(/^Error: The destination mailbox is full: \d+ messages not copied \(The destination server 127\.0\.0\.1:\d+ refused to store more for bob@example\.com: the mailbox is over its storage quota\)\./);
    expect(errorLine).toMatch(/Free space or raise the quota on the destination, then run the job again/);
    expect(errorLine).toMatch(/not copied twice/);

    // The ledger holds no claim the destination cannot back: every message there is claimed once, no more.
    const afterFull = await snapshot(destination.imapOptions(USER, 'plain'));
    // Some went in, not all. (Dovecot checks the quota per session, so parallel APPENDs may overshoot it a little.)
    expect(total(afterFull)).toBeGreaterThan(0);
    expect(total(afterFull)).toBeLessThan(total(expected));
    const db = new Database(path.join(job.stateDir, 'mailferry.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const claims = db.prepare("SELECT COUNT(*) AS n FROM messages WHERE state IN ('done','present') AND dest_uid IS NOT NULL").get() as { n: number };
      expect(claims.n).toBe(total(afterFull));
    } finally {
      db.close();
    }

    // Make room: raise the quota in the running server's config and reload it.
    await setDovecotQuota(destination, USER, { messages: 100000 });

    const again = await migrate(job);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.report.totals.copied).toBe(total(expected) - total(afterFull));
    expectExact(await snapshot(destination.imapOptions(USER, 'plain')), expected);
  });

  it('reports a folder the destination refuses to create, with the name it tried, and completes the others', async () => {
    const USER = 'carol@example.com';
    const corpus = generateCorpus({ seed: 'refused-folder', count: 30, profile: 'small', maxSizeMB: 1 });
    await seedGmailSource(source, USER, corpus);
    // 255 bytes is the longest name a file system allows, so the source holds it as a folder; on a Maildir++
    // destination it becomes the directory ".<name>", one byte too long, and Dovecot refuses the CREATE.
    const label = `Too long ${'n'.repeat(246)}`;
    expect(Buffer.byteLength(label)).toBe(255);
    const when = new Date(Date.UTC(2024, 1, 2, 3, 4, 5));
    await seedFolder(source, USER, label, [{ raw: bigMessage('In a folder the destination refuses', 2000, when), internalDate: when }]);

    const destination = await destinationWith({});
    const job = writeJob(source, destination, USER);
    const run = await migrate(job);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.report.state).toBe('done');
    expect(run.report.failures).toEqual([expect.objectContaining({ folder: label, target: label, code: 'FOLDER_REFUSED' })]);
    const reason: string = run.report.failures[0].reason;
    expect(reason).toMatch(new RegExp(`^The destination server 127\\.0\\.0\\.1:\\d+ refused to create the folder "${label}"`));
    expect(run.stdout).toContain(`Failed: ${label}: ${reason}`);
    expect(run.report.notes).toContainEqual(expect.stringContaining(`Could not create "${label}" for "${label}"`));
    // Every other folder is complete and exact, and the refused folder does not exist on the destination.
    const actual = await snapshot(destination.imapOptions(USER, 'plain'));
    expect(actual.has(label)).toBe(false);
    expectExact(actual, expectedDestination(corpus));
  });
});
