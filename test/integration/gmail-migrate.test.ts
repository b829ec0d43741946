import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModifiedUtf7 } from '../../src/main/engine/plan/gmail-labels.js';
import { parseJob, type Job } from '../../src/main/engine/job/job.js';
import { buildReport } from '../../src/main/engine/report/report.js';
import { runMigration } from '../../src/main/engine/run/run-migration.js';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, type DovecotServer } from '../support/dovecot.js';
import { fromCorpus, startFakeGmail, type FakeGmail } from '../support/fake-gmail/index.js';
import { fingerprint, snapshot, sortFingerprints, type MessageFingerprint } from '../support/mailbox-snapshot.js';
import { expectedDestination } from '../support/migration-fixture.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const USER = 'alice@example.com';
let corpus: CorpusMessage[];

beforeAll(() => {
  corpus = generateCorpus({ seed: 'gmail-migrate', count: 80, profile: 'small' });
});

function job(gmail: FakeGmail, dest: DovecotServer, options: Record<string, unknown> = {}): Job {
  return parseJob(
    { mailboxes: [{ source: gmail.endpoint(USER), destination: { host: '127.0.0.1', port: dest.port, security: 'none', user: USER } }], options },
    process.cwd(),
  );
}

async function migrate(j: Job, dest: DovecotServer, stateDir: string, extra: { accessToken?: () => Promise<string> } = {}) {
  const run = await runMigration(j, {
    stateDir,
    password: (side) => (side === 'source' ? 'abcdefghijklmnop' : dest.users.find((u) => u.user === USER)!.password),
    ...(extra.accessToken ? { accessToken: extra.accessToken } : {}),
  });
  return buildReport(run).mailboxes[0]!;
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mf-gmail-'));

async function expectExact(dest: DovecotServer, expected: Map<string, MessageFingerprint[]>) {
  const actual = await snapshot(dest.imapOptions(USER, 'plain'));
  for (const [folder, msgs] of expected) expect(actual.get(folder), `folder ${folder}`).toEqual(msgs);
  for (const [folder, msgs] of actual) if (!expected.has(folder)) expect(msgs, `unexpected messages in ${folder}`).toEqual([]);
  expect([...actual.keys()].filter((n) => /Starred|Important|All Mail|\[Gmail\]/.test(n))).toEqual([]);
}

describe('Gmail with X-GM-EXT-1 into a real Dovecot', () => {
  let gmail: FakeGmail;
  let dest: DovecotServer;
  afterAll(async () => Promise.all([gmail?.stop(), dest?.stop()]));

  it('a folder per label: every body downloaded once however many labels, archived mail in Archive; a re-run downloads nothing', async () => {
    gmail = await startFakeGmail({ messages: fromCorpus(corpus, { keepImportantKeyword: true }) });
    dest = await startDestination();
    const state = tmp();
    const r = await migrate(job(gmail, dest), dest, state);
    expect(r.error).toBeUndefined();
    expect(r.totals.failed).toBe(0);
    await expectExact(dest, expectedDestination(corpus));
    const fetched = [...gmail.stats.bodyFetches.values()];
    expect(fetched.length).toBe(gmail.store.messages.length); // every message, trash and spam included
    expect(fetched.every((n) => n === 1)).toBe(true);
    const multi = corpus.filter((m) => m.placement.labels.length > 1).length;
    expect(multi).toBeGreaterThan(0);

    const bodiesBefore = gmail.stats.bodyBytes;
    const again = await migrate(job(gmail, dest), dest, state);
    expect(again.totals.copied).toBe(0);
    expect(gmail.stats.bodyBytes).toBe(bodiesBefore);
  });

  it('one copy per message: each message exactly once, in Inbox, Sent, Drafts, its first label, or Archive', async () => {
    const other = await startDestination();
    try {
      const g = await startFakeGmail({ messages: fromCorpus(corpus, { keepImportantKeyword: true }) });
      try {
        const r = await migrate(job(g, other, { labelPolicy: 'one-copy' }), other, tmp());
        expect(r.error).toBeUndefined();
        const expected = new Map<string, MessageFingerprint[]>();
        for (const m of corpus) {
          const folder = oneCopyFolder(m);
          expected.set(folder, [...(expected.get(folder) ?? []), fingerprint(m.raw, m.flags, m.internalDate)]);
        }
        for (const [k, v] of expected) expected.set(k, sortFingerprints(v));
        await expectExact(other, expected);
      } finally {
        await g.stop();
      }
    } finally {
      await other.stop();
    }
  });

  it('keeps every label as a keyword on the copy when asked', async () => {
    const other = await startDestination();
    const g = await startFakeGmail({ messages: fromCorpus(corpus, { keepImportantKeyword: true }) });
    try {
      const r = await migrate(job(g, other, { labelPolicy: 'one-copy', labelsAsKeywords: true }), other, tmp());
      expect(r.error).toBeUndefined();
      const three = corpus.find((m) => m.tags.includes('three-labels'))!;
      const folder = oneCopyFolder(three);
      const copies = (await snapshot(other.imapOptions(USER, 'plain'), [folder])).get(folder)!;
      const copy = copies.find((c) => c.sha256 === fingerprint(three.raw, [], three.internalDate).sha256)!;
      const userLabels = three.placement.labels.filter((l) => l !== 'INBOX');
      expect(userLabels.length).toBeGreaterThanOrEqual(2);
      for (const label of userLabels) expect(copy.flags).toContain(encodeModifiedUtf7(label).replace(/[ ()%*"\\\]]/g, '_'));
    } finally {
      await Promise.all([g.stop(), other.stop()]);
    }
  });

  it('signs in with an OAuth access token (XOAUTH2) and finds system folders by SPECIAL-USE in German', async () => {
    const other = await startDestination();
    const tokens: string[] = [];
    const g = await startFakeGmail({
      messages: fromCorpus(corpus, { keepImportantKeyword: true }),
      locale: 'de',
      authMechanisms: ['XOAUTH2', 'PLAIN'],
      checkToken: (_user, token) => token.startsWith('good-'),
    });
    try {
      const j = job(g, other);
      j.mailboxes[0]!.source.auth = 'oauth2';
      j.mailboxes[0]!.source.oauthClientId = 'test-client';
      const r = await migrate(j, other, tmp(), { accessToken: async () => (tokens.push(`good-${tokens.length}`), tokens.at(-1)!) });
      expect(r.error).toBeUndefined();
      expect(tokens.length).toBeGreaterThanOrEqual(2); // a fresh token for every new connection
      expect(g.stats.failedLogins).toBe(0);
      expect(g.folderNames()).toContain('[Google Mail]/Gesendet');
      await expectExact(other, expectedDestination(corpus));
    } finally {
      await Promise.all([g.stop(), other.stop()]);
    }
  });
});

/** Where the one-copy policy puts a corpus message on the harness destination. */
function oneCopyFolder(m: CorpusMessage): string {
  const sys = m.placement.system;
  if (sys === 'trash') return 'Deleted Items';
  if (sys === 'spam') return 'Junk E-mail';
  const labels = m.placement.labels;
  if (labels.includes('INBOX')) return 'INBOX';
  if (sys === 'sent') return 'Sent Items';
  if (sys === 'drafts') return 'Drafts';
  const first = [...labels].sort()[0];
  return first ? first.split('/').map((s) => s.replaceAll('.', '_')).join('.') : 'Archive';
}
