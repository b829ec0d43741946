import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { fromCorpus, startFakeGmail } from '../support/fake-gmail/index.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { largeMessages } from '../support/large-message.js';
import { startLineRewriteProxy } from '../support/line-rewrite-proxy.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { expectedDestination, runCli, writeJob } from '../support/migration-fixture.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

// Large messages stream from the source's partial FETCHes into one APPEND literal (copy/large-message.ts):
// byte-exact, resumable after a cut on either side, whole again when the source's announced size is wrong,
// downloaded once however many labels, and the CLI stays within its memory bound with a 40 MB message.
const USER = 'alice@example.com';
const FAST = { retryBaseMs: 50, retryMaxMs: 500 };
// A streamed piece: one UID, the whole message's bytes from an offset (other partial reads name UID sets).
const PARTIAL = /UID FETCH \d+ \(BODY\.PEEK\[\]<\d+\.\d+>/gi;
let source: DovecotServer;
let corpus: CorpusMessage[];
const cleanup: Array<{ close?: () => Promise<void>; stop?: () => Promise<void> }> = [];

beforeAll(async () => {
  source = await startGmailSource();
  corpus = [
    ...generateCorpus({ seed: 'large-messages', count: 30, profile: 'small', maxSizeMB: 0.05 }),
    ...largeMessages('large-messages', [{ mb: 5 }, { mb: 9, labels: ['Work'] }, { mb: 13, labels: ['INBOX', 'Travel plans'] }]),
  ];
  await seedGmailSource(source, USER, corpus);
});

afterAll(async () => {
  await Promise.all([...cleanup.map((c) => (c.close ?? c.stop)!()), source?.stop()]);
});

async function expectExact(destination: DovecotServer, msgs = corpus): Promise<void> {
  const expected = expectedDestination(msgs);
  const actual = await snapshot(destination.imapOptions(USER, 'plain'));
  for (const [folder, list] of expected) expect(actual.get(folder), `folder ${folder}`).toEqual(list);
  for (const [folder, list] of actual) if (!expected.has(folder)) expect(list, `unexpected messages in ${folder}`).toEqual([]);
}

/** Counts the partial body fetches the engine sends through a plain proxy. */
async function countingProxy(port: number): Promise<TcpProxy & { partials: () => number }> {
  let partials = 0;
  const p = await startTcpProxy({
    targetPort: port,
    transform: (direction, chunk) => {
      if (direction === 'toServer') partials += (chunk.toString('latin1').match(PARTIAL) ?? []).length;
      return chunk;
    },
  });
  cleanup.push(p);
  return Object.assign(p, { partials: () => partials });
}

async function destination(): Promise<DovecotServer> {
  const d = await startDestination();
  cleanup.push(d);
  return d;
}

function withOptions(jobFile: string, options: Record<string, unknown>): void {
  fs.writeFileSync(jobFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(jobFile, 'utf8')), options }));
}

describe('large messages are streamed, never held whole', () => {
  it('copies 5, 9 and 13 MB messages byte-exact in 2 MiB pieces; a re-run copies nothing', async () => {
    const dest = await destination();
    const proxy = await countingProxy(source.port);
    const job = writeJob(source, dest, USER, {}, { source: proxy.port });
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
    expect(r.code, r.stderr).toBe(0);
    await expectExact(dest);
    // Every large message in 2 MiB pieces, once per label: this source has no X-GM-MSGID to say they are one.
    const pieces = corpus.filter((m) => m.raw.length >= 4 * 1024 * 1024).reduce((n, m) => n + Math.ceil(m.raw.length / (2 * 1024 * 1024)) * m.placement.labels.length, 0);
    expect(pieces).toBe(3 + 5 + 7 + 7);
    expect(proxy.partials()).toBe(pieces);
    const again = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
    expect(again.code, again.stderr).toBe(0);
    expect(proxy.partials()).toBe(pieces);
    await expectExact(dest);
  });

  it('a connection cut in the middle of a streamed message, source side and destination side: exact after retries', async () => {
    const dest = await destination();
    const src = await startFaultProxy({ targetPort: source.port, seed: 'large-src', plan: { cutAfterBytes: { bytes: [3_000_000, 7_000_000], max: 2 } } });
    const dst = await startFaultProxy({ targetPort: dest.port, seed: 'large-dst', plan: { cutAfterBytes: { bytes: [4_000_000, 8_000_000], direction: 'toServer', max: 2 } } });
    cleanup.push(src, dst);
    const job = writeJob(source, dest, USER, {}, { source: src.port, destination: dst.port });
    withOptions(job.jobFile, FAST);
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
    expect(r.code, r.stderr).toBe(0);
    expect(src.faults.cutBytes + dst.faults.cutBytes).toBeGreaterThanOrEqual(3);
    await expectExact(dest);
  });

  for (const [what, delta] of [['longer', -100], ['shorter', 100]] as const) {
    it(`a message ${what} than the RFC822.SIZE the source announced goes whole, exact`, async () => {
      const dest = await destination();
      const big = corpus.find((m) => m.raw.length > 8 * 1024 * 1024 && m.raw.length < 10 * 1024 * 1024)!;
      const lie = await startLineRewriteProxy({
        targetPort: source.port,
        toClient: (line) => line.replace(new RegExp(`RFC822\\.SIZE ${big.raw.length}\\b`), `RFC822.SIZE ${big.raw.length + delta}`),
      });
      cleanup.push(lie);
      const job = writeJob(source, dest, USER, {}, { source: lie.port });
      withOptions(job.jobFile, FAST);
      const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
      expect(r.code, r.stderr).toBe(0);
      expect(lie.rewritten).toBeGreaterThan(0);
      await expectExact(dest);
    });
  }

  it('Gmail: a 6 MB message under three labels is downloaded once and copied on the destination for the others', async () => {
    const msgs = [
      ...generateCorpus({ seed: 'large-gmail', count: 10, profile: 'small', maxSizeMB: 0.05 }),
      ...largeMessages('large-gmail', [{ mb: 6, labels: ['INBOX', 'Work', 'Receipts'] }]),
    ];
    const gmail = await startFakeGmail({ messages: fromCorpus(msgs, { keepImportantKeyword: true }) });
    cleanup.push(gmail);
    const dest = await destination();
    let copies = 0;
    const dstProxy = await startTcpProxy({
      targetPort: dest.port,
      transform: (direction, chunk) => {
        if (direction === 'toServer') copies += (chunk.toString('latin1').match(/ UID COPY /gi) ?? []).length;
        return chunk;
      },
    });
    cleanup.push(dstProxy);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-large-gmail-'));
    const job = {
      mailboxes: [{ source: { ...gmail.endpoint(USER), passwordEnv: 'SRC' }, destination: { host: '127.0.0.1', port: dstProxy.port, security: 'none', user: USER, passwordEnv: 'DST' } }],
      options: FAST,
    };
    fs.writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
    const env = { ...process.env, SRC: gmail.accounts[0]!.password!, DST: dest.users.find((u) => u.user === USER)!.password };
    const r = await runCli(['migrate', path.join(dir, 'job.json'), '--state', path.join(dir, 'state')], env);
    expect(r.code, r.stderr).toBe(0);
    const big = msgs.at(-1)!;
    expect(gmail.stats.partialBodyBytes).toBe(big.raw.length);
    expect([...gmail.stats.bodyFetches.values()].every((n) => n === 1)).toBe(true);
    expect(copies).toBe(2);
    await expectExact(dest, msgs);
  });
});

describe('memory bound', () => {
  const hasTime = spawnSync('test', ['-x', '/usr/bin/time']).status === 0;

  it.runIf(hasTime)('a run with a 40 MB message peaks below 150 MiB RSS for the whole CLI process', async () => {
    const src = await startGmailSource();
    cleanup.push(src);
    const msgs = [...generateCorpus({ seed: 'rss', count: 300, profile: 'small', maxSizeMB: 0.3 }), ...largeMessages('rss', [{ mb: 40 }, { mb: 25, labels: ['Work'] }])];
    await seedGmailSource(src, USER, msgs);
    const dest = await destination();
    const job = writeJob(src, dest, USER);
    const out = path.join(job.dir, 'time.txt');
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, path.resolve('bin/mailferry'), 'migrate', job.jobFile, '--state', job.stateDir], { env: job.env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const peakMiB = Number(fs.readFileSync(out, 'utf8').trim().split('\n').at(-1)) / 1024;
    expect(peakMiB).toBeLessThan(150);
    const actual = await snapshot(dest.imapOptions(USER, 'plain'));
    expect([...actual.values()].reduce((n, l) => n + l.length, 0)).toBe([...expectedDestination(msgs).values()].reduce((n, l) => n + l.length, 0));
  });
});
