import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedFolder, type SeedMessage } from '../support/maildir-seed.js';
import { fingerprint, snapshot, sortFingerprints, type MessageFingerprint } from '../support/mailbox-snapshot.js';
import { runCli, writeJob, type CliRun } from '../support/migration-fixture.js';

/**
 * Malformed messages and odd folder names on the source never stop a run or corrupt the ledger: every
 * message the destination can store lands exactly once, the one it refuses is reported (and retried on
 * the next run), and odd labels get a safe destination name that stays the same from run to run.
 */
const USER = 'dave@example.com';
let source: DovecotServer;
let destination: DovecotServer;

const day = (n: number) => new Date(Date.UTC(2021, 0, 1 + n, 12, 0, 0));
const msg = (raw: string | Buffer, n: number, flags: string[] = []): SeedMessage & { internalDate: Date; flags: string[] } => ({
  raw: typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw, internalDate: day(n), flags,
});
const normal = (subject: string, n: number) =>
  msg(`From: Bob <bob@example.org>\r\nTo: ${USER}\r\nSubject: ${subject}\r\nDate: Fri, 01 Jan 2021 10:00:00 +0000\r\nMessage-ID: <${n}.normal@example.org>\r\n\r\nHello ${n}.\r\n`, n, ['\\Seen']);

const ZERO_BYTE = msg(Buffer.alloc(0), 9);
const INBOX: Array<ReturnType<typeof msg>> = [
  normal('Normal before', 1),
  msg('From: a@example.org\r\nSubject: no separator\r\nthis line is body text but no blank line came before it\r\n', 2),
  msg('From: a@example.org\nSubject: bare LF\nDate: Sat, 02 Jan 2021 10:00:00 +0000\n\nline one\nline two\n', 3, ['\\Flagged']),
  msg('From: a@example.org\rSubject: bare CR\r\rline one\rline two\r', 4),
  msg('From: Zoë <z@example.org>\r\nSubject: Grüße aus München 日本\r\n\r\nraw UTF-8 in the headers\r\n', 5),
  msg(Buffer.from('From: Andr\xe9 <a@example.org>\r\nSubject: caf\xe9 cr\xe8me\r\n\r\nLatin-1 in the headers\r\n', 'latin1'), 6),
  msg(Buffer.from('From: a@example.org\r\nSubject: NUL bytes\r\n\r\nbefore\0between\0\0after\r\n', 'latin1'), 7),
  msg(`From: a@example.org\r\nSubject: one long line\r\n\r\n${'x'.repeat(100 * 1024)}\r\n`, 8),
  ZERO_BYTE,
  msg('From: a@example.org\r\nTo: b@example.org\r\nSubject: header only\r\n', 10),
  msg('From: a@example.org\r\nSubject:\r\n\r\nempty Subject, no Date, no Message-ID\r\n', 11, ['\\Answered']),
  normal('Normal after', 12),
];

/** Odd Gmail labels; each holds two ordinary messages of its own. */
const ODD_LABELS = ['v1.2 release', '  padded  ', '50% off *deals*', `Long ${'L'.repeat(195)}`, '!#&()+,;=@^{}-', '😀 smile'];
const labelMessages = (i: number) => [normal(`in label ${i} a`, 20 + 2 * i), normal(`in label ${i} b`, 21 + 2 * i)];

/**
 * The bytes the destination returns for a seeded message. Dovecot normalises what it reads, on the source
 * as on the destination: a bare LF becomes CRLF and a NUL byte becomes 0x80 (bare CRs inside are left
 * alone). The engine copies what the source returns; the destination's APPEND then drops a lone CR at the
 * very end of a message (Dovecot's own doing: an imapflow APPEND of the same bytes loses it too). The
 * comparison is made after exactly these normalisations.
 */
function normalise(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/(?<!\r)\n/g, '\r\n').replaceAll('\0', '\x80').replace(/\r$/, '');
  return Buffer.from(text, 'latin1');
}
const expectedOf = (list: Array<ReturnType<typeof msg>>): MessageFingerprint[] =>
  sortFingerprints(list.map((m) => fingerprint(normalise(m.raw), m.flags, m.internalDate)));

/** A name a Maildir++ destination (separator ".") holds as is: no hierarchy or wildcard character, no edge spaces. */
const isSafeName = (name: string) => !/[.%*/\x00-\x1f\x7f]/.test(name) && name.trim() === name && name !== '';

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  await seedFolder(source, USER, 'INBOX', INBOX);
  for (const [i, label] of ODD_LABELS.entries()) await seedFolder(source, USER, label, labelMessages(i));
});

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

function runMigrate(job: ReturnType<typeof writeJob>): Promise<CliRun & { report: any }> {
  const reportFile = path.join(job.dir, 'report.json');
  return runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env).then((r) => ({
    ...r, report: JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0],
  }));
}

/** The row of the CLI's final table for a source folder, as [source, copied, already there, in a label, failed]. */
function tableRow(stdout: string, folder: string): number[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${folder} `));
  expect(line, `table row for ${folder} in:\n${stdout}`).toBeDefined();
  return line!.trim().split(/\s+/).slice(-5).map(Number);
}

function ledgerStates(stateDir: string): Record<string, number> {
  const db = new Database(path.join(stateDir, 'mailferry.sqlite'), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare('SELECT state, COUNT(*) AS n FROM messages GROUP BY state').all() as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    db.close();
  }
}

describe('malformed messages and odd folder names', () => {
  it('copies every storable message once, reports the refused one, and a re-run retries only that one', async () => {
    const job = writeJob(source, destination, USER);
    const first = await runMigrate(job);
    expect(first.stderr).not.toMatch(/unexpected error/i);
    // The destination refuses the 0-byte message (`NO Can't save a zero byte message`): exit 1, run complete.
    expect(first.code, first.stdout + first.stderr).toBe(1);
    expect(first.report.state).toBe('done');
    expect(first.report.error).toBeUndefined();

    const storable = INBOX.filter((m) => m !== ZERO_BYTE);
    const after1 = await snapshot(destination.imapOptions(USER, 'plain'));
    expect(after1.get('INBOX')).toEqual(expectedOf(storable));
    expect(after1.get('Archive') ?? []).toEqual([]); // labelled mail never doubles into Archive

    // The refused message is in the report with what a person needs to find it in Gmail.
    expect(first.report.failures).toEqual([
      expect.objectContaining({ folder: 'INBOX', target: 'INBOX', size: 0, date: ZERO_BYTE.internalDate.toISOString(), subject: '' }),
    ]);
    const failure = first.report.failures[0];
    expect(failure.reason).toMatch(/refused a message/);
    expect(failure.reason).toMatch(/zero byte message/);
    expect(failure.uid).toBeGreaterThan(0);
    // The table shows it under "failed"; the list below the table names it.
    expect(tableRow(first.stdout, 'INBOX')).toEqual([INBOX.length, storable.length, 0, 0, 1]);
    expect(first.stdout).toMatch(new RegExp(`^Failed: INBOX UID ${failure.uid} \\(0 B, [^)]+\\): .*zero byte message`, 'm'));
    expect(first.stdout).toMatch(/1 failed\./);

    // Odd labels: a safe destination name, exactly their own messages, renamed ones explained in the notes.
    const targets = new Map<string, string>();
    for (const [i, label] of ODD_LABELS.entries()) {
      const row = first.report.folders.find((f: { source: string }) => f.source === label);
      expect(row, `report row for ${JSON.stringify(label)}`).toBeDefined();
      expect(isSafeName(row.target), `target ${JSON.stringify(row.target)} of ${JSON.stringify(label)}`).toBe(true);
      expect(after1.get(row.target), `destination folder ${JSON.stringify(row.target)}`).toEqual(expectedOf(labelMessages(i)));
      if (row.target !== label) {
        expect(first.report.notes).toContainEqual(expect.stringContaining(`Folder "${label}" is called "${row.target}" on the destination`));
      }
      targets.set(label, row.target);
    }
    expect(targets.get('v1.2 release')).toBe('v1_2 release'); // the rule the README documents
    for (const label of ['v1.2 release', '  padded  ', '50% off *deals*']) expect(targets.get(label)).not.toBe(label);
    expect(new Set(targets.values()).size).toBe(ODD_LABELS.length);

    // The ledger is sound: nothing left in doubt, the refused message recorded as failed with its reason.
    const states1 = ledgerStates(job.stateDir);
    expect(states1.pending ?? 0).toBe(0);
    expect(states1.failed).toBe(1);
    expect(states1.done).toBe(storable.length + 2 * ODD_LABELS.length);

    // Second run: the failed message is tried again (and fails again); nothing else is copied.
    const second = await runMigrate(job);
    expect(second.code, second.stdout + second.stderr).toBe(1);
    expect(second.report.totals.copied).toBe(0);
    expect(second.report.failures).toEqual([expect.objectContaining({ folder: 'INBOX', uid: failure.uid, size: 0 })]);
    expect(second.report.failures[0].reason).toMatch(/zero byte message/);
    expect(tableRow(second.stdout, 'INBOX')[4]).toBe(1);
    for (const [label, target] of targets) {
      expect(second.report.folders.find((f: { source: string }) => f.source === label).target, `stable name for ${label}`).toBe(target);
    }
    expect(await snapshot(destination.imapOptions(USER, 'plain'))).toEqual(after1);
    const states2 = ledgerStates(job.stateDir);
    expect(states2).toEqual(states1);
  });
});
