import { describe, expect, it } from 'vitest';
import { DEFAULT_JOB_OPTIONS, type Job, type MailboxJob } from '../../src/main/engine/job/job.js';
import type { ConnectionTestReport } from '../../src/main/engine/preflight/connection-test.js';
import { testMailboxes } from '../../src/main/engine/preflight/test-mailboxes.js';

const endpoint = (host: string, user: string) => ({ host, port: 993, security: 'tls' as const, user });
const mailbox = (i: number, destUser = `d${i}`): MailboxJob => ({ id: `m${i}`, source: endpoint('imap.gmail.com', `s${i}@gmail.com`), destination: endpoint('mail.example', destUser) });
const side = { ok: true, capabilities: [], notable: {}, folderCount: 1 };
const report = (mb: MailboxJob): ConnectionTestReport => ({ mailbox: mb.id, warnings: [], blockers: [], source: side, destination: side, mapping: [], estimate: null });

/** A fake test that takes a few ms and records which mailboxes ran together. */
function recorder() {
  const running = new Set<string>();
  let most = 0;
  const together: string[][] = [];
  const test = async (mb: MailboxJob) => {
    running.add(mb.id);
    most = Math.max(most, running.size);
    together.push([...running]);
    await new Promise((r) => setTimeout(r, 5 + (Number(mb.id.slice(1)) % 3) * 5));
    running.delete(mb.id);
    if (mb.id === 'm3') throw new Error('connection lost while listing');
    return report(mb);
  };
  return { test, most: () => most, together };
}

describe('testMailboxes', () => {
  it('runs globalConnections / 2 tests at once and gives the reports back in the job order', async () => {
    const job: Job = { mailboxes: Array.from({ length: 10 }, (_, i) => mailbox(i)), options: { ...DEFAULT_JOB_OPTIONS, globalConnections: 6 } };
    const r = recorder();
    const seen: number[] = [];
    const reports = await testMailboxes(job, { test: r.test, onReport: (i) => seen.push(i) });
    expect(r.most()).toBe(3);
    expect(reports.map((x) => x.mailbox)).toEqual(job.mailboxes.map((m) => m.id));
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    // A test that throws still gives a report, which is not ready.
    expect(reports[3]!.blockers).toEqual(['The test stopped: connection lost while listing']);
  });

  it('never puts one account in more tests at once than connectionsPerAccount', async () => {
    const shared = [0, 1, 2, 3].map((i) => mailbox(i, 'shared'));
    const job: Job = { mailboxes: [...shared, mailbox(4), mailbox(5)], options: { ...DEFAULT_JOB_OPTIONS, globalConnections: 8, connectionsPerAccount: 1 } };
    const r = recorder();
    await testMailboxes(job, { test: r.test });
    for (const group of r.together) expect(group.filter((id) => ['m0', 'm1', 'm2', 'm3'].includes(id)).length).toBeLessThanOrEqual(1);
    expect(r.most()).toBeGreaterThan(1);
  });

  it('an empty job ends at once', async () => {
    await expect(testMailboxes({ mailboxes: [], options: { ...DEFAULT_JOB_OPTIONS } })).resolves.toEqual([]);
  });
});
