import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS } from '../../src/main/engine/ledger/migrations.js';
import { generateCorpus, Prng } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedFolder, seedGmailSource } from '../support/maildir-seed.js';
import { fingerprint, snapshot, sortFingerprints } from '../support/mailbox-snapshot.js';
import { expectedDestination, runCli, writeJob, type CliRun } from '../support/migration-fixture.js';

/**
 * A broken job file or state folder is reported in one line that says what to fix, before anything
 * connects or is written; a damaged ledger is never silently replaced by a fresh one (which would copy
 * everything again).
 */

describe('job file mistakes: exit 2, one line naming the field, no connection at all', () => {
  // Both sides of every job point here: a server that counts connections (and says BYE to any it gets).
  let counter: net.Server;
  let port = 0;
  let accepts = 0;
  beforeAll(async () => {
    counter = net.createServer((s) => {
      accepts++;
      s.end('* BYE this is not an IMAP server\r\n');
    });
    await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
    port = (counter.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => counter.close(() => r())));

  const endpoint = (user: string) => ({ host: '127.0.0.1', port, security: 'none', user, passwordEnv: 'MF_BAD_STATE_PASS' });
  const job = () => ({ mailboxes: [{ source: endpoint('ann@example.com'), destination: endpoint('ann@example.net') }] });
  type Job = ReturnType<typeof job>;

  async function runJob(text: string, opts: { killAfterMs?: number } = {}): Promise<CliRun & { dir: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-badjob-'));
    fs.writeFileSync(path.join(dir, 'job.json'), text);
    const r = await runCli(['migrate', path.join(dir, 'job.json')], { ...process.env, MF_BAD_STATE_PASS: 'not-a-real-password' }, opts);
    return { ...r, dir };
  }

  const edit = (change: (j: Job & Record<string, any>) => void) => () => {
    const j = job();
    change(j);
    return JSON.stringify(j, null, 2);
  };
  const cases: Array<[string, () => string, string[]]> = [
    ['missing source.host', edit((j) => delete (j.mailboxes[0]!.source as Partial<Job['mailboxes'][0]['source']>).host),
      ['mailboxes[0].source.host: must be a non-empty string (got undefined)']],
    ['port "abc"', edit((j) => ((j.mailboxes[0]!.source as any).port = 'abc')), ['mailboxes[0].source.port: must be an integer 1-65535 (got "abc")']],
    ['unknown field "secuirty"', edit((j) => {
      const s = j.mailboxes[0]!.source as any;
      s.secuirty = s.security;
      delete s.security;
    }), ['mailboxes[0].source.secuirty: unknown field (did you mean "security"?)']],
    ['a "password" field', edit((j) => ((j.mailboxes[0]!.destination as any).password = 'hunter2-in-the-file')),
      ['mailboxes[0].destination.password: passwords never go in job files; remove this field.', 'npx mailferry secrets set HOST USER', '"passwordEnv"']],
    // 0.0.0.0 is not loopback, yet a connection to it stays on this machine (Linux routes it to 127.0.0.1),
    // so the counter would see one if the check were missing.
    ['security "none" to a non-loopback host', edit((j) => (j.mailboxes[0]!.destination.host = '0.0.0.0')),
      ['mailboxes[0].destination.security: "none" sends the password and every message unencrypted, so it is allowed only for a loopback host', '"0.0.0.0" is not one', 'Use "tls" (port 993) or "starttls" (port 143)']],
    // The comma after the source's "port" is missing: the parser stops at "security" on the next line.
    ['malformed JSON', () => JSON.stringify(job(), null, 2).replace(`"port": ${port},`, `"port": ${port}`), ['is not valid JSON at line 7, column 9.', 'Fix the JSON syntax there']],
  ];

  it.each(cases)('%s', async (_name, text, expected) => {
    const before = accepts;
    const r = await runJob(text());
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^mailferry: Job file ${path.join(r.dir, 'job.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[: ]`));
    for (const part of expected) expect(lines[0]).toContain(part);
    if (!/JSON|password/.test(_name)) expect(lines[0]).toContain('Fix the field(s) named above in the job file and run again.');
    expect(r.stderr).not.toContain('hunter2-in-the-file');
    expect(accepts - before, 'connections made').toBe(0);
    expect(fs.readdirSync(r.dir), 'nothing written next to the job').toEqual(['job.json']);
  });

  it('(control) a valid job does reach the counting server', async () => {
    const before = accepts;
    // A server that hangs up is retried with backoff, so the run is stopped after a moment.
    await runJob(JSON.stringify(job()), { killAfterMs: 3000 });
    expect(accepts - before).toBeGreaterThan(0);
  });
});

/** Runs `mount ARGS`; returns why it failed, or undefined. Root in a container may still lack CAP_SYS_ADMIN. */
function tryMount(args: string[]): string | undefined {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? err).trim() || String(err);
  }
}
const umount = (dir: string) => execFileSync('umount', [dir], { stdio: 'pipe' });
const mountProbe = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-mount-probe-'));
  const why = tryMount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  if (!why) umount(dir);
  fs.rmdirSync(dir);
  if (why) console.warn(`bad-state: skipping the read-only and full-disk state folder tests: mount does not work here (${why})`);
  return why;
})();

/** Fills the file system holding `dir` to the last byte. */
function fillUp(dir: string): void {
  const fd = fs.openSync(path.join(dir, 'filler'), 'w');
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(4096, 1));
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
}

describe('a state folder that cannot be used or holds a damaged ledger', () => {
  // One account per test that copies, each into its own destination; alice's destination must stay empty.
  const corpora = new Map(['alice', 'bob', 'carol', 'dave'].map((u, i) => [`${u}@example.com`, generateCorpus({ seed: `bad-state-${u}`, count: 30 + i, profile: 'small', maxSizeMB: 0.5 })]));
  let source: DovecotServer;
  let empty: DovecotServer;
  const servers: DovecotServer[] = [];
  beforeAll(async () => {
    [source, empty] = await Promise.all([startGmailSource(), startDestination()]);
    for (const [user, corpus] of corpora) await seedGmailSource(source, user, corpus);
  });
  afterAll(async () => {
    await Promise.all([source?.stop(), empty?.stop(), ...servers.map((s) => s.stop())]);
  });

  async function setUp(user: string, shared = false) {
    const destination = shared ? empty : await startDestination();
    if (!shared) servers.push(destination);
    return { destination, job: writeJob(source, destination, user), now: () => snapshot(destination.imapOptions(user, 'plain')) };
  }

  /** Runs with the given state folder; the report goes next to the job (always writable). */
  async function migrate(job: ReturnType<typeof writeJob>, stateDir = job.stateDir): Promise<CliRun & { report: any }> {
    const reportFile = path.join(job.dir, 'report.json');
    fs.rmSync(reportFile, { force: true });
    const r = await runCli(['migrate', job.jobFile, '--state', stateDir, '--report', reportFile], job.env);
    expect(r.stderr, 'no crash').not.toMatch(/unexpected error/i);
    return { ...r, report: JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0] };
  }

  /** One clear line with the error's sentence and hint, the code in the report, a failing exit, nothing copied. */
  async function expectRefusal(user: string, stateDir: string, code: string, line: RegExp, hint: RegExp) {
    const { job, now } = await setUp(user, true);
    const before = await now();
    const r = await migrate(job, stateDir);
    expect([1, 2], r.stdout + r.stderr).toContain(r.code);
    expect(r.report.error?.code, r.stdout).toBe(code);
    expect(r.report.totals.copied).toBe(0);
    const shown = r.stdout.split('\n').find((l) => line.test(l));
    expect(shown, r.stdout).toMatch(new RegExp(`^Mailbox ${user.replace(/\./g, '\\.')}: failed: `));
    expect(shown).toMatch(hint);
    expect(await now(), 'destination untouched').toEqual(before);
  }
  const UNWRITABLE_HINT = /(Choose a writable folder with --state|Free disk space).*(free disk space|fix the folder permissions)/;
  const unwritable = (dir: string, errno: string) =>
    expectRefusal('alice@example.com', dir, 'STATE_DIR_UNWRITABLE', new RegExp(`The state (folder|file) \\S+ cannot be written \\((${errno})\\)\\.`), UNWRITABLE_HINT);

  it('a state folder path that runs through a regular file (ENOTDIR; permissions do not stop root)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-state-'));
    fs.writeFileSync(path.join(dir, 'a-file'), 'not a folder\n');
    await unwritable(path.join(dir, 'a-file', 'state'), 'ENOTDIR');
  });

  it.skipIf(mountProbe !== undefined)('a read-only state folder (read-only bind mount: EROFS even for root)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-state-ro-'));
    expect(tryMount(['--bind', dir, dir])).toBeUndefined();
    try {
      expect(tryMount(['-o', 'remount,bind,ro', dir])).toBeUndefined();
      await unwritable(dir, 'EROFS');
    } finally {
      umount(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(mountProbe !== undefined)('a full disk (a 64 KB tmpfs filled up before the first run)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-state-full-'));
    expect(tryMount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir])).toBeUndefined();
    try {
      fillUp(dir);
      await unwritable(path.join(dir, 'state'), 'ENOSPC|the disk is full|SQLITE_IOERR\\w*');
    } finally {
      umount(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(mountProbe !== undefined)('a disk that fills up between runs: a clear line, then a run after freeing space completes once', async () => {
    const user = 'carol@example.com';
    const { job, now } = await setUp(user);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-state-fills-'));
    expect(tryMount(['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir])).toBeUndefined();
    try {
      const stateDir = path.join(dir, 'state');
      expect((await migrate(job, stateDir)).code).toBe(0);
      const late = [0, 1].map((i) => ({ raw: Buffer.from(`From: x@example.org\r\nSubject: late ${i}\r\nMessage-ID: <late${i}@example.org>\r\n\r\narrived later\r\n`), internalDate: new Date(Date.UTC(2025, 5, 1 + i)) }));
      await seedFolder(source, user, 'INBOX', late);
      fillUp(dir);
      const before = await now();
      const full = await migrate(job, stateDir);
      expect([1, 2], full.stdout).toContain(full.code);
      expect(full.report.error?.code, full.stdout).toBe('STATE_DIR_UNWRITABLE');
      expect(full.stdout).toMatch(/^Mailbox carol@example\.com: failed: The state (folder|file) \S+ cannot be written \((the disk is full|SQLITE_IOERR\w*|ENOSPC)\)\. .*free disk space/im);
      expect(await now(), 'no message copied without a ledger record').toEqual(before);
      fs.rmSync(path.join(dir, 'filler'));
      const freed = await migrate(job, stateDir);
      expect(freed.code, freed.stdout).toBe(0);
      expect(freed.report.totals.copied).toBe(late.length);
      const expected = expectedDestination(corpora.get(user)!);
      expected.set('INBOX', sortFingerprints([...expected.get('INBOX')!, ...late.map((m) => fingerprint(m.raw, [], m.internalDate))]));
      const actual = await now();
      for (const [folder, msgs] of expected) expect(actual.get(folder), folder).toEqual(msgs);
    } finally {
      umount(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const DAMAGED = /The state file \S+mailferry\.sqlite is damaged \(.+\)\./;
  const DAMAGED_HINT = /Restore it from a backup, or move it aside and run again: the destination is checked message by message, so nothing is copied twice\./;

  it('a ledger full of garbage bytes: LEDGER_DAMAGED, never a fresh start, the file left as it was', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-state-garbage-'));
    const garbage = new Prng('garbage').bytes(16 * 1024);
    fs.writeFileSync(path.join(stateDir, 'mailferry.sqlite'), garbage);
    await expectRefusal('alice@example.com', stateDir, 'LEDGER_DAMAGED', DAMAGED, DAMAGED_HINT);
    expect(fs.readFileSync(path.join(stateDir, 'mailferry.sqlite')).equals(garbage)).toBe(true);
  });

  it('a real ledger with damaged pages: LEDGER_DAMAGED, and mail that arrived since is not copied', async () => {
    const user = 'bob@example.com';
    const { job, now } = await setUp(user);
    expect((await migrate(job)).code).toBe(0);
    const file = path.join(job.stateDir, 'mailferry.sqlite');
    expect(fs.existsSync(`${file}-wal`), 'the WAL is checkpointed on close').toBe(false);
    // Keep the header and the schema page; every table page after it becomes noise.
    const bytes = fs.readFileSync(file);
    new Prng('pages').bytes(bytes.length - 4096).copy(bytes, 4096);
    fs.writeFileSync(file, bytes);
    await seedFolder(source, user, 'INBOX', [{ raw: Buffer.from('From: x@example.org\r\nSubject: new\r\n\r\nnew\r\n'), internalDate: new Date(Date.UTC(2025, 0, 1)) }]);
    const before = await now();
    const r = await migrate(job);
    expect([1, 2]).toContain(r.code);
    expect(r.report.error?.code, r.stdout).toBe('LEDGER_DAMAGED');
    expect(r.stdout).toMatch(new RegExp(`^Mailbox bob@example\\.com: failed: ${DAMAGED.source} ${DAMAGED_HINT.source}$`, 'm'));
    expect(await now(), 'a fresh start would have copied the new message').toEqual(before);
    expect(fs.readFileSync(file).equals(bytes), 'the damaged ledger is left for the user').toBe(true);
  });

  it('a ledger from schema version 1 is migrated to the latest, keeping its rows and their meaning', async () => {
    const user = 'dave@example.com';
    const { job, now } = await setUp(user);
    // A message the old ledger already records as copied (it is not on this destination: a re-copy would show).
    const client = new ImapFlow({ ...source.imapOptions(user, 'plain'), logger: false });
    await client.connect();
    const lock = await client.getMailboxLock('INBOX', { readOnly: true });
    const uidValidity = Number(client.mailbox && client.mailbox.uidValidity);
    const first = await client.fetchOne('1', { uid: true, source: true, internalDate: true, size: true });
    if (!first) throw new Error('the source INBOX is empty');
    lock.release();
    await client.logout();

    fs.mkdirSync(job.stateDir, { recursive: true });
    const old = new Database(path.join(job.stateDir, 'mailferry.sqlite'));
    old.exec(MIGRATIONS[0]!.sql);
    old.pragma('user_version = 1');
    old.prepare(`INSERT INTO messages (mailbox, source_path, uidvalidity, uid, state, target_path, msg_key, size, internal_date, updated_at)
      VALUES (?, 'INBOX', ?, ?, 'done', 'INBOX', 'from-version-1', ?, ?, 12345)`).run(user, uidValidity, first.uid, first.size, new Date(first.internalDate!).getTime());
    old.close();

    const r = await migrate(job);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const db = new Database(path.join(job.stateDir, 'mailferry.sqlite'), { readonly: true });
    try {
      expect(LATEST_VERSION).toBeGreaterThan(1);
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      const row = db.prepare('SELECT state, msg_key, updated_at FROM messages WHERE mailbox = ? AND source_path = ? AND uid = ?').get(user, 'INBOX', first.uid);
      expect(row).toEqual({ state: 'done', msg_key: 'from-version-1', updated_at: 12345 });
    } finally {
      db.close();
    }
    const expected = expectedDestination(corpora.get(user)!);
    const gone = fingerprint(first.source!, [], new Date(first.internalDate!)).sha256;
    const inbox = expected.get('INBOX')!;
    const at = inbox.findIndex((m) => m.sha256 === gone);
    expect(at).toBeGreaterThanOrEqual(0);
    inbox.splice(at, 1); // one copy only: the corpus may hold an identical pair
    const actual = await now();
    for (const [folder, msgs] of expected) expect(actual.get(folder), folder).toEqual(msgs);
  });
});
