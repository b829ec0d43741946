/**
 * `mailferry test` as the preflight, through the real command line: what Gmail's settings hide (a label
 * with "Show in IMAP" off, the folder size limit) is a blocker with the setting to change; a label Cyrus
 * will refuse is said with the name it gets; a batch gets one table and fails on one row's blocker; and
 * `--shard` takes that row's shard only. Sources are the scripted Gmail (X-GM-LABELS); destinations real
 * Dovecot and Cyrus.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/main/engine/batch/shard.js';
import { startCyrus, type CyrusServer } from '../support/cyrus.js';
import { startDestination, type DovecotServer } from '../support/dovecot.js';
import { startFakeGmail, type FakeGmail, type FakeMessage } from '../support/fake-gmail/index.js';
import type { ImapTestServer } from '../support/imap-test-server.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { runCli } from '../support/migration-fixture.js';

const CAROL = { user: 'carol@example.com', password: 'carolcarolcarolc' };
const message = (i: number, labels: string[]): FakeMessage => ({
  raw: Buffer.from(`Message-ID: <m${i}@preflight.test>\r\nFrom: a@example.org\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`),
  labels, flags: ['\\Seen'], internalDate: new Date(Date.UTC(2024, 0, 1, 0, i)),
});
/** Inbox, a label, a label only some servers refuse, one hidden in one server, and archived mail. */
const MESSAGES: FakeMessage[] = [
  ...[0, 1, 2, 3].map((i) => message(i, ['\\Inbox'])),
  ...[4, 5, 6].map((i) => message(i, ['Work'])),
  message(7, ['Receipts']), message(8, ['Receipts', '\\Inbox']), message(9, []), message(10, ['Say "hi"']),
];

let gmail: FakeGmail; // everything shown
let hiding: FakeGmail; // "Receipts" hidden from IMAP
let capped: FakeGmail; // folder size limit 1,000, 1,200 messages
let dovecot: DovecotServer;
let cyrus: CyrusServer;
let dir: string;

beforeAll(async () => {
  const many = Array.from({ length: 1200 }, (_, i) => message(100 + i, ['\\Inbox']));
  [gmail, hiding, capped, dovecot, cyrus] = await Promise.all([
    startFakeGmail({ messages: MESSAGES }),
    startFakeGmail({ messages: MESSAGES, hiddenFromImap: ['Receipts'], accounts: [CAROL] }),
    startFakeGmail({ messages: many, folderSizeLimit: 1000 }),
    startDestination(),
    startCyrus(),
  ]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-preflight-'));
}, 60_000);

afterAll(async () => {
  await Promise.all([gmail, hiding, capped, dovecot, cyrus].map((s) => s?.stop()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A one-mailbox job file from a fake Gmail account to a destination user of the same name; passwords in env. */
function job(source: FakeGmail, destination: ImapTestServer, user = source.accounts[0]!.user) {
  const file = path.join(dir, `job-${Math.random().toString(36).slice(2)}.json`);
  const endpoint = (port: number, env: string) => ({ host: '127.0.0.1', port, security: 'none', user, passwordEnv: env });
  fs.writeFileSync(file, JSON.stringify({ mailboxes: [{ source: endpoint(source.port, 'PF_SRC'), destination: endpoint(destination.port, 'PF_DST') }] }));
  const env = { ...process.env, PF_SRC: source.accounts.find((a) => a.user === user)!.password!, PF_DST: destination.users.find((u) => u.user === user)!.password };
  return { file, env };
}

describe('mailferry test: what Gmail hides', () => {
  it('a label hidden from IMAP is a blocker naming it and the setting; nothing is written', async () => {
    const before = [...(await snapshot(dovecot.imapOptions(CAROL.user, 'plain'))).keys()].sort();
    const { file, env } = job(hiding, dovecot);
    const r = await runCli(['test', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Blocker: Gmail hides a label from IMAP \("Show in IMAP" is off\), seen on the 11 newest messages in All Mail: "Receipts" \(2 messages\)\./);
    expect(r.stdout).toContain('In Gmail: Settings > See all settings > Labels, tick "Show in IMAP" for it');
    expect(r.stdout).toContain('Fix the blocker above before migrating. Nothing was written.');
    expect([...(await snapshot(dovecot.imapOptions(CAROL.user, 'plain'))).keys()].sort()).toEqual(before);
  });

  it('the same mailbox with every label shown is ready', async () => {
    const { file, env } = job(gmail, dovecot);
    const r = await runCli(['test', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Blocker');
    expect(r.stdout).toContain('Both sides are ready. Nothing was written.');
  });

  it("folders at Gmail's folder size limit are a blocker with the setting to change", async () => {
    const { file, env } = job(capped, dovecot);
    const r = await runCli(['test', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Blocker: Gmail's IMAP folder size limit looks switched on: "INBOX" \(1,000\), "\[Gmail\]\/All Mail" \(1,000\) show exactly/);
    expect(r.stdout).toContain('Forwarding and POP/IMAP > Folder size limits: choose "Do not limit the number of messages in an IMAP folder"');
  });
});

describe('mailferry test: names a Cyrus destination refuses', () => {
  it('a label holding " will be renamed, said before the run, and the mapping shows the new name', async () => {
    const { file, env } = job(gmail, cyrus);
    const r = await runCli(['test', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Warning: "Say "hi"" will be renamed to "INBOX.Say _hi_": the destination (Cyrus) refuses " % \\ ; < > in folder names.');
    expect(r.stdout).toMatch(/Say "hi"\s+INBOX\.Say _hi_\s+1/);
  });
});

describe('mailferry test of a batch', () => {
  const header = 'id,source_host,source_port,source_security,source_user,source_password,destination_host,destination_port,destination_security,destination_user,destination_password';
  const row = (id: string, source: FakeGmail, user: string, password: string) =>
    `${id},127.0.0.1,${source.port},none,${user},${password},127.0.0.1,${dovecot.port},none,${user},${dovecot.users.find((u) => u.user === user)!.password}`;
  const batch = () => {
    const file = path.join(dir, 'three.csv');
    fs.writeFileSync(file, [header, row('ann', gmail, 'alice@example.com', 'abcdefghijklmnop'), row('bob', gmail, 'bob@example.com', 'qrstuvwxyzabcdef'), row('carol', hiding, CAROL.user, CAROL.password)].join('\n') + '\n');
    return file;
  };

  it('gets one table, the blockers below it by line, and exits 1 for the one row that is not ready', async () => {
    const r = await runCli(['test', batch()], { ...process.env });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout.match(/^line\s+mailbox\s+state\s+blockers\s+warnings\s+Gmail sends\s+days$/gm)).toHaveLength(1);
    expect(r.stdout).toMatch(/^ *2\s+ann\s+ready\s+0\s+0\s+\S+ \S+\s+1$/m);
    expect(r.stdout).toMatch(/^ *3\s+bob\s+ready\s+0\s+0\s+\S+ \S+\s+1$/m);
    expect(r.stdout).toMatch(/^ *4\s+carol\s+NOT READY\s+1\s+0\s+\S+ \S+\s+1$/m);
    expect(r.stdout).toMatch(/^line 4 carol: BLOCKER: Gmail hides a label from IMAP .*"Receipts"/m);
    expect(r.stdout).toContain('2 of 3 mailboxes ready. Nothing was written.');
  });

  it('--shard auto/2 tests only the rows of the shard JOB_COMPLETION_INDEX names', async () => {
    const file = batch();
    const ids = { ann: 'alice@example.com', bob: 'bob@example.com', carol: CAROL.user };
    for (const index of [0, 1]) {
      const mine = Object.entries(ids).filter(([, u]) => shardOf(u, 2) === index).map(([id]) => id);
      const r = await runCli(['test', file, '--shard', 'auto/2'], { ...process.env, JOB_COMPLETION_INDEX: String(index) });
      expect(r.stdout.split('\n')[0]).toBe(`Shard ${index} of 0-1: ${mine.length} of the file's 3 mailboxes (chosen by source user).`);
      expect(r.code, r.stdout + r.stderr).toBe(mine.includes('carol') ? 1 : 0);
      // A row of the table, or the full report of a shard's only mailbox.
      for (const id of Object.keys(ids)) expect(new RegExp(`^( *\\d+\\s+${id}\\s|Mailbox ${id}$)`, 'm').test(r.stdout), id).toBe(mine.includes(id));
    }
  });
});
