import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorpusMessage } from '../support/corpus.js';
import { expectedOn, FAMILIES, QUOTED_LABEL, trickyCorpus, type Family } from '../support/destination-families.js';
import { startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectExact } from '../support/expect-exact.js';
import type { ImapTestServer } from '../support/imap-test-server.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { snapshot, type MessageFingerprint } from '../support/mailbox-snapshot.js';
import { runCli, writeJob, type JobFixture } from '../support/migration-fixture.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

// The exactness scenarios on every destination family a client moves to: Dovecot, Courier (cPanel hosts)
// and Cyrus (Fastmail's family), each as Debian ships it. Every message lands (as the server stores it),
// nothing twice after kills or without the ledger, verify agrees, a full mailbox stops cleanly.
let source: DovecotServer;
let corpus: CorpusMessage[];
const cleanup: Array<() => Promise<void>> = [];
const USERS = ['alice@example.com', 'bob@example.com', 'carol@example.com'] as const;

beforeAll(async () => {
  source = await startGmailSource();
  corpus = trickyCorpus('families', 150);
  for (const u of USERS) await seedGmailSource(source, u, corpus);
});

afterAll(async () => {
  await Promise.all([...cleanup.map((c) => c()), source?.stop()]);
});

const total = (m: Map<string, MessageFingerprint[]>) => [...m.values()].reduce((s, l) => s + l.length, 0);

async function migrate(job: JobFixture, stateDir = job.stateDir) {
  const reportFile = path.join(job.dir, `report-${process.hrtime.bigint()}.json`);
  const r = await runCli(['migrate', job.jobFile, '--state', stateDir, '--report', reportFile], job.env);
  expect(r.stderr, 'no crash').not.toMatch(/unexpected error/i);
  return { ...r, report: JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0] };
}

describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s', (_name, family: Family) => {
  let server: ImapTestServer;
  const expected = () => expectedOn(family, corpus);

  beforeAll(async () => {
    server = await family.start();
    cleanup.push(() => server.stop());
    expect(corpus.some((m) => m.placement.labels.includes(QUOTED_LABEL))).toBe(true);
  });

  it('first run exact, verify exit 0, a run without the ledger copies nothing', async () => {
    const user = USERS[0];
    const job = writeJob(source, server, user);
    const first = await migrate(job);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expectExact(await snapshot(server.imapOptions(user, 'plain')), expected());
    const v = await runCli(['verify', job.jobFile], job.env);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const again = await migrate(job, path.join(job.dir, 'no-ledger'));
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.report.totals.copied).toBe(0);
    expectExact(await snapshot(server.imapOptions(user, 'plain')), expected());
  });

  it('killed with SIGKILL mid-copy several times, then a final run: exact', async () => {
    const user = USERS[1];
    const proxies = await Promise.all([startTcpProxy({ targetPort: source.port, delayMs: 3 }), startTcpProxy({ targetPort: server.port, delayMs: 3 })]);
    cleanup.push(...proxies.map((p) => () => p.close()));
    const job = writeJob(source, server, user, {}, { source: proxies[0].port, destination: proxies[1].port });
    let killed = 0;
    for (const delay of [50, 250, 500]) {
      const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env, { killWhen: (e) => e.includes(': copying'), killDelayMs: delay });
      if (r.signal === 'SIGKILL') killed++;
    }
    expect(killed, 'the runs were really killed mid-way').toBeGreaterThanOrEqual(2);
    const final = await migrate(job);
    expect(final.code, final.stdout + final.stderr).toBe(0);
    expectExact(await snapshot(server.imapOptions(user, 'plain')), expected());
  });

  it('a full mailbox stops the run cleanly; after more room, the next run ends exact', async () => {
    const user = USERS[2];
    const need = [...expected().values()].flat().length;
    const bytes = corpus.reduce((s, m) => s + m.raw.length * Math.max(1, m.placement.labels.length), 0);
    const quota = Math.floor(bytes / 3);
    const full = await family.start({ quotaBytes: { [user]: quota } });
    cleanup.push(() => full.stop());
    const job = writeJob(source, full, user);
    // Foreseen before the run: `test` names both figures and fails.
    const t = await runCli(['test', job.jobFile], job.env);
    expect(t.code, t.stdout + t.stderr).toBe(1);
    expect(t.stdout).toMatch(/Blocker: The destination has [\d.]+ [KM]?B free but this mailbox needs at least [\d.]+ [KM]?B there/);
    const first = await migrate(job);
    expect(first.code, first.stdout).toBe(1);
    expect(first.report.error?.code, first.stdout).toBe('DEST_OVER_QUOTA');
    expect(first.report.failures).toEqual([]);
    const stored = total(await snapshot(full.imapOptions(user, 'plain')));
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(need);
    // The count in the message is what is really missing: nothing in flight was left unrecorded.
    const left = Number(/The destination mailbox is full: (\d+) messages not copied/.exec(first.stdout)?.[1]);
    expect(left, first.stdout).toBe(need - stored);
    await (full as { setQuota?: (u: string, b: number) => Promise<void> }).setQuota?.(user, bytes * 10);
    const again = await migrate(job);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expectExact(await snapshot(full.imapOptions(user, 'plain')), expected());
  });
});
