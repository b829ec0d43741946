import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCyrus, type CyrusServer } from '../support/cyrus.js';
import { startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedFolder, type SeedMessage } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { runCli, writeJob } from '../support/migration-fixture.js';

// What Cyrus refuses outright (a header line without a colon, bare newlines, an empty message) is one
// listed failure per message, with Cyrus's own words; everything else lands, and a re-run copies nothing
// again and lists the same messages once more.
const USER = 'alice@example.com';
let source: DovecotServer;
let cyrus: CyrusServer;
const day = (n: number) => new Date(Date.UTC(2021, 0, 1 + n, 12));
const m = (raw: string, n: number): SeedMessage => ({ raw: Buffer.from(raw, 'latin1'), internalDate: day(n) });
const good = (n: number) => m(`From: a@example.org\r\nSubject: fine ${n}\r\nMessage-ID: <${n}@cyrus.test>\r\n\r\nbody ${n}\r\n`, n);
const REFUSED = [
  { raw: m('From: a@example.org\r\nSubject: no separator\r\nthis line is body text but no blank line came before it\r\n', 2), says: /invalid header/i },
  { raw: m('From: a@example.org\rSubject: bare CR\r\rline one\rline two\r', 3), says: /invalid header/i }, // bare CRs: one header line without a colon
  { raw: m('', 4), says: /zero-length/i },
];

beforeAll(async () => {
  [source, cyrus] = await Promise.all([startGmailSource(), startCyrus()]);
  await seedFolder(source, USER, 'INBOX', [good(1), ...REFUSED.map((r) => r.raw), good(5), good(6)]);
});
afterAll(async () => {
  await Promise.all([source?.stop(), cyrus?.stop()]);
});

async function migrate(job: ReturnType<typeof writeJob>) {
  const reportFile = path.join(job.dir, `r-${Date.now()}.json`);
  const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
  return { ...r, report: JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0] };
}

describe('messages Cyrus refuses', () => {
  it('are listed once each with the reason; the rest land; a re-run changes nothing', async () => {
    const job = writeJob(source, cyrus, USER);
    for (const run of [await migrate(job), await migrate(job)]) {
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.report.state).toBe('done');
      expect(run.report.failures).toHaveLength(REFUSED.length);
      expect(run.report.totals.failed).toBe(REFUSED.length);
      for (const r of REFUSED) expect(run.report.failures.map((f: { reason: string }) => f.reason)).toContainEqual(expect.stringMatching(r.says));
    }
    const inbox = (await snapshot(cyrus.imapOptions(USER, 'plain'), ['INBOX'])).get('INBOX')!;
    expect(inbox).toHaveLength(3);
  });
});
