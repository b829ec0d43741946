/**
 * One run per mailbox, as the desktop app shows it: with the engine's real locks (taken here as another
 * Mailferry run would, in temp folders), Start and Resume are refused up front when another run holds the
 * mailbox, a run the engine refuses ends as "in use" rather than failed, the watch publishes a lock that
 * appears and goes away, and the app never takes its own runs' locks for someone else's.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppStore } from '../../src/main/app/app-store.js';
import { toMailboxJob } from '../../src/main/app/mailbox-config.js';
import { MigrationManager, RUN_BY } from '../../src/main/app/migration-manager.js';
import { FileLock } from '../../src/main/engine/state/file-lock.js';
import { lockFiles, mailboxHolder, MailboxLock } from '../../src/main/engine/state/run-lock.js';
import type { MailboxConfig, MailboxStatus } from '../../src/shared/contract.js';
import { fakeRun, memorySecrets, settle, tempDir, withRealLocks } from './app-fakes.js';

const CLI = 'mailferry migrate /home/ann/move.json';

/** Mailbox `id` from Gmail into `dest` on mail.example.net (two mailboxes may share a destination account). */
const mailbox = (id: string, dest = id): MailboxConfig => ({
  id,
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: id },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: dest },
  exclude: [],
  labelPolicy: 'folder-per-label',
  labelsAsKeywords: false,
});

const locks: MailboxLock[] = [];
afterEach(() => {
  for (const l of locks.splice(0)) l.release();
  vi.restoreAllMocks();
});

function setup(configs: MailboxConfig[], opts: { parallel?: number; abortDelayMs?: number; intervalMs?: number } = {}) {
  const dataDir = tempDir();
  const stateDir = `${dataDir}/state`;
  const lockDir = tempDir('mf-locks-');
  const store = new AppStore(dataDir);
  for (const c of configs) store.putMailbox(c);
  if (opts.parallel) store.setSettings({ ...store.settings(), parallelMailboxes: opts.parallel });
  const fake = fakeRun(opts.abortDelayMs ?? 0);
  const manager = new MigrationManager({
    store,
    secrets: memorySecrets(),
    stateDir,
    run: withRealLocks(fake.run, lockDir),
    batchIntervalMs: 0,
    holders: { lockDir, intervalMs: opts.intervalMs ?? 60_000 },
  });
  const batches: MailboxStatus[][] = [];
  manager.onStatus((b) => batches.push(b));
  const job = (id: string) => toMailboxJob(store.mailbox(id)!);
  /** Takes the mailbox's locks as another run would: its own state folder (a CLI job) unless told otherwise. */
  const holdElsewhere = (id: string, inStateDir = tempDir('mf-cli-state-')) => {
    const lock = MailboxLock.acquire(job(id), inStateDir, CLI, lockDir);
    locks.push(lock);
    return lock;
  };
  const shown = (id: string) => batches.flat().filter((s) => s.id === id);
  return { manager, fake, store, stateDir, lockDir, batches, job, holdElsewhere, shown };
}

function thrown(f: () => unknown): { code?: string; message: string; hint?: string } {
  try {
    f();
  } catch (err) {
    return (err as { info: { code: string; message: string; hint?: string } }).info;
  }
  throw new Error('expected a refusal');
}

describe('another Mailferry run holds the mailbox', () => {
  it('Start is refused up front, nothing is queued, "Start all" skips it; released, it starts', async () => {
    const { manager, fake, holdElsewhere } = setup([mailbox('a'), mailbox('b')]);
    const lock = holdElsewhere('a');
    const refusal = thrown(() => manager.control('start', { ids: ['a'] }));
    expect(refusal.code).toBe('MAILBOX_IN_USE');
    expect(refusal.message).toMatch(new RegExp(`^The destination account a on mail\\.example\\.net:993 is being written by another Mailferry run \\(${CLI}, process ${process.pid}, since .* UTC, state folder `));
    expect(refusal.hint).toMatch(/two runs at once would copy every message twice/);
    expect(fake.calls).toHaveLength(0);
    expect(manager.status('a')).toMatchObject({ state: 'idle', inUse: { code: 'MAILBOX_IN_USE', message: refusal.message } });
    expect(manager.active).toBe(false);

    const all = manager.control('start', { ids: 'all' });
    expect(all.map((s) => [s.id, s.state, !!s.inUse])).toEqual([['a', 'idle', true], ['b', 'queued', false]]);
    expect(fake.calls.map((c) => c.job.mailboxes[0]!.id)).toEqual(['b']);
    expect(fake.calls[0]!.opts.runBy).toBe(RUN_BY);

    lock.release();
    expect(manager.control('start', { ids: ['a'] })[0]).toMatchObject({ state: 'queued', inUse: null });
    expect(fake.calls.map((c) => c.job.mailboxes[0]!.id)).toEqual(['b', 'a']);
  });

  it('Resume of a paused mailbox is refused while a run with the app’s own state folder holds it', async () => {
    const { manager, fake, holdElsewhere, stateDir } = setup([mailbox('a')]);
    manager.control('start', { ids: ['a'] });
    fake.calls[0]!.emit({ state: 'copying', planned: 10, copied: 4 });
    manager.control('pause', { ids: ['a'] });
    await settle(5);
    holdElsewhere('a', stateDir);
    const refusal = thrown(() => manager.control('resume', { ids: ['a'] }));
    expect(refusal).toMatchObject({ code: 'MAILBOX_IN_USE', message: expect.stringMatching(/^Mailbox a is in use by another Mailferry run \(mailferry migrate/) });
    expect(manager.status('a')).toMatchObject({ state: 'paused', progress: { copied: 4 }, inUse: { code: 'MAILBOX_IN_USE' } });
    expect(fake.calls).toHaveLength(1);
  });

  it('a mailbox held elsewhere is not resumed at the next start, and its log says by whom', async () => {
    const first = setup([mailbox('a'), mailbox('b')]);
    first.manager.control('start', { ids: 'all' });
    await first.manager.shutdown();
    const next = new MigrationManager({ store: new AppStore(first.store.dataDir), secrets: memorySecrets(), stateDir: first.stateDir, run: first.fake.run, holders: { lockDir: first.lockDir } });
    first.holdElsewhere('b');
    expect(next.resumeLastSession()).toEqual(['a']);
    expect(next.status('b')).toMatchObject({ state: 'paused', inUse: { code: 'MAILBOX_IN_USE' } });
    expect(next.runtime('b').log.at(-1)!.message).toMatch(new RegExp(`^Not resumed: The destination account b .*\\(${CLI}, process`));
    await next.shutdown();
  });

  it('a run the engine refuses (taken while it waited in the queue) shows "in use" as it was, not failed', async () => {
    const { manager, fake, holdElsewhere, shown } = setup([mailbox('a'), mailbox('b')], { parallel: 1 });
    manager.control('start', { ids: ['b'] });
    fake.calls[0]!.finish({ state: 'done', planned: 10, copied: 10 });
    await settle();
    manager.control('start', { ids: ['a', 'b'] }); // a runs; b waits for the one slot
    expect(manager.status('b').state).toBe('queued');
    holdElsewhere('b'); // a CLI run starts on b meanwhile
    fake.calls[1]!.finish({ state: 'done' });
    await settle();
    expect(fake.calls).toHaveLength(2); // b never reached the fake engine: the lock refused it
    expect(manager.status('b')).toMatchObject({ state: 'done', lastError: null, progress: { copied: 10, planned: 10 }, inUse: { code: 'MAILBOX_IN_USE', message: expect.stringContaining(CLI) } });
    expect(shown('b').map((s) => s.state)).not.toContain('failed');
    expect(manager.runtime('b').log.at(-1)).toMatchObject({ level: 'warn', message: expect.stringMatching(/^Not started: The destination account b .* being written by another Mailferry run/) });
    expect(manager.active).toBe(false);
  });

  it('the watch publishes the lock when it appears and when it goes, and looks only while the window is visible', async () => {
    const { manager, holdElsewhere, shown } = setup([mailbox('a')], { intervalMs: 20 });
    await settle(50);
    expect(shown('a')).toEqual([]); // nothing changed, nothing sent
    const lock = holdElsewhere('a');
    await vi.waitFor(() => expect(shown('a').at(-1)?.inUse).toMatchObject({ code: 'MAILBOX_IN_USE', message: expect.stringContaining(CLI) }));
    const sent = shown('a').length;
    await settle(60);
    expect(shown('a')).toHaveLength(sent); // the same holder is not sent again
    lock.release();
    await vi.waitFor(() => expect(shown('a').at(-1)?.inUse).toBeNull());

    manager.watchHolders(false); // the window is hidden
    const again = holdElsewhere('a');
    await settle(60);
    expect(manager.status('a').inUse).toBeNull();
    manager.watchHolders(true); // shown again: looks at once
    expect(manager.status('a').inUse).toMatchObject({ code: 'MAILBOX_IN_USE' });
    again.release();
    await manager.shutdown();
  });

  it('never probes its own runs; a mailbox into the same destination account waits for the one running', async () => {
    const { manager, fake, job, stateDir, lockDir, shown } = setup([mailbox('a', 'shared'), mailbox('b', 'shared')], { intervalMs: 10, abortDelayMs: 60 });
    const probe = vi.spyOn(FileLock, 'probe');
    manager.control('start', { ids: ['a'] });
    fake.calls[0]!.emit({ state: 'copying', planned: 10, copied: 1 });
    // Another process sees the app's lock, with what holds it.
    expect(mailboxHolder(job('a'), tempDir('mf-other-state-'), lockDir)?.message).toMatch(/being written by another Mailferry run \(Mailferry desktop app, process/);
    probe.mockClear();
    expect(manager.control('start', { ids: ['b'] })[0]).toMatchObject({ state: 'queued', inUse: null });
    expect(fake.calls).toHaveLength(1); // b waits: one run per destination account
    manager.control('pause', { ids: ['a'] }); // settles for 60 ms, the lock still held
    await settle(40);
    const own = [...Object.values(lockFiles(job('a'), stateDir, lockDir)), ...Object.values(lockFiles(job('b'), stateDir, lockDir))];
    expect(probe.mock.calls.filter(([file]) => own.includes(file))).toEqual([]);
    expect([...shown('a'), ...shown('b')].filter((s) => s.inUse)).toEqual([]);
    await vi.waitFor(() => expect(fake.calls).toHaveLength(2)); // a settled and let go: b runs
    expect(fake.calls[1]!.job.mailboxes[0]!.id).toBe('b');
    expect(manager.status('a')).toMatchObject({ state: 'paused', inUse: null });
    await manager.shutdown(1000);
  });
});
