import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { describeFaults, startFaultProxy, type FaultPlan, type FaultProxy } from '../support/fault-proxy.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { expectedDestination, runCli, writeJob, type CliRun } from '../support/migration-fixture.js';

// Networks and Gmail end sessions mid-command; each run here must still end complete (exit 0) with the
// destination exactly as the corpus says: nothing lost, nothing twice, flags and dates intact.
const USER = 'alice@example.com';
const ROOT = path.resolve(import.meta.dirname, '../..');
const FAST = { retryBaseMs: 50, retryMaxMs: 500, quotaWaitSeconds: 2 };
let source: DovecotServer;
let corpus: CorpusMessage[];
let total: number;
const cleanup: Array<{ close?: () => Promise<void>; stop?: () => Promise<void> }> = [];

beforeAll(async () => {
  source = await startGmailSource();
  // No message above 60 KB, so a connection cut every 0.4-0.8 MB usually lets a whole batch through.
  corpus = generateCorpus({ seed: 'resilience', count: 250, profile: 'small', maxSizeMB: 0.06 });
  total = [...expectedDestination(corpus).values()].reduce((n, l) => n + l.length, 0);
  await seedGmailSource(source, USER, corpus);
});

afterAll(async () => {
  await Promise.all([...cleanup.map((c) => (c.close ?? c.stop)!()), source?.stop()]);
});

/** A fresh destination, optional fault proxies on either side, and a job with fast retries. */
async function setup(plans: { source?: FaultPlan; destination?: FaultPlan }, delayMs = 0) {
  const destination = await startDestination();
  cleanup.push(destination);
  const proxy = async (port: number, plan: FaultPlan | undefined, side: string) => {
    if (!plan) return undefined;
    const p = await startFaultProxy({ targetPort: port, delayMs, seed: `resilience-${side}`, plan });
    cleanup.push(p);
    return p;
  };
  const src = await proxy(source.port, plans.source, 'source');
  const dst = await proxy(destination.port, plans.destination, 'destination');
  const job = writeJob(source, destination, USER, {}, { source: src?.port, destination: dst?.port });
  fs.writeFileSync(job.jobFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(job.jobFile, 'utf8')), options: FAST }));
  const reportFile = path.join(job.dir, 'report.json');
  const migrate = () => runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
  const totals = () => JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0].totals;
  return { destination, src, dst, job, reportFile, migrate, totals };
}

async function expectExact(destination: DovecotServer): Promise<void> {
  const expected = expectedDestination(corpus);
  const actual = await snapshot(destination.imapOptions(USER, 'plain'));
  for (const [folder, msgs] of expected) expect(actual.get(folder)?.length, `count in ${folder}`).toBe(msgs.length);
  for (const [folder, msgs] of expected) expect(actual.get(folder), `folder ${folder}`).toEqual(msgs);
  for (const [folder, msgs] of actual) if (!expected.has(folder)) expect(msgs, `unexpected messages in ${folder}`).toEqual([]);
}

function explain(r: CliRun, ...proxies: Array<FaultProxy | undefined>): string {
  const p = proxies.filter((x) => x !== undefined);
  return `${r.stdout}\n${r.stderr}\n${p.map((x) => `${describeFaults(x.faults)}\n${x.events.join('\n')}`).join('\n')}`;
}

describe('lost connections: reconnect and continue from the ledger', () => {
  it('"* BYE Session expired" mid-FETCH on the source', async () => {
    const s = await setup({ source: { sessionExpiry: { afterMessageBodies: 20, max: 3 } } });
    const r = await s.migrate();
    expect(r.code, explain(r, s.src)).toBe(0);
    expect(s.src!.faults.sessionExpired).toBe(3);
    await expectExact(s.destination);
    expect(s.totals().copied).toBe(total);
  });

  it('"* BYE Session expired" mid-APPEND on the destination', async () => {
    const s = await setup({ destination: { sessionExpiry: { midAppend: true, max: 3 } } });
    const r = await s.migrate();
    expect(r.code, explain(r, s.dst)).toBe(0);
    expect(s.dst!.faults.sessionExpired).toBe(3);
    await expectExact(s.destination);
  });

  it('a socket cut while planning (inside the header fetches), twice', async () => {
    const s = await setup({ source: { cutAfterBytes: { bytes: 50_000, max: 2 } } });
    const r = await s.migrate();
    expect(r.code, explain(r, s.src)).toBe(0);
    expect(s.src!.faults.cutBytes).toBe(2);
    await expectExact(s.destination);
  });

  it('sockets cut every 0.4-0.8 MB on both sides', async () => {
    // Above one batch of 32 messages (at most about 0.5 MB here), so every connection can finish at least one.
    const s = await setup({
      source: { cutAfterBytes: { bytes: [400_000, 800_000] } },
      destination: { cutAfterBytes: { bytes: [400_000, 800_000], direction: 'toServer' } },
    });
    const r = await s.migrate();
    expect(r.code, explain(r, s.src, s.dst)).toBe(0);
    expect(s.src!.faults.cutBytes + s.dst!.faults.cutBytes, 'cuts injected').toBeGreaterThanOrEqual(2);
    await expectExact(s.destination);
  });
});

describe('throttling', () => {
  it('Gmail "OK ... [THROTTLED]" slows the account down, the run completes and the report counts them', async () => {
    const s = await setup({ source: { throttle: { everyNth: 5, max: 4 } } });
    const r = await s.migrate();
    expect(r.code, explain(r, s.src)).toBe(0);
    expect(s.src!.faults.throttled).toBe(4);
    await expectExact(s.destination);
    expect(s.totals().throttledReplies).toBe(s.src!.faults.throttled);
  });
});

/** Runs the CLI and sends `signal` once `after` ms have passed since it started copying. */
function runAndSignal(args: string[], env: NodeJS.ProcessEnv, signal: NodeJS.Signals, after: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'bin/mailferry'), args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr, sent] = ['', '', false];
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && stderr.includes(': copying')) {
        sent = true;
        setTimeout(() => child.kill(signal), after);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr }));
  });
}

describe('stopping on request', () => {
  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s mid-copy: exit %i, ledger saved, a second run completes exactly', async (signal, code) => {
    // Latency so the copy lasts long enough for the signal to land in the middle of it (at 4 ms each way a
    // fast run was done within 300 ms of starting to copy; at 10 ms, 125-152 of 318 are copied by 250 ms).
    const s = await setup({ source: {}, destination: {} }, 10);
    const first = await runAndSignal(['migrate', s.job.jobFile, '--state', s.job.stateDir, '--report', s.reportFile], s.job.env, signal, 250);
    expect(first.code, first.stdout + first.stderr).toBe(code);
    const copiedFirst = s.totals().copied;
    expect(copiedFirst, 'stopped in the middle').toBeGreaterThan(0);
    expect(copiedFirst).toBeLessThan(total);
    const second = await s.migrate();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    await expectExact(s.destination);
    // Every message copied exactly once across the two runs: the first run recorded all it finished.
    expect(s.totals().copied + copiedFirst).toBe(total);
  });
});
