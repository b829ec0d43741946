/**
 * Benchmark: seeds a Gmail-shaped corpus (default 10,000 messages, realistic sizes) into a private Dovecot
 * source, migrates it into a private Dovecot destination with the real CLI, then runs the no-op re-run.
 * Prints wall time, messages/s, MB/s and the CLI's peak RSS for each run. Figures, not a test.
 *   npm run bench                     (BENCH_COUNT=2000 npm run bench for a quicker look)
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCorpus } from '../test/support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../test/support/dovecot.js';
import { snapshot } from '../test/support/mailbox-snapshot.js';
import { seedGmailSource } from '../test/support/maildir-seed.js';
import { writeJob } from '../test/support/migration-fixture.js';
import { startTcpProxy } from '../test/support/tcp-proxy.js';

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

/**
 * The same copy by mbsync (isync), an IMAP-to-IMAP peer, into a fresh destination: every folder except the
 * Gmail views, internal dates kept. It has no label handling, so All Mail is skipped, not filtered.
 */
async function mbsyncPeer(source: DovecotServer, user: string): Promise<void> {
  if (spawnSync('which', ['mbsync']).status !== 0) return void console.log('mbsync: not installed (apt-get install isync), skipped');
  const dest = await startDestination();
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-mbsync-'));
    const pass = source.users.find((u) => u.user === user)!.password;
    const account = (name: string, port: number) =>
      `IMAPAccount ${name}\nHost 127.0.0.1\nPort ${port}\nUser ${user}\nPass ${pass}\nSSLType None\nAuthMechs LOGIN\nPipelineDepth 50\n\nIMAPStore ${name}\nAccount ${name}\n\n`;
    const config = account('src', source.port) + account('dst', dest.port) +
      `Channel all\nFar :src:\nNear :dst:\nPatterns * !"[Gmail]/All Mail" !"[Gmail]/Starred" !"[Gmail]/Important" !backing*\nCreate Near\nSync Pull\nCopyArrivalDate yes\nSyncState ${dir}/\n`;
    fs.writeFileSync(path.join(dir, 'mbsyncrc'), config, { mode: 0o600 });
    const started = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB %M', 'mbsync', '-c', path.join(dir, 'mbsyncrc'), '-a', '-q'], { encoding: 'utf8' });
    const s = (performance.now() - started) / 1000;
    const counts = await snapshot(dest.imapOptions(user, 'plain'));
    const msgs = [...counts.values()].reduce((n, l) => n + l.length, 0);
    const rss = /MAXRSS_KB (\d+)/.exec(r.stderr ?? '');
    console.log(`mbsync (peer)    | wall ${s.toFixed(2)} s | copied ${msgs} msgs | ${(msgs / s).toFixed(0)} msgs/s | peak RSS ${rss ? (Number(rss[1]) / 1024).toFixed(0) : '?'} MB | exit ${r.status}`);
    const complaint = (r.stderr ?? '').split('\n').find((l) => /error|cannot|refus/i.test(l));
    if (r.status !== 0 && complaint) console.log(`  mbsync said: ${complaint.trim()}`);
    fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    await dest.stop();
  }
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
    // BENCH_DELAY_MS: one-way delay added in front of both servers (a delay-line proxy; no netem here).
    const delayMs = Number(process.env.BENCH_DELAY_MS ?? 0);
    const proxies = delayMs > 0 ? await Promise.all([source.port, destination.port].map((targetPort) => startTcpProxy({ targetPort, delayMs }))) : [];
    if (delayMs > 0) console.log(`through a delay line: ${delayMs} ms each way (${2 * delayMs} ms round trip)`);
    const job = writeJob(source, destination, user, {}, { source: proxies[0]?.port, destination: proxies[1]?.port });
    // BENCH_OPTIONS: job options to try, e.g. '{"connectionsPerAccount":1,"memoryBudgetMB":16}'.
    if (process.env.BENCH_OPTIONS) {
      const j = JSON.parse(fs.readFileSync(job.jobFile, 'utf8'));
      j.options = JSON.parse(process.env.BENCH_OPTIONS);
      fs.writeFileSync(job.jobFile, JSON.stringify(j));
      console.log(`options: ${process.env.BENCH_OPTIONS}`);
    }
    const reportFile = path.join(job.dir, 'report.json');
    t = performance.now();
    const first = await runTimed(['migrate', job.jobFile, '--state', job.stateDir], job.env, reportFile);
    console.log(line('first run', first));
    const again = await runTimed(['migrate', job.jobFile, '--state', job.stateDir], job.env, reportFile);
    console.log(line('no-op re-run', again));
    fs.rmSync(job.stateDir, { recursive: true, force: true });
    const noLedger = await runTimed(['migrate', job.jobFile, '--state', job.stateDir], job.env, reportFile);
    console.log(line('without ledger', noLedger));
    await Promise.all(proxies.map((p) => p.close()));
    if (process.env.BENCH_MBSYNC !== '0') await mbsyncPeer(source, user);
  } finally {
    await Promise.all([source.stop(), destination.stop()]);
  }
}

await main();
process.exit(0);
