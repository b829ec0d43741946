/**
 * The download count on a source that says which folder entries are one message, as Gmail does (X-GM-MSGID):
 * the fake Gmail (implicit TLS, in this process) into a Dovecot destination. The Dovecot source of the other
 * scenarios cannot say it, so there a message under two labels is two downloads for every tool; real Gmail
 * always can. Its wall time is the fake's, not a figure to compare.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateCorpus } from '../test/support/corpus.js';
import { startDestination } from '../test/support/dovecot.js';
import { fromCorpus, startFakeGmail } from '../test/support/fake-gmail/index.js';
import { line, runMailferry } from './mailferry-run.js';

export async function gmailScenario(count: number): Promise<Record<string, unknown>> {
  console.log(`\n== gmail: ${count} messages from a source with X-GM-MSGID (the fake Gmail), bytes served ==`);
  const corpus = generateCorpus({ seed: 'bench', count, profile: 'realistic' });
  const uniqueBytes = corpus.reduce((n, m) => n + m.raw.length, 0);
  const [gmail, dest] = await Promise.all([startFakeGmail({ tls: true, messages: fromCorpus(corpus) }), startDestination()]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-bench-gmail-'));
  try {
    const user = gmail.accounts[0]!;
    const job = {
      mailboxes: [{
        id: user.user,
        source: { ...gmail.endpoint(user.user), passwordEnv: 'MF_BENCH_SRC' },
        destination: { host: '127.0.0.1', port: dest.port, security: 'starttls', ca: dest.caFile, user: user.user, passwordEnv: 'MF_BENCH_DST' },
      }],
    };
    fs.writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
    const env = { ...process.env, MF_BENCH_SRC: user.password!, MF_BENCH_DST: dest.users.find((u) => u.user === user.user)!.password };
    const before = { ...gmail.stats };
    const reads = async () => ({
      sourceBytesOut: gmail.stats.bytesSent - before.bytesSent,
      sourceBodyBytes: gmail.stats.bodyBytes + gmail.stats.partialBodyBytes - before.bodyBytes - before.partialBodyBytes,
      sourceConnections: gmail.stats.connections - before.connections,
    });
    const first = await runMailferry(['migrate', path.join(dir, 'job.json'), '--state', path.join(dir, 'state')], env, path.join(dir, 'report.json'), reads);
    console.log(line('mailferry', 'first run', first, uniqueBytes));
    const fetchedTwice = [...gmail.stats.bodyFetches.values()].filter((n) => n > 1).length;
    console.log(`messages downloaded whole more than once: ${fetchedTwice} of ${gmail.stats.bodyFetches.size}; streamed in pieces: ${gmail.stats.partialBodyFetches.size}`);
    return { name: 'gmail', messages: corpus.length, uniqueBytes, mailferry: { first }, fetchedTwice };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await Promise.all([gmail.stop(), dest.stop()]);
  }
}
