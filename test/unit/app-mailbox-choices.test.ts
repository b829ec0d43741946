/**
 * The mapping step's pre-stage and delta choices (received-date window, deleting what Gmail deleted) reach the
 * engine's job and run options; Retry failed runs only the refused messages; a mailbox waiting for a daily
 * quota holds no other mailbox up.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import type { MailboxConfig, MappingPreview, MailboxStatus, Method, Result } from '../../src/shared/contract.js';
import { fakeRun, idlePlatform, memorySecrets, okReport, settle, tempDir } from './app-fakes.js';

const config = (user: string): MailboxConfig => ({
  id: user,
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: user.replace('example.com', 'example.net') },
  exclude: [],
  labelPolicy: 'folder-per-label',
  labelsAsKeywords: false,
});
const ANN = 'ann@example.com';
const BOB = 'bob@example.com';
const CARL = 'carl@example.com';

let services: AppServices;
let fake: ReturnType<typeof fakeRun>;

beforeEach(() => {
  fake = fakeRun();
  const secrets = memorySecrets();
  services = createAppServices({ dataDir: tempDir(), version: '9.9.9', secrets, run: fake.run, batchIntervalMs: 0, connectionTest: async (mb) => okReport(mb.id), platform: idlePlatform });
  for (const u of [ANN, BOB, CARL]) {
    services.store.putMailbox(config(u));
    services.manager.added(u);
    secrets.set('imap.gmail.com', u, 'abcdefghijklmnop');
    secrets.set('mail.example.net', u.replace('example.com', 'example.net'), 'secret');
  }
});

async function call(method: Method, request?: unknown): Promise<Result<unknown>> {
  return services.handlers[method](request);
}
async function ok<T>(method: Method, request?: unknown): Promise<T> {
  const r = await call(method, request);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

describe('pre-stage and delta in the mapping step', () => {
  it('saves a received-date window and deleteMissing; the run gets them; "" removes a date', async () => {
    await ok('setExclusions', { id: ANN, exclude: [], before: '2024-06-01', deleteMissing: true });
    expect(services.store.mailbox(ANN)).toMatchObject({ before: '2024-06-01', deleteMissing: true });
    expect(await ok<MappingPreview>('previewMapping', { id: ANN })).toMatchObject({ since: null, before: '2024-06-01', deleteMissing: true });
    services.manager.control('start', { ids: [ANN] });
    const run = fake.calls[0]!;
    expect(run.job.mailboxes[0]!.received).toEqual({ before: new Date('2024-06-01T00:00:00Z') });
    expect(run.opts.deleteMissing).toBe(true);
    expect(run.opts.retryFailed).toBeUndefined();
    run.finish({ state: 'done' });
    await settle();

    // The delta after the switch: the same date as "since", the pre-stage's bound removed.
    await ok('setExclusions', { id: ANN, exclude: [], since: '2024-06-01', before: '', deleteMissing: false });
    const saved = services.store.mailbox(ANN)!;
    expect(saved.since).toBe('2024-06-01');
    expect('before' in saved || 'deleteMissing' in saved).toBe(false);
    services.manager.control('start', { ids: [ANN] });
    expect(fake.calls[1]!.job.mailboxes[0]!.received).toEqual({ since: new Date('2024-06-01T00:00:00Z') });
    expect(fake.calls[1]!.opts.deleteMissing).toBeUndefined();
  });

  it('a field left out keeps the saved choice; bad dates and an empty window are refused', async () => {
    await ok('setExclusions', { id: ANN, exclude: [], since: '2024-01-01' });
    await ok('setExclusions', { id: ANN, exclude: ['Trash'] });
    expect(services.store.mailbox(ANN)).toMatchObject({ since: '2024-01-01', exclude: ['Trash'] });
    for (const bad of ['2024-02-30', '01/06/2024', 'yesterday', 5]) {
      expect(await call('setExclusions', { id: ANN, exclude: [], since: bad }), String(bad)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    }
    expect(await call('setExclusions', { id: ANN, exclude: [], deleteMissing: 'yes' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    // since after before: no message would be copied (the engine's own check, in the window's words).
    expect(await call('setExclusions', { id: ANN, exclude: [], since: '2024-06-01', before: '2024-01-01' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_MAILBOX', message: 'Only mail received since: must come before "before": no message would be copied' },
    });
  });
});

describe('Retry failed', () => {
  it('runs only the refused messages, once; a later start copies everything left', async () => {
    services.manager.control('start', { ids: [ANN] });
    fake.calls[0]!.finish({ state: 'done', planned: 10, copied: 8, failed: 2 });
    await settle();
    const [s] = await ok<MailboxStatus[]>('retryFailed', { id: ANN });
    expect(s!.state).toBe('queued');
    expect(fake.calls[1]!.opts.retryFailed).toBe(true);
    expect(services.manager.runtime(ANN).log.map((l) => l.message)).toContain('Retrying the messages that could not be copied.');
    expect(await call('retryFailed', { id: ANN })).toMatchObject({ ok: false, error: { code: 'WRONG_STATE' } }); // it runs
    fake.calls[1]!.finish({ state: 'done', planned: 2, copied: 2, failed: 0 });
    await settle();
    expect(services.manager.status(ANN).progress).toMatchObject({ copied: 10, failed: 0 });
    services.manager.control('start', { ids: [ANN] });
    expect(fake.calls[2]!.opts.retryFailed).toBeUndefined();
    expect(await call('retryFailed', { id: 'nobody' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await call('retryFailed', { id: ANN, all: true })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });
});

describe('many mailboxes', () => {
  it('a mailbox waiting for a daily quota gives its place to the next one; back to copying it counts again', async () => {
    services.store.setSettings({ ...services.store.settings(), parallelMailboxes: 1 });
    services.manager.control('start', { ids: 'all' });
    expect(fake.calls.map((c) => c.job.mailboxes[0]!.id)).toEqual([ANN]);
    fake.calls[0]!.emit({ state: 'waiting-quota', nextAttemptAt: Date.now() + 3_600_000, reason: { code: 'SOURCE_OVER_QUOTA', message: 'quota' } });
    expect(fake.calls.map((c) => c.job.mailboxes[0]!.id)).toEqual([ANN, BOB]);
    expect(services.manager.status(CARL).state).toBe('queued');
    expect(services.manager.active).toBe(true);
    fake.calls[0]!.emit({ state: 'copying' });
    fake.calls[1]!.finish({ state: 'done' });
    await settle();
    // Ann copies again and holds the one place: Carl waits for her.
    expect(fake.calls).toHaveLength(2);
    fake.calls[0]!.finish({ state: 'done' });
    await settle();
    expect(fake.calls.map((c) => c.job.mailboxes[0]!.id)).toEqual([ANN, BOB, CARL]);
  });

  it('a failing mailbox never holds up the others', async () => {
    services.store.setSettings({ ...services.store.settings(), parallelMailboxes: 1 });
    services.manager.control('start', { ids: 'all' });
    fake.calls[0]!.finish({ state: 'failed' }, { error: { code: 'AUTH_FAILED', message: 'refused', retryable: false } });
    await settle();
    expect(services.manager.status(ANN).state).toBe('failed');
    expect(fake.calls.map((c) => c.job.mailboxes[0]!.id)).toEqual([ANN, BOB]);
  });
});
