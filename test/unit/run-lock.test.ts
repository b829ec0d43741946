import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FileLock, thisProcess } from '../../src/main/engine/state/file-lock.js';
import { lockFiles, MailboxLock, mailboxHolder, userLockDir } from '../../src/main/engine/state/run-lock.js';
import type { MailboxJob } from '../../src/main/engine/job/job.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mf-lock-'));
const mailbox = (over: Partial<MailboxJob['destination']> = {}): MailboxJob => ({
  id: 'ann@example.com',
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@example.com' },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: 'ann@example.net', ...over },
});

describe('FileLock', () => {
  it('is exclusive within one process, says who holds it, and is free again after release', () => {
    const file = path.join(tmp(), 'x.lock');
    const a = FileLock.tryAcquire(file, thisProcess('first', '/state', 'm'));
    expect('lock' in a).toBe(true);
    const b = FileLock.tryAcquire(file, thisProcess('second', '/state', 'm'));
    expect(b).toEqual({ heldBy: expect.objectContaining({ by: 'first', pid: process.pid }) });
    expect(FileLock.probe(file)).toEqual({ held: true, by: expect.objectContaining({ by: 'first' }) });
    if ('lock' in a) a.lock.release();
    expect(FileLock.probe(file)).toEqual({ held: false });
    expect(fs.existsSync(`${file}.json`), 'the holder record goes with the lock').toBe(false);
    const c = FileLock.tryAcquire(file, thisProcess('third', '/state', 'm'));
    expect('lock' in c).toBe(true);
    if ('lock' in c) c.lock.release();
  });

  it('the kernel releases the lock of a process killed with SIGKILL; its stale holder record is not believed', async () => {
    const dir = tmp();
    const file = path.join(dir, 'k.lock');
    // The child runs the real module, bundled (Node alone cannot resolve the sources' .js specifiers).
    const bundle = path.join(dir, 'file-lock.cjs');
    await build({ entryPoints: [path.resolve('src/main/engine/state/file-lock.ts')], bundle: true, platform: 'node', format: 'cjs', external: ['better-sqlite3'], outfile: bundle, logLevel: 'silent' });
    const script = `
      const { FileLock, thisProcess } = require(${JSON.stringify(bundle)});
      FileLock.tryAcquire(${JSON.stringify(file)}, thisProcess('child', '/s', 'm'));
      console.log('held'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: path.resolve('node_modules') } });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('held') && resolve());
      child.on('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
    });
    expect(FileLock.probe(file)).toEqual({ held: true, by: expect.objectContaining({ pid: child.pid }) });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(fs.existsSync(`${file}.json`), 'a killed holder leaves its record behind').toBe(true);
    expect(FileLock.probe(file)).toEqual({ held: false });
    const r = FileLock.tryAcquire(file, thisProcess('next', '/s', 'm'));
    expect('lock' in r).toBe(true);
    if ('lock' in r) r.lock.release();
  });
});

describe('MailboxLock', () => {
  it('refuses a second holder of the same destination account, whatever the state folder and spelling', () => {
    const lockDir = tmp();
    const first = MailboxLock.acquire(mailbox(), tmp(), 'mailferry migrate /jobs/a.json', lockDir);
    try {
      const again = () => MailboxLock.acquire(mailbox({ host: 'MAIL.example.net.', user: 'Ann@Example.NET' }), tmp(), 'second', lockDir);
      expect(again).toThrow(MailferryError);
      expect(again).toThrow(/The destination account Ann@Example\.NET on MAIL\.example\.net\.:993 is being written by another Mailferry run \(mailferry migrate \/jobs\/a\.json, process \d+, since .* UTC/);
      // Another port or another user is another account.
      MailboxLock.acquire(mailbox({ port: 143 }), tmp(), 'other port', lockDir).release();
      MailboxLock.acquire(mailbox({ user: 'bob@example.net' }), tmp(), 'other user', lockDir).release();
      expect(mailboxHolder(mailbox(), tmp(), lockDir)?.code).toBe('MAILBOX_IN_USE');
    } finally {
      first.release();
    }
    expect(mailboxHolder(mailbox(), tmp(), lockDir)).toBeNull();
  });

  it('one state folder: the same mailbox id is held once; a failed second lock leaves the first untouched', () => {
    const lockDir = tmp();
    const state = tmp();
    const a = MailboxLock.acquire(mailbox(), state, 'a', lockDir);
    expect(() => MailboxLock.acquire(mailbox({ host: 'other.example.net' }), state, 'b', lockDir)).toThrow(/Mailbox ann@example\.com is in use by another Mailferry run \(a,/);
    expect(mailboxHolder(mailbox(), state, lockDir)?.message).toMatch(/\(a, process/);
    a.release();
    expect(fs.statSync(path.dirname(lockFiles(mailbox(), state, lockDir).state)).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(state), 'nothing is written into the state folder before a run signs in').toEqual([]);
    // The same folder spelled through a symbolic link is the same state folder.
    const link = path.join(tmp(), 'link');
    fs.symlinkSync(state, link);
    const b = MailboxLock.acquire(mailbox(), state, 'b', lockDir);
    expect(() => MailboxLock.acquire(mailbox({ host: 'other.example.net' }), link, 'c', lockDir)).toThrow(/in use by another Mailferry run \(b,/);
    b.release();
  });
});

describe('userLockDir', () => {
  it('is per user, from the home folder only, with an override', () => {
    expect(userLockDir({}, 'linux', '/home/ann')).toBe('/home/ann/.local/state/mailferry/locks');
    expect(userLockDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 'linux', '/home/ann')).toBe('/home/ann/.local/state/mailferry/locks');
    expect(userLockDir({}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Application Support/Mailferry/locks');
    expect(userLockDir({ LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, 'win32', 'C:\\Users\\ann')).toContain('Mailferry');
    expect(userLockDir({ MAILFERRY_LOCK_DIR: '/tmp/l' }, 'linux', '/home/ann')).toBe('/tmp/l');
  });
});
