import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, Prng, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { describeFaults, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { expectedDestination, runCli, writeJob, type CliRun } from '../support/migration-fixture.js';

// A bounded soak: a few thousand messages copied while both sides lose their sessions every few seconds,
// Gmail throttles, and the process is SIGKILLed at random (seeded) moments; then runs through the same
// faulty network until one ends complete. The destination must equal the corpus message by message.
// Bounded in count and in time (well under 90 s on a 2-core machine) so it can run with every suite.
const USER = 'alice@example.com';
const SEED = 'soak-1';
const KILLS = 4;
const FINAL_RUNS = 4;
const TIME_BUDGET_MS = 75_000;
/** A little network latency each way so a run lasts long enough for cuts and kills to land mid-copy. */
const LATENCY_MS = 3;
let source: DovecotServer;
let destination: DovecotServer;
let corpus: CorpusMessage[];
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  // Messages up to 100 KB: many small ones is where per-message bookkeeping (ledger, in-doubt) is tested.
  corpus = generateCorpus({ seed: 'soak', count: 2000, profile: 'small', maxSizeMB: 0.1 });
  await seedGmailSource(source, USER, corpus);
}, 60_000);

afterAll(async () => {
  await Promise.all([...proxies.map((p) => p.close()), source?.stop(), destination?.stop()]);
});

/** The error line of a run that did not complete, for the summary. */
const why = (r: CliRun) => (r.code ? ` [${/^Error: (.*)$/m.exec(r.stdout)?.[1] ?? r.stdout.trim().split('\n').at(-1)}]` : '');

describe('soak: cut sessions, throttling and SIGKILLs, then a final run', () => {
  it('ends with every message exactly once, flags and dates intact', async () => {
    const started = Date.now();
    const rng = new Prng(SEED);
    // Source sessions end after 3-5 MB (about a second of copying here): more than the planner's header
    // fetches of this mailbox (about 2 MB), which start over on a new connection, so planning can finish.
    // Destination sessions end after 1-2.5 s (they do no planning). Plus Gmail's session expiry, throttling.
    const src = await startFaultProxy({
      targetPort: source.port, seed: `${SEED}-src`, delayMs: LATENCY_MS,
      plan: {
        cutAfterBytes: { bytes: [3_000_000, 5_000_000] },
        sessionExpiry: { afterMessageBodies: 150, everyNthConnection: 3 },
        throttle: { probability: 0.01, max: 10 },
      },
    });
    const dst = await startFaultProxy({
      targetPort: destination.port, seed: `${SEED}-dst`, delayMs: LATENCY_MS,
      plan: { cutAfterMs: { ms: [1000, 2500] }, sessionExpiry: { midAppend: true, everyNthConnection: 4, max: 4 } },
    });
    proxies.push(src, dst);
    const job = writeJob(source, destination, USER, {}, { source: src.port, destination: dst.port });
    const data = JSON.parse(fs.readFileSync(job.jobFile, 'utf8'));
    fs.writeFileSync(job.jobFile, JSON.stringify({ ...data, options: { retryBaseMs: 50, retryMaxMs: 500 } }));
    // A kill lands a random time after copying (re)started: while messages are in flight, not while idle.
    const migrate = (killDelayMs?: number) =>
      runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env, killDelayMs === undefined ? {} : { killWhen: (e) => e.includes(': copying'), killDelayMs });

    const killRuns: string[] = [];
    // Until KILLS runs were really killed mid-copy (a run may also end by itself first), at most 2 x KILLS runs.
    while (killRuns.filter((k) => k.startsWith('killed')).length < KILLS && killRuns.length < 2 * KILLS && Date.now() - started < TIME_BUDGET_MS / 2) {
      const delay = rng.int(50, 500);
      const r = await migrate(delay);
      killRuns.push(r.signal === 'SIGKILL' ? `killed after ${delay} ms` : `exit ${r.code}${why(r)}`);
    }
    const kills = killRuns.filter((k) => k.startsWith('killed')).length;
    const finals: CliRun[] = [];
    while (finals.length < FINAL_RUNS && Date.now() - started < TIME_BUDGET_MS && finals.at(-1)?.code !== 0) finals.push(await migrate());
    const last = finals.at(-1)!;
    const summary =
      `soak: ${kills} SIGKILLs (${killRuns.join(', ')}), ${finals.length} final run(s) (exit codes ${finals.map((f) => `${f.code}${why(f)}`).join(', ')}), ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s; source faults: ${describeFaults(src.faults)}; ` +
      `destination faults: ${describeFaults(dst.faults)}; connections ${src.stats.connections} + ${dst.stats.connections}`;
    console.log(summary);
    expect(last.code, `${summary}\n${last.stdout}\n${last.stderr.slice(-3000)}`).toBe(0);

    const expected = expectedDestination(corpus);
    const actual = await snapshot(destination.imapOptions(USER, 'plain'));
    for (const [folder, msgs] of expected) expect(actual.get(folder)?.length, `count in ${folder}`).toBe(msgs.length);
    for (const [folder, msgs] of expected) expect(actual.get(folder), `folder ${folder}`).toEqual(msgs);
    for (const [folder, msgs] of actual) if (!expected.has(folder)) expect(msgs, `unexpected messages in ${folder}`).toEqual([]);

    // The faults must really have happened, or this proved nothing.
    expect(kills, summary).toBeGreaterThanOrEqual(3);
    expect(src.faults.cutBytes, summary).toBeGreaterThan(0);
    expect(dst.faults.cutTime, summary).toBeGreaterThan(0);
    expect(src.faults.sessionExpired + dst.faults.sessionExpired, summary).toBeGreaterThan(0);
    expect(src.faults.throttled, summary).toBeGreaterThan(0);
  }, 120_000);
});
