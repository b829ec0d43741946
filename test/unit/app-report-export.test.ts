/**
 * Export report through the real handler table: the client report of the app's ledger, every mailbox of the
 * list in it (one never started as not started), written private where main's save dialog says, no secret.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { withEveryMailbox } from '../../src/main/app/report-export.js';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import { Ledger } from '../../src/main/engine/ledger/ledger.js';
import { buildClientReport } from '../../src/main/engine/report/client-report.js';
import type { MailboxConfig, Method, ReportFormat, Result } from '../../src/shared/contract.js';
import { fakeRun, idlePlatform, memorySecrets, tempDir } from './app-fakes.js';

const config = (user: string): MailboxConfig => ({
  id: user,
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: user.replace('example.com', 'example.net') },
  exclude: [],
  labelPolicy: 'folder-per-label',
  labelsAsKeywords: false,
});

let services: AppServices;
let out: string;
let saveTo: (format: ReportFormat) => string | null;
let asked: ReportFormat[];

beforeEach(() => {
  const dataDir = tempDir('mf-report-');
  out = tempDir('mf-report-out-');
  asked = [];
  saveTo = (format) => join(out, `report.${format}`);
  const secrets = memorySecrets();
  secrets.set('imap.gmail.com', 'ann@example.com', 'S3cret-app-pass');
  services = createAppServices({
    dataDir,
    version: '9.9.9',
    secrets,
    run: fakeRun().run,
    platform: {
      ...idlePlatform,
      chooseReportFile: async (format) => {
        asked.push(format);
        return saveTo(format);
      },
    },
  });
  for (const u of ['ann@example.com', 'bob@example.com']) services.store.putMailbox(config(u));
  // Ann ran once (as the engine records it); Bob never started.
  const ledger = Ledger.open(services.info.stateDir);
  ledger.history.recordEndpoints({ id: 'ann@example.com', source: config('ann@example.com').source, destination: config('ann@example.com').destination });
  ledger.recordRun({ mailbox: 'ann@example.com', startedAt: 1_000, finishedAt: 61_000, state: 'done', copied: 12, present: 0, failed: 0, bytes: 4096 });
  ledger.close();
});

async function call(method: Method, request?: unknown): Promise<Result<unknown>> {
  return services.handlers[method](request);
}

describe('Export report', () => {
  it('writes the HTML report where the user chose, private, naming every mailbox and no password', async () => {
    const r = await call('exportReport', { format: 'html' });
    expect(r).toEqual({ ok: true, value: { file: join(out, 'report.html'), mailboxes: 2 } });
    expect(asked).toEqual(['html']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('ann@example.com');
    expect(html).toContain('bob@example.com');
    expect(html).toContain('Nothing has been copied yet.');
    expect(html).not.toContain('S3cret');
    if (process.platform !== 'win32') expect(statSync(join(out, 'report.html')).mode & 0o777).toBe(0o600);
  });

  it('JSON and CSV; a name without an extension gets the format’s; a dismissed dialog writes nothing', async () => {
    expect(await call('exportReport', { format: 'json' })).toMatchObject({ ok: true });
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.summary).toMatchObject({ mailboxes: 2, notVerified: 2 });
    expect(json.mailboxes.map((m: { id: string; state: string }) => [m.id, m.state])).toEqual([
      ['ann@example.com', 'done'],
      ['bob@example.com', 'not run'],
    ]);
    saveTo = () => join(out, 'for-the-client');
    expect(await call('exportReport', { format: 'csv' })).toEqual({ ok: true, value: { file: join(out, 'for-the-client.csv'), mailboxes: 2 } });
    expect(readFileSync(join(out, 'for-the-client.csv'), 'utf8')).toMatch(/^\uFEFFid,/);
    saveTo = () => null;
    expect(await call('exportReport', { format: 'html' })).toEqual({ ok: true, value: null });
  });

  it('refuses a format it does not write, and any other field', async () => {
    for (const bad of [{ format: 'pdf' }, {}, { format: 'html', file: '/tmp/x.html' }, null]) {
      expect(await call('exportReport', bad)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    }
    expect(existsSync(join(out, 'report.html'))).toBe(false);
  });

  it('a ledger that knows every mailbox is left as the engine made it', () => {
    const ledger = Ledger.open(services.info.stateDir);
    const report = buildClientReport(ledger);
    ledger.close();
    expect(withEveryMailbox(report, [config('ann@example.com')])).toBe(report);
    const all = withEveryMailbox(report, [config('ann@example.com'), config('bob@example.com')]);
    expect(all.summary).toMatchObject({ mailboxes: 2, notVerified: 2, gmailLimitDays: null });
    expect(all.mailboxes[1]).toMatchObject({ id: 'bob@example.com', state: 'not run', runs: 0, revokeAppPassword: false, source: { signIn: 'password' } });
  });
});
