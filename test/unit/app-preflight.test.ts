/**
 * The preflight in the window: every blocker and warning the engine's test can say, split into what is wrong
 * and what to do in the window's words (checked against the engine's own sentences, so a rewording there
 * fails here); Test and Test all keep blockers apart from warnings; Start and Resume refuse to go silently past
 * the latest test's blockers, and go ahead once the user says so.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { restoreRuntime } from '../../src/main/app/app-store.js';
import { toFinding, toPreflight } from '../../src/main/app/preflight-findings.js';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import { budgetFinding, connectionBudgets } from '../../src/main/engine/preflight/connection-budget.js';
import { quotaShortfall, type MappingRow } from '../../src/main/engine/preflight/connection-test.js';
import { strictRenames, strictRenameWarning } from '../../src/main/engine/preflight/folder-renames.js';
import { folderSizeLimitFinding, hiddenLabelFindings, hiddenSystemFolders } from '../../src/main/engine/preflight/gmail-settings.js';
import { oversizeWarning, sizeLimitOf } from '../../src/main/engine/preflight/size-preflight.js';
import { DEFAULT_JOB_OPTIONS, type MailboxJob } from '../../src/main/engine/job/job.js';
import { mapFolders, type FolderInfo } from '../../src/main/engine/plan/folder-mapping.js';
import { profileOf } from '../../src/main/engine/servers/server-profiles.js';
import type { ConnectionCheck, MailboxCheck, MailboxConfig, MailboxStatus, Method, Result } from '../../src/shared/contract.js';
import { rowNote } from '../../src/renderer/mailbox-list.js';
import { formatBytes } from '../../src/shared/format-bytes.js';
import { fakeRun, idlePlatform, memorySecrets, okReport, settle, tempDir } from './app-fakes.js';
import type { ConnectionTestReport } from '../../src/main/app/connection-test-adapter.js';

const folder = (path: string, specialUse?: string): FolderInfo => ({ path, delimiter: '/', flags: [], ...(specialUse ? { specialUse } : {}) });
const GMAIL = [folder('INBOX'), folder('Work'), folder('[Gmail]/All Mail', '\\All'), folder('[Gmail]/Sent Mail', '\\Sent'), folder('[Gmail]/Trash', '\\Trash'), folder('[Gmail]/Spam', '\\Junk')];
const rows = (listed: FolderInfo[], counts: Record<string, number>): MappingRow[] =>
  mapFolders({ source: listed, destination: [], destDelimiter: '.', destPrefix: '' }).map((m) => ({ source: m.source, target: m.target, role: m.role, messages: counts[m.source] ?? 0, sizeBytes: 1000, ...(m.specialUse ? { specialUse: m.specialUse } : {}) }));
const sample = (messages: number, counts: Record<string, number>) => ({ messages, counts: new Map(Object.entries(counts)), bytes: 0 });

/** What the engine's preflight says, sentence by sentence, made by its own functions. */
function engineSentences(): Array<[string, string]> {
  const listed = rows(GMAIL, { INBOX: 40, Work: 12, '[Gmail]/All Mail': 4000 });
  const gmail = (user: string) => ({ host: 'imap.gmail.com', port: 993, security: 'tls' as const, user });
  const into = (n: number, cap: number) =>
    connectionBudgets({ mailboxes: Array.from({ length: n }, (_, i): MailboxJob => ({ id: `m${i}`, source: { ...gmail(`s${i}`), host: 'x.example' }, destination: gmail('team@x.com') })), options: { ...DEFAULT_JOB_OPTIONS, connectionsPerAccount: cap } })[0]!;
  const renames = strictRenames(mapFolders({ source: [folder('INBOX'), folder('Say "hi"')], destination: [], destDelimiter: '.', destPrefix: 'INBOX.' }), 'cyrus', { prefix: 'INBOX.', delimiter: '.' });
  return [
    ['HIDDEN_LABELS', hiddenLabelFindings(sample(100, { 'Old/2019': 7 }), GMAIL, listed).blockers[0]!],
    ['HIDDEN_FOLDER', hiddenLabelFindings(sample(100, { '\\Sent': 30 }), GMAIL.filter((f) => f.specialUse !== '\\Sent'), listed).blockers[0]!],
    ['HIDDEN_FOLDER', hiddenSystemFolders(GMAIL.filter((f) => f.specialUse !== '\\All')).blockers[0]!],
    ['HIDDEN_FOLDER', hiddenSystemFolders(GMAIL.filter((f) => f.specialUse !== '\\Trash')).warnings[0]!],
    ['FOLDER_SIZE_LIMIT', folderSizeLimitFinding(rows(GMAIL, { INBOX: 1000, '[Gmail]/All Mail': 4200 }))!],
    ['FOLDER_SHORT', hiddenLabelFindings(sample(100, { Work: 20 }), GMAIL, listed).warnings[0]!],
    ['QUOTA', quotaShortfall(listed, { usedBytes: 0, limitBytes: 100 })!],
    ['MESSAGE_SIZE', oversizeWarning([{ folder: 'INBOX', size: 30e6, subject: 'Scans' }], sizeLimitOf(20e6, undefined)!)],
    ['MESSAGE_SIZE', oversizeWarning([{ folder: 'INBOX', size: 40e6, subject: 'Scans' }], profileOf({ greeting: '* OK Microsoft Exchange' }).sizeLimit!)],
    ['FOLDER_RENAMED', strictRenameWarning(renames, 'cyrus')!],
    ['CONNECTIONS', budgetFinding(into(2, 4), 4).warning!],
    ['CONNECTIONS', budgetFinding(into(3, 4), 4).blocker!],
    ['CONNECTIONS', budgetFinding(into(8, 1), 1).blocker!],
  ];
}

describe('the engine’s findings in the window’s words', () => {
  it.each(engineSentences())('%s: what is wrong apart from what to do, without the command line', (code, sentence) => {
    const f = toFinding(sentence);
    expect(f.code).toBe(code);
    expect(f.hint, sentence).toBeTruthy();
    expect(f.message.length).toBeLessThan(sentence.length);
    expect(`${f.message} ${f.hint}`).not.toMatch(/run test again|job's|folders\.exclude|--connections-per-account|connectionsPerAccount|run again/);
    expect(f.message).toMatch(/[.!?]$/);
  });

  it('the advice is the settings to change, in the app’s terms', () => {
    const [hidden, , , , limit] = engineSentences().map(([, s]) => toFinding(s));
    expect(hidden!.hint).toMatch(/^In Gmail: Settings > See all settings > Labels, tick "Show in IMAP" for it, then click Test again\.$/);
    expect(limit!.hint).toContain('"Do not limit the number of messages in an IMAP folder"');
    const budget = toFinding(engineSentences()[11]![1]);
    expect(budget.hint).toBe('Set Connections per account to 2 in Settings.');
    expect(toFinding('Something new the engine says.')).toEqual({ code: 'OTHER', message: 'Something new the engine says.' });
  });

  it('days at Gmail’s limit: a warning when over a day, with the Takeout way around it', () => {
    const r = { ...okReport('a'), estimate: { totalBytes: 14 * 1024 ** 3, gmailDailyLimitDays: 5.7, fromSample: 5000 } };
    const p = toPreflight(r);
    expect(p.estimate).toEqual({ totalBytes: 14 * 1024 ** 3, gmailDays: 6, fromSample: 5000 });
    expect(p.warnings).toEqual([expect.objectContaining({ code: 'GMAIL_DAYS', message: expect.stringContaining('at least 6 days') })]);
    expect(p.warnings[0]!.hint).toContain('Google Takeout export');
    expect(toPreflight(okReport('a')).warnings).toEqual([]);
  });
});

const config = (user: string): MailboxConfig => ({
  id: user,
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: user.replace('example.com', 'example.net') },
  exclude: [],
  labelPolicy: 'folder-per-label',
  labelsAsKeywords: false,
});

let services: AppServices;
let fake: ReturnType<typeof fakeRun>;
let report: (id: string) => ConnectionTestReport;

const QUOTA = 'The destination has 1 MB free but this mailbox needs at least 2 MB there: free space or raise the quota before the migration, or it stops when the destination is full.';
const blocked = (id: string): ConnectionTestReport => ({ ...okReport(id), blockers: [QUOTA], warnings: ['The destination does not keep keywords (its PERMANENTFLAGS have no \\*): labels kept as keywords will be left off the copies; every message is still copied.'] });

beforeEach(() => {
  fake = fakeRun();
  report = blocked;
  services = createAppServices({ dataDir: tempDir('mf-preflight-'), version: '1', secrets: memorySecrets({ 'ann@example.com@imap.gmail.com': 'x', 'ann@example.net@mail.example.net': 'y' }), run: fake.run, batchIntervalMs: 0, connectionTest: async (mb) => report(mb.id), platform: idlePlatform });
  for (const u of ['ann@example.com', 'bob@example.com']) {
    services.store.putMailbox(config(u));
    services.manager.added(u);
  }
});

const call = (method: Method, request?: unknown): Promise<Result<unknown>> => services.handlers[method](request);

describe('Test and Test all', () => {
  it('Test connection answers blockers apart from warnings, and keeps them as the saved mailbox’s latest test', async () => {
    expect(await call('testConnection', { ...config('ann@example.com') })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } }); // a config is no draft
    const d = { id: 'ann@example.com', source: config('ann@example.com').source, destination: config('ann@example.com').destination };
    const ok = (await call('testConnection', d)) as Result<ConnectionCheck>;
    if (!ok.ok) throw new Error(ok.error.message);
    expect(ok.value.preflight.blockers).toEqual([{ code: 'QUOTA', message: 'The destination has 1 MB free but this mailbox needs at least 2 MB there.', hint: 'Free space or raise the quota before the migration, or it stops when the destination is full.' }]);
    expect(ok.value.preflight.warnings.map((w) => w.code)).toEqual(['KEYWORDS']);
    const check = services.manager.status('ann@example.com').check!;
    expect(check).toMatchObject({ state: 'not-ready', problems: [], blockers: [{ code: 'QUOTA' }], warnings: [{ code: 'KEYWORDS' }] });
    // A new mailbox's test (no id) belongs to no row.
    await call('testConnection', { ...d, id: undefined, source: { ...d.source, user: 'new@example.com' } });
    expect(services.manager.status('bob@example.com').check).toBeNull();
  });

  it('Test all: the row’s line leads with the first blocker, and offers the rest', async () => {
    await call('testMailboxes', { ids: ['ann@example.com'] });
    const s = services.manager.status('ann@example.com');
    const note = rowNote(s, formatBytes);
    expect(note).toMatchObject({ tone: 'bad', text: 'Not ready: The destination has 1 MB free but this mailbox needs at least 2 MB there.', hint: expect.stringContaining('Free space') });
    expect(note.check?.warnings).toHaveLength(1);
    report = (id) => ({ ...blocked(id), blockers: [] });
    await call('testMailboxes', { ids: ['ann@example.com'] });
    expect(rowNote(services.manager.status('ann@example.com'), formatBytes)).toMatchObject({ tone: 'warn', text: expect.stringMatching(/^Ready, with 1 warning: The destination does not keep keywords/) });
  });
});

describe('Start after a test that found a blocker', () => {
  it('is refused with the blocker until the user starts anyway; then it does not ask again', async () => {
    await call('testMailboxes', { ids: ['ann@example.com'] });
    const r = await call('start', { ids: ['ann@example.com'] });
    expect(r).toMatchObject({ ok: false, error: { code: 'PREFLIGHT_BLOCKERS', message: expect.stringContaining('The destination has 1 MB free'), hint: expect.stringContaining('Free space') } });
    expect(fake.calls).toHaveLength(0);
    expect(await call('start', { ids: 'all' })).toMatchObject({ ok: false, error: { code: 'PREFLIGHT_BLOCKERS' } });
    await call('start', { ids: ['ann@example.com'], despiteBlockers: 'yes' }).then((x) => expect(x).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } }));
    // Another mailbox without a test starts as before.
    expect((await call('start', { ids: ['bob@example.com'] })).ok).toBe(true);
    const anyway = (await call('start', { ids: ['ann@example.com'], despiteBlockers: true })) as Result<MailboxStatus[]>;
    expect(anyway.ok).toBe(true);
    await settle();
    expect(fake.calls.map((c) => c.job.mailboxes[0]!.id)).toEqual(['bob@example.com', 'ann@example.com']);
    expect(services.manager.status('ann@example.com').check?.startedAnyway).toBeGreaterThan(0);
    expect(anyway.ok && anyway.value[0]!.check?.startedAnyway).toBeGreaterThan(0);
    expect((await call('pause', { ids: ['ann@example.com'] })).ok).toBe(true);
    await settle(5);
    expect((await call('resume', { ids: ['ann@example.com'] })).ok).toBe(true);
    // A new test that finds the blocker again asks again.
    await call('pause', { ids: ['ann@example.com'] });
    await settle(5);
    await call('testMailboxes', { ids: ['ann@example.com'] });
    expect(await call('resume', { ids: ['ann@example.com'] })).toMatchObject({ ok: false, error: { code: 'PREFLIGHT_BLOCKERS' } });
  });
});

describe('a check kept by an earlier version', () => {
  it('its blockers (problems NOT_READY) and text warnings become findings, so Start still warns', () => {
    const old = { state: 'not-ready', at: 5, problems: [{ code: 'AUTH_FAILED', message: 'Gmail: no.' }, { code: 'NOT_READY', message: 'Too small.' }], warnings: ['Keywords.'] } as unknown as MailboxCheck;
    const idle = { id: 'a', state: 'idle' as const, progress: null, lastError: null, nextAttemptAt: null, inUse: null, check: old, verification: null };
    const r = restoreRuntime('a', { status: idle, carry: null, failures: [], notes: [], log: [] });
    expect(r.status.check).toEqual({ state: 'not-ready', at: 5, problems: [{ code: 'AUTH_FAILED', message: 'Gmail: no.' }], blockers: [{ code: 'OTHER', message: 'Too small.' }], warnings: [{ code: 'OTHER', message: 'Keywords.' }] });
  });
});
