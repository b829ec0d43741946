/**
 * A whole Workspace domain through a service account with domain-wide delegation, end to end: the key
 * imported into a REAL Secret Service by `mailferry secrets import-service-account`, `mailferry migrate` of
 * three mailboxes, a fake of Google's token endpoint that checks every signed grant (signature, claims,
 * delegation, user), and a Dovecot source whose oauth2 passdb accepts only the tokens that endpoint issued
 * (XOAUTH2, user = the mailbox).
 *   bash scripts/with-keyring.sh npx vitest run test/integration/service-account.test.ts
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import { parseServiceAccountKey } from '../../src/main/engine/oauth/service-account/key-file.js';
import { SERVICE_ACCOUNT_ID_SERVICE, SERVICE_ACCOUNT_KEY_SERVICE, serviceAccountKeys } from '../../src/main/engine/oauth/service-account/key-store.js';
import { ServiceAccountTokens } from '../../src/main/engine/oauth/service-account/tokens.js';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { turnOnOAuth } from '../support/dovecot-xoauth2.js';
import { expectDestinationExact } from '../support/expect-exact.js';
import { startFakeGoogleJwt, type FakeGoogleJwt } from '../support/fake-google-jwt.js';
import { describeFaults, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { expectedDestination, runCli } from '../support/migration-fixture.js';

const USERS = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
const LATE = 'dave@example.com';
let fake: FakeGoogleJwt;
let source: DovecotServer;
let destination: DovecotServer;
let proxy: FaultProxy;
let work: string;
let key: ReturnType<FakeGoogleJwt['newKey']>;
const corpora = new Map<string, CorpusMessage[]>();

const secretTool = (service: string, account: string) => {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', service, 'username', account], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
};

/** A job file of these mailboxes, signed in by the service account (named by e-mail, or by client ID for the second). */
function writeJob(users: string[], sourcePort: number): { dir: string; jobFile: string; stateDir: string; report: string; env: NodeJS.ProcessEnv } {
  const dir = fs.mkdtempSync(path.join(work, 'job-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  const mailboxes = users.map((user, i) => {
    const variable = `MF_TEST_DST_${i}`;
    env[variable] = destination.users.find((u) => u.user === user)!.password;
    return {
      source: { host: '127.0.0.1', port: sourcePort, security: 'none', user, auth: 'service-account', serviceAccount: i === 1 ? fake.clientId : fake.clientEmail },
      destination: { host: '127.0.0.1', port: destination.port, security: 'none', user, passwordEnv: variable },
    };
  });
  const jobFile = path.join(dir, 'job.json');
  fs.writeFileSync(jobFile, JSON.stringify({ mailboxes, options: { retryBaseMs: 50, retryMaxMs: 500, retryAttempts: 50, connectionsPerAccount: 2 } }, null, 2));
  return { dir, jobFile, stateDir: path.join(dir, 'state'), report: path.join(dir, 'report.json'), env };
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

/** Messages in all the user's destination folders (STATUS only: cheap enough to poll). */
async function messagesOn(user: string): Promise<number> {
  const client = new ImapFlow(destination.imapOptions(user, 'plain'));
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.list({ statusQuery: { messages: true } })).reduce((n, f) => n + (f.status?.messages ?? 0), 0);
  } finally {
    await client.logout();
  }
}

beforeAll(async () => {
  if (process.env.MAILFERRY_KEYRING_SESSION !== '1') throw new Error('Run via: bash scripts/with-keyring.sh npx vitest run test/integration/service-account.test.ts');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-sa-'));
  fake = await startFakeGoogleJwt({ users: [...USERS, LATE] });
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  for (const user of [...USERS, LATE]) {
    const corpus = generateCorpus({ seed: `service-account-${user}`, count: 60, profile: 'small', maxSizeMB: 0.06 });
    corpora.set(user, corpus);
    await seedGmailSource(source, user, corpus);
  }
  key = fake.newKey();
  const first = await new ServiceAccountTokens(parseServiceAccountKey(key.json, 'key'), USERS[0]!).get();
  await turnOnOAuth(source, fake.introspectionEndpoint, { user: USERS[0]!, accessToken: first });
  // A slow link makes the run outlast several token lifetimes, and a few sessions end mid-copy with Gmail's
  // BYE (as Gmail ends a session whose token expired).
  proxy = await startFaultProxy({ targetPort: source.port, delayMs: 2, bytesPerSecond: { toClient: 150_000 }, seed: 'service-account', plan: { sessionExpiry: { afterMessageBodies: 10, max: 3 } } });
});

afterAll(async () => {
  await Promise.all([proxy?.close(), source?.stop(), destination?.stop(), fake?.close()]);
  try {
    serviceAccountKeys.delete(fake.clientEmail);
  } catch {
    /* keyring gone */
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('a Workspace domain through a service account with domain-wide delegation', () => {
  it('imports the key into the keychain only, printing the client ID and the administrator\'s steps', async () => {
    const file = path.join(work, 'KEY.json');
    fs.writeFileSync(file, key.json, { mode: 0o600 });
    const r = await runCli(['secrets', 'import-service-account', file], process.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`service account ${fake.clientEmail} (client ID ${fake.clientId})`);
    expect(r.stderr).toContain(`Delete ${file} now`);
    expect(r.stderr).toContain('Security > Access and data control > API controls > Domain-wide delegation > Add new');
    expect(r.stderr).toContain(`Client ID: ${fake.clientId}`);
    expect(r.stderr).toContain('OAuth scopes: https://mail.google.com/');
    expect(r.stderr).toContain('POP and IMAP access');
    expect(r.stderr).toContain(`"serviceAccount": "${fake.clientEmail}"`);
    expect(r.stderr + r.stdout).not.toContain('PRIVATE KEY');
    expect(JSON.parse(secretTool(SERVICE_ACCOUNT_KEY_SERVICE, fake.clientEmail)!)).toMatchObject({ client_id: fake.clientId, private_key_id: key.privateKeyId });
    expect(secretTool(SERVICE_ACCOUNT_ID_SERVICE, fake.clientId)).toBe(fake.clientEmail);
    const bad = path.join(work, 'client_secret.json');
    fs.writeFileSync(bad, JSON.stringify({ installed: { client_id: 'x.apps.googleusercontent.com', client_secret: 'GOCSPX-nope' } }));
    const refused = await runCli(['secrets', 'import-service-account', bad], process.env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("is an OAuth client's file");
  });

  it('migrates three mailboxes exactly, renewing short-lived tokens per user while the copy goes on', async () => {
    fake.options.accessTokenLifetime = 2;
    const job = writeJob(USERS, proxy.port);
    const issuedBefore = fake.accessTokens.size;
    const logBefore = source.readLog().length;
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', job.report], job.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${describeFaults(proxy.faults)}`).toBe(0);
    for (const user of USERS) await expectDestinationExact(destination.imapOptions(user, 'plain'), corpora.get(user)!);

    // Every user got its own tokens, again and again, over more than two lifetimes of a token.
    expect(proxy.faults.sessionExpired).toBe(3);
    const issued = [...fake.accessTokens.values()].slice(issuedBefore);
    for (const user of USERS) {
      const mine = issued.filter((t) => t.user === user);
      expect(mine.length, user).toBeGreaterThanOrEqual(3);
      expect(mine.at(-1)!.expiresAt - mine[0]!.expiresAt, user).toBeGreaterThan(6000);
    }
    const grants = fake.tokenRequests.filter((t) => t.status === 200);
    expect(grants.every((t) => t.header?.['kid'] === key.privateKeyId && t.claims?.['scope'] === 'https://mail.google.com/')).toBe(true);
    // Each connection signed in with a live token: none was refused.
    const log = source.readLog().slice(logBefore);
    expect((log.match(/Login: user=<[^>]+>, method=XOAUTH2/g) ?? []).length).toBeGreaterThanOrEqual(9);
    expect(log).not.toMatch(/auth failed/i);
    // ...and this source does refuse an expired one, as Gmail does: the renewals were needed.
    const stale = new ImapFlow({ ...source.imapOptions(USERS[0], 'plain'), auth: { user: USERS[0]!, accessToken: [...fake.accessTokens.keys()][issuedBefore]! } });
    stale.on('error', () => {});
    await expect(stale.connect()).rejects.toThrow();
    stale.close();
    // Dovecot logs the refusal when the connection closes.
    for (let i = 0; i < 50 && !/auth failed/i.test(source.readLog().slice(logBefore)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(source.readLog().slice(logBefore)).toMatch(/auth failed/i);
    // No app password was used, so the report does not ask to revoke one.
    const report = fs.readFileSync(job.report, 'utf8');
    expect(JSON.parse(report).mailboxes).toHaveLength(3);
    expect(report).not.toContain('apppasswords');
  });

  it('a revoked grant stops the mailbox with the fix (exit 1), nothing half-written; granting again finishes it exactly', async () => {
    fake.options.accessTokenLifetime = 3599;
    fake.revokeGrant();
    const job = writeJob([LATE], proxy.port);
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', job.report], job.env);
    expect(r.code, r.stderr).toBe(1);
    const said = r.stdout + r.stderr;
    expect(said).toContain(`example.com has not given service account ${fake.clientEmail} (client ID ${fake.clientId}) domain-wide delegation for https://mail.google.com/`);
    expect(said).toContain('Admin console (admin.google.com) > Security > Access and data control > API controls > Domain-wide delegation > Add new');
    expect(JSON.parse(fs.readFileSync(job.report, 'utf8')).mailboxes[0].error).toMatchObject({ code: 'OAUTH_CONSENT_REQUIRED' });
    expect(await messagesOn(LATE)).toBe(0);

    // Granted; the administrator removes it again while the copy runs (1-second tokens: every new
    // connection needs a new one). The mailbox stops with the same words, and what it had copied is in the
    // ledger: the run after the grant copies exactly the rest.
    fake.grant();
    fake.options.accessTokenLifetime = 1;
    const running = runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', job.report], job.env);
    let settled = false;
    void running.finally(() => (settled = true));
    while (!settled && (await messagesOn(LATE)) === 0) await new Promise((res) => setTimeout(res, 50));
    fake.revokeGrant();
    const cut = await running;
    expect(cut.code, cut.stdout + cut.stderr).toBe(1);
    expect(cut.stdout + cut.stderr).toContain('domain-wide delegation for https://mail.google.com/, or the grant was removed');
    const before = await messagesOn(LATE);
    const total = [...expectedDestination(corpora.get(LATE)!).values()].reduce((n, l) => n + l.length, 0);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(total);

    fake.grant();
    fake.options.accessTokenLifetime = 3599;
    const again = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', job.report], job.env);
    expect(again.code, again.stderr).toBe(0);
    await expectDestinationExact(destination.imapOptions(LATE, 'plain'), corpora.get(LATE)!);
    expect(JSON.parse(fs.readFileSync(job.report, 'utf8')).mailboxes[0].totals).toMatchObject({ copied: total - before, failed: 0 });
  });

  it('a suspended user is named with what to do; `test` says so before any run', async () => {
    fake.suspend(USERS[1]!);
    const job = writeJob([USERS[1]!], source.port);
    const r = await runCli(['test', job.jobFile], job.env);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(`Google knows no active user ${USERS[1]} that service account ${fake.clientEmail} may act for`);
    expect(r.stdout + r.stderr).toContain('Directory > Users');
  });

  it('a disabled, deleted or forged key and a wrong clock are each named with their fix', async () => {
    const tokenFor = (json: string, over: Partial<ReturnType<typeof parseServiceAccountKey>> = {}, now?: () => number) =>
      new ServiceAccountTokens({ ...parseServiceAccountKey(json, 'key'), ...over }, USERS[0]!, now ? { now } : {}).get().catch((e: unknown) => e as MailferryError);
    const other = fake.newKey();
    const forged = await tokenFor(other.json, { key: parseServiceAccountKey(fake.newKey().json, 'key').key });
    expect(forged).toMatchObject({ code: 'OAUTH_APP_CREDENTIAL', message: expect.stringContaining('it was deleted, disabled or has expired') });
    fake.disableKey(other.privateKeyId);
    expect(await tokenFor(other.json)).toMatchObject({ code: 'OAUTH_APP_CREDENTIAL', message: expect.stringContaining('is disabled') });
    fake.deleteKey(other.privateKeyId);
    expect(await tokenFor(other.json)).toMatchObject({ code: 'OAUTH_APP_CREDENTIAL', hint: expect.stringContaining('import-service-account KEY.json') });
    const skewed = await tokenFor(key.json, {}, () => Date.now() + 2 * 3600_000);
    expect(skewed).toMatchObject({ code: 'CLOCK_SKEW', hint: expect.stringContaining('timedatectl set-ntp true') });
  });

  it('never writes the key (or a token) into the state folders, reports or job folders', () => {
    const body = key.privateKeyPem.split('\n').filter((l) => l.length === 64);
    const secrets = [...body.slice(0, 3), ...body.slice(-3), 'PRIVATE KEY', ...[...fake.accessTokens.keys()].slice(-20)];
    const files = filesUnder(work).filter((f) => !f.endsWith('KEY.json'));
    expect(files.some((f) => f.endsWith('mailferry.sqlite'))).toBe(true);
    for (const f of files) {
      const bytes = fs.readFileSync(f, 'latin1');
      for (const s of secrets) expect(bytes.includes(s), `${s.slice(0, 12)}... in ${f}`).toBe(false);
    }
  });
});
