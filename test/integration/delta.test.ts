import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectDestinationExact } from '../support/expect-exact.js';
import { startLineRewriteProxy } from '../support/line-rewrite-proxy.js';
import { seedFolder, seedGmailSource } from '../support/maildir-seed.js';
import { runCli, writeJob } from '../support/migration-fixture.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

// The consultant's day: pre-stage the old mail with --before, users keep reading and starring in Gmail,
// then the delta after the MX switch brings the rest, the new mail and every flag change, without
// downloading again the bodies of messages already copied.
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanup.map((c) => c()));
});

const CUT = new Date('2016-01-01T00:00:00Z');

/** A source proxy that counts message bodies sent (`BODY[] {n}` in FETCH responses), optionally rewriting lines. */
async function countingProxy(port: number, rewrite?: (line: string) => string) {
  let bodies = 0;
  let target = port;
  if (rewrite) {
    const r = await startLineRewriteProxy({ targetPort: port, toClient: rewrite });
    cleanup.push(() => r.close());
    target = r.port;
  }
  const p = await startTcpProxy({
    targetPort: target,
    transform: (dir, chunk) => {
      if (dir === 'toClient') bodies += (chunk.toString('latin1').match(/BODY\[\] \{\d+\}/g) ?? []).length;
      return chunk;
    },
  });
  cleanup.push(() => p.close());
  return { port: p.port, bodies: () => bodies };
}

/** Changes flags on the source the way a user does in Gmail; returns the corpus as it is now and how many changed. */
async function useTheMailbox(source: DovecotServer, user: string, corpus: CorpusMessage[]): Promise<{ now: CorpusMessage[]; changed: number }> {
  const client = new ImapFlow({ ...source.imapOptions(user, 'plain'), logger: false });
  await client.connect();
  const now = corpus.map((m) => ({ ...m, flags: [...m.flags] }));
  let changed = 0;
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      // Only in INBOX: on this Gmail-like source each label is its own copy with its own flags.
      const inbox = now.filter((m) => m.placement.labels.length === 1 && m.placement.labels[0] === 'INBOX' && !m.placement.system && m.internalDate < CUT);
      expect(inbox.length).toBeGreaterThan(10);
      // Real changes only (a star on a starred message is none): mark read, mark unread, star, in turn.
      const kinds = [{ add: '\\Seen' }, { remove: '\\Seen' }, { add: '\\Flagged' }] as const;
      for (const m of inbox) {
        if (changed === 6) break;
        if (!m.messageId) continue;
        const change = kinds[changed % 3]!;
        const flag = 'add' in change ? change.add : change.remove;
        if ('add' in change ? m.flags.includes(flag) : !m.flags.includes(flag)) continue;
        const search = await client.search({ header: { 'message-id': m.messageId } }, { uid: true });
        if (!Array.isArray(search) || search.length !== 1) continue;
        if ('add' in change) {
          await client.messageFlagsAdd(String(search[0]), [flag], { uid: true });
          m.flags.push(flag);
        } else {
          await client.messageFlagsRemove(String(search[0]), [flag], { uid: true });
          m.flags = m.flags.filter((f) => f !== flag);
        }
        changed++;
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
  return { now, changed };
}

async function migrate(job: ReturnType<typeof writeJob>, args: string[] = []) {
  const reportFile = path.join(job.dir, `r-${process.hrtime.bigint()}.json`);
  const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile, ...args], job.env);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return { ...r, report: JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0] };
}

describe.each([
  ['with CONDSTORE (Gmail, Dovecot)', undefined],
  ['without CONDSTORE: a flags-only comparison', (l: string) => l.replace(/ CONDSTORE| QRESYNC/g, '')],
] as const)('pre-stage, then the delta %s', (_name, rewrite) => {
  let source: DovecotServer;
  let destination: DovecotServer;
  let corpus: CorpusMessage[];
  const USER = 'alice@example.com';

  beforeAll(async () => {
    [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
    cleanup.push(() => source.stop(), () => destination.stop());
    corpus = generateCorpus({ seed: 'delta', count: 120, profile: 'small', maxSizeMB: 0.05 });
    await seedGmailSource(source, USER, corpus);
  });

  it('copies the old mail first, then the rest, the new mail and the flag changes; no body twice', async () => {
    const proxy = await countingProxy(source.port, rewrite);
    const job = writeJob(source, destination, USER, {}, { source: proxy.port });

    const pre = await migrate(job, ['--before', '2016-01-01']);
    expect(pre.report.notes).toContainEqual(expect.stringMatching(/^Only messages received before 2016-01-01 were copied in this pass; \d+ others are left for a later one\.$/));
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus.filter((m) => m.internalDate < CUT));

    // Meanwhile in Gmail: some read, some marked unread, some starred; and new mail arrives.
    const use = await useTheMailbox(source, USER, corpus);
    expect(use.changed).toBe(6);
    corpus = use.now;
    const fresh = generateCorpus({ seed: 'delta-new', count: 30, profile: 'small' }).filter((m) => m.placement.labels.includes('INBOX') && !m.tags.includes('identical-pair')).slice(0, 2)
      .map((m, i) => ({ ...m, internalDate: new Date(Date.UTC(2026, 0, 5 + i)), placement: { labels: ['INBOX'] } }));
    await seedFolder(source, USER, 'INBOX', fresh);
    corpus = [...corpus, ...fresh];

    const before = proxy.bodies();
    const delta = await migrate(job);
    const copied: number = delta.report.totals.copied;
    expect(copied).toBeGreaterThan(0);
    // Every body downloaded in the delta is a message it copied: none for a flag change.
    expect(proxy.bodies() - before).toBe(copied);
    const brought = delta.report.notes.map((n: string) => /^Brought the flag changes made on the source since the last pass .* to (\d+) messages on the destination, without downloading them again\.$/.exec(n)).find(Boolean);
    expect(Number(brought?.[1]), delta.report.notes.join('\n')).toBe(use.changed);
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus);

    // A pass with nothing new downloads nothing and changes nothing.
    const idle = proxy.bodies();
    const again = await migrate(job);
    expect(again.report.totals.copied).toBe(0);
    expect(proxy.bodies()).toBe(idle);
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus);

    // Deleted in Gmail: left on the destination unless asked, then deleted there too.
    const victim = corpus.find((m) => m.placement.labels.length === 1 && m.placement.labels[0] === 'INBOX' && !m.placement.system && m.messageId &&
      corpus.filter((o) => o.messageId === m.messageId).length === 1)!;
    const client = new ImapFlow({ ...source.imapOptions(USER, 'plain'), logger: false });
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    try {
      const uids = (await client.search({ header: { 'message-id': victim.messageId! } }, { uid: true })) as number[];
      expect(uids).toHaveLength(1);
      await client.messageDelete(String(uids[0]), { uid: true });
    } finally {
      lock.release();
      await client.logout();
    }
    await migrate(job);
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus);
    const del = await migrate(job, ['--delete-missing']);
    expect(del.report.notes).toContainEqual(expect.stringMatching(/^Deleted 1 messages on the destination that are gone from the source/));
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus.filter((m) => m !== victim));
  });
});
