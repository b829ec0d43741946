import { afterAll, describe, expect, it } from 'vitest';
import { parseJob } from '../../src/main/engine/job/job.js';
import { buildReport } from '../../src/main/engine/report/report.js';
import { runMigration } from '../../src/main/engine/run/run-migration.js';
import { generateCorpus } from '../support/corpus.js';
import { startCyrus } from '../support/cyrus.js';
import { startDestination, startGmailSource } from '../support/dovecot.js';
import { expectExact } from '../support/expect-exact.js';
import { startFakeGmail, type FakeMessage } from '../support/fake-gmail/index.js';
import type { ImapTestServer } from '../support/imap-test-server.js';
import { seedFolder, seedGmailSource } from '../support/maildir-seed.js';
import { fingerprint, snapshot, sortFingerprints } from '../support/mailbox-snapshot.js';
import { expectedDestination } from '../support/migration-fixture.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Destinations that make a batch fail in ways that must not cost messages: a connection that dies without a
// reply on one message, and Cyrus's 100 keywords per folder (its imapd crashes on a MULTIAPPEND that
// crosses the limit, and refuses a single APPEND cleanly).
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanup.map((c) => c()));
});
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mf-guard-'));
const FAST = { retryBaseMs: 50, retryMaxMs: 200, connectionsPerAccount: 1 };

describe('a batch that kills the destination connection', () => {
  it('is split down to the one message at fault, which is listed; everything else is copied once', async () => {
    const USER = 'alice@example.com';
    const [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
    cleanup.push(() => source.stop(), () => destination.stop());
    const corpus = generateCorpus({ seed: 'guard', count: 60, profile: 'small', maxSizeMB: 0.05 });
    await seedGmailSource(source, USER, corpus);
    const date = new Date('2023-07-08T09:10:11Z');
    const poison = Buffer.from(`Message-ID: <poison@guard.test>\r\nSubject: the server dies on this one\r\nX-Kill-Connection: ${'k'.repeat(40)}\r\n\r\nbody\r\n`);
    await seedFolder(source, USER, 'INBOX', [{ raw: poison, internalDate: date }]);
    // The destination's connection dies whenever this message's bytes go through: no reply, no BYE.
    const marker = Buffer.from(`X-Kill-Connection: ${'k'.repeat(40)}`);
    let kills = 0;
    const tails = new Map<number, Buffer>();
    const proxy = await startTcpProxy({
      targetPort: destination.port,
      transform: (dir, chunk, conn) => {
        if (dir !== 'toServer') return chunk;
        const seen = Buffer.concat([tails.get(conn.id) ?? Buffer.alloc(0), chunk]);
        tails.set(conn.id, seen.subarray(-marker.length));
        if (!seen.includes(marker)) return chunk;
        kills++;
        conn.cut();
        return Buffer.alloc(0);
      },
    });
    cleanup.push(() => proxy.close());
    const password = (side: string) => (side === 'source' ? source : destination).users.find((u) => u.user === USER)!.password;
    const job = parseJob({
      mailboxes: [{
        source: { host: '127.0.0.1', port: source.port, security: 'none', user: USER },
        destination: { host: '127.0.0.1', port: proxy.port, security: 'none', user: USER },
      }],
      options: FAST,
    }, process.cwd());
    const run = buildReport(await runMigration(job, { stateDir: tmp(), password })).mailboxes[0]!;
    expect(run.error, JSON.stringify(run.error)).toBeUndefined();
    expect(run.failures).toEqual([expect.objectContaining({ folder: 'INBOX', subject: 'the server dies on this one', code: 'MESSAGE_REFUSED' })]);
    expect(run.failures[0]!.reason).toMatch(/closed the connection each time this message was sent/);
    // Two deaths of the batch, then two of the message on its own: never endless.
    expect(kills).toBe(4);
    expectExact(await snapshot(destination.imapOptions(USER, 'plain')), expectedDestination(corpus));
  });
});

describe('a folder that holds at most 100 keywords (Cyrus)', () => {
  it('finishes: every message lands, the keywords past the limit are left off with a note', async () => {
    const USER = 'bob@example.com';
    const date = (i: number) => new Date(Date.UTC(2022, 0, 1, 0, i));
    const messages: FakeMessage[] = Array.from({ length: 130 }, (_, i) => ({
      raw: Buffer.from(`Message-ID: <kw${i}@keywords.test>\r\nSubject: keyword ${i}\r\nFrom: a@example.com\r\n\r\nbody ${i}\r\n`),
      labels: ['\\Inbox'],
      flags: ['\\Seen', `kw${String(i).padStart(3, '0')}`],
      internalDate: date(i),
    }));
    const [gmail, cyrus] = await Promise.all([startFakeGmail({ messages }), startCyrus()]);
    cleanup.push(() => gmail.stop(), () => cyrus.stop());
    const job = parseJob({
      mailboxes: [{ source: gmail.endpoint(USER), destination: { host: '127.0.0.1', port: cyrus.port, security: 'none', user: USER } }],
      options: FAST,
    }, process.cwd());
    const password = (side: string) => (side === 'source' ? gmail.accounts.find((a) => a.user === USER)!.password! : cyrus.users.find((u) => u.user === USER)!.password);
    const lost: string[] = [];
    const onProgress = (p: { state: string; reason?: { code: string } }) => p.state === 'retrying' && p.reason && lost.push(p.reason.code);
    const run = buildReport(await runMigration(job, { stateDir: tmp(), password, onProgress })).mailboxes[0]!;
    expect(run.error, JSON.stringify(run.error)).toBeUndefined();
    expect(run.failures).toEqual([]);
    // Cyrus's imapd really crashed on the MULTIAPPEND that crossed the limit, and only twice: then one at a time.
    expect(lost.length).toBeGreaterThanOrEqual(1);
    expect(lost.length).toBeLessThanOrEqual(2);
    expect(new Set(lost)).toEqual(new Set(['CONNECTION_LOST']));
    expect(run.notes).toContainEqual(expect.stringMatching(/^"INBOX" on the destination holds at most \d+ keywords \(the server answered "Too many user flags in mailbox"\)/));
    const inbox = (await snapshot((cyrus as ImapTestServer).imapOptions(USER, 'plain'), ['INBOX'])).get('INBOX')!;
    expect(inbox).toHaveLength(messages.length);
    const keywords = new Set(inbox.flatMap((m) => m.flags.filter((f) => !f.startsWith('\\'))));
    expect(keywords.size).toBeGreaterThanOrEqual(90);
    expect(keywords.size).toBeLessThanOrEqual(100);
    // Every message is there with its own bytes and \Seen; only some lost their keyword.
    const bare = (fps: typeof inbox) => sortFingerprints(fps.map((f) => ({ ...f, flags: f.flags.filter((x) => x.startsWith('\\')) })));
    expect(bare(inbox)).toEqual(bare(messages.map((m) => fingerprint(m.raw, m.flags, m.internalDate))));
  });
});
