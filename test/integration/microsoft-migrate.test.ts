/**
 * End to end: `mailferry migrate` into a destination that takes only XOAUTH2 (as Exchange Online does),
 * with "provider": "microsoft", "auth": "oauth2" and the authority pointing at the fake Microsoft identity
 * endpoint. The destination is a real Dovecot whose oauth2 passdb asks the fake's introspection endpoint
 * whether a token is live, so an expired or unknown token is refused like Exchange refuses it.
 *   bash scripts/with-keyring.sh npx vitest run test/integration/microsoft-migrate.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInWithMicrosoftBrowser } from '../../src/main/engine/oauth/microsoft/signin.js';
import { keychainRefreshTokens } from '../../src/main/engine/oauth/token-store.js';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { turnOnOAuth } from '../support/dovecot-xoauth2.js';
import { expectDestinationExact } from '../support/expect-exact.js';
import { describeFaults, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { approveInBrowser, startFakeMicrosoftIdentity, type FakeMicrosoftIdentity } from '../support/fake-microsoft-identity.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { expectedDestination, runCli, writeJob } from '../support/migration-fixture.js';

const USER = 'alice@example.com';
let source: DovecotServer;
let destination: DovecotServer;
let fake: FakeMicrosoftIdentity;
let proxy: FaultProxy;
let corpus: CorpusMessage[];

beforeAll(async () => {
  if (process.env.MAILFERRY_KEYRING_SESSION !== '1') throw new Error('Run via: bash scripts/with-keyring.sh npx vitest run test/integration/microsoft-migrate.test.ts');
  fake = await startFakeMicrosoftIdentity();
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  corpus = generateCorpus({ seed: 'microsoft-migrate', count: 300, profile: 'small', maxSizeMB: 0.06 });
  await seedGmailSource(source, USER, corpus);
  // The user signs in once (the browser approves); the job's destination host is the keychain account.
  const tokens = await signInWithMicrosoftBrowser({
    host: '127.0.0.1', user: USER, clientId: fake.clientId, tenant: 'organizations', authority: fake.authority,
    openUrl: (url) => void approveInBrowser(url),
  });
  await turnOnOAuth(destination, fake.introspectionEndpoint, { user: USER, accessToken: tokens.accessToken });
  // A slow uplink makes the run last several token lifetimes (2 s), and every destination connection is
  // cut after 0.7-1.4 s: the run must sign in again and again, with renewed tokens each time.
  proxy = await startFaultProxy({
    targetPort: destination.port, delayMs: 5, bytesPerSecond: { toServer: 500_000 }, seed: 'microsoft-migrate', plan: { cutAfterMs: { ms: [700, 1400] } },
  });
});

afterAll(async () => {
  await Promise.all([proxy?.close(), source?.stop(), destination?.stop(), fake?.close()]);
  try {
    keychainRefreshTokens.delete('127.0.0.1', USER);
  } catch {
    /* keyring gone */
  }
});

describe('migrate into a destination that takes Microsoft OAuth tokens only', () => {
  it('copies exactly, across token renewals, with the rotated refresh token stored each time', async () => {
    fake.options.accessTokenLifetime = 2;
    const job = writeJob(source, destination, USER, {}, { destination: proxy.port });
    const j = JSON.parse(fs.readFileSync(job.jobFile, 'utf8'));
    const { passwordEnv: _unused, ...dst } = j.mailboxes[0].destination;
    j.mailboxes[0].destination = { ...dst, provider: 'microsoft', auth: 'oauth2', oauthClientId: fake.clientId, tenant: 'organizations', authority: fake.authority };
    j.options = { retryBaseMs: 50, retryMaxMs: 500, retryAttempts: 50, connectionsPerAccount: 2 };
    fs.writeFileSync(job.jobFile, JSON.stringify(j));
    const reportFile = path.join(job.dir, 'report.json');
    const env = { ...job.env };
    delete env['MF_TEST_DST_PASS']; // nothing but the keychain's refresh token signs in to the destination

    const issuedBefore = fake.accessTokens.size;
    const started = Date.now();
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], env);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, `${r.stdout}\n${r.stderr}\n${describeFaults(proxy.faults)}`).toBe(0);
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus);
    const total = [...expectedDestination(corpus).values()].reduce((n, l) => n + l.length, 0);
    expect(JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0].totals.copied).toBe(total);

    // The run outlived several tokens and kept signing in with fresh ones.
    expect(proxy.faults.cutTime).toBeGreaterThanOrEqual(2);
    const issued = [...fake.accessTokens.entries()].slice(issuedBefore).filter(([, t]) => t.user === USER);
    expect(issued.length).toBeGreaterThanOrEqual(3);
    // New tokens were still being issued two lifetimes after the first one had been...
    expect(issued.at(-1)![1].expiresAt - issued[0]![1].expiresAt, `run of ${seconds} s`).toBeGreaterThan(4000);
    // ...and this destination really refuses an expired one, as Exchange does.
    const stale = new ImapFlow({ ...destination.imapOptions(USER, 'plain'), auth: { user: USER, accessToken: issued[0]![0] } });
    stale.on('error', () => {});
    await expect(stale.connect()).rejects.toThrow();
    stale.close();
    const logins = destination.readLog().match(new RegExp(`Login: user=<${USER.replace('.', '\\.')}>, method=XOAUTH2`, 'g')) ?? [];
    expect(logins.length).toBeGreaterThanOrEqual(3);
    // Rotation: the keychain holds the newest refresh token, the only one that still works.
    const stored = keychainRefreshTokens.get('127.0.0.1', USER)!;
    expect([...fake.refreshTokens.entries()].filter(([, u]) => u === USER).map(([t]) => t)).toEqual([stored]);
    const refreshes = fake.tokenRequests.filter((t) => t.params['grant_type'] === 'refresh_token');
    expect(refreshes.every((t) => t.status === 200)).toBe(true);
    expect(refreshes.every((t) => t.params['client_secret'] === undefined)).toBe(true);

    // imapflow alone (the connection test) signs in with a token too.
    const before = fake.tokenRequests.length;
    const t = await runCli(['test', job.jobFile], env);
    expect(t.code, `${t.stdout}\n${t.stderr}`).toBe(0);
    expect(fake.tokenRequests.length).toBeGreaterThan(before);
  });
});
