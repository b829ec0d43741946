/**
 * Microsoft 365 as the destination, end to end: `mailferry migrate` with "provider": "microsoft" signs in
 * with a delegated token from the (fake) Microsoft identity platform to an Exchange-shaped IMAP front
 * (exchange-front/) in front of a real Dovecot that holds the mail. Exchange's rules all at once: no custom
 * keywords, a 35 MB limit without APPENDLIMIT, "Files" reserved, names without case, throttling with a
 * suggested backoff, sessions that end with their token, and messages served back rebuilt.
 *   bash scripts/with-keyring.sh npx vitest run test/integration/exchange-migrate.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInWithMicrosoftBrowser } from '../../src/main/engine/oauth/microsoft/signin.js';
import { keychainRefreshTokens } from '../../src/main/engine/oauth/token-store.js';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { startExchangeFront, type ExchangeFront } from '../support/exchange-front/index.js';
import { expectExact } from '../support/expect-exact.js';
import { approveInBrowser, startFakeMicrosoftIdentity, type FakeMicrosoftIdentity } from '../support/fake-microsoft-identity.js';
import { seedFolder, seedGmailSource } from '../support/maildir-seed.js';
import { exchangeExpected, withoutOwnFolders } from '../support/exchange-front/expected.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { runCli, writeJob } from '../support/migration-fixture.js';

const USER = 'iris@example.com';
let source: DovecotServer;
let store: DovecotServer;
let front: ExchangeFront;
let identity: FakeMicrosoftIdentity;
let corpus: CorpusMessage[];
const BIG_DATE = new Date('2024-02-03T04:05:06Z');
const big = Buffer.concat([
  Buffer.from('Message-ID: <big@exchange.test>\r\nSubject: forty megabytes\r\nFrom: a@example.com\r\n\r\n'),
  Buffer.alloc(40 * 1024 * 1024, 'x'), Buffer.from('\r\n'),
]);
const FILES_DATE = new Date('2024-03-04T05:06:07Z');
const inFiles = Buffer.from('Message-ID: <files@exchange.test>\r\nSubject: in the label Files\r\nFrom: a@example.com\r\n\r\nbody\r\n');

function expected() {
  return exchangeExpected(corpus, { rename: { Receipts: 'receipts' }, extra: [{ folder: 'Files (2)', raw: inFiles, date: FILES_DATE }] });
}

beforeAll(async () => {
  if (process.env['MAILFERRY_KEYRING_SESSION'] !== '1') throw new Error('Run via: bash scripts/with-keyring.sh npx vitest run test/integration/exchange-migrate.test.ts');
  identity = await startFakeMicrosoftIdentity();
  const users = [{ user: USER, password: 'iris-source-secret' }];
  [source, store] = await Promise.all([startGmailSource({ users }), startDestination({ users, separator: '/', specialFolders: [] })]);
  corpus = generateCorpus({ seed: 'exchange', count: 120, profile: 'small', maxSizeMB: 0.05 });
  await seedGmailSource(source, USER, corpus);
  await seedFolder(source, USER, 'INBOX', [{ raw: big, internalDate: BIG_DATE }]);
  await seedFolder(source, USER, 'Files', [{ raw: inFiles, internalDate: FILES_DATE }]);
  // The client's mailbox already has "receipts": the label "Receipts" is that folder (Exchange ignores case).
  await seedFolder(store, USER, 'receipts', []);
  // Sessions end after 0.7 s as if their token had expired (`* BYE Session invalidated - AccessTokenExpired`).
  front = await startExchangeFront({
    destination: store, tokens: identity.accessTokens, sessionLifetimeMs: 700, throttle: { everyNthCommand: 60, backoffMs: 1500, max: 3 },
  });
  await signInWithMicrosoftBrowser({
    host: '127.0.0.1', user: USER, clientId: identity.clientId, tenant: 'organizations', authority: identity.authority,
    openUrl: (url) => void approveInBrowser(url),
  });
});

afterAll(async () => {
  await Promise.all([front?.close(), source?.stop(), store?.stop(), identity?.close()]);
  try {
    keychainRefreshTokens.delete('127.0.0.1', USER);
  } catch {
    /* keyring gone */
  }
});

function microsoftJob(): { job: ReturnType<typeof writeJob>; env: NodeJS.ProcessEnv } {
  const job = writeJob(source, store, USER, {}, { destination: front.port });
  const j = JSON.parse(fs.readFileSync(job.jobFile, 'utf8'));
  const { passwordEnv: _password, ...dst } = j.mailboxes[0].destination;
  j.mailboxes[0].destination = { ...dst, provider: 'microsoft', auth: 'oauth2', oauthClientId: identity.clientId, tenant: 'organizations', authority: identity.authority };
  j.options = { retryBaseMs: 100, retryMaxMs: 1000, retryAttempts: 30, connectionsPerAccount: 2 };
  fs.writeFileSync(job.jobFile, JSON.stringify(j));
  const env = { ...job.env };
  delete env['MF_TEST_DST_PASS'];
  return { job, env };
}

async function migrate(job: ReturnType<typeof writeJob>, env: NodeJS.ProcessEnv, stateDir: string) {
  const reportFile = path.join(job.dir, `report-${Date.now()}.json`);
  const r = await runCli(['migrate', job.jobFile, '--state', stateDir, '--report', reportFile], env);
  return { ...r, report: JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0] };
}

describe('Microsoft 365 as the destination', () => {
  it('copies the mailbox by Exchange rules, then a run without the ledger appends nothing', async () => {
    const { job, env } = microsoftJob();
    // Before the run: the 40 MB message is named against Microsoft's default limit.
    const t = await runCli(['test', job.jobFile], env);
    expect(t.stdout).toMatch(/Warning: 1 message is larger than Microsoft 365's default limit of 35 MB and would be refused: INBOX: "forty megabytes"/);
    expect(t.stdout).toMatch(/no KEYWORDS/);

    identity.options.accessTokenLifetime = 8; // tokens renewed several times during the run
    const first = await migrate(job, env, job.stateDir);
    expect(first.code, first.stdout + first.stderr).toBe(1);
    expect(first.report.state, JSON.stringify(first.report.error) + first.stderr).toBe('done');
    // The too-big message, listed once, with the fix; failures counted as messages.
    expect(first.report.failures).toEqual([expect.objectContaining({ folder: 'INBOX', subject: 'forty megabytes', code: 'MESSAGE_TOO_BIG' })]);
    expect(first.report.failures[0].reason).toMatch(/too large/);
    expect(first.report.totals.failed).toBe(1);
    expect(first.report.folders.find((f: { source: string }) => f.source === 'INBOX').failed).toBe(1);
    expect(first.report.notes).toContainEqual(expect.stringMatching(/does not keep keywords/));
    expect(first.report.notes).toContainEqual(expect.stringContaining('Folder "Files" is called "Files (2)" on the destination'));
    expect(first.report.notes).toContainEqual(expect.stringContaining('Folder "Receipts" is called "receipts" on the destination'));
    expect(first.report.totals.throttledReplies).toBeGreaterThanOrEqual(1);
    // The server's wait was honoured on every connection, and it really ended sessions with their tokens.
    expect(front.backoffs.length).toBeGreaterThanOrEqual(1);
    // Nothing comes back early: no connection opened during a wait sends anything, and once the client has
    // heard the answer (well within 100 ms on loopback) no command goes out on any connection. Only what was
    // already on its way at that instant (a sign-in mid-handshake) arrives in those first milliseconds.
    const firstSeen = new Map<number, number>();
    for (const r of front.log) if (!firstSeen.has(r.session)) firstSeen.set(r.session, r.at);
    const early = front.commandsDuringBackoff(USER).filter((r) => {
      const b = front.backoffs.find((x) => r.at >= x.at && r.at < x.until)!;
      return firstSeen.get(r.session)! > b.at || r.at - b.at > 100;
    });
    expect(early, JSON.stringify({ early, backoffs: front.backoffs })).toEqual([]);
    expect(front.stats.byes.tokenExpired).toBeGreaterThanOrEqual(1);
    expect(front.stats.logins['LOGIN']?.accepted ?? 0).toBe(0);

    const inStore = await snapshot(store.imapOptions(USER, 'plain'));
    expectExact(withoutOwnFolders(inStore), expected());

    // A second laptop, or a wiped state folder: the copies come back rebuilt, and are still recognised.
    const appendsBefore = front.stats.appends.accepted;
    const again = await migrate(job, env, path.join(job.dir, 'fresh-state'));
    expect(again.report.totals.copied, again.stdout).toBe(0);
    expect(front.stats.appends.accepted).toBe(appendsBefore);
    expect(again.report.failures.map((f: { subject: string }) => f.subject)).toEqual(['forty megabytes']);
    expectExact(withoutOwnFolders(await snapshot(store.imapOptions(USER, 'plain'))), expected());
  });
});
