/**
 * Benchmark: seeds a Gmail-shaped corpus (default 10,000 messages, realistic sizes) into a private Dovecot
 * source, migrates it into a private Dovecot destination with the real CLI, then runs the no-op re-run.
 * Prints wall time, messages/s, MB/s and the CLI's peak RSS for each run. Figures, not a test.
 *   npm run bench                     (BENCH_COUNT=2000 npm run bench for a quicker look)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { generateCorpus } from '../test/support/corpus.js';
import { startDestination, startGmailSource } from '../test/support/dovecot.js';
import { seedGmailSource } from '../test/support/maildir-seed.js';
import { writeJob } from '../test/support/migration-fixture.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 10_000);
// Run from the repository root (npm run bench); the bundle lives in dist/bench.
const ROOT = process.cwd();

interface Measured {
  wallMs: number;
  maxRssKB: number;
  code: number | null;
  report: { totals: { copied: number; bytesCopied: number; alreadyThere: number; failed: number } };
}

function runTimed(args: string[], env: NodeJS.ProcessEnv, reportFile: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // GNU time reports the peak RSS of the node process (bin/mailferry execs node, same pid).
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB %M', path.join(ROOT, 'bin/mailferry'), ...args, '--report', reportFile], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const rss = /MAXRSS_KB (\d+)/.exec(err);
      if (code !== 0) process.stderr.write(err.slice(-2000));
      const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0];
      resolve({ wallMs, maxRssKB: rss ? Number(rss[1]) : NaN, code, report });
    });
  });
}

function line(label: string, m: Measured): string {
  const s = m.wallMs / 1000;
  const mb = m.report.totals.bytesCopied / 1e6;
  return [
    label.padEnd(16),
    `wall ${s.toFixed(2)} s`,
    `copied ${m.report.totals.copied} msgs / ${mb.toFixed(1)} MB`,
    `already there ${m.report.totals.alreadyThere}`,
    `${(m.report.totals.copied / s).toFixed(0)} msgs/s`,
    `${(mb / s).toFixed(1)} MB/s`,
    `peak RSS ${(m.maxRssKB / 1024).toFixed(0)} MB`,
    `exit ${m.code}`,
  ].join(' | ');
}

async function main(): Promise<void> {
  const [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  try {
    const user = source.users[0]!.user;
    let t = performance.now();
    const corpus = generateCorpus({ seed: 'bench', count: COUNT, profile: 'realistic' });
    const bytes = corpus.reduce((s, m) => s + m.raw.length, 0);
    await seedGmailSource(source, user, corpus);
    console.log(`corpus: ${COUNT} messages, ${(bytes / 1e6).toFixed(0)} MB, seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const job = writeJob(source, destination, user);
    const reportFile = path.join(job.dir, 'report.json');
    t = performance.now();
    const first = await runTimed(['migrate', job.jobFile, '--state', job.stateDir], job.env, reportFile);
    console.log(line('first run', first));
    const again = await runTimed(['migrate', job.jobFile, '--state', job.stateDir], job.env, reportFile);
    console.log(line('no-op re-run', again));
    fs.rmSync(job.stateDir, { recursive: true, force: true });
    const noLedger = await runTimed(['migrate', job.jobFile, '--state', job.stateDir], job.env, reportFile);
    console.log(line('without ledger', noLedger));
  } finally {
    await Promise.all([source.stop(), destination.stop()]);
  }
}

await main();
process.exit(0);
