/**
 * The bandwidth cap over a minute: a corpus sized for ~60 s at BENCH_CAP_KBPS (default 2,000 KB/s) copied with
 * options.bandwidthLimitKBps, and the rate the source actually served (its own logout lines) set against it.
 * The cap allows one second of burst, so over a minute it may read at most ~1.7 % above the cap.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateCorpus, type CorpusMessage } from '../test/support/corpus.js';
import { startDestination, startGmailSource } from '../test/support/dovecot.js';
import { seedGmailSource } from '../test/support/maildir-seed.js';
import { writeJob } from '../test/support/migration-fixture.js';
import { line, runMailferry } from './mailferry-run.js';
import { sourceReads } from './measure.js';

export async function capScenario(): Promise<Record<string, unknown>> {
  const kbps = Number(process.env.BENCH_CAP_KBPS ?? 2000);
  const [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  try {
    const user = source.users[0]!.user;
    // Messages in corpus order until ~60 s worth at the cap (1 KB = 1,024 bytes, as the option counts).
    const all = generateCorpus({ seed: 'bench-cap', count: 3000, profile: 'realistic' });
    const corpus: CorpusMessage[] = [];
    let bytes = 0;
    for (const m of all) {
      if (bytes + m.raw.length > kbps * 1024 * 60) break;
      corpus.push(m);
      bytes += m.raw.length;
    }
    console.log(`\n== cap: ${corpus.length} messages, ${(bytes / 1e6).toFixed(0)} MB, bandwidthLimitKBps ${kbps} ==`);
    await seedGmailSource(source, user, corpus);
    const job = writeJob(source, destination, user);
    const j = JSON.parse(fs.readFileSync(job.jobFile, 'utf8'));
    j.options = { bandwidthLimitKBps: kbps };
    fs.writeFileSync(job.jobFile, JSON.stringify(j));
    const r = await runMailferry(['migrate', job.jobFile, '--state', job.stateDir], job.env, path.join(job.dir, 'report.json'), sourceReads(source, user));
    console.log(line('mailferry', 'capped run', r, bytes));
    const rate = r.sourceBodyBytes / 1024 / r.wallS;
    console.log(`message bytes served per second over the run: ${rate.toFixed(0)} KB/s, ${((rate / kbps - 1) * 100).toFixed(1)} % off the cap`);
    return { name: 'cap', messages: corpus.length, uniqueBytes: bytes, capKBps: kbps, mailferry: { capped: r }, rateKBps: rate };
  } finally {
    await Promise.all([source.stop(), destination.stop()]);
  }
}
