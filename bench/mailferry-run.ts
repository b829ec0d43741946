/** Runs Mailferry's real CLI (bin/mailferry) under GNU time and prints a run's figures on one line. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { mib, type Run, type SourceReads } from './measure.js';

// Run from the repository root (npm run bench); the bundle lives in dist/bench.
const ROOT = process.cwd();

/** `reads` is armed before the run and summed after it (see measure.ts). */
export function runMailferry(args: string[], env: NodeJS.ProcessEnv, reportFile: string, reads: () => Promise<SourceReads>): Promise<Run> {
  // BENCH_CPU_PROF=dir: a V8 CPU profile of every CLI run, to open in Chrome's DevTools.
  const prof = process.env.BENCH_CPU_PROF;
  const childEnv = prof ? { ...env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(prof)}` } : env;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // GNU time reports the peak RSS of the node process (bin/mailferry execs node, same pid).
    const child = spawn('/usr/bin/time', ['-f', 'MAXRSS_KB %M', path.join(ROOT, 'bin/mailferry'), ...args, '--report', reportFile], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-64 * 1024)));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - started) / 1000;
      const rss = /MAXRSS_KB (\d+)/.exec(err);
      if (code !== 0) process.stderr.write(err.slice(-2000));
      const totals = JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0].totals;
      reads().then((r) => resolve({ wallS, rssMiB: rss ? Number(rss[1]) / 1024 : NaN, exit: code, messages: totals.copied, ...r }), reject);
    });
  });
}

export function line(tool: string, label: string, r: Run, uniqueBytes: number): string {
  return [
    `${tool} ${label}`.padEnd(24),
    `${r.wallS.toFixed(2).padStart(7)} s`,
    `${String(r.messages).padStart(6)} msgs`,
    `peak RSS ${r.rssMiB.toFixed(0).padStart(4)} MiB`,
    `source served ${mib(r.sourceBytesOut).padStart(7)} MiB (bodies ${(r.sourceBodyBytes / uniqueBytes).toFixed(2)}x unique) on ${r.sourceConnections} conns`,
    `exit ${r.exit}`,
  ].join(' | ');
}
