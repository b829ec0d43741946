/**
 * The Mailboxes table's logic as pure functions: state filters, sort orders, what a toolbar action applies to,
 * the line under each mailbox, the windowed slice, the totals row and the days left.
 */
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/shared/format-bytes.js';
import type { MailboxStatus, MailboxView } from '../../src/shared/contract.js';
import { GMAIL_DAILY_DOWNLOAD_BYTES as ENGINE_DAILY } from '../../src/main/engine/preflight/connection-test.js';
import { GMAIL_DAILY_DOWNLOAD_BYTES, totals, workLeft } from '../../src/shared/work-left.js';
import { actionTargets, checkTargets, filterCounts, matchesFilter, rowNote, sortViews, visibleViews, windowRange } from '../../src/renderer/mailbox-list.js';
import { progress } from './app-fakes.js';

const GB = 1024 ** 3;

function view(user: string, status: Partial<MailboxStatus> = {}): MailboxView {
  return {
    config: {
      id: user,
      source: { host: 'imap.gmail.com', port: 993, security: 'tls', user },
      destination: { host: 'mail.example.net', port: 993, security: 'tls', user },
      exclude: [],
      labelPolicy: 'folder-per-label',
      labelsAsKeywords: false,
    },
    status: { id: user, state: 'idle', progress: null, lastError: null, nextAttemptAt: null, inUse: null, check: null, verification: null, ...status },
    passwordsStored: { source: true, destination: true },
  };
}

const copying = (user: string, copied: number, planned: number, bytesPlanned = planned * 1000) =>
  view(user, { state: 'copying', progress: progress(user, { state: 'copying', copied, planned, bytesPlanned, bytesCopied: copied * 1000, rate: 2, byteRate: 2000 }) });

const LIST: MailboxView[] = [
  view('dora@example.com'),
  copying('ann@example.com', 50, 100),
  view('carl@example.com', { state: 'failed', lastError: { code: 'AUTH_FAILED', message: 'refused' } }),
  view('bob@example.com', { state: 'done', progress: progress('bob', { state: 'done', copied: 10, planned: 10, bytesPlanned: 3 * GB, bytesCopied: 3 * GB }) }),
  view('eve@example.com', { state: 'waiting-quota', nextAttemptAt: 5 }),
  view('fay@example.com', { state: 'paused', progress: progress('fay', { state: 'paused', copied: 1, planned: 4 }) }),
  view('gil@example.com', { state: 'done', inUse: { code: 'MAILBOX_IN_USE', message: 'held' } }),
  view('hal@example.com', { check: { state: 'ready', at: 1, problems: [], blockers: [], warnings: [], totalBytes: 12 * GB, folderCount: 3 } }),
];
const ids = (vs: MailboxView[]) => vs.map((v) => v.config.id.split('@')[0]);

describe('filters', () => {
  it('by state, with counts', () => {
    expect(filterCounts(LIST)).toEqual({ all: 8, 'not-started': 2, running: 1, waiting: 2, paused: 1, attention: 1, done: 2 });
    expect(ids(LIST.filter((v) => matchesFilter(v.status, 'waiting')))).toEqual(['eve', 'gil']);
  });

  it('needs attention: a stop, a failed test, an incomplete verify, messages not copied', () => {
    expect(matchesFilter(view('a', { check: { state: 'not-ready', at: 1, problems: [{ code: 'X', message: 'no' }], blockers: [], warnings: [] } }).status, 'attention')).toBe(true);
    expect(matchesFilter(view('a', { state: 'done', verification: { state: 'incomplete', at: 1, missing: 1, extra: 0, folders: 1, changes: [] } }).status, 'attention')).toBe(true);
    expect(matchesFilter(view('a', { state: 'done', progress: progress('a', { state: 'done', failed: 2 }) }).status, 'attention')).toBe(true);
    expect(matchesFilter(view('a', { state: 'done', progress: progress('a', { state: 'done' }) }).status, 'attention')).toBe(false);
  });
});

describe('sorting', () => {
  it('by name, either way', () => {
    expect(ids(sortViews(LIST, { key: 'name', dir: 'asc' }))).toEqual(['ann', 'bob', 'carl', 'dora', 'eve', 'fay', 'gil', 'hal']);
    expect(ids(sortViews(LIST, { key: 'name', dir: 'desc' }))[0]).toBe('hal');
  });

  it('by state: what needs the user first, ties by name', () => {
    expect(ids(sortViews(LIST, { key: 'state', dir: 'asc' }))).toEqual(['carl', 'gil', 'eve', 'ann', 'fay', 'dora', 'hal', 'bob']);
  });

  it('by progress and by size (unknown sizes last either way)', () => {
    expect(ids(sortViews(LIST, { key: 'progress', dir: 'desc' })).slice(0, 3)).toEqual(['bob', 'ann', 'fay']);
    const bySize = ids(sortViews(LIST, { key: 'size', dir: 'desc' }));
    expect(bySize.slice(0, 4)).toEqual(['hal', 'bob', 'ann', 'fay']);
    expect(ids(sortViews(LIST, { key: 'size', dir: 'asc' })).slice(0, 4)).toEqual(['fay', 'ann', 'bob', 'hal']);
    expect(bySize.slice(4)).toEqual(['carl', 'dora', 'eve', 'gil']);
  });

  it('filter then sort, without changing the list given', () => {
    const before = ids(LIST);
    expect(ids(visibleViews(LIST, 'done', { key: 'name', dir: 'desc' }))).toEqual(['gil', 'bob']);
    expect(ids(LIST)).toEqual(before);
  });
});

describe('toolbar actions', () => {
  it('apply to the mailboxes where they make sense and no other run holds back', () => {
    expect(ids(LIST.filter((v) => actionTargets(LIST, 'start').includes(v.config.id)))).toEqual(['dora', 'carl', 'bob', 'hal']);
    expect(actionTargets(LIST, 'pause')).toEqual(['ann@example.com', 'eve@example.com']);
    expect(actionTargets(LIST, 'resume')).toEqual(['fay@example.com']);
    expect(checkTargets(LIST)).not.toContain('ann@example.com');
    expect(checkTargets(LIST)).toHaveLength(6);
  });
});

describe('the line under a mailbox', () => {
  it('the newest of the last problem, the test and the verify', () => {
    const failedAt = progress('a', { state: 'failed', finishedAt: 100 });
    const failed = { state: 'failed' as const, progress: failedAt, lastError: { code: 'AUTH_FAILED', message: 'Gmail rejected the password.', hint: 'Edit it.' } };
    expect(rowNote(view('a', failed).status, formatBytes)).toEqual({ tone: 'bad', text: 'Gmail rejected the password.', hint: 'Edit it.' });
    // Fixed and tested since: the test is newer.
    const ready = { state: 'ready' as const, at: 200, problems: [], blockers: [], warnings: [], folderCount: 14, totalBytes: 2.1 * GB };
    expect(rowNote(view('a', { ...failed, check: ready }).status, formatBytes)).toEqual({ tone: 'good', text: 'Ready: both servers accept Mailferry (14 folders, about 2.1 GB to copy).' });
    const notReady = { state: 'not-ready' as const, at: 300, problems: [{ code: 'AUTH_FAILED', message: 'Gmail: refused.', hint: 'Edit.' }, ], blockers: [{ code: 'QUOTA', message: 'full' }], warnings: [] };
    expect(rowNote(view('a', { check: notReady }).status, formatBytes)).toEqual({ tone: 'bad', text: 'Not ready: Gmail: refused. (and 1 more)', hint: 'Edit.', check: notReady });
    expect(rowNote(view('a', { check: { ...ready, state: 'testing' } }).status, formatBytes).text).toBe('Testing the sign-ins…');
    const verified = { state: 'complete' as const, at: 400, missing: 0, extra: 0, folders: 7, changes: [] };
    expect(rowNote(view('a', { state: 'done', check: ready, verification: verified }).status, formatBytes)).toEqual({ tone: 'good', text: 'Verified: every message is on the destination (7 folders compared).' });
    expect(rowNote(view('a', { state: 'done', verification: { ...verified, state: 'incomplete', missing: 3, extra: 1 } }).status, formatBytes).text).toBe('Verify found 3 messages missing and 1 extra message on the destination.');
    // A run that ended after the test: its outcome is the news.
    const ranAfter = { state: 'done' as const, progress: progress('a', { state: 'done', finishedAt: 250 }), check: ready };
    expect(rowNote(view('a', ranAfter).status, formatBytes).text).toBe('Everything is on the destination.');
  });

  it('while it runs, what it does or waits for', () => {
    expect(rowNote(view('a', { state: 'waiting-quota', lastError: { code: 'SOURCE_OVER_QUOTA', message: 'Daily limit.' }, check: { state: 'ready', at: 9e15, problems: [], blockers: [], warnings: [] } }).status, formatBytes)).toEqual({ tone: 'warn', text: 'Daily limit.' });
    expect(rowNote(view('a', { state: 'done', progress: progress('a', { state: 'done' }) }).status, formatBytes).text).toBe('Everything is on the destination.');
    expect(rowNote(view('a').status, formatBytes).text).toBe('Not started yet.');
  });
});

describe('windowing', () => {
  it('draws the rows in view and a few around them', () => {
    expect(windowRange(0, 640, 84, 500)).toEqual({ start: 0, end: 17 });
    expect(windowRange(84 * 200, 640, 84, 500)).toEqual({ start: 192, end: 217 });
    expect(windowRange(84 * 498, 640, 84, 500)).toEqual({ start: 490, end: 500 });
    expect(windowRange(0, 640, 84, 3)).toEqual({ start: 0, end: 3 });
  });
});

describe('totals and days left', () => {
  it('one Gmail day constant in the engine and the window', () => {
    expect(GMAIL_DAILY_DOWNLOAD_BYTES).toBe(ENGINE_DAILY);
  });

  it('per mailbox: bytes left from the plan, else the test; days at 2,500 MB; the pace while copying', () => {
    const ann = copying('ann', 50, 100, 6 * GB);
    expect(workLeft(ann.status)).toEqual({ bytesLeft: 6 * GB - 50_000, gmailDays: 3, paceSeconds: (6 * GB - 50_000) / 2000 });
    expect(workLeft(LIST[7]!.status)).toEqual({ bytesLeft: 12 * GB, gmailDays: 5, paceSeconds: null });
    expect(workLeft(LIST[0]!.status)).toEqual({ bytesLeft: null, gmailDays: null, paceSeconds: null });
    expect(workLeft(LIST[3]!.status).gmailDays).toBe(0);
  });

  it('all together: the mailbox with most left sets the days; time left at the combined pace', () => {
    const t = totals(LIST.map((v) => v.status));
    expect(t).toMatchObject({ mailboxes: 8, done: 2, messagesDone: 61, messagesPlanned: 114, rate: 2, byteRate: 2000, gmailDays: 5, unknownSize: 4 });
    expect(t.etaSeconds).toBeCloseTo((12 * GB + 50_000) / 2000);
    expect(totals([]).gmailDays).toBeNull();
  });
});
