/** Runs Mailferry's real CLI (bin/mailferry) under GNU time and prints a run's figures on one line. */
import fs from 'node:fs';
import path from 'node:path';
import { mib, timed, type Run, type SourceReads } from './measure.js';

// Run from the repository root (npm run bench); the bundle lives in dist/bench.
const ROOT = process.cwd();

/** `reads` is armed before the run and summed after it (see measure.ts). */
export async function runMailferry(args: string[], env: NodeJS.ProcessEnv, reportFile: string, reads: () => Promise<SourceReads>): Promise<Run> {
  // BENCH_CPU_PROF=dir: a V8 CPU profile of every CLI run, to open in Chrome's DevTools.
  const prof = process.env.BENCH_CPU_PROF;
  const childEnv = prof ? { ...env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(prof)}` } : env;
  // GNU time measures the node process itself: bin/mailferry execs node, same pid.
  const { stderr, ...r } = await timed(path.join(ROOT, 'bin/mailferry'), [...args, '--report', reportFile], childEnv);
  if (r.exit !== 0) process.stderr.write(stderr.slice(-2000));
  const totals = JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0].totals;
  return { ...r, messages: totals.copied, ...(await reads()) };
}

export function line(tool: string, label: string, r: Run, uniqueBytes: number): string {
  return [
    `${tool} ${label}`.padEnd(24),
    `${r.wallS.toFixed(2).padStart(7)} s`,
    `${String(r.messages).padStart(6)} msgs`,
    `peak RSS ${r.rssMiB.toFixed(0).padStart(4)} MiB`,
    `CPU ${r.cpuS.toFixed(1).padStart(5)} s (machine ${r.machineCpuS.toFixed(1).padStart(5)} s)`,
    `source served ${mib(r.sourceBytesOut).padStart(7)} MiB (bodies ${(r.sourceBodyBytes / uniqueBytes).toFixed(2)}x unique) on ${r.sourceConnections} conns`,
    `exit ${r.exit}`,
  ].join(' | ');
}
