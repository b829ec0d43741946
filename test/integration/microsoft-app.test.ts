/**
 * App-only access to Microsoft 365 ("auth": "oauth2-app"): client credentials with a secret (from an
 * environment variable or the OS keychain) or a certificate (imported once into the keychain), against a
 * fake identity endpoint that checks them as Microsoft does, and a REAL Secret Service:
 *   bash scripts/with-keyring.sh npx vitest run test/integration/microsoft-app.test.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAppSecretsCommand } from '../../src/main/cli/app-secrets-command.js';
import { SECRETS_EXIT } from '../../src/main/cli/secrets-command.js';
import { loginFor } from '../../src/main/engine/connect/credentials.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import type { Endpoint } from '../../src/main/engine/job/job.js';
import { APP_CERTIFICATE_SERVICE, APP_SECRET_SERVICE, appCertificates, appSecrets } from '../../src/main/engine/oauth/microsoft/app-credentials.js';
import { APP_SCOPE, startFakeMicrosoftIdentity, type FakeMicrosoftIdentity } from '../support/fake-microsoft-identity.js';

const MAILBOX = 'archive@contoso.com';
let fake: FakeMicrosoftIdentity;
let dir: string;

const secretTool = (service: string, account: string) => {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', service, 'username', account], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
};

function endpoint(extra: Partial<Endpoint> = {}): Endpoint {
  return { host: 'outlook.office365.com', port: 993, security: 'tls', user: MAILBOX, provider: 'microsoft', auth: 'oauth2-app', oauthClientId: fake.appClientId, tenant: fake.tenant, authority: fake.authority, ...extra };
}

/** A token through the same path a run takes: loginFor("destination") then credential(). */
async function tokenFor(e: Endpoint): Promise<string> {
  const c = await loginFor('destination', e).credential();
  if (!('accessToken' in c)) throw new Error('no token');
  return c.accessToken;
}

function errorOf(fn: () => unknown): MailferryError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MailferryError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

async function appSecretsCli(args: string[], input = '') {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const inp = new PassThrough();
  inp.end(input);
  const code = await runAppSecretsCommand(args, { input: inp, output: out });
  return { code, text };
}

beforeAll(async () => {
  if (process.env.MAILFERRY_KEYRING_SESSION !== '1') throw new Error('Run via: bash scripts/with-keyring.sh npx vitest run test/integration/microsoft-app.test.ts');
  dir = mkdtempSync(join(tmpdir(), 'mf-app-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=Mailferry app', '-days', '30'], { stdio: 'pipe' });
  fake = await startFakeMicrosoftIdentity({ appCertificatePem: readFileSync(join(dir, 'cert.pem'), 'utf8') });
});

afterAll(async () => {
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('app-only access (client credentials)', () => {
  it('with a secret from the environment variable named in the job', async () => {
    process.env['MF_TEST_APP_SECRET'] = fake.appSecret;
    const token = await tokenFor(endpoint({ clientSecretEnv: 'MF_TEST_APP_SECRET' }));
    expect(fake.accessTokens.get(token)).toMatchObject({ app: true });
    expect(fake.tokenRequests.at(-1)!.params).toEqual({ client_id: fake.appClientId, grant_type: 'client_credentials', scope: APP_SCOPE, client_secret: fake.appSecret });
  });

  it('refuses a missing variable before anything connects, and a wrong secret with AADSTS7000215 (never echoed)', async () => {
    delete process.env['MF_TEST_NO_SECRET'];
    const missing = errorOf(() => loginFor('destination', endpoint({ clientSecretEnv: 'MF_TEST_NO_SECRET' })));
    expect(missing.code).toBe('SECRET_MISSING');
    expect(missing.message).toContain('MF_TEST_NO_SECRET');
    process.env['MF_TEST_WRONG_SECRET'] = 'Fk8Q~this-is-the-wrong-secret-0123456789';
    const err = await loginFor('destination', endpoint({ clientSecretEnv: 'MF_TEST_WRONG_SECRET' })).credential().catch((e: unknown) => e as MailferryError);
    expect(err).toBeInstanceOf(MailferryError);
    expect(err).toMatchObject({ code: 'OAUTH_APP_CREDENTIAL', retryable: false });
    expect((err as MailferryError).message).toContain('AADSTS7000215');
    expect((err as MailferryError).hint).toContain(`npx mailferry secrets set-app-secret ${fake.appClientId}`);
    expect(JSON.stringify((err as MailferryError).toInfo())).not.toContain('this-is-the-wrong-secret');
  });

  it('with a secret stored in the keychain by `secrets set-app-secret`', async () => {
    const r = await appSecretsCli(['set-app-secret', fake.appClientId], `${fake.appSecret}\n`);
    expect(r.code, r.text).toBe(SECRETS_EXIT.OK);
    expect(r.text).not.toContain(fake.appSecret);
    expect(secretTool(APP_SECRET_SERVICE, fake.appClientId)).toBe(fake.appSecret);
    const token = await tokenFor(endpoint());
    expect(fake.accessTokens.get(token)).toMatchObject({ app: true });
    expect(fake.tokenRequests.at(-1)!.params['client_secret']).toBe(fake.appSecret);
  });

  it('with a certificate imported once: an RS256 assertion the endpoint verifies, a new one per token', async () => {
    const r = await appSecretsCli(['import-app-certificate', fake.appClientId, join(dir, 'cert.pem'), join(dir, 'key.pem')]);
    expect(r.code, r.text).toBe(SECRETS_EXIT.OK);
    expect(r.text).toMatch(/Stored the certificate of app .* \(CN=Mailferry app, thumbprint [0-9A-F]{40}, valid until \d{4}-\d\d-\d\d\)/);
    const stored = JSON.parse(secretTool(APP_CERTIFICATE_SERVICE, fake.appClientId)!);
    expect(stored.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(stored.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const login = loginFor('destination', endpoint());
    const first = await login.credential();
    expect(fake.tokenRequests.at(-1)!.status).toBe(200);
    const sent = fake.tokenRequests.at(-1)!.params;
    expect(sent['client_secret']).toBeUndefined(); // the certificate wins over the stored secret
    expect(sent['client_assertion_type']).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    login.refused(first);
    await login.credential();
    expect(fake.tokenRequests.at(-1)).toMatchObject({ status: 200 });
    expect(fake.tokenRequests.at(-1)!.params['client_assertion']).not.toBe(sent['client_assertion']);
  });

  it('a certificate the app does not have: AADSTS700027', async () => {
    const other = await startFakeMicrosoftIdentity({ appCertificatePem: execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=other', '-days', '1'], { stdio: 'pipe', encoding: 'utf8' }) });
    try {
      appCertificates.set(other.appClientId, JSON.parse(secretTool(APP_CERTIFICATE_SERVICE, fake.appClientId)!));
      const err = await loginFor('destination', endpoint({ oauthClientId: other.appClientId, tenant: other.tenant, authority: other.authority })).credential().catch((e: unknown) => e as MailferryError);
      expect(err).toMatchObject({ code: 'OAUTH_APP_CREDENTIAL', message: expect.stringContaining('AADSTS700027') });
    } finally {
      appCertificates.delete(other.appClientId);
      await other.close();
    }
  });

  it('the public client sending a secret: AADSTS700025; consent missing: AADSTS65001', async () => {
    process.env['MF_TEST_APP_SECRET'] = fake.appSecret;
    const publicOne = await loginFor('destination', endpoint({ oauthClientId: fake.clientId, clientSecretEnv: 'MF_TEST_APP_SECRET' })).credential().catch((e: unknown) => e as MailferryError);
    expect(publicOne).toMatchObject({ code: 'OAUTH_APP_SETUP', message: expect.stringContaining('AADSTS700025') });
    expect((publicOne as MailferryError).hint).toMatch(/"Allow public client flows" to No/);
    fake.failNext(65001);
    const consent = await loginFor('destination', endpoint({ clientSecretEnv: 'MF_TEST_APP_SECRET' })).credential().catch((e: unknown) => e as MailferryError);
    expect(consent).toMatchObject({ code: 'OAUTH_CONSENT_REQUIRED' });
    expect((consent as MailferryError).hint).toMatch(/IMAP\.AccessAsApp.*Grant admin consent/);
  });

  it('`secrets delete-app` removes secret and certificate; then nothing is stored says what to run', async () => {
    const r = await appSecretsCli(['delete-app', fake.appClientId]);
    expect(r.text).toContain(`Deleted the client secret and certificate of app ${fake.appClientId}`);
    expect(appSecrets.get(fake.appClientId)).toBeNull();
    const err = errorOf(() => loginFor('destination', endpoint()));
    expect(err.code).toBe('SECRET_MISSING');
    expect(err.hint).toContain(`npx mailferry secrets set-app-secret ${fake.appClientId}`);
    expect(err.hint).toContain('import-app-certificate');
  });

  it('refuses a secret on the command line and a client ID that is no GUID', async () => {
    expect((await appSecretsCli(['set-app-secret', fake.appClientId, 'the-secret'])).code).toBe(SECRETS_EXIT.USAGE);
    expect((await appSecretsCli(['set-app-secret', 'not-a-guid'])).code).toBe(SECRETS_EXIT.USAGE);
    writeFileSync(join(dir, 'empty.pem'), '');
    const bad = await appSecretsCli(['import-app-certificate', fake.appClientId, join(dir, 'empty.pem'), join(dir, 'key.pem')]);
    expect(bad.code).toBe(SECRETS_EXIT.FAILED);
    expect(bad.text).toContain('holds no PEM certificate');
  });
});
