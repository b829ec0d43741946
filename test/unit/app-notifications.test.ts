/**
 * Desktop notifications: the triggers as pure functions, and the Notifier on a real migration manager with a
 * scripted engine (a failure, a long quota wait, another run holding a mailbox, everything done; off in Settings).
 */
import { describe, expect, it } from 'vitest';
import { attentionNotice, finishedNotice, LONG_WAIT_MS, Notifier, type Notice } from '../../src/main/app/notifications.js';
import { AppStore } from '../../src/main/app/app-store.js';
import { MigrationManager } from '../../src/main/app/migration-manager.js';
import type { MailboxConfig, MailboxStatus } from '../../src/shared/contract.js';
import { fakeRun, memorySecrets, progress, settle, tempDir } from './app-fakes.js';

const status = (id: string, over: Partial<MailboxStatus> = {}): MailboxStatus => ({
  id, state: 'copying', progress: null, lastError: null, nextAttemptAt: null, inUse: null, check: null, verification: null, ...over,
});
const NOW = 1_700_000_000_000;

describe('attentionNotice', () => {
  it('a mailbox that stops says why', () => {
    const failed = status('ann', { state: 'failed', lastError: { code: 'AUTH_FAILED', message: 'Gmail rejected the password.', hint: 'Edit the mailbox.' } });
    expect(attentionNotice(status('ann'), failed, NOW)).toEqual({ title: 'ann stopped', body: 'Gmail rejected the password. Edit the mailbox.' });
    expect(attentionNotice(failed, failed, NOW)).toBeNull(); // once
    expect(attentionNotice(undefined, failed, NOW)).toBeNull(); // already failed when the app started
  });

  it('a long wait for a daily limit, not a short one', () => {
    const waiting = (ms: number) => status('ann', { state: 'waiting-quota', nextAttemptAt: NOW + ms, lastError: { code: 'SOURCE_OVER_QUOTA', message: 'Gmail’s daily download limit is used up.' } });
    expect(attentionNotice(status('ann'), waiting(LONG_WAIT_MS), NOW)).toMatchObject({ title: 'ann is waiting for a daily limit', body: expect.stringMatching(/^Gmail’s daily download limit is used up\. It continues by itself at .+; the other mailboxes go on meanwhile\.$/) });
    expect(attentionNotice(status('ann'), waiting(60_000), NOW)).toBeNull();
  });

  it('another Mailferry run taking the mailbox', () => {
    const held = status('ann', { state: 'done', inUse: { code: 'MAILBOX_IN_USE', message: 'It is being written by another Mailferry run.', hint: 'Wait for it.' } });
    expect(attentionNotice(status('ann', { state: 'done' }), held, NOW)).toEqual({ title: 'ann is in use by another Mailferry run', body: 'It is being written by another Mailferry run. Wait for it.' });
    expect(attentionNotice(held, held, NOW)).toBeNull();
  });

  it('nothing for ordinary progress', () => {
    expect(attentionNotice(status('ann', { state: 'queued' }), status('ann'), NOW)).toBeNull();
    expect(attentionNotice(status('ann'), status('ann', { state: 'done' }), NOW)).toBeNull();
  });
});

describe('finishedNotice', () => {
  const done = (id: string, failed = 0) => status(id, { state: 'done', progress: progress(id, { state: 'done', copied: 10, failed }) });
  it('everything done', () => {
    expect(finishedNotice([done('a'), done('b')])).toEqual({ title: 'Everything is done', body: '2 mailboxes finished; 20 messages copied.' });
  });
  it('done with problems', () => {
    expect(finishedNotice([done('a', 2), status('b', { state: 'failed' })])).toEqual({
      title: 'Mailferry has finished',
      body: '1 mailbox done, 1 mailbox stopped, 2 messages could not be copied. See the details in Mailferry.',
    });
  });
  it('not when the user paused or cancelled some, nor for nothing', () => {
    expect(finishedNotice([done('a'), status('b', { state: 'paused' })])).toBeNull();
    expect(finishedNotice([])).toBeNull();
  });
});

const mailbox = (id: string): MailboxConfig => ({
  id,
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: id },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: id },
  exclude: [],
  labelPolicy: 'folder-per-label',
  labelsAsKeywords: false,
});

function setup() {
  const dataDir = tempDir();
  const store = new AppStore(dataDir);
  for (const id of ['a', 'b']) store.putMailbox(mailbox(id));
  const secrets = memorySecrets({ 'a@imap.gmail.com': 'p', 'a@mail.example.net': 'p', 'b@imap.gmail.com': 'p', 'b@mail.example.net': 'p' });
  const fake = fakeRun();
  const manager = new MigrationManager({ store, secrets, stateDir: `${dataDir}/state`, run: fake.run, batchIntervalMs: 0 });
  const shown: Notice[] = [];
  const notifier = new Notifier(manager, () => store.settings().notifications, (n) => shown.push(n), () => NOW);
  return { store, manager, fake, shown, notifier };
}

describe('Notifier', () => {
  it('tells of a failed mailbox, then of the end of everything that was started', async () => {
    const { manager, fake, shown } = setup();
    manager.control('start', { ids: 'all' });
    fake.calls[0]!.emit({ state: 'copying', planned: 5 });
    fake.calls[0]!.finish({ state: 'failed', reason: { code: 'AUTH_FAILED', message: 'refused' } }, { error: { code: 'AUTH_FAILED', message: 'Gmail rejected the password.', retryable: false } });
    await settle(5);
    expect(shown).toEqual([{ title: 'a stopped', body: 'Gmail rejected the password.' }]);
    fake.calls[1]!.finish({ state: 'done', planned: 3, copied: 3 });
    await settle(5);
    expect(shown[1]).toEqual({ title: 'Mailferry has finished', body: '1 mailbox done, 1 mailbox stopped. See the details in Mailferry.' });
    await manager.shutdown();
  });

  it('a long quota wait is told once; Pause all ends the round without "done"; the setting turns it all off', async () => {
    const { manager, fake, shown, store } = setup();
    manager.control('start', { ids: ['a'] });
    fake.calls[0]!.emit({ state: 'waiting-quota', nextAttemptAt: NOW + 3_600_000, reason: { code: 'SOURCE_OVER_QUOTA', message: 'Gmail’s daily download limit is used up.' } });
    await settle(5);
    expect(shown.map((n) => n.title)).toEqual(['a is waiting for a daily limit']);
    manager.control('pause', { ids: 'all' });
    await settle(5);
    expect(shown).toHaveLength(1);
    store.setSettings({ ...store.settings(), notifications: false });
    manager.control('resume', { ids: ['a'] });
    fake.calls[1]!.finish({ state: 'failed' }, { error: { code: 'AUTH_FAILED', message: 'no', retryable: false } });
    await settle(5);
    expect(shown).toHaveLength(1);
    await manager.shutdown();
  });
});
