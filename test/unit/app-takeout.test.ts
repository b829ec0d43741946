/**
 * A Google Takeout export as a mailbox's source, through the real handler table: the file comes from main's
 * dialog (a path the window makes up is refused), the job reads the export instead of a server, the list shows
 * the file as it is on disk, Verify says why it does not compare an export, and the client report knows the
 * import's ledger key "<id> (Google Takeout)" instead of listing the mailbox twice.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { withEveryMailbox } from '../../src/main/app/report-export.js';
import { toMailboxJob } from '../../src/main/app/mailbox-config.js';
import { transitionLine } from '../../src/main/app/run-log.js';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import { Ledger } from '../../src/main/engine/ledger/ledger.js';
import { buildClientReport } from '../../src/main/engine/report/client-report.js';
import type { MailboxJob } from '../../src/main/engine/job/job.js';
import type { MailboxDraft, MailboxStatus, MailboxView, Method, Result, TakeoutFile } from '../../src/shared/contract.js';
import { rowNote } from '../../src/renderer/mailbox-list.js';
import { formatBytes } from '../../src/shared/format-bytes.js';
import { totals, workLeft } from '../../src/shared/work-left.js';
import { fakeRun, idlePlatform, memorySecrets, okReport, progress, tempDir } from './app-fakes.js';

const MBOX = 'From 1655321234567890123@xxx Wed Jan 08 20:41:08 +0000 2020\r\nX-GM-THRID: 1\r\nX-Gmail-Labels: Inbox,Opened\r\nSubject: hi\r\n\r\nhello\r\n\r\n';

let services: AppServices;
let dir: string;
let dialog: string | null;
let tested: MailboxJob[];
let verified: string[][];

beforeEach(() => {
  dir = tempDir('mf-takeout-');
  dialog = null;
  tested = [];
  verified = [];
  services = createAppServices({
    dataDir: join(dir, 'data'),
    version: '1',
    secrets: memorySecrets(),
    run: fakeRun().run,
    batchIntervalMs: 0,
    connectionTest: async (mb) => {
      tested.push(mb);
      return okReport(mb.id);
    },
    verify: async (job, opts) => {
      verified.push(job.mailboxes.map((m) => m.id));
      return job.mailboxes.map((mb) => {
        const o = { id: mb.id, result: { id: mb.id, ok: true, changeNotes: [], folders: [] } };
        opts.onOutcome?.(o);
        return o;
      });
    },
    platform: { ...idlePlatform, chooseTakeoutFile: async () => dialog },
  });
});

const call = (method: Method, request?: unknown): Promise<Result<unknown>> => services.handlers[method](request);
async function ok<T>(method: Method, request?: unknown): Promise<T> {
  const r = await call(method, request);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}
async function refused(method: Method, request: unknown, code: string): Promise<string> {
  const r = await call(method, request);
  expect(r.ok, `${method} should be refused`).toBe(false);
  if (!r.ok) expect(r.error.code).toBe(code);
  return r.ok ? '' : `${r.error.message} ${r.error.hint ?? ''}`;
}

function exportFile(name = 'takeout-20260101T000000Z-001.mbox', text = MBOX): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const draft = (takeout: string, over: Partial<MailboxDraft> = {}): MailboxDraft => ({
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@example.com', takeout },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: 'ann@example.net' },
  destinationPassword: 'dst',
  ...over,
});

async function chosen(): Promise<TakeoutFile> {
  dialog = exportFile();
  return ok<TakeoutFile>('chooseTakeoutFile');
}

describe('a Takeout export as the source', () => {
  it('is chosen in main’s dialog and checked to be an export', async () => {
    expect(await ok('chooseTakeoutFile')).toBeNull();
    const f = await chosen();
    expect(f).toEqual({ path: dialog, name: 'takeout-20260101T000000Z-001.mbox', kind: 'mbox', sizeBytes: MBOX.length });
    dialog = exportFile('notes.txt', 'Dear diary\n');
    expect(await refused('chooseTakeoutFile', null, 'TAKEOUT_DAMAGED')).toContain('is not a Google Takeout export');
    await refused('chooseTakeoutFile', { path: '/etc/passwd' }, 'INVALID_REQUEST');
  });

  it('a draft names only an export main’s dialog gave (or the mailbox’s own)', async () => {
    const other = exportFile('other.mbox');
    expect(await refused('saveMailbox', draft(other), 'TAKEOUT_NOT_CHOSEN')).toContain('Choose file');
    expect(await refused('testConnection', draft(other), 'TAKEOUT_NOT_CHOSEN')).toBeTruthy();
    await refused('saveMailbox', draft('relative.mbox'), 'INVALID_REQUEST');
    const f = await chosen();
    expect(await refused('saveMailbox', { ...draft(f.path), sourcePassword: 'abcdefghijklmnop' }, 'INVALID_MAILBOX')).toContain('needs no password');
    const v = await ok<MailboxView>('saveMailbox', draft(f.path));
    expect(v.config.source).toEqual({ host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@example.com', takeout: f.path });
    expect(v.passwordsStored.source).toBe(true);
    expect(v.takeout).toEqual({ name: f.name, kind: 'mbox', sizeBytes: MBOX.length });
    // Editing keeps its own export without choosing it again (a new session of the app has no dialog answers).
    const again = createAppServices({ dataDir: join(dir, 'data'), version: '1', secrets: memorySecrets(), run: fakeRun().run, connectionTest: async (mb) => okReport(mb.id), platform: idlePlatform });
    const edited = await again.handlers.saveMailbox({ ...draft(f.path), id: v.config.id });
    expect(edited.ok).toBe(true);
    await again.manager.shutdown();
  });

  it('runs as the engine’s Takeout job, and tests with it', async () => {
    const f = await chosen();
    const v = await ok<MailboxView>('saveMailbox', draft(f.path));
    const job = toMailboxJob(v.config);
    expect(job.source).toEqual({ host: '', port: 0, security: 'tls', user: 'ann@example.com', takeout: f.path });
    await ok('testMailboxes', { ids: [v.config.id] });
    expect(tested.at(-1)!.source.takeout).toBe(f.path);
  });

  it('the list shows the export as it is on disk, and a moved one with what to do', async () => {
    const f = await chosen();
    await ok('saveMailbox', draft(f.path));
    unlinkSync(f.path);
    const [v] = await ok<MailboxView[]>('listMailboxes');
    expect(v!.takeout).toMatchObject({ name: f.name, kind: null, sizeBytes: null });
    expect(v!.takeout!.problem).toContain('is not there any more');
    // The run itself refuses it with the engine's words for the form.
    expect(() => toMailboxJob(v!.config)).toThrow(/Takeout export/);
  });

  it('Verify says why an export is not compared, and compares the others', async () => {
    const f = await chosen();
    const a = await ok<MailboxView>('saveMailbox', draft(f.path));
    const b = await ok<MailboxView>('saveMailbox', draft(f.path, { source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'bob@example.com' }, sourcePassword: 'abcdefghijklmnop', destination: { ...draft('').destination, user: 'bob@example.net' } }));
    const statuses = await ok<MailboxStatus[]>('verifyMailboxes', { ids: [a.config.id, b.config.id] });
    expect(verified).toEqual([[b.config.id]]);
    expect(statuses[0]!.verification).toMatchObject({ state: 'not-verified', error: { code: 'TAKEOUT_NOT_VERIFIED' } });
    expect(statuses[0]!.verification!.error!.message).toContain(f.name);
    expect(statuses[1]!.verification!.state).toBe('complete');
  });
});

describe('the Takeout import in the report, the log and the row', () => {
  it('the report lists the import once, under its ledger key', async () => {
    const f = await chosen();
    const v = await ok<MailboxView>('saveMailbox', draft(f.path));
    const stateDir = join(dir, 'state');
    const ledger = Ledger.open(stateDir);
    const before = withEveryMailbox(buildClientReport(ledger), [v.config]);
    // Never started: one row, named as the engine will name it, from the export.
    expect(before.mailboxes.map((m) => [m.id, m.source.host, m.source.signIn])).toEqual([['ann@example.com (Google Takeout)', `Google Takeout: ${f.name}`, 'takeout']]);
    ledger.history.recordEndpoints({ id: 'ann@example.com (Google Takeout)', source: { host: `Google Takeout: ${f.name}`, user: 'ann@example.com', auth: 'takeout' }, destination: { host: 'mail.example.net', user: 'ann@example.net' } });
    const after = withEveryMailbox(buildClientReport(ledger), [v.config]);
    ledger.close();
    expect(after.mailboxes.map((m) => m.id)).toEqual(['ann@example.com (Google Takeout)']);
  });

  it('says it reads the export while the first pass runs, and no Gmail limit applies', () => {
    const takeout = { name: 'takeout-001.tgz', kind: 'tgz' as const, sizeBytes: 12 * 1024 ** 3 };
    const status: MailboxStatus = { id: 'a', state: 'planning', progress: progress('a', { state: 'planning' }), lastError: null, nextAttemptAt: null, inUse: null, check: null, verification: null };
    expect(rowNote(status, formatBytes, takeout).text).toBe('Reading the export takeout-001.tgz (12 GB) for its labels, then making their folders: nothing is copied before the whole file has been read once.');
    // Once planned, the row counts as any other.
    expect(rowNote({ ...status, state: 'copying', progress: progress('a', { planned: 10, present: 2 }) }, formatBytes, takeout).text).toBe('2 already on the destination.');
    const copying = { ...status, state: 'copying' as const, progress: progress('a', { planned: 10, bytesPlanned: 30 * 1024 ** 3 }) };
    expect(workLeft(copying, false).gmailDays).toBe(0);
    expect(workLeft(copying).gmailDays).toBe(13);
    const t = totals([copying, { ...status, id: 'b', state: 'idle', progress: null }], (s) => s.id === 'b' || s === copying);
    expect(t.gmailDays).toBe(0);
    expect(t.unknownSize).toBe(0);
    expect(transitionLine(progress('a', { state: 'planning' }), 0, '/x/takeout-001.tgz')?.message).toContain('reading the export takeout-001.tgz once');
    expect(transitionLine(progress('a', { state: 'planning' }), 0)?.message).toContain('Signed in to both servers');
  });
});
