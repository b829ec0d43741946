/**
 * Microsoft identity platform, the pure parts: endpoint URLs, the scope guard (these tests fail if the
 * scope ever changes), the certificate assertion JWT, and the AADSTS error table. No network, no keychain:
 * a scripted fetch stands in for the token endpoint.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microsoftError } from '../../src/main/engine/oauth/microsoft/aad-errors.js';
import { clientAssertion, parseAppCertificate, type AppCertificate } from '../../src/main/engine/oauth/microsoft/client-assertion.js';
import { APP_IMAP_SCOPE, assertImapScope, DELEGATED_IMAP_SCOPE, imapScope, microsoftEndpoint, microsoftSigninLine } from '../../src/main/engine/oauth/microsoft/endpoints.js';
import { authorizationUrl } from '../../src/main/engine/oauth/microsoft/signin.js';
import { redeemRefreshToken, requestAppToken } from '../../src/main/engine/oauth/microsoft/token-client.js';
import { rejection } from '../support/rejection.js';

const CLIENT = '4a1aa1d5-c567-49d0-ad0b-cd957a47f842';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const TARGET = { host: 'outlook.office365.com', user: 'ann@contoso.com', clientId: CLIENT, tenant: TENANT, authority: 'https://login.microsoftonline.com' };
const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

function scriptedFetch(reply: { status: number; body: unknown }) {
  const forms: URLSearchParams[] = [];
  const f = async (_url: string | URL | Request, init?: RequestInit) => {
    forms.push(new URLSearchParams(String(init?.body)));
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { 'Content-Type': 'application/json' } });
  };
  return Object.assign(f as typeof fetch, { forms });
}

describe('endpoints and scopes', () => {
  it('asks for exactly the IMAP scopes, never a Graph one', () => {
    expect(DELEGATED_IMAP_SCOPE).toBe('https://outlook.office.com/IMAP.AccessAsUser.All offline_access');
    expect(APP_IMAP_SCOPE).toBe('https://outlook.office365.com/.default');
    expect(imapScope('delegated')).toBe(DELEGATED_IMAP_SCOPE);
    expect(imapScope('app')).toBe(APP_IMAP_SCOPE);
    for (const bad of ['https://graph.microsoft.com/.default', 'https://graph.microsoft.com/IMAP.AccessAsUser.All offline_access', `${DELEGATED_IMAP_SCOPE} https://graph.microsoft.com/Mail.Read`, 'offline_access']) {
      expect(() => assertImapScope(bad)).toThrow(/IMAP takes only Exchange Online tokens/);
    }
  });

  it('builds the v2.0 endpoint URLs for a tenant and an authority (https, or http on loopback only)', () => {
    expect(microsoftEndpoint(TARGET, 'token').toString()).toBe(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`);
    expect(microsoftEndpoint({ authority: 'https://login.microsoftonline.us/', tenant: 'organizations' }, 'devicecode').toString()).toBe('https://login.microsoftonline.us/organizations/oauth2/v2.0/devicecode');
    expect(microsoftEndpoint({ authority: 'http://127.0.0.1:9999', tenant: 'consumers' }, 'authorize').toString()).toBe('http://127.0.0.1:9999/consumers/oauth2/v2.0/authorize');
    expect(() => microsoftEndpoint({ authority: 'http://login.microsoftonline.com', tenant: 'common' }, 'token')).toThrow(/not https/);
  });

  it('writes the authorization URL: code + PKCE S256, localhost redirect, the IMAP scope, an account picker', () => {
    const url = new URL(authorizationUrl(TARGET, { redirectUri: 'http://localhost:53682', codeChallenge: 'c'.repeat(43), state: 'st' }));
    expect(url.origin + url.pathname).toBe(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CLIENT, response_type: 'code', redirect_uri: 'http://localhost:53682', response_mode: 'query', scope: DELEGATED_IMAP_SCOPE,
      code_challenge: 'c'.repeat(43), code_challenge_method: 'S256', state: 'st', prompt: 'select_account', login_hint: 'ann@contoso.com',
    });
    expect(url.searchParams.has('client_secret')).toBe(false);
  });

  it('sends the scope on a refresh, no secret, and refuses a token meant for Graph', async () => {
    const f = scriptedFetch({ status: 200, body: { access_token: jwt({ aud: 'https://graph.microsoft.com' }), refresh_token: 'r2', expires_in: 3599 } });
    const err = await rejection(redeemRefreshToken({ ...TARGET, fetch: f }, 'r1'));
    expect(Object.fromEntries(f.forms[0]!)).toEqual({ client_id: CLIENT, grant_type: 'refresh_token', refresh_token: 'r1', scope: DELEGATED_IMAP_SCOPE });
    expect(err.code).toBe('OAUTH_APP_SETUP');
    expect(err.message).toContain('not for Exchange Online');
    const good = scriptedFetch({ status: 200, body: { access_token: jwt({ aud: '00000002-0000-0ff1-ce00-000000000000' }), refresh_token: 'r2', expires_in: 3599 } });
    expect((await redeemRefreshToken({ ...TARGET, fetch: good, now: () => 1000 }, 'r1')).expiresAt).toBe(1000 + 3599_000);
  });

  it('names the exact sign-in command, with a non-default authority', () => {
    expect(microsoftSigninLine(TARGET)).toBe(`npx mailferry signin outlook.office365.com ann@contoso.com --provider microsoft --tenant ${TENANT} --client-id ${CLIENT}`);
    expect(microsoftSigninLine({ ...TARGET, authority: 'https://login.microsoftonline.us' })).toMatch(/--authority https:\/\/login\.microsoftonline\.us$/);
  });
});

describe('certificate assertion', () => {
  let dir: string;
  let certPem: string;
  let keyPem: string;
  let cert: AppCertificate;
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mf-cert-'));
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=Mailferry test', '-days', '2');
    certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = parseAppCertificate(certPem, keyPem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('signs RS256 with both thumbprints, aud = token endpoint, iss = sub = client, unique jti, 5 minutes', () => {
    const token = microsoftEndpoint(TARGET, 'token').toString();
    const a = clientAssertion(cert, { clientId: CLIENT, audience: token, now: 1_700_000_000_000 });
    const [h, c, s] = a.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
    const x509 = new X509Certificate(certPem);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', x5t: Buffer.from(x509.fingerprint.replace(/:/g, ''), 'hex').toString('base64url'), 'x5t#S256': Buffer.from(x509.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url') });
    expect(claims).toMatchObject({ aud: token, iss: CLIENT, sub: CLIENT, iat: 1_700_000_000, nbf: 1_700_000_000, exp: 1_700_000_300 });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(verify('sha256', Buffer.from(`${h}.${c}`), x509.publicKey, Buffer.from(s, 'base64url'))).toBe(true);
    const again = JSON.parse(Buffer.from(clientAssertion(cert, { clientId: CLIENT, audience: token, now: 1_700_000_000_000 }).split('.')[1]!, 'base64url').toString());
    expect(again.jti).not.toBe(claims.jti);
  });

  it('sends the assertion (not a secret) with the app-only scope', async () => {
    const f = scriptedFetch({ status: 200, body: { access_token: jwt({ aud: 'https://outlook.office365.com' }), expires_in: 3599 } });
    await requestAppToken({ ...TARGET, fetch: f }, { certificate: cert });
    const form = Object.fromEntries(f.forms[0]!);
    expect(form).toMatchObject({ client_id: CLIENT, grant_type: 'client_credentials', scope: APP_IMAP_SCOPE, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' });
    expect(form['client_secret']).toBeUndefined();
  });

  it('reads a combined PEM, asks for the passphrase of an encrypted key, refuses a key of another certificate or type', () => {
    expect(parseAppCertificate(certPem + keyPem, certPem + keyPem).x5tS256).toBe(cert.x5tS256);
    const encrypted = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    expect(() => parseAppCertificate(certPem, encrypted)).toThrow(/passphrase is missing or wrong/);
    expect(parseAppCertificate(certPem, encrypted, 'pw').x5t).toBe(cert.x5t);
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'other.pem'), '-out', join(dir, 'other-cert.pem'), '-subj', '/CN=other', '-days', '1');
    expect(() => parseAppCertificate(certPem, readFileSync(join(dir, 'other.pem'), 'utf8'))).toThrow(/does not belong to the certificate/);
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ec.pem'), '-out', join(dir, 'ec-cert.pem'), '-subj', '/CN=ec', '-days', '1');
    expect(() => parseAppCertificate(readFileSync(join(dir, 'ec-cert.pem'), 'utf8'), readFileSync(join(dir, 'ec.pem'), 'utf8'))).toThrow(/not RSA/);
    expect(() => parseAppCertificate('garbage', keyPem)).toThrow(/no PEM certificate/);
  });
});

describe('AADSTS errors: one cause and one fix each', () => {
  const answer = (code: number, error: string, status = 400, extra = '') => ({ status, json: { error, error_description: `AADSTS${code}: Something${extra}.\r\nTrace ID: t\r\nCorrelation ID: c`, error_codes: [code], trace_id: 't1' } });
  const delegated = { ...TARGET, flow: 'delegated' as const };
  const app = { ...TARGET, flow: 'app' as const };

  it.each([
    [700016, 'unauthorized_client', delegated, 'OAUTH_APP_SETUP', /does not know the application/, /Application \(client\) ID/],
    [7000218, 'invalid_client', delegated, 'OAUTH_APP_SETUP', /does not allow public client flows/, /Allow public client flows.*Yes/],
    [700025, 'invalid_client', app, 'OAUTH_APP_SETUP', /public client/, /Allow public client flows" to No/],
    [7000215, 'invalid_client', app, 'OAUTH_APP_CREDENTIAL', /refused the client secret/, /Value \(not its Secret ID\).*secrets set-app-secret/],
    [700027, 'invalid_client', app, 'OAUTH_APP_CREDENTIAL', /refused the certificate/, /import-app-certificate/],
    [65001, 'invalid_grant', delegated, 'OAUTH_CONSENT_REQUIRED', /consented/, /Grant admin consent.*IMAP\.AccessAsUser\.All/],
    [65001, 'invalid_grant', app, 'OAUTH_CONSENT_REQUIRED', /for the organisation/, /IMAP\.AccessAsApp.*Grant admin consent/],
    [50076, 'invalid_grant', delegated, 'OAUTH_MFA_REQUIRED', /multi-factor/, /in the browser \(not with --device-code\).*npx mailferry signin/],
    [70011, 'invalid_scope', delegated, 'OAUTH_APP_SETUP', /refused the IMAP permission/, /IMAP\.AccessAsUser\.All of Office 365 Exchange Online/],
    [70000, 'invalid_grant', delegated, 'OAUTH_SIGN_IN_AGAIN', /no longer accepts/, new RegExp(`^Sign in again: npx mailferry signin outlook.office365.com ann@contoso.com --provider microsoft --tenant ${TENANT} --client-id ${CLIENT}\\.$`)],
  ])('AADSTS%s (%s, %o)', (code, error, target, mailferryCode, cause, fix) => {
    const e = microsoftError(answer(code, error), target, target.flow === 'app' ? 'app' : 'refresh');
    expect(e.code).toBe(mailferryCode);
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(cause);
    expect(e.message).toContain(code === 70011 ? 'AADSTS70011' : `AADSTS${code}`);
    expect(e.message).not.toContain('\n');
    expect(e.hint).toMatch(fix);
    expect(e.details).toMatchObject({ aadsts: `AADSTS${code}`, oauthError: error, traceId: 't1', reason: `AADSTS${code}: Something.` });
  });

  it('ends a device sign-in clearly: expired, declined, unknown code', () => {
    expect(microsoftError({ status: 400, json: { error: 'expired_token' } }, delegated, 'device')).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/device code expired/) });
    expect(microsoftError({ status: 400, json: { error: 'authorization_declined' } }, delegated, 'device')).toMatchObject({ code: 'CANCELLED', message: expect.stringMatching(/declined/) });
    expect(microsoftError({ status: 400, json: { error: 'bad_verification_code' } }, delegated, 'device').hint).toMatch(/--device-code again/);
  });

  it('says "later" for what passes (429, 5xx, a captive portal page), and never repeats what was sent', () => {
    expect(microsoftError({ status: 429, json: { error: 'temporarily_unavailable' } }, delegated, 'refresh')).toMatchObject({ code: 'THROTTLED', retryable: true });
    expect(microsoftError({ status: 503 }, delegated, 'refresh')).toMatchObject({ code: 'HOST_UNREACHABLE', retryable: true });
    expect(microsoftError({ status: 200 }, delegated, 'refresh')).toMatchObject({ code: 'HOST_UNREACHABLE', retryable: true });
    const secret = 'Fk8Q~super.secret-value_0123456789';
    const e = microsoftError(answer(7000215, 'invalid_client', 401, ` for ${secret}`), app, 'app', [secret]);
    expect(JSON.stringify({ ...e.toInfo() })).not.toContain(secret);
    expect(e.details?.['reason']).toContain('[redacted]');
  });

  it('turns a network failure into a retryable error', async () => {
    const down = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const err = await rejection(redeemRefreshToken({ ...TARGET, fetch: (async () => { throw down; }) as typeof fetch }, 'r1'));
    expect(err).toMatchObject({ code: 'HOST_UNREACHABLE', retryable: true });
    expect(err.message).toContain("Microsoft's sign-in service");
    expect(err.message).not.toContain('r1');
  });
});
