/**
 * Paths that die without a reset, in real runs: the fault proxy silences connections (nothing is closed,
 * nothing arrives) on the source, the destination or both, during sign-in or mid-TLS. Each `mailferry
 * migrate` must finish by itself (exit 0) with the destination exact, in a time set by the stall limit
 * (2 s here; imapflow's old 5-minute socket timeout would have taken minutes), and its report must count
 * the stalls. A slow but moving download is never cut.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectDestinationExact } from '../support/expect-exact.js';
import { describeFaults, startFaultProxy, type FaultProxy, type SilencePlan } from '../support/fault-proxy.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { runCli, writeJob, type CliRun } from '../support/migration-fixture.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const OPTIONS = { retryBaseMs: 50, retryMaxMs: 500, quotaWaitSeconds: 2, stallTimeoutSeconds: 2 };
/** Far below the 5 minutes a single silent connection used to cost. */
const BOUND_MS = 60_000;
let source: DovecotServer;
let corpus: CorpusMessage[];
/** Bob's mailbox holds two 1-3 MB messages. */
let bigCorpus: CorpusMessage[];
const cleanup: Array<{ close?: () => Promise<void>; stop?: () => Promise<void> }> = [];
const timings: string[] = [];

beforeAll(async () => {
  source = await startGmailSource();
  corpus = generateCorpus({ seed: 'stall', count: 250, profile: 'small', maxSizeMB: 0.06 });
  bigCorpus = generateCorpus({ seed: 'stall-big', count: 30, profile: 'small' });
  await seedGmailSource(source, ALICE, corpus);
  await seedGmailSource(source, BOB, bigCorpus);
});

afterAll(async () => {
  console.log(`stall runs:\n${timings.join('\n')}`);
  await Promise.all([...cleanup.map((c) => (c.close ?? c.stop)!()), source?.stop()]);
});

interface Side {
  silence?: SilencePlan;
  /** A slow link towards the client (source) or the server (destination), bytes/s: makes the run last. */
  rate?: number;
}

/** A fresh destination, a fault proxy on each side, a job through them (TLS with the servers' CA if asked). */
async function setup(sides: { source?: Side; destination?: Side }, o: { user?: string; tls?: boolean; options?: object } = {}) {
  const user = o.user ?? ALICE;
  const destination = await startDestination();
  cleanup.push(destination);
  const proxy = async (server: DovecotServer, side: Side | undefined, name: string, dir: 'toClient' | 'toServer') => {
    const p = await startFaultProxy({
      targetPort: o.tls ? server.tlsPort : server.port, seed: `stall-${name}`, plan: side?.silence ? { silence: side.silence } : {},
      ...(side?.rate ? { bytesPerSecond: { [dir]: side.rate } } : {}),
    });
    cleanup.push(p);
    return p;
  };
  const src = await proxy(source, sides.source, 'source', 'toClient');
  const dst = await proxy(destination, sides.destination, 'destination', 'toServer');
  const job = writeJob(source, destination, user, {}, { source: src.port, destination: dst.port });
  const json = JSON.parse(fs.readFileSync(job.jobFile, 'utf8'));
  if (o.tls) {
    Object.assign(json.mailboxes[0].source, { security: 'tls', ca: source.caFile });
    Object.assign(json.mailboxes[0].destination, { security: 'tls', ca: destination.caFile });
  }
  fs.writeFileSync(job.jobFile, JSON.stringify({ ...json, options: { ...OPTIONS, ...o.options } }));
  const reportFile = path.join(job.dir, 'report.json');
  const migrate = async (name: string) => {
    const t0 = Date.now();
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env, { killAfterMs: 3 * BOUND_MS });
    const ms = Date.now() - t0;
    const totals = JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0].totals;
    timings.push(`  ${name}: ${(ms / 1000).toFixed(1)} s, exit ${r.code}, ${totals.stalledConnections} stalls counted, silenced source ${src.faults.silenced} destination ${dst.faults.silenced}`);
    return { r, ms, totals };
  };
  return { destination, src, dst, migrate, user };
}

function explain(r: CliRun, ...proxies: FaultProxy[]): string {
  return `${r.stdout}\n${r.stderr}\n${proxies.map((x) => `${describeFaults(x.faults)}\n${x.events.join('\n')}`).join('\n')}`;
}

const exact = (s: { destination: DovecotServer; user: string }, c: CorpusMessage[]) => expectDestinationExact(s.destination.imapOptions(s.user, 'plain'), c);

describe('connections that go quiet mid-run', () => {
  // About 2 MB through a 300 KB/s source link: the run lasts several seconds, so connections die in use.
  const slow = 300 * 1024;
  const quiet: SilencePlan = { at: { afterMs: [1000, 3000] }, max: 3 };
  // The first three destination connections only plan (imapflow) and sit idle afterwards, which is no
  // stall; the next ones are the writers.
  const quietWriters: SilencePlan = { at: { afterMs: [1000, 3000] }, max: 6 };

  it.each([
    ['the source', { source: { silence: quiet, rate: slow } }],
    ['the destination', { source: { rate: slow }, destination: { silence: quietWriters } }],
    ['both sides at once', { source: { silence: quiet, rate: slow }, destination: { silence: quietWriters } }],
  ] as const)('on %s: the run finishes by itself, exact, and counts the stalls', async (name, sides) => {
    const s = await setup(sides);
    const { r, ms, totals } = await s.migrate(`silenced ${name}`);
    expect(r.code, explain(r, s.src, s.dst)).toBe(0);
    const silenced = s.src.faults.silenced + s.dst.faults.silenced;
    expect(silenced, 'connections silenced').toBeGreaterThan(0);
    // A connection silenced while idle (in the pool, or between runs of work) is not a stall until used.
    expect(totals.stalledConnections, explain(r, s.src, s.dst)).toBeGreaterThan(0);
    expect(totals.stalledConnections).toBeLessThanOrEqual(silenced);
    expect(r.stderr).toMatch(/retrying .*stopped answering during .*nothing came back for 2 s/);
    expect(ms).toBeLessThan(BOUND_MS);
    await exact(s, corpus);
  });
});

describe('silence while connecting', () => {
  it('after the LOGIN line, on the very first connection and a later one: retried, both counted', async () => {
    const s = await setup({ source: { silence: { at: 'login', connections: [1, 3] } } });
    const { r, ms, totals } = await s.migrate('silenced after LOGIN (source connections 1 and 3)');
    expect(r.code, explain(r, s.src)).toBe(0);
    expect(s.src.faults.silenced).toBe(2);
    expect(totals.stalledConnections).toBe(2);
    expect(r.stderr).toMatch(/stopped answering during sign-in/);
    expect(r.stdout + r.stderr).toContain('Connections that stopped answering (dropped and replaced): 2.');
    expect(ms).toBeLessThan(BOUND_MS);
    await exact(s, corpus);
  });

  it('mid-TLS handshake (implicit TLS on both sides): retried, counted', async () => {
    const tlsQuiet: SilencePlan = { at: { tlsBytes: 100 }, connections: [1, 2] };
    const s = await setup({ source: { silence: tlsQuiet }, destination: { silence: tlsQuiet } }, { tls: true });
    const { r, ms, totals } = await s.migrate('silenced mid-TLS (connections 1 and 2 on each side)');
    expect(r.code, explain(r, s.src, s.dst)).toBe(0);
    expect(s.src.faults.silenced + s.dst.faults.silenced).toBe(4);
    expect(totals.stalledConnections).toBe(4);
    expect(r.stderr).toMatch(/during the TLS handshake/);
    expect(ms).toBeLessThan(BOUND_MS);
    await exact(s, corpus);
  });
});

describe('slow is not stalled', () => {
  it('1-3 MB messages through a 1 MB/s source link with a 1 s limit: nothing is cut', async () => {
    const largest = Math.max(...bigCorpus.map((m) => m.raw.length));
    expect(largest, 'a message that takes over 1 s to download').toBeGreaterThan(1.2 * 1024 * 1024);
    const s = await setup({ source: { rate: 1024 * 1024 } }, { user: BOB, options: { stallTimeoutSeconds: 1 } });
    const { r, totals } = await s.migrate(`slow download, ${(largest / 1048576).toFixed(1)} MB largest, 1 s limit`);
    expect(r.code, explain(r, s.src)).toBe(0);
    expect(totals.stalledConnections).toBe(0);
    await exact(s, bigCorpus);
  });
});
