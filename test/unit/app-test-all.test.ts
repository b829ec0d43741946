/**
 * Test all and Verify through the real handler table: several mailboxes at a time, each row's status updated
 * as its result arrives (testing -> ready, or the classified problem in the window's words), running mailboxes
 * left alone, verdicts recorded in the app's ledger.
 */
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import { toCheck } from '../../src/main/app/test-all.js';
import { toVerification } from '../../src/main/app/verify-all.js';
import type { ConnectionTestReport } from '../../src/main/app/connection-test-adapter.js';
import { Ledger } from '../../src/main/engine/ledger/ledger.js';
import type { verifyJob } from '../../src/main/engine/report/verify-job.js';
import type { MailboxConfig, MailboxStatus, Method, Result } from '../../src/shared/contract.js';
import { fakeRun, idlePlatform, memorySecrets, okReport, settle, tempDir } from './app-fakes.js';

const config = (user: string): MailboxConfig => ({
  id: user,
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: user.replace('example.com', 'example.net') },
  exclude: [],
  labelPolicy: 'folder-per-label',
  labelsAsKeywords: false,
});
const USERS = ['ann@example.com', 'bob@example.com', 'carl@example.com', 'dora@example.com', 'eve@example.com'];

let services: AppServices;
let dataDir: string;
let fake: ReturnType<typeof fakeRun>;
/** Tests waiting to be answered, by mailbox id. */
let pending: Map<string, (r: ConnectionTestReport) => void>;
let started: string[];
let verifyCalls: Parameters<typeof verifyJob>[];
let batches: MailboxStatus[][];

function refusedReport(id: string): ConnectionTestReport {
  const r = okReport(id);
  return {
    ...r,
    source: { ok: false, capabilities: [], notable: {}, folderCount: 0, error: { code: 'AUTH_FAILED', message: 'Gmail rejected the username or password for x.', hint: 'Store the new one with `npx mailferry secrets set imap.gmail.com x`.', retryable: false } },
    blockers: ['The destination has 1 MB free but this mailbox needs at least 2 MB there.'],
  };
}

beforeEach(() => {
  dataDir = tempDir('mf-test-all-');
  pending = new Map();
  started = [];
  verifyCalls = [];
  batches = [];
  fake = fakeRun();
  const secrets = memorySecrets();
  services = createAppServices({
    dataDir,
    version: '9.9.9',
    secrets,
    run: fake.run,
    batchIntervalMs: 0,
    connectionTest: (mb) =>
      new Promise((resolve) => {
        started.push(mb.id);
        pending.set(mb.id, resolve);
      }),
    verify: async (job, opts) => {
      verifyCalls.push([job, opts]);
      await settle(5); // comparing takes a while: the window hears "verifying" first
      return job.mailboxes.map((mb, i) => {
        const o =
          i === 0
            ? { id: mb.id, result: { id: mb.id, ok: false, changeNotes: ['the destination added a final line ending to 2 messages'], folders: [{ source: 'INBOX', target: 'INBOX', role: 'inbox' as const, sourceCount: 3, expected: 3, destinationCount: 2, missing: [{ uid: 3, size: 1, date: '', messageId: null }], extra: [], changed: {} as never }] } }
            : { id: mb.id, error: { code: 'AUTH_FAILED' as const, message: 'The destination rejected the password.', retryable: false } };
        opts.onOutcome?.(o);
        return o;
      });
    },
    platform: idlePlatform,
  });
  for (const u of USERS) services.store.putMailbox(config(u));
  for (const u of USERS) services.manager.added(u);
  services.manager.onStatus((b) => batches.push(b));
});

async function call(method: Method, request?: unknown): Promise<Result<unknown>> {
  return services.handlers[method](request);
}

describe('Test all', () => {
  it('tests several mailboxes at a time, within the caps, each row updated as its result arrives', async () => {
    services.store.setSettings({ ...services.store.settings(), connectionsPerAccount: 2 });
    const done = call('testMailboxes', { ids: 'all' });
    await settle();
    // connectionsPerAccount 2 -> 4 global connections -> 2 tests at once (each holds one per side).
    expect(started).toEqual(['ann@example.com', 'bob@example.com']);
    expect(services.manager.status('carl@example.com').check).toMatchObject({ state: 'testing' });
    pending.get('bob@example.com')!(okReport('bob@example.com'));
    await settle();
    expect(services.manager.status('bob@example.com').check).toMatchObject({ state: 'ready', folderCount: 5, totalBytes: 1400, problems: [] });
    expect(services.manager.status('ann@example.com').check).toMatchObject({ state: 'testing' });
    expect(started).toEqual(['ann@example.com', 'bob@example.com', 'carl@example.com']);
    pending.get('ann@example.com')!(refusedReport('ann@example.com'));
    for (const u of USERS.slice(2)) {
      await settle();
      pending.get(u)!(okReport(u));
    }
    const r = (await done) as Result<MailboxStatus[]>;
    expect(r.ok && r.value.map((s) => s.check?.state)).toEqual(['not-ready', 'ready', 'ready', 'ready', 'ready']);
    const ann = services.manager.status('ann@example.com').check!;
    // The engine's command-line hint is said in the window's words; blockers apart from the failed sign-ins.
    expect(ann.problems).toEqual([{ code: 'AUTH_FAILED', message: 'Gmail: Gmail rejected the username or password for x.', hint: 'Then enter it in the mailbox’s settings (Edit).' }]);
    expect(ann.blockers).toEqual([{ code: 'QUOTA', message: 'The destination has 1 MB free but this mailbox needs at least 2 MB there.' }]);
    // The window heard each change: testing first, then the result.
    const annStates = batches.flat().filter((s) => s.id === 'ann@example.com').map((s) => s.check?.state);
    expect(annStates).toEqual(['testing', 'not-ready']);
  });

  it('leaves running mailboxes alone ("all"), refuses to test a named running one, and tests only the ones asked', async () => {
    services.manager.control('start', { ids: ['ann@example.com'] });
    const all = call('testMailboxes', { ids: 'all' });
    await settle();
    expect(started).not.toContain('ann@example.com');
    expect(await call('testMailboxes', { ids: ['ann@example.com'] })).toMatchObject({ ok: false, error: { code: 'MAILBOX_BUSY' } });
    for (const u of USERS.slice(1)) {
      await settle();
      pending.get(u)?.(okReport(u));
    }
    await settle();
    for (const u of USERS.slice(1)) pending.get(u)?.(okReport(u));
    await all;
    started = [];
    const one = call('testMailboxes', { ids: ['bob@example.com'] });
    await settle();
    expect(started).toEqual(['bob@example.com']);
    pending.get('bob@example.com')!(okReport('bob@example.com'));
    await one;
    expect(await call('testMailboxes', { ids: ['nobody@example.com'] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await call('testMailboxes', { ids: 'some' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(await call('testMailboxes', {})).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });

  it('turns a report into the row’s words', () => {
    expect(toCheck(okReport('a'), 5)).toEqual({ state: 'ready', at: 5, problems: [], blockers: [], warnings: [], folderCount: 5, totalBytes: 1400, gmailDays: 1 });
  });
});

describe('Verify', () => {
  it('verifies with the app’s ledger and shows each verdict (complete, incomplete, or why not)', async () => {
    const r = (await call('verifyMailboxes', { ids: ['ann@example.com', 'bob@example.com'] })) as Result<MailboxStatus[]>;
    expect(r.ok).toBe(true);
    expect(verifyCalls).toHaveLength(1);
    const [job, opts] = verifyCalls[0]!;
    expect(job.mailboxes.map((m) => m.id)).toEqual(['ann@example.com', 'bob@example.com']);
    expect(opts.ledger).toBeInstanceOf(Ledger);
    expect(services.manager.status('ann@example.com').verification).toMatchObject({ state: 'incomplete', missing: 1, extra: 0, folders: 1, changes: ['the destination added a final line ending to 2 messages'] });
    expect(services.manager.status('bob@example.com').verification).toMatchObject({ state: 'not-verified', error: { code: 'AUTH_FAILED' } });
    await settle();
    const states = batches.flat().filter((s) => s.id === 'ann@example.com').map((s) => s.verification?.state);
    expect(states).toEqual(['verifying', 'incomplete']);
    // The ledger is the app's own (state/ under the data folder).
    expect(services.info.stateDir).toBe(join(dataDir, 'state'));
  });

  it('a complete verdict', () => {
    const o = { id: 'a', result: { id: 'a', ok: true, changeNotes: [], folders: [] } };
    expect(toVerification(o, 7)).toEqual({ state: 'complete', at: 7, missing: 0, extra: 0, folders: 0, changes: [] });
  });

  it('a verdict or a test survives a restart; one under way when the app quit does not', async () => {
    await call('verifyMailboxes', { ids: ['ann@example.com'] });
    services.manager.annotate('bob@example.com', { check: { state: 'testing', at: 1, problems: [], blockers: [], warnings: [] } });
    services.store.save();
    const again = createAppServices({ dataDir, version: '9.9.9', secrets: memorySecrets(), run: fakeRun().run, platform: idlePlatform });
    expect(again.manager.status('ann@example.com').verification?.state).toBe('incomplete');
    expect(again.manager.status('bob@example.com').check).toBeNull();
    await again.manager.shutdown();
  });
});
