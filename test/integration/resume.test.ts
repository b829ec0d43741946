import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedFolder, seedGmailSource } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { expectedDestination, runCli, writeJob } from '../support/migration-fixture.js';

const USER = 'bob@example.com';
let source: DovecotServer;
let destination: DovecotServer;
let corpus: CorpusMessage[];

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  corpus = generateCorpus({ seed: 'resume', count: 400, profile: 'small' });
  await seedGmailSource(source, USER, corpus);
});

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

async function expectDestinationExact(messages: CorpusMessage[]): Promise<void> {
  const expected = expectedDestination(messages);
  const actual = await snapshot(destination.imapOptions(USER, 'plain'));
  for (const [folder, msgs] of expected) expect(actual.get(folder)?.length, `count in ${folder}`).toBe(msgs.length);
  for (const [folder, msgs] of expected) expect(actual.get(folder), `folder ${folder}`).toEqual(msgs);
  for (const [folder, msgs] of actual) if (!expected.has(folder)) expect(msgs, `unexpected messages in ${folder}`).toEqual([]);
}

function report(file: string) {
  return JSON.parse(fs.readFileSync(file, 'utf8')).mailboxes[0];
}

describe('interrupted and resumed', () => {
  it('SIGKILL at several points during copying, then a final run: identical, no duplicate, no loss', async () => {
    // A few ms of latency each way (as on a real network) so the kills land while messages are in flight.
    const proxies = await Promise.all([startTcpProxy({ targetPort: source.port, delayMs: 3 }), startTcpProxy({ targetPort: destination.port, delayMs: 3 })]);
    const job = writeJob(source, destination, USER, {}, { source: proxies[0].port, destination: proxies[1].port });
    const reportFile = path.join(job.dir, 'report.json');
    // Short enough that three land before the copy is done, also on a fast or a loaded machine.
    const kills = [0, 100, 250, 400, 600];
    let killed = 0;
    for (const delay of kills) {
      const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env, {
        killWhen: (stderr) => stderr.includes(': copying'),
        killDelayMs: delay,
      });
      if (r.signal === 'SIGKILL') killed++;
    }
    expect(killed, 'the runs must really have been killed mid-way').toBeGreaterThanOrEqual(3);
    const final = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
    expect(final.code, final.stdout + final.stderr).toBe(0);
    await expectDestinationExact(corpus);
    const again = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
    expect(again.code).toBe(0);
    expect(report(reportFile).totals.copied).toBe(0);
    await Promise.all(proxies.map((p) => p.close()));
  });

  it('a new message is copied by the next run (delta), and only it', async () => {
    const job = writeJob(source, destination, USER);
    const reportFile = path.join(job.dir, 'report.json');
    await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
    const extra = generateCorpus({ seed: 'resume-delta', count: 30, profile: 'small' }).find((m) => m.placement.labels.includes('INBOX') && !m.tags.includes('identical-pair'))!;
    const added: CorpusMessage = { ...extra, placement: { labels: ['INBOX'] } };
    await seedFolder(source, USER, 'INBOX', [added]);
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
    expect(r.code, r.stderr).toBe(0);
    // INBOX plus its All Mail copy, which is not archived (it is in INBOX): exactly one copied.
    expect(report(reportFile).totals.copied).toBe(1);
    corpus = [...corpus, added];
    await expectDestinationExact(corpus);
  });

  it('a changed source UIDVALIDITY is detected and nothing is duplicated', async () => {
    const job = writeJob(source, destination, USER);
    const reportFile = path.join(job.dir, 'report.json');
    await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
    // Dovecot renumbers a maildir whose uidlist and indexes are gone.
    const dir = source.folderDir(USER, 'Receipts');
    await new Promise((r) => setTimeout(r, 1100)); // UIDVALIDITY is a timestamp: make sure it changes
    for (const f of fs.readdirSync(dir)) if (f.startsWith('dovecot')) fs.rmSync(path.join(dir, f));
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/"Receipts" was renumbered on the source \(UIDVALIDITY \d+ -> \d+\)/);
    const mb = report(reportFile);
    expect(mb.totals.copied).toBe(0);
    expect(mb.folders.find((f: { source: string }) => f.source === 'Receipts').alreadyThere).toBeGreaterThan(0);
    await expectDestinationExact(corpus);
  });
});
