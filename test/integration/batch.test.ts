/**
 * Batch files end to end, through the real command line: a 12-mailbox imapsync batch is tested (a broken
 * line and a wrong password named), fixed, tested again, migrated exactly with no password in anything
 * written, then imported into the keychain and migrated from the job file alone. Run inside
 * scripts/with-keyring.sh (a real gnome-keyring).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPassword } from '../../src/main/engine/connect/secrets.js';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer, type DovecotUser } from '../support/dovecot.js';
import { expectDestinationExact } from '../support/expect-exact.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { runCli } from '../support/migration-fixture.js';

const N = 12;
const names = Array.from({ length: N }, (_, i) => `u${String(i + 1).padStart(2, '0')}@example.com`);
const sourceUsers: DovecotUser[] = names.map((user) => ({ user, password: `Src-${user.slice(0, 3)}-q7#Lw` }));
const destUsers: DovecotUser[] = names.map((user) => ({ user, password: `Dst-${user.slice(0, 3)}-m2!Zx` }));
const passwords = [...sourceUsers, ...destUsers].map((u) => u.password);

let source: DovecotServer;
let destination: DovecotServer;
let spare: DovecotServer;
const corpora = new Map<string, CorpusMessage[]>();
let dir: string;

beforeAll(async () => {
  [source, destination, spare] = await Promise.all([startGmailSource({ users: sourceUsers }), startDestination({ users: destUsers }), startDestination({ users: destUsers })]);
  for (const [i, user] of names.entries()) {
    const corpus = generateCorpus({ seed: `batch-${i}`, count: 30, profile: 'small' });
    corpora.set(user, corpus);
    await seedGmailSource(source, user, corpus);
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-batch-'));
}, 120_000);

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop(), spare?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * imapsync's format, three ways of saying where: host:port on the line, --ssl/--port options (TLS with the
 * CA from the command line), and nothing (the command line's host and port). The destination is
 * "localhost" so its keychain items never share a name with the source's (127.0.0.1).
 */
function batchText(dest: DovecotServer, opts: { broken?: boolean; wrongPassword?: boolean } = {}): string {
  const lines = ['# host1;user1;password1;host2;user2;password2;extra', ''];
  names.forEach((user, i) => {
    const sp = sourceUsers[i]!.password;
    const dp = opts.wrongPassword && i === 4 ? 'not-the-password' : destUsers[i]!.password;
    if (i < 4) lines.push(`127.0.0.1:${source.port};${user};${sp};localhost:${dest.port};${user};${dp};`);
    else if (i < 8) lines.push(`127.0.0.1;${user};${sp};localhost;${user};${dp};--ssl1 --port1 ${source.tlsPort} --ssl2 --port2 ${dest.tlsPort} --automap`);
    else lines.push(`;${user};${sp};localhost:${dest.port};${user};${dp}`);
    if (opts.broken && i === 6) lines.push('127.0.0.1;forgot-the-rest@example.com');
  });
  return lines.join('\n') + '\n';
}

const flags = () => ['--source-host', '127.0.0.1', '--source-port', String(source.port), '--source-security', 'none', '--destination-security', 'none', '--source-ca', source.caFile];
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
/** The rows of `test`'s table for a ready mailbox: line, mailbox, "ready". */
const readyRows = /^ *\d+ +u\d\d@example\.com +ready /gm;

/** Every file under a folder, as text (SQLite stores strings as UTF-8, so a password would show). */
function everyFile(root: string): Array<{ file: string; text: string }> {
  return fs.readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .map((file) => ({ file, text: fs.readFileSync(file).toString('latin1') }));
}

function expectNoPassword(files: Array<{ file: string; text: string }>): void {
  expect(files.length).toBeGreaterThan(0);
  for (const { file, text } of files) for (const p of passwords) expect(text.includes(p), `${p} in ${file}`).toBe(false);
}

describe('batch files (imapsync format, 12 mailboxes)', () => {
  it('test names the broken line and the wrong password by line and mailbox, and fails', async () => {
    const text = batchText(destination, { broken: true, wrongPassword: true });
    const file = path.join(dir, 'broken.txt');
    fs.writeFileSync(file, text);
    const run = await runCli(['test', file, ...flags(), '--destination-ca', destination.caFile], { ...process.env });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const broken = lineOf(text, 'forgot-the-rest');
    const wrong = lineOf(text, 'not-the-password');
    expect(run.stdout).toContain(`line ${broken}: NOT READ: needs 6 fields separated by ";"`);
    expect(run.stdout).toMatch(new RegExp(`line ${wrong} u05@example.com: BLOCKER: destination: .*rejected the username or password for u05@example.com\\. The password is the one on line ${wrong} of the file: correct it there\\.`));
    // One preflight table: a row per line of the file, the broken one included.
    expect(run.stdout.match(readyRows)).toHaveLength(N - 1);
    expect(run.stdout).toMatch(new RegExp(`^ *${wrong} +u05@example\\.com +NOT READY +1 +0 `, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^ *${broken} +- +NOT READ +1 +0`, 'm'));
    expect(run.stdout).toContain(`${N - 1} of ${N} mailboxes ready; 1 line of the file not read.`);
    expect(run.stderr).toMatch(/lines \d+, \d+, \d+, \d+: --automap ignored/);
    for (const p of passwords) expect(run.stdout + run.stderr).not.toContain(p);
  });

  it('after the fix, test passes for every mailbox, quickly', async () => {
    const file = path.join(dir, 'batch.txt');
    fs.writeFileSync(file, batchText(destination));
    const started = Date.now();
    const run = await runCli(['test', file, ...flags(), '--destination-ca', destination.caFile], { ...process.env });
    const ms = Date.now() - started;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout.match(readyRows)).toHaveLength(N);
    console.log(`mailferry test of a ${N}-mailbox batch: ${ms} ms (process start and build check included)`);
    expect(ms).toBeLessThan(20_000);
  });

  it('migrate from the batch copies every mailbox exactly and writes no password anywhere', async () => {
    const file = path.join(dir, 'batch.txt');
    const stateDir = path.join(dir, 'state');
    const report = path.join(dir, 'report.json');
    const run = await runCli(['migrate', file, ...flags(), '--destination-ca', destination.caFile, '--state', stateDir, '--report', report], { ...process.env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const user of names) await expectDestinationExact(destination.imapOptions(user, 'plain'), corpora.get(user)!);
    expectNoPassword([...everyFile(stateDir), { file: report, text: fs.readFileSync(report, 'utf8') }]);
    for (const p of passwords) expect(run.stdout + run.stderr).not.toContain(p);
  });

  it('import stores the passwords in the keychain and writes a job without them; migrate JOB.json then needs nothing else', async () => {
    const file = path.join(dir, 'spare.txt');
    const job = path.join(dir, 'spare.json');
    fs.writeFileSync(file, batchText(spare));
    const imported = await runCli(['import', file, '--out', job, ...flags(), '--destination-ca', spare.caFile], { ...process.env });
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`Stored ${2 * N} passwords in the OS keychain`);
    expect(getPassword('127.0.0.1', names[0]!)).toBe(sourceUsers[0]!.password);
    expect(getPassword('localhost', names[11]!)).toBe(destUsers[11]!.password);
    const again = await runCli(['import', file, '--out', job, ...flags()], { ...process.env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists already; nothing was imported');

    fs.rmSync(file);
    const stateDir = path.join(dir, 'spare-state');
    const run = await runCli(['migrate', job, '--state', stateDir], { ...process.env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const user of names) await expectDestinationExact(spare.imapOptions(user, 'plain'), corpora.get(user)!);
    expectNoPassword([...everyFile(stateDir), { file: job, text: fs.readFileSync(job, 'utf8') }]);
  });
});
