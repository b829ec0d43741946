/**
 * The migration manager's state logic against a scripted engine: pause shows at once and settles as
 * paused, resume runs again and adds up the counters, cancel, the queue, quit and resume at next start.
 */
import { describe, expect, it } from 'vitest';
import { AppStore } from '../../src/main/app/app-store.js';
import { MigrationManager } from '../../src/main/app/migration-manager.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import type { MailboxConfig, MailboxStatus } from '../../src/shared/contract.js';
import { fakeRun, memorySecrets, settle, tempDir } from './app-fakes.js';

const mailbox = (id: string): MailboxConfig => ({
  id,
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: id },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: id },
  exclude: [],
  labelPolicy: 'folder-per-label',
  labelsAsKeywords: false,
});

function setup(ids: string[], opts: { dataDir?: string; parallel?: number; abortDelayMs?: number } = {}) {
  const dataDir = opts.dataDir ?? tempDir();
  const store = new AppStore(dataDir);
  for (const id of ids) if (!store.mailbox(id)) store.putMailbox(mailbox(id));
  if (opts.parallel) store.setSettings({ ...store.settings(), parallelMailboxes: opts.parallel });
  const secrets = memorySecrets();
  for (const id of ids) {
    secrets.set('imap.gmail.com', id, 'abcd efgh ijkl mnop');
    secrets.set('mail.example.net', id, 'dest secret');
  }
  const fake = fakeRun(opts.abortDelayMs ?? 0);
  const manager = new MigrationManager({ store, secrets, stateDir: `${dataDir}/state`, run: fake.run, batchIntervalMs: 0 });
  const batches: MailboxStatus[][] = [];
  manager.onStatus((b) => batches.push(b));
  const activity: boolean[] = [];
  manager.onActivity((a) => activity.push(a));
  return { dataDir, store, manager, fake, batches, activity };
}

describe('MigrationManager', () => {
  it('runs one engine job per mailbox with the user’s settings and keychain passwords', async () => {
    const { manager, fake, store, activity } = setup(['a@gmail.com']);
    store.setSettings({ ...store.settings(), connectionsPerAccount: 6 });
    const [s] = manager.control('start', { ids: ['a@gmail.com'] });
    expect(s!.state).toBe('queued');
    expect(fake.calls).toHaveLength(1);
    const { job, opts } = fake.calls[0]!;
    expect(job.mailboxes.map((m) => m.id)).toEqual(['a@gmail.com']);
    expect(job.options.connectionsPerAccount).toBe(6);
    expect(opts.password!('source', job.mailboxes[0]!.source)).toBe('abcdefghijklmnop');
    expect(opts.password!('destination', job.mailboxes[0]!.destination)).toBe('dest secret');
    expect(activity).toEqual([true]);

    fake.calls[0]!.emit({ state: 'copying', planned: 10, copied: 4 });
    expect(manager.status('a@gmail.com')).toMatchObject({ state: 'copying', progress: { copied: 4, planned: 10 } });
    fake.calls[0]!.finish({ state: 'done', copied: 10 });
    await settle();
    expect(manager.status('a@gmail.com')).toMatchObject({ state: 'done', lastError: null, progress: { copied: 10 } });
    expect(activity).toEqual([true, false]);
    const log = manager.runtime('a@gmail.com').log.map((l) => l.message);
    expect(log[0]).toBe('Started.');
    expect(log.at(-1)).toMatch(/^Finished\. 10 messages copied/);
  });

  it('pause shows at once, the run settles as paused, resume continues and adds up the counters', async () => {
    const { manager, fake, store } = setup(['a@gmail.com'], { abortDelayMs: 20 });
    manager.control('start', { ids: 'all' });
    const first = fake.calls[0]!;
    first.emit({ state: 'copying', planned: 100, copied: 30, bytesPlanned: 1000, bytesCopied: 300 });

    const [paused] = manager.control('pause', { ids: ['a@gmail.com'] });
    expect(paused!.state).toBe('paused');
    expect(first.opts.signal!.aborted).toBe(true);
    // In-flight messages finish while it settles: counted, but the state stays paused.
    first.emit({ copied: 32, bytesCopied: 320 });
    expect(manager.status('a@gmail.com')).toMatchObject({ state: 'paused', progress: { copied: 32 } });
    await settle(40);
    expect(manager.status('a@gmail.com')).toMatchObject({ state: 'paused', lastError: null, progress: { copied: 32, planned: 100 } });
    expect(store.resumeOnStart()).toEqual([]); // a user's pause is not resumed at the next start

    manager.control('resume', { ids: ['a@gmail.com'] });
    expect(fake.calls).toHaveLength(2);
    const second = fake.calls[1]!;
    second.emit({ state: 'planning' });
    expect(manager.status('a@gmail.com').progress).toMatchObject({ copied: 32, planned: 100 });
    second.emit({ state: 'copying', planned: 68, copied: 0, bytesPlanned: 680 });
    second.finish({ state: 'done', copied: 68, bytesCopied: 680 });
    await settle();
    expect(manager.status('a@gmail.com')).toMatchObject({ state: 'done', progress: { copied: 100, planned: 100, bytesCopied: 1000, bytesPlanned: 1000 } });

    // A run after "done" copies only what is new; the counters keep the whole mailbox.
    manager.control('start', { ids: ['a@gmail.com'] });
    fake.calls[2]!.emit({ state: 'planning', planned: 0, copied: 0 });
    expect(manager.status('a@gmail.com').progress).toMatchObject({ copied: 100, planned: 100 });
    fake.calls[2]!.emit({ state: 'copying', planned: 3, copied: 1 });
    expect(manager.status('a@gmail.com').progress).toMatchObject({ copied: 101, planned: 103 });
  });

  it('resume while the paused run is still settling starts again right after it', async () => {
    const { manager, fake } = setup(['a@gmail.com'], { abortDelayMs: 30 });
    manager.control('start', { ids: 'all' });
    fake.calls[0]!.emit({ state: 'copying', planned: 10, copied: 5 });
    manager.control('pause', { ids: 'all' });
    manager.control('resume', { ids: 'all' });
    expect(manager.status('a@gmail.com').state).toBe('queued');
    expect(fake.calls).toHaveLength(1);
    await settle(50);
    expect(fake.calls).toHaveLength(2);
    fake.calls[1]!.emit({ state: 'copying', planned: 5, copied: 1 });
    expect(manager.status('a@gmail.com').progress).toMatchObject({ copied: 6, planned: 10 });
  });

  it('cancel stops a running or paused mailbox; a later start continues from the ledger', async () => {
    const { manager, fake } = setup(['a@gmail.com']);
    manager.control('start', { ids: 'all' });
    fake.calls[0]!.emit({ state: 'copying', planned: 10, copied: 2 });
    expect(manager.control('cancel', { ids: 'all' })[0]!.state).toBe('cancelled');
    await settle(5);
    expect(manager.status('a@gmail.com')).toMatchObject({ state: 'cancelled', progress: { copied: 2 } });
    expect(() => manager.control('resume', { ids: ['a@gmail.com'] })).toThrow(/cannot be resumed while it is cancelled/);
    manager.control('start', { ids: ['a@gmail.com'] });
    fake.calls[1]!.emit({ state: 'copying', planned: 8, copied: 1 });
    expect(manager.status('a@gmail.com').progress).toMatchObject({ copied: 3, planned: 10 });
  });

  it('queues beyond "mailboxes at the same time" and starts the next when one ends', async () => {
    const { manager, fake } = setup(['a', 'b', 'c'], { parallel: 2 });
    const states = manager.control('start', { ids: 'all' }).map((s) => s.state);
    expect(states).toEqual(['queued', 'queued', 'queued']);
    expect(fake.calls.map((c) => c.job.mailboxes[0]!.id)).toEqual(['a', 'b']);
    // Pausing a mailbox that is only waiting in the queue takes it out without a run.
    manager.control('pause', { ids: ['c'] });
    fake.calls[0]!.finish({ state: 'done' });
    await settle();
    expect(fake.calls).toHaveLength(2);
    manager.control('resume', { ids: ['c'] });
    expect(fake.calls.map((c) => c.job.mailboxes[0]!.id)).toEqual(['a', 'b', 'c']);
  });

  it('a run that cannot start (no password) fails with the engine’s words', async () => {
    const { manager, fake } = setup(['a@gmail.com']);
    manager.control('start', { ids: 'all' });
    fake.calls[0]!.reject(new MailferryError({ code: 'SECRET_MISSING', message: 'No password is stored for a on b.', hint: 'Edit the mailbox.', retryable: false }));
    await settle();
    expect(manager.status('a@gmail.com')).toMatchObject({ state: 'failed', lastError: { code: 'SECRET_MISSING', message: 'No password is stored for a on b.', hint: 'Edit the mailbox.' } });
    expect(manager.runtime('a@gmail.com').log.at(-1)!.level).toBe('error');
  });

  it('shows why a mailbox waits or retries, and keeps failures and notes of the latest run', async () => {
    const { manager, fake } = setup(['a@gmail.com']);
    manager.control('start', { ids: 'all' });
    const reason = { code: 'SOURCE_OVER_QUOTA', message: 'Gmail’s daily download limit is used up.' };
    fake.calls[0]!.emit({ state: 'waiting-quota', reason, nextAttemptAt: 12345 });
    expect(manager.status('a@gmail.com')).toMatchObject({ state: 'waiting-quota', lastError: reason, nextAttemptAt: 12345 });
    fake.calls[0]!.emit({ state: 'copying', reason: undefined, nextAttemptAt: undefined });
    expect(manager.status('a@gmail.com')).toMatchObject({ state: 'copying', lastError: null, nextAttemptAt: null });
    const failure = { folder: 'INBOX', target: 'INBOX', uid: 7, size: 10, date: '2020-01-01', subject: 'Hi', code: 'MESSAGE_REFUSED', reason: 'refused' };
    fake.calls[0]!.finish({ state: 'done', failed: 1 }, { failures: [failure], notes: ['Folder "a.b" is called "a_b".'] });
    await settle();
    expect(manager.runtime('a@gmail.com')).toMatchObject({ failures: [failure], notes: ['Folder "a.b" is called "a_b".'] });
    const log = manager.runtime('a@gmail.com').log;
    expect(log.some((l) => l.level === 'warn' && l.message.startsWith('Gmail’s daily download limit is used up. Waiting'))).toBe(true);
  });

  it('quit stops every run, waits for it, and the next start resumes exactly those', async () => {
    const first = setup(['a', 'b', 'c'], { parallel: 1, abortDelayMs: 20 });
    first.manager.control('start', { ids: ['a', 'b'] });
    first.fake.calls[0]!.emit({ state: 'copying', planned: 10, copied: 4 });
    let settled = false;
    const quit = first.manager.shutdown().then(() => (settled = true));
    await settle(5);
    expect(settled).toBe(false); // waits for the in-flight messages
    await quit;
    expect(first.fake.calls[0]!.settled).toBe(true);
    expect(first.manager.status('a')).toMatchObject({ state: 'paused', progress: { copied: 4 } });
    expect(first.manager.status('b').state).toBe('paused');
    expect(first.store.resumeOnStart().sort()).toEqual(['a', 'b']);
    expect(() => first.manager.control('start', { ids: ['c'] })).toThrow(/closing/);

    const next = setup(['a', 'b', 'c'], { dataDir: first.dataDir, parallel: 2 });
    expect(next.manager.status('a')).toMatchObject({ state: 'paused', progress: { copied: 4 } });
    expect(next.manager.resumeLastSession().sort()).toEqual(['a', 'b']);
    expect(next.fake.calls.map((c) => c.job.mailboxes[0]!.id).sort()).toEqual(['a', 'b']);
    next.fake.calls[0]!.emit({ state: 'copying', planned: 6, copied: 1 });
    expect(next.manager.status('a').progress).toMatchObject({ copied: 5, planned: 10 });
    expect(next.manager.status('c').state).toBe('idle');
  });

  it('after a crash, a mailbox saved as running shows paused and is resumed', async () => {
    const first = setup(['a']);
    first.manager.control('start', { ids: 'all' });
    first.fake.calls[0]!.emit({ state: 'copying', planned: 10, copied: 4 });
    first.store.save(); // what was on disk when the process died
    const next = setup(['a'], { dataDir: first.dataDir });
    expect(next.manager.status('a').state).toBe('paused');
    expect(next.manager.resumeLastSession()).toEqual(['a']);
  });

  it('refuses to remove a running mailbox', async () => {
    const { manager, fake } = setup(['a']);
    manager.control('start', { ids: 'all' });
    expect(() => manager.remove('a')).toThrow(/still running/);
    fake.calls[0]!.finish({ state: 'done' });
    await settle();
    manager.remove('a');
    expect(() => manager.status('a')).toThrow(/no mailbox/);
  });

  it('publishes batches of statuses', async () => {
    const { manager, fake, batches } = setup(['a']);
    manager.control('start', { ids: 'all' });
    for (let i = 0; i < 50; i++) fake.calls[0]!.emit({ state: 'copying', planned: 50, copied: i });
    await settle(5);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.length).toBeLessThan(50);
    expect(batches.at(-1)!.at(-1)).toMatchObject({ id: 'a', progress: { copied: 49 } });
  });
});
