import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/main/engine/ledger/ledger.js';
import { cell, CSV_COLUMNS } from '../../src/main/engine/report/client-csv.js';
import { buildClientReport } from '../../src/main/engine/report/client-report.js';
import { exportClientReport, formatOf, renderClientReport } from '../../src/main/engine/report/export-report.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-client-report-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 9);
const EVIL = '<img src=x onerror=alert(1)>';
const ep = (user: string, auth?: string) => ({ host: `imap.${user.split('@')[1]}`, port: 993, user, ...(auth ? { auth } : {}) });
const facts = (targetPath: string, size = 1000) => ({ targetPath, key: 'k', size, internalDate: T0 });

/**
 * Three mailboxes: ann (app password, two runs, one refused message, one in doubt, verified with a
 * difference), bob (OAuth, one failed run, nothing copied) and carol (complete, a hostile label name).
 */
function seed(dir: string): void {
  const l = Ledger.open(dir);
  const h = l.history;
  h.recordEndpoints({ id: 'ann@example.com', source: ep('ann@example.com'), destination: ep('ann@example.net') });
  h.recordEndpoints({ id: 'bob@example.com', source: ep('bob@example.com', 'oauth2'), destination: ep('bob@example.net') });
  h.recordEndpoints({ id: 'carol@example.com', source: ep('carol@example.com'), destination: ep('carol@example.net') });
  const ref = (mailbox: string, sourcePath: string, uid: number) => ({ mailbox, sourcePath, uidValidity: 1, uid });
  const cp = (mailbox: string, sourcePath: string, targetPath: string, messages: number) => l.putFolder({ mailbox, sourcePath, uidValidity: 1, uidNext: messages + 1, messages, targetPath });

  cp('ann@example.com', 'INBOX', 'INBOX', 5);
  cp('ann@example.com', 'Work', 'Work', 3);
  cp('ann@example.com', '[Gmail]/All Mail', 'Archive', 4);
  for (const uid of [1, 2, 3]) {
    l.recordIntents([{ ref: ref('ann@example.com', 'INBOX', uid), facts: facts('INBOX'), fingerprint: 'f' }]);
    l.markDone(ref('ann@example.com', 'INBOX', uid), 9, uid);
  }
  l.recordFinished([{ ref: ref('ann@example.com', 'INBOX', 4), facts: facts('INBOX'), state: 'present', destUidValidity: 9, destUid: 4 }]);
  l.markFailed(ref('ann@example.com', 'INBOX', 5), facts('INBOX', 60_000_000), 'MESSAGE_TOO_BIG: A message of 60000000 bytes is larger than the 52428800 bytes the destination server accepts.');
  l.recordIntents([{ ref: ref('ann@example.com', 'Work', 1), facts: facts('Work'), fingerprint: 'f' }]);
  l.markDone(ref('ann@example.com', 'Work', 1), 9, 1);
  l.recordIntents([{ ref: ref('ann@example.com', 'Work', 2), facts: facts('Work'), fingerprint: 'f' }]); // in doubt: still to copy
  l.recordFinished([1, 2, 3].map((uid) => ({ ref: ref('ann@example.com', '[Gmail]/All Mail', uid), facts: facts('Archive'), state: 'skipped' as const, reason: 'in a label' })));
  l.recordRun({ mailbox: 'ann@example.com', startedAt: T0, finishedAt: T0 + HOUR, state: 'cancelled', copied: 3, present: 1, failed: 0, bytes: 3000, errorCode: 'CANCELLED' });
  l.recordRun({ mailbox: 'ann@example.com', startedAt: T0 + 24 * HOUR, finishedAt: T0 + 26 * HOUR, state: 'failed', copied: 1, present: 0, failed: 1, bytes: 1000, errorCode: 'DEST_OVER_QUOTA' });
  h.recordVerification({ mailbox: 'ann@example.com', verifiedAt: T0 + 27 * HOUR, complete: false, folders: [{ source: 'INBOX', target: 'INBOX', expected: 5, onDestination: 4, missing: 1, extra: 0 }], changes: [] });

  l.recordRun({ mailbox: 'bob@example.com', startedAt: T0, finishedAt: T0, state: 'failed', copied: 0, present: 0, failed: 0, bytes: 0, errorCode: 'AUTH_FAILED' });

  cp('carol@example.com', EVIL, 'Evil', 2);
  for (const uid of [1, 2]) {
    l.recordIntents([{ ref: ref('carol@example.com', EVIL, uid), facts: facts('Evil'), fingerprint: 'f' }]);
    l.markDone(ref('carol@example.com', EVIL, uid), 3, uid);
  }
  l.recordRun({ mailbox: 'carol@example.com', startedAt: T0, finishedAt: T0 + HOUR, state: 'done', copied: 2, present: 0, failed: 0, bytes: 2000 });
  h.recordVerification({ mailbox: 'carol@example.com', verifiedAt: T0 + 2 * HOUR, complete: true, folders: [{ source: EVIL, target: 'Evil', expected: 2, onDestination: 2, missing: 0, extra: 0 }], changes: ['The destination added a final line ending to 2 messages (Evil: 2).'] });
  l.close();
}

function report(dir: string) {
  const l = Ledger.open(dir);
  try {
    return buildClientReport(l, T0 + 30 * HOUR);
  } finally {
    l.close();
  }
}

describe('buildClientReport', () => {
  it('counts every run: copies and finds on the destination, one per destination message', () => {
    const dir = tmp();
    seed(dir);
    const r = report(dir);
    expect(r.mailboxes.map((m) => m.id)).toEqual(['ann@example.com', 'bob@example.com', 'carol@example.com']);
    const ann = r.mailboxes[0]!;
    expect(ann).toMatchObject({
      source: { host: 'imap.example.com', user: 'ann@example.com', signIn: 'password' },
      destination: { host: 'imap.example.net', user: 'ann@example.net' },
      state: 'failed',
      lastError: { code: 'DEST_OVER_QUOTA', hint: expect.stringContaining('full') },
      verified: 'incomplete',
      messagesOnDestination: 5, // 3 + 1 found in INBOX, 1 in Work; not the refused, in-doubt or All Mail label copies
      bytesOnDestination: 5000,
      messagesFailed: 1,
      messagesToCopy: 3, // 1 more in All Mail, and in Work the one in doubt and one never tried
      runs: 2,
      firstStartedAt: new Date(T0).toISOString(),
      lastFinishedAt: new Date(T0 + 26 * HOUR).toISOString(),
      elapsedSeconds: 26 * 3600,
      runningSeconds: 3 * 3600,
      revokeAppPassword: true,
    });
    expect(ann.folders.map((f) => [f.source, f.destination, f.sourceMessages, f.onDestination, f.inLabel, f.failed, f.toCopy])).toEqual([
      ['INBOX', 'INBOX', 5, 4, 0, 1, 0],
      ['[Gmail]/All Mail', 'Archive', 4, 0, 3, 0, 1],
      ['Work', 'Work', 3, 1, 0, 0, 2],
    ]);
    expect(ann.failures).toEqual([{
      folder: 'INBOX', destinationFolder: 'INBOX', uid: 5, size: 60_000_000, date: new Date(T0).toISOString(), code: 'MESSAGE_TOO_BIG',
      reason: expect.stringMatching(/^A message of 60000000 bytes/), hint: expect.stringContaining('does not accept messages this large'),
    }]);
    expect(ann.folders[0]!.verified).toMatchObject({ missing: 1 });
    // 3 left at the 1,000 bytes the copied ones average (the refused 60 MB one is no guide).
    expect(ann.estimate).toMatchObject({ bytesToCopy: 3000, gmailLimitDays: 1, daysAtRecentPace: 1 });
  });

  it('says what it does not know: a mailbox with nothing copied, an OAuth sign-in, no verify', () => {
    const dir = tmp();
    seed(dir);
    const bob = report(dir).mailboxes[1]!;
    expect(bob).toMatchObject({ state: 'failed', verified: 'not verified', verification: null, messagesOnDestination: 0, folders: [], revokeAppPassword: false, lastError: { code: 'AUTH_FAILED' } });
  });

  it('sums the job and counts verdicts', () => {
    const dir = tmp();
    seed(dir);
    expect(report(dir).summary).toEqual({
      mailboxes: 3, verifiedComplete: 1, verifiedIncomplete: 1, notVerified: 1, messagesOnDestination: 7, bytesOnDestination: 7000,
      messagesFailed: 1, messagesToCopy: 3, gmailLimitDays: 1,
    });
  });
});

describe('the report files', () => {
  it('HTML: every mailbox named, plain words, every value escaped, no script, nothing fetched', () => {
    const dir = tmp();
    seed(dir);
    const page = renderClientReport(report(dir), 'html');
    for (const id of ['ann@example.com', 'bob@example.com', 'carol@example.com']) expect(page).toContain(`<h2>${id}</h2>`);
    expect(page).toContain('All 2 messages are on the new server.');
    expect(page).toContain('the last check found 1 message missing on the new server');
    expect(page).toContain('does not accept messages this large');
    expect(page).toContain('revoke the Gmail app password');
    expect(page.match(/revoke the Gmail app password/g)).toHaveLength(2); // ann and carol, not bob (OAuth)
    expect(page).not.toContain(EVIL);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toMatch(/<script|<link|@import|url\(|src="http/i);
    expect(page).toContain(`default-src 'none'`);
    expect(page.match(/<section class="mailbox"/g)).toHaveLength(3);
  });

  it('CSV: parses back, one row per mailbox, with the JSON names as columns', () => {
    const dir = tmp();
    seed(dir);
    const rows = parse(renderClientReport(report(dir), 'csv'), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual(CSV_COLUMNS.map(([n]) => n));
    expect(rows.map((r) => [r.id, r['source.user'], r['destination.user'], r.messagesOnDestination, r.verified])).toEqual([
      ['ann@example.com', 'ann@example.com', 'ann@example.net', '5', 'incomplete'],
      ['bob@example.com', 'bob@example.com', 'bob@example.net', '0', 'not verified'],
      ['carol@example.com', 'carol@example.com', 'carol@example.net', '2', 'complete'],
    ]);
  });

  it.each([
    ['plain', 'plain'],
    ['a, b', '"a, b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"],
    ['@sum', "'@sum"],
  ])('CSV cell %j', (value, expected) => {
    expect(cell(value)).toBe(expected);
  });

  it('writes the file private, in the format its name says; a folder without a ledger is an error', () => {
    const dir = tmp();
    seed(dir);
    const out = path.join(tmp(), 'out', 'report.json');
    const r = exportClientReport({ stateDir: dir, out, format: formatOf(out)! });
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(r)));
    if (process.platform !== 'win32') expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect([formatOf('a.HTML'), formatOf('a.htm'), formatOf('a.csv'), formatOf('a.txt')]).toEqual(['html', 'html', 'csv', undefined]);
    const empty = tmp();
    expect(() => exportClientReport({ stateDir: empty, out: path.join(empty, 'r.html'), format: 'html' })).toThrow(expect.objectContaining({ code: 'LEDGER_MISSING' }));
    expect(fs.readdirSync(empty)).toEqual([]);
  });

  it('500 mailboxes: a summary table and a section for each, quickly', () => {
    const dir = tmp();
    const l = Ledger.open(dir);
    for (let i = 0; i < 500; i++) {
      const id = `user${String(i).padStart(3, '0')}@example.com`;
      l.history.recordEndpoints({ id, source: ep(id), destination: ep(id.replace('.com', '.net')) });
      l.recordRun({ mailbox: id, startedAt: T0, finishedAt: T0 + HOUR, state: 'done', copied: 0, present: 0, failed: 0, bytes: 0 });
    }
    l.close();
    const started = Date.now();
    const page = renderClientReport(report(dir), 'html');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(page.match(/<section class="mailbox"/g)).toHaveLength(500);
    expect(page.match(/<a href="#mb-user\d{3}_example\.com">/g)).toHaveLength(500);
  });
});
