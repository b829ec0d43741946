import fs from 'node:fs';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { startLineRewriteProxy } from '../support/line-rewrite-proxy.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { runCli, writeJob, type JobFixture } from '../support/migration-fixture.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

// A re-run with nothing new signs in to each side once and lists it, and opens no folder (issue 12: "sign-in
// and folder status pipelined; nothing per message"); anything new (a message, a flag change, a label, a
// folder gone from the destination) still makes the run look into the folders and bring it over.
const USER = 'alice@example.com';
const cleanup: Array<() => Promise<void>> = [];
let source: DovecotServer;
let destination: DovecotServer;
let corpus: CorpusMessage[];

/**
 * Every command the client sent through a proxy (plain text: the job's security is 'none'), by name, and
 * its round trips: how many times, per connection, it wrote after having heard from the server.
 */
async function commandCounter(targetPort: number) {
  const seen: string[] = [];
  const turns = new Map<number, number>();
  const heard = new Set<number>();
  const proxy = await startTcpProxy({
    targetPort,
    transform: (dir, chunk, conn) => {
      if (dir === 'toClient') heard.add(conn.id);
      else {
        if (heard.delete(conn.id) || !turns.has(conn.id)) turns.set(conn.id, (turns.get(conn.id) ?? 0) + 1);
        for (const m of chunk.toString('latin1').matchAll(/^[A-Za-z0-9.]+ (?:UID )?([A-Za-z]+)/gm)) seen.push(m[1]!.toUpperCase());
      }
      return chunk;
    },
  });
  cleanup.push(() => proxy.close());
  const take = () => {
    const t = Math.max(0, ...turns.values());
    turns.clear();
    return { commands: seen.splice(0), mostTurns: t };
  };
  return { port: proxy.port, take, connections: () => proxy.stats.connections };
}

let src: Awaited<ReturnType<typeof commandCounter>>;
let dst: Awaited<ReturnType<typeof commandCounter>>;
let job: JobFixture;

async function migrate(j = job) {
  const report = `${j.dir}/report.json`;
  const connections = { source: src.connections(), destination: dst.connections() };
  const run = await runCli(['migrate', j.jobFile, '--state', j.stateDir, '--report', report], j.env);
  expect(run.code, run.stderr + run.stdout).toBe(0);
  const mb = JSON.parse(fs.readFileSync(report, 'utf8')).mailboxes[0];
  const [s, d] = [src.take(), dst.take()];
  return {
    mb, stdout: run.stdout, source: s.commands, destination: d.commands, turns: { source: s.mostTurns, destination: d.mostTurns },
    connections: { source: src.connections() - connections.source, destination: dst.connections() - connections.destination },
  };
}

async function onServer<T>(server: DovecotServer, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ ...server.imapOptions(USER, 'plain'), logger: false });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout();
  }
}

const OPENS_A_FOLDER = ['SELECT', 'EXAMINE', 'FETCH', 'SEARCH', 'STATUS', 'STORE', 'APPEND', 'CREATE'];
/**
 * The quick look: one connection per side, sign-in, capabilities, namespace and one LIST written at once
 * (one round trip), then LOGOUT; no folder opened.
 */
function expectQuickLook(r: Awaited<ReturnType<typeof migrate>>): void {
  expect(r.mb.totals.copied).toBe(0);
  for (const side of [r.source, r.destination]) {
    expect(side.filter((c) => OPENS_A_FOLDER.includes(c)), side.join(' ')).toEqual([]);
    expect(side.filter((c) => c === 'LIST')).toHaveLength(1);
  }
  expect(r.connections).toEqual({ source: 1, destination: 1 });
  // The commands, then the LOGOUT once they are answered (imapflow needs about nine).
  expect(r.turns).toEqual({ source: 2, destination: 2 });
}

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  cleanup.push(() => source.stop(), () => destination.stop());
  corpus = generateCorpus({ seed: 'noop-rerun', count: 60, profile: 'small' });
  await seedGmailSource(source, USER, corpus);
  [src, dst] = await Promise.all([commandCounter(source.port), commandCounter(destination.port)]);
  job = writeJob(source, destination, USER, {}, { source: src.port, destination: dst.port });
});

afterAll(async () => {
  await Promise.all(cleanup.map((c) => c()));
});

describe('a re-run with nothing new', () => {
  it('signs in and lists each side once, opens no folder, and reports what a full re-run reports', async () => {
    const first = await migrate();
    expect(first.mb.totals.copied).toBeGreaterThan(60);
    expect(first.source).toContain('EXAMINE');

    const quick = await migrate();
    expectQuickLook(quick);
    expect(quick.stdout).toContain('Copied 0 messages');

    // The same re-run the full way: the source's LIST-STATUS hidden, so the quick look stands aside.
    const hidden = await startLineRewriteProxy({ targetPort: src.port, toClient: (l) => l.replace(/ LIST-STATUS\b/g, '') });
    cleanup.push(() => hidden.close());
    const full = await migrate({ ...job, jobFile: rewritePort(job, hidden.port) });
    expect(full.source).toContain('STATUS');
    expect(quick.mb).toEqual(full.mb);
    expect(quick.stdout).toBe(full.stdout);
  });

  it('still brings a flag change, a new message, a new label and a folder gone from the destination', async () => {
    // A flag change in Gmail: HIGHESTMODSEQ moves, the folder is looked into and the flag brought over.
    const flagged = corpus.find((m) => m.placement.labels.length === 1 && m.placement.labels[0] === 'INBOX' && !m.placement.system && !m.flags.includes('\\Flagged') && m.messageId)!;
    await onServer(source, async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const uids = await c.search({ header: { 'message-id': flagged.messageId! } }, { uid: true });
        await c.messageFlagsAdd(String((uids as number[])[0]), ['\\Flagged'], { uid: true });
      } finally {
        lock.release();
      }
    });
    const afterFlag = await migrate();
    expect(afterFlag.source).toContain('FETCH');
    const flags = await onServer(destination, async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const uids = await c.search({ header: { 'message-id': flagged.messageId! } }, { uid: true });
        return [...((await c.fetchOne(String((uids as number[])[0]), { flags: true }, { uid: true })) || { flags: new Set<string>() }).flags!];
      } finally {
        lock.release();
      }
    });
    expect(flags).toContain('\\Flagged');
    expectQuickLook(await migrate());

    // New mail in the inbox and under a new label.
    const raw = (subject: string) => `From: a@example.org\r\nTo: ${USER}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/ /g, '.')}@example.org>\r\nDate: Mon, 1 Jul 2024 10:00:00 +0000\r\n\r\nHello\r\n`;
    await onServer(source, async (c) => {
      await c.append('INBOX', raw('new in inbox'), ['\\Seen']);
      await c.mailboxCreate('Brand new label');
      await c.append('Brand new label', raw('new under a label'));
    });
    const afterNew = await migrate();
    expect(afterNew.mb.totals.copied).toBe(2); // each in its own folder (All Mail leaves labelled mail out)
    expectQuickLook(await migrate());

    // A folder deleted on the destination is made again (empty: its messages are recorded as copied).
    await onServer(destination, (c) => c.mailboxDelete('Receipts'));
    const afterDelete = await migrate();
    expect(afterDelete.destination).toContain('CREATE');
    expect((await onServer(destination, (c) => c.list())).map((l) => l.path)).toContain('Receipts');
    expectQuickLook(await migrate());
  });
});

/** A copy of the job file with the source behind another port. */
function rewritePort(j: JobFixture, port: number): string {
  const data = JSON.parse(fs.readFileSync(j.jobFile, 'utf8'));
  data.mailboxes[0].source.port = port;
  const file = `${j.dir}/job-through-${port}.json`;
  fs.writeFileSync(file, JSON.stringify(data));
  return file;
}
