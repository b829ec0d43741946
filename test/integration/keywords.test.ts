import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectDestinationExact } from '../support/expect-exact.js';
import { exchangePermanentFlags, startLineRewriteProxy } from '../support/line-rewrite-proxy.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { runCli, writeJob } from '../support/migration-fixture.js';

// A destination that keeps no keywords (PERMANENTFLAGS without \*, as Exchange): every message arrives, with
// its system flags, without its keywords, and the report says which keywords were left out.
const USER = 'dave@example.com';
let source: DovecotServer;
let destination: DovecotServer;
let corpus: CorpusMessage[];

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  corpus = generateCorpus({ seed: 'keywords', count: 80, profile: 'small', maxSizeMB: 0.1 });
  await seedGmailSource(source, USER, corpus);
});

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

describe('keywords only where the destination keeps them', () => {
  it('copies every message without the keywords a folder does not keep, and says so once', async () => {
    const proxy = await startLineRewriteProxy({ targetPort: destination.port, toClient: exchangePermanentFlags });
    try {
      const job = writeJob(source, destination, USER, {}, { destination: proxy.port });
      const reportFile = path.join(job.dir, 'report.json');
      const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(proxy.rewritten, 'the destination really announced no \\*').toBeGreaterThan(0);
      const keywords = [...new Set(corpus.flatMap((m) => m.flags.filter((f) => !f.startsWith('\\'))))].sort();
      expect(keywords.length).toBeGreaterThan(2);
      const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0];
      const notes: string[] = report.notes.filter((n: string) => n.includes('does not keep keywords'));
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain(`without ${keywords.join(', ')};`);
      expect(r.stdout).toContain(notes[0]);
      const withoutKeywords = corpus.map((m) => ({ ...m, flags: m.flags.filter((f) => f.startsWith('\\')) }));
      await expectDestinationExact(destination.imapOptions(USER, 'plain'), withoutKeywords);
      // The preview says so before a run, too.
      const t = await runCli(['test', job.jobFile], job.env);
      expect(t.code, t.stdout + t.stderr).toBe(0);
      expect(t.stdout).toMatch(/destination: signed in, .*no KEYWORDS/);
      expect(t.stdout).toContain('Warning: The destination does not keep keywords');
    } finally {
      await proxy.close();
    }
  });
});
