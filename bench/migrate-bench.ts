/**
 * Benchmark, one command (npm run bench): seeds a Gmail-shaped corpus into a private Dovecot source and copies
 * it with Mailferry's CLI, Dovecot's own migration (dsync over imapc) and mbsync, each into a fresh Dovecot
 * destination, STARTTLS on every IMAP connection. Scenarios:
 *   loopback  BENCH_COUNT messages (default 10,000), no delay;
 *   delay     BENCH_DELAY_COUNT messages (default 1,000) through a delay line of BENCH_DELAY_MS each way
 *             (default 25, i.e. a 50 ms round trip) in front of both servers;
 *   gmail     BENCH_GMAIL_COUNT messages (default 2,000) from the fake Gmail: bytes downloaded (gmail-scenario.ts);
 *   cap       the bandwidth cap held over a minute (cap-scenario.ts).
 * Prints wall time, peak RSS, CPU, source bytes served and the ratios to dsync; writes it all as JSON to
 * BENCH_JSON (default dist/bench/results.json). Figures, not a test. BENCH_REPEAT=3 runs Mailferry's and dsync's
 * first and no-op runs three times each (a fresh destination for every first run) and compares the medians: on
 * a shared 2-core machine one run of either varies by 10-25 %.
 *   BENCH_SCENARIOS=delay, BENCH_MBSYNC=0, BENCH_LARGE_MB=30,40 (extra messages of those sizes, in MB),
 *   BENCH_OPTIONS='{"connectionsPerAccount":4}' (job options), BENCH_CPU_PROF=dir (node --cpu-prof).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCorpus } from '../test/support/corpus.js';
import { largeMessages } from '../test/support/large-message.js';
import { startDestination, startGmailSource } from '../test/support/dovecot.js';
import { seedGmailSource } from '../test/support/maildir-seed.js';
import { writeJob } from '../test/support/migration-fixture.js';
import { startTcpProxy } from '../test/support/tcp-proxy.js';
import { capScenario } from './cap-scenario.js';
import { gmailScenario } from './gmail-scenario.js';
import { line, runMailferry } from './mailferry-run.js';
import { mib, sourceReads, type Run } from './measure.js';
import { dsyncPeer, mbsyncPeer } from './peers.js';

const ROOT = process.cwd();
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));

/** The run with the median wall time. */
function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.wallS - b.wallS)[Math.floor((runs.length - 1) / 2)]!;
}

interface Scenario {
  name: 'loopback' | 'delay';
  count: number;
  delayMs: number;
}

async function scenario(s: Scenario): Promise<Record<string, unknown>> {
  console.log(`\n== ${s.name}: ${s.count} messages${s.delayMs ? `, ${s.delayMs} ms each way (${2 * s.delayMs} ms round trip)` : ', loopback'} ==`);
  const [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  const proxies = s.delayMs > 0 ? await Promise.all([source.port, destination.port].map((targetPort) => startTcpProxy({ targetPort, delayMs: s.delayMs }))) : [];
  try {
    const user = source.users[0]!.user;
    const started = performance.now();
    const large = (process.env.BENCH_LARGE_MB ?? '').split(',').filter(Boolean).map(Number);
    const corpus = [...generateCorpus({ seed: 'bench', count: s.count, profile: 'realistic' }), ...largeMessages('bench-large', large.map((mb) => ({ mb })))];
    const uniqueBytes = corpus.reduce((n, m) => n + m.raw.length, 0);
    await seedGmailSource(source, user, corpus);
    console.log(`corpus: ${corpus.length} messages, ${(uniqueBytes / 1e6).toFixed(0)} MB unique, largest ${mib(Math.max(...corpus.map((m) => m.raw.length)))} MiB, seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const job = writeJob(source, destination, user, {}, { source: proxies[0]?.port, destination: proxies[1]?.port });
    const j = JSON.parse(fs.readFileSync(job.jobFile, 'utf8'));
    for (const side of ['source', 'destination'] as const) Object.assign(j.mailboxes[0][side], { security: 'starttls', ca: (side === 'source' ? source : destination).caFile });
    if (process.env.BENCH_OPTIONS) j.options = JSON.parse(process.env.BENCH_OPTIONS);
    fs.writeFileSync(job.jobFile, JSON.stringify(j));
    const reportFile = path.join(job.dir, 'report.json');
    const args = ['migrate', job.jobFile, '--state', job.stateDir];
    const mailferry: Record<string, Run> = {};
    const runs: Record<'first' | 'noop', Run[]> = { first: [], noop: [] };
    for (let i = 0; i < REPEAT; i++) {
      if (i > 0) for (const dir of [job.stateDir, destination.mailDir(user)]) fs.rmSync(dir, { recursive: true, force: true });
      runs.first.push(await runMailferry(args, job.env, reportFile, sourceReads(source, user)));
      console.log(line('mailferry', 'first run', runs.first.at(-1)!, uniqueBytes));
      runs.noop.push(await runMailferry(args, job.env, reportFile, sourceReads(source, user)));
      console.log(line('mailferry', 'no-op re-run', runs.noop.at(-1)!, uniqueBytes));
    }
    mailferry.first = median(runs.first);
    mailferry.noop = median(runs.noop);
    fs.rmSync(job.stateDir, { recursive: true, force: true });
    mailferry.noLedger = await runMailferry(args, job.env, reportFile, sourceReads(source, user));
    console.log(line('mailferry', 'without ledger', mailferry.noLedger, uniqueBytes));
    fs.rmSync(job.dir, { recursive: true, force: true });

    const target = { source, user, sourcePort: proxies[0]?.port ?? source.port };
    const dsyncRuns = [];
    for (let i = 0; i < REPEAT; i++) {
      const d = await dsyncPeer(target);
      if (!d) break;
      for (const [k, r] of Object.entries(d)) console.log(line('dsync', k === 'first' ? 'first run' : 'no-op re-run', r, uniqueBytes));
      dsyncRuns.push(d);
    }
    const dsync = dsyncRuns.length ? { first: median(dsyncRuns.map((d) => d.first)), noop: median(dsyncRuns.map((d) => d.noop)) } : undefined;
    const mbsync = process.env.BENCH_MBSYNC === '0' ? undefined : await mbsyncPeer(target);
    if (mbsync) console.log(line('mbsync', 'first run', mbsync.first, uniqueBytes));

    const ratios = dsync ? { firstVsDsync: mailferry.first.wallS / dsync.first.wallS, noopVsDsync: mailferry.noop.wallS / dsync.noop.wallS } : undefined;
    if (ratios) console.log(`mailferry / dsync${REPEAT > 1 ? ` (medians of ${REPEAT})` : ''}: first run ${ratios.firstVsDsync.toFixed(2)}, no-op re-run ${ratios.noopVsDsync.toFixed(2)}`);
    return { ...s, messages: corpus.length, uniqueBytes, mailferry, dsync, mbsync, ratios };
  } finally {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all([source.stop(), destination.stop()]);
  }
}

async function main(): Promise<void> {
  const wanted = (process.env.BENCH_SCENARIOS ?? 'loopback,delay,gmail,cap').split(',');
  const all: Scenario[] = [
    { name: 'loopback', count: Number(process.env.BENCH_COUNT ?? 10_000), delayMs: 0 },
    { name: 'delay', count: Number(process.env.BENCH_DELAY_COUNT ?? 1_000), delayMs: Number(process.env.BENCH_DELAY_MS ?? 25) },
  ];
  const cpu = os.cpus();
  const machine = { cpus: cpu.length, model: cpu[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version };
  console.log(`machine: ${machine.cpus} x ${machine.model}, ${machine.memGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}`);
  const results = [];
  for (const s of all.filter((x) => wanted.includes(x.name))) results.push(await scenario(s));
  if (wanted.includes('gmail')) results.push(await gmailScenario(Number(process.env.BENCH_GMAIL_COUNT ?? 2_000)));
  if (wanted.includes('cap')) results.push(await capScenario());
  const out = process.env.BENCH_JSON ?? path.join(ROOT, 'dist/bench/results.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, repeat: REPEAT, options: process.env.BENCH_OPTIONS, scenarios: results }, null, 2));
  console.log(`\nfigures written to ${out}`);
}

// The test servers' processes are unref'd (a forgotten one must not hold a test run open), so waiting for one
// to stop would otherwise leave the event loop empty and end the bench mid-way.
const keepAlive = setInterval(() => {}, 60_000);
await main();
clearInterval(keepAlive);
process.exit(0);
