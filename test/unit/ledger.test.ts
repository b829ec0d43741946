import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/main/engine/ledger/ledger.js';
import { LATEST_VERSION, MIGRATIONS } from '../../src/main/engine/ledger/migrations.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-ledger-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) {
    fs.chmodSync(d, 0o700);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

const ref = (uid: number, uidValidity = 7) => ({ mailbox: 'm', sourcePath: 'INBOX', uidValidity, uid });
const facts = (key = 'k') => ({ targetPath: 'INBOX', key, size: 10, internalDate: 1 });

describe('Ledger', () => {
  it('applies every migration in order on a new file (WAL mode)', () => {
    const dir = tmp();
    Ledger.open(dir).close();
    const db = new Database(path.join(dir, 'mailferry.sqlite'));
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    db.close();
  });

  it('tracks intent, done, present, skipped and failed rows', () => {
    const l = Ledger.open(tmp());
    l.recordIntents([{ ref: ref(1), facts: facts(), fingerprint: 'fp1' }]);
    expect([...l.pending('m', 'INBOX', 7)]).toEqual([[1, 'fp1']]);
    expect(l.finishedUids('m', 'INBOX', 7).size).toBe(0);
    expect(l.countFinished('m', 'INBOX', 7)).toBe(0);
    l.markDone(ref(1), 100, 5);
    l.recordFinished([{ ref: ref(2), facts: facts(), state: 'present', destUidValidity: 100, destUid: 6 }]);
    l.recordFinished([{ ref: ref(3), facts: facts('z'), state: 'skipped', reason: 'x' }]);
    l.markFailed(ref(4), facts(), 'too big');
    expect([...l.finishedUids('m', 'INBOX', 7)].sort()).toEqual([1, 2, 3]);
    expect(l.countFinished('m', 'INBOX', 7)).toBe(3);
    expect(l.countFinished('m', 'INBOX', 8)).toBe(0);
    expect([...l.claimedDestUids('m', 'INBOX', 100)].sort()).toEqual([5, 6]);
    expect(l.pending('m', 'INBOX', 7).size).toBe(0);
    l.close();
  });

  it('never lets two rows claim the same destination message', () => {
    const l = Ledger.open(tmp());
    l.markDone(ref(1), 1, 1);
    l.recordIntents([{ ref: ref(1), facts: facts(), fingerprint: 's' }]);
    l.markDone(ref(1), 100, 5);
    l.recordIntents([{ ref: ref(2), facts: facts(), fingerprint: 's' }]);
    expect(() => l.markDone(ref(2), 100, 5)).toThrow(/UNIQUE/);
    l.close();
  });

  it('forgets rows of an old UIDVALIDITY and releases their claims', () => {
    const l = Ledger.open(tmp());
    l.recordIntents([{ ref: ref(1, 7), facts: facts(), fingerprint: 's' }]);
    l.markDone(ref(1, 7), 100, 5);
    expect(l.dropOtherUidValidities('m', 'INBOX', 8)).toBe(1);
    expect(l.claimedDestUids('m', 'INBOX', 100).size).toBe(0);
    l.close();
  });

  it('keeps folder checkpoints', () => {
    const l = Ledger.open(tmp());
    l.putFolder({ mailbox: 'm', sourcePath: 'INBOX', uidValidity: 7, uidNext: 10, messages: 9, targetPath: 'INBOX' });
    l.putFolder({ mailbox: 'm', sourcePath: 'INBOX', uidValidity: 7, uidNext: 11, messages: 10, targetPath: 'INBOX' });
    expect(l.getFolder('m', 'INBOX')).toMatchObject({ uidNext: 11, messages: 10 });
    expect(l.getFolder('m', 'Other')).toBeUndefined();
    l.close();
  });

  it('refuses a ledger from a newer version with a clear error', () => {
    const dir = tmp();
    const db = new Database(path.join(dir, 'mailferry.sqlite'));
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    db.close();
    expect(() => Ledger.open(dir)).toThrow(expect.objectContaining({ code: 'LEDGER_TOO_NEW' }));
  });

  it('reports a damaged file instead of starting over', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'mailferry.sqlite'), Buffer.alloc(8192, 0x41));
    expect(() => Ledger.open(dir)).toThrow(expect.objectContaining({ code: 'LEDGER_DAMAGED', hint: expect.stringContaining('nothing is copied twice') }));
  });

  it('reports a read-only state folder', () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits; a path under a regular file can never be created.
      const dir = tmp();
      fs.writeFileSync(path.join(dir, 'file'), '');
      expect(() => Ledger.open(path.join(dir, 'file', 'state'))).toThrow(expect.objectContaining({ code: 'STATE_DIR_UNWRITABLE' }));
      return;
    }
    const dir = tmp();
    fs.chmodSync(dir, 0o500);
    expect(() => Ledger.open(path.join(dir, 'state'))).toThrow(expect.objectContaining({ code: 'STATE_DIR_UNWRITABLE' }));
  });

  it('migrates a version-1 ledger to the latest version, keeping its rows', () => {
    const dir = tmp();
    const db = new Database(path.join(dir, 'mailferry.sqlite'));
    db.exec(MIGRATIONS[0]!.sql);
    db.pragma('user_version = 1');
    db.prepare(`INSERT INTO messages (mailbox, source_path, uidvalidity, uid, state, updated_at) VALUES ('m', 'INBOX', 7, 3, 'done', 0)`).run();
    db.close();
    const l = Ledger.open(dir);
    expect([...l.finishedUids('m', 'INBOX', 7)]).toEqual([3]);
    l.recordRun({ mailbox: 'm', startedAt: 1, finishedAt: 2, state: 'done', copied: 5, present: 1, failed: 0, bytes: 10 });
    l.close();
    const check = new Database(path.join(dir, 'mailferry.sqlite'));
    expect(check.prepare('SELECT mailbox, started_at, state, copied, present, failed, bytes, error_code FROM runs').all()).toEqual([
      { mailbox: 'm', started_at: 1, state: 'done', copied: 5, present: 1, failed: 0, bytes: 10, error_code: null },
    ]);
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    check.close();
  });
});

describe('migration 5: where mailboxes go, and verify verdicts', () => {
  /** A ledger as version 4 left it, with a run and a message row. */
  function version4(dir: string): void {
    const db = new Database(path.join(dir, 'mailferry.sqlite'));
    for (const m of MIGRATIONS.filter((x) => x.version <= 4)) db.exec(m.sql);
    db.pragma('user_version = 4');
    db.prepare(`INSERT INTO messages (mailbox, source_path, uidvalidity, uid, state, target_path, dest_uidvalidity, dest_uid, updated_at) VALUES ('m', 'INBOX', 7, 3, 'done', 'INBOX', 9, 1, 0)`).run();
    db.prepare(`INSERT INTO runs (mailbox, started_at, finished_at, state, copied, present, failed, bytes) VALUES ('m', 1, 2, 'done', 1, 0, 0, 10)`).run();
    db.close();
  }

  it('adds the endpoint and verification tables to a version-4 ledger, keeping its rows', () => {
    const dir = tmp();
    version4(dir);
    const l = Ledger.open(dir);
    expect(l.history.mailboxes()).toEqual(['m']);
    expect(l.history.runs('m')).toHaveLength(1);
    expect(l.history.endpoints('m')).toBeUndefined();
    expect(l.history.latestVerification('m')).toBeUndefined();
    l.close();
    const db = new Database(path.join(dir, 'mailferry.sqlite'));
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all().map((r) => (r as { name: string }).name);
    expect(tables).toEqual(expect.arrayContaining(['mailbox_endpoints', 'verifications']));
    db.close();
  });

  it('records hosts, users and sign-in method only, never a secret field of the endpoint', () => {
    const dir = tmp();
    const l = Ledger.open(dir);
    const secret = 'hunter2-app-password';
    const source = { host: 'imap.gmail.com', port: 993, user: 'ann@example.com', passwordEnv: 'SRC', password: secret, oauthClientId: 'x' };
    const destination = { host: 'mail.example.net', port: 993, user: 'ann@example.net', auth: 'oauth2-app', clientSecretEnv: 'SECRET', clientSecret: secret };
    l.history.recordEndpoints({ id: 'ann', source, destination });
    l.history.recordEndpoints({ id: 'ann', source, destination }); // a later run: still one row
    expect(l.history.endpoints('ann')).toEqual({
      source: { host: 'imap.gmail.com', user: 'ann@example.com', auth: 'password' },
      destination: { host: 'mail.example.net', user: 'ann@example.net', auth: 'oauth2-app' },
    });
    l.close();
    const db = new Database(path.join(dir, 'mailferry.sqlite'));
    expect(db.prepare('SELECT COUNT(*) AS n FROM mailbox_endpoints').get()).toEqual({ n: 1 });
    db.close();
    expect(fs.readFileSync(path.join(dir, 'mailferry.sqlite')).includes(secret)).toBe(false);
    if (fs.existsSync(path.join(dir, 'mailferry.sqlite-wal'))) expect(fs.readFileSync(path.join(dir, 'mailferry.sqlite-wal')).includes(secret)).toBe(false);
  });

  it('keeps every verdict and answers the latest', () => {
    const l = Ledger.open(tmp());
    const folders = [{ source: 'INBOX', target: 'INBOX', expected: 3, onDestination: 2, missing: 1, extra: 0 }];
    l.history.recordVerification({ mailbox: 'm', verifiedAt: 100, complete: false, folders, changes: [] });
    l.history.recordVerification({ mailbox: 'm', verifiedAt: 200, complete: true, folders: [{ ...folders[0]!, onDestination: 3, missing: 0 }], changes: ['The destination added a final line ending to 1 message (INBOX: 1).'] });
    expect(l.history.latestVerification('m')).toMatchObject({ verifiedAt: 200, complete: true, folders: [{ missing: 0 }], changes: [expect.stringContaining('final line ending')] });
    expect(l.history.latestVerification('other')).toBeUndefined();
    expect(l.history.mailboxes()).toEqual(['m']);
    l.close();
  });
});
