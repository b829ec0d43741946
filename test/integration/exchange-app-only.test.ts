/**
 * Microsoft 365 for a whole organisation, no user signed in: `mailferry migrate` with "auth": "oauth2-app"
 * takes a client-credentials token (the app's secret from an environment variable) from the fake identity
 * platform and signs in to the Exchange-shaped front as the mailbox (XOAUTH2 user=). The front lets an app
 * token in only where the administrator gave the app FullAccess, as Exchange does, and answers
 * `BAD User is authenticated but not connected.` elsewhere.
 *   bash scripts/with-keyring.sh npx vitest run test/integration/exchange-app-only.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { exchangeExpected, withoutOwnFolders } from '../support/exchange-front/expected.js';
import { startExchangeFront, type ExchangeFront } from '../support/exchange-front/index.js';
import type { TokenVerdict } from '../support/exchange-front/auth.js';
import { expectExact } from '../support/expect-exact.js';
import { startFakeMicrosoftIdentity, type FakeMicrosoftIdentity } from '../support/fake-microsoft-identity.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { runCli, writeJob } from '../support/migration-fixture.js';

const USER = 'alice@example.com';
let source: DovecotServer;
let store: DovecotServer;
let front: ExchangeFront;
let identity: FakeMicrosoftIdentity;
let corpus: CorpusMessage[];
/** Mailboxes the app was given FullAccess to (Add-MailboxPermission). */
const fullAccess = new Set<string>();

function verdict(user: string, token: string): TokenVerdict {
  const issued = identity.accessTokens.get(token);
  if (!issued || issued.expiresAt <= Date.now()) return 'bad';
  if (!issued.app) return issued.user.toLowerCase() === user.toLowerCase() ? { expiresAt: issued.expiresAt } : 'other-user';
  return fullAccess.has(user.toLowerCase()) ? { expiresAt: issued.expiresAt } : 'other-user';
}

beforeAll(async () => {
  identity = await startFakeMicrosoftIdentity();
  [source, store] = await Promise.all([startGmailSource(), startDestination({ separator: '/', specialFolders: [] })]);
  corpus = generateCorpus({ seed: 'exchange-app', count: 60, profile: 'small', maxSizeMB: 0.05 });
  await seedGmailSource(source, USER, corpus);
  front = await startExchangeFront({ destination: store, tokens: verdict });
});

afterAll(async () => {
  await Promise.all([front?.close(), source?.stop(), store?.stop(), identity?.close()]);
});

function appOnlyJob() {
  const job = writeJob(source, store, USER, {}, { destination: front.port });
  const j = JSON.parse(fs.readFileSync(job.jobFile, 'utf8'));
  const { passwordEnv: _password, ...dst } = j.mailboxes[0].destination;
  j.mailboxes[0].destination = {
    ...dst, provider: 'microsoft', auth: 'oauth2-app', oauthClientId: identity.appClientId, tenant: identity.tenant,
    authority: identity.authority, clientSecretEnv: 'MF_TEST_APP_SECRET',
  };
  j.options = { retryBaseMs: 100, retryMaxMs: 1000 };
  fs.writeFileSync(job.jobFile, JSON.stringify(j));
  const env: NodeJS.ProcessEnv = { ...job.env, MF_TEST_APP_SECRET: identity.appSecret };
  delete env['MF_TEST_DST_PASS'];
  return { job, env };
}

describe('Microsoft 365, app-only (the whole organisation, no user password or sign-in)', () => {
  it('says which permission is missing and writes nothing; once granted, copies exactly with the app secret alone', async () => {
    const { job, env } = appOnlyJob();
    const refused = await runCli(['migrate', job.jobFile, '--state', job.stateDir], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain(`Add-MailboxPermission -Identity ${USER}`);
    expect(front.stats.appends.accepted).toBe(0);
    expect(identity.tokenRequests.some((r) => r.params['grant_type'] === 'client_credentials')).toBe(true);

    fullAccess.add(USER);
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(identity.tokenRequests.every((t) => t.params['grant_type'] === 'client_credentials')).toBe(true);
    expect(front.stats.logins['XOAUTH2']?.accepted ?? 0).toBeGreaterThan(0);
    expectExact(withoutOwnFolders(await snapshot(store.imapOptions(USER, 'plain'))), exchangeExpected(corpus));
    // The secret went to the token endpoint only: nowhere in what the run wrote.
    for (const f of fs.readdirSync(job.stateDir, { recursive: true }) as string[]) {
      const p = path.join(job.stateDir, f);
      if (fs.statSync(p).isFile()) expect(fs.readFileSync(p).includes(identity.appSecret), p).toBe(false);
    }
  });
});
