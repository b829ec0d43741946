/**
 * `--shard I/N` end to end, through the real command line: two shards of a 4-mailbox batch migrate and
 * verify separately, each in its own state folder beside the file, and together copy every mailbox exactly
 * once; each shard's ledger knows only its own mailboxes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf } from '../../src/main/engine/batch/shard.js';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { DEFAULT_USERS, startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectDestinationExact } from '../support/expect-exact.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { runCli } from '../support/migration-fixture.js';

let source: DovecotServer;
let destination: DovecotServer;
let dir: string;
const corpora = new Map<string, CorpusMessage[]>();
const users = DEFAULT_USERS.map((u) => u.user);

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  for (const [i, user] of users.entries()) {
    corpora.set(user, generateCorpus({ seed: `shard-${i}`, count: 20, profile: 'small' }));
    await seedGmailSource(source, user, corpora.get(user)!);
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-shard-'));
}, 60_000);

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrate and verify --shard I/2', () => {
  it('copy every mailbox exactly once, each shard with its own state folder', async () => {
    const header = 'source_host,source_port,source_security,source_user,source_password,destination_host,destination_port,destination_security,destination_user,destination_password';
    const password = (s: DovecotServer, user: string) => s.users.find((u) => u.user === user)!.password;
    const rows = users.map((u) => `127.0.0.1,${source.port},none,${u},${password(source, u)},127.0.0.1,${destination.port},none,${u},${password(destination, u)}`);
    const file = path.join(dir, 'users.csv');
    fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');

    for (const index of [0, 1]) {
      const mine = users.filter((u) => shardOf(u, 2) === index);
      const state = path.join(dir, '.mailferry', `shard-${index}-of-2`);
      const run = await runCli(['migrate', file, '--shard', `${index}/2`], { ...process.env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout.split('\n')[0]).toBe(
        `Shard ${index} of 0-1: ${mine.length} of the file's 4 mailboxes (chosen by source user). State folder: ${state} (this shard's own; --state to choose another).`,
      );
      for (const u of users) expect(run.stdout.includes(`Mailbox ${u}: done`), u).toBe(mine.includes(u));

      const verify = await runCli(['verify', file, '--shard', `${index}/2`], { ...process.env });
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout.match(/^Mailbox \S+: complete$/gm)).toHaveLength(mine.length);

      // The shard's ledger holds its own mailboxes, verified, and no other.
      const out = path.join(dir, `report-${index}.json`);
      expect((await runCli(['report', '--state', state, '--out', out], { ...process.env })).code).toBe(0);
      const report = JSON.parse(fs.readFileSync(out, 'utf8')) as { mailboxes: Array<{ id: string; verified: string }> };
      expect(report.mailboxes.map((m) => m.id).sort()).toEqual([...mine].sort());
      expect(report.mailboxes.every((m) => m.verified === 'complete')).toBe(true);
    }
    for (const u of users) await expectDestinationExact(destination.imapOptions(u, 'plain'), corpora.get(u)!);
  });
});
