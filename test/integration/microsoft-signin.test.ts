/**
 * A user signs in with Microsoft (delegated access), end to end against a fake identity endpoint on
 * 127.0.0.1 (fake-microsoft-identity.ts; nothing of Microsoft's is contacted) and a REAL Secret Service:
 *   bash scripts/with-keyring.sh npx vitest run test/integration/microsoft-signin.test.ts
 */
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microsoftSigninCommand } from '../../src/main/cli/microsoft-signin-command.js';
import { signoutCommand, SIGNIN_EXIT } from '../../src/main/cli/signin-command.js';
import { loginFor } from '../../src/main/engine/connect/credentials.js';
import type { Endpoint } from '../../src/main/engine/job/job.js';
import { MicrosoftUserTokens } from '../../src/main/engine/oauth/microsoft/token-providers.js';
import { keychainRefreshTokens, OAUTH_TOKEN_SERVICE } from '../../src/main/engine/oauth/token-store.js';
import { approveInBrowser, startFakeMicrosoftIdentity, type FakeMicrosoftIdentity } from '../support/fake-microsoft-identity.js';
import { runCli } from '../support/migration-fixture.js';
import { rejection } from '../support/rejection.js';

const HOST = 'outlook.office365.com';
const run = `${process.pid}-${Date.now()}`;
const user = (name: string) => `${name}-${run}@contoso.com`;
let fake: FakeMicrosoftIdentity;

function secretTool(account: string): string | null {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', OAUTH_TOKEN_SERVICE, 'username', account], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

function sink(): PassThrough & { text: () => string } {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d) => (text += d));
  return Object.assign(s, { text: () => text });
}

const args = (u: string, ...extra: string[]) => [HOST, u, '--provider', 'microsoft', '--tenant', fake.tenant, '--client-id', fake.clientId, '--authority', fake.authority, ...extra];
const target = (u: string) => ({ host: HOST, user: u, clientId: fake.clientId, tenant: fake.tenant, authority: fake.authority });

/** `mailferry signin ... --provider microsoft` in this process; the "browser" approves whatever URL it is given. */
async function signIn(u: string, extra: string[] = [], io: { secondMs?: number } = {}) {
  const out = sink();
  let browsed: ReturnType<typeof approveInBrowser> | undefined;
  const code = await microsoftSigninCommand(args(u, ...extra), {
    input: new PassThrough(), output: out, env: { DISPLAY: ':0' }, platform: 'linux', ...io,
    openBrowser: (url) => ((browsed = approveInBrowser(url)), true),
  });
  return { code, out: out.text(), browser: await browsed };
}

beforeAll(async () => {
  if (process.env.MAILFERRY_KEYRING_SESSION !== '1') throw new Error('Run via: bash scripts/with-keyring.sh npx vitest run test/integration/microsoft-signin.test.ts');
  fake = await startFakeMicrosoftIdentity({ deviceInterval: 1 });
});
afterAll(() => fake?.close());

describe('Sign in with Microsoft (fake identity endpoint, real keychain)', () => {
  it('signs in in the browser: code + PKCE, no client secret, refresh token in the keychain only', async () => {
    const ann = user('ann');
    const r = await signIn(ann);
    expect(r.code, r.out).toBe(SIGNIN_EXIT.OK);
    expect(r.browser?.page).toContain('You can close this window');
    const auth = fake.authorizeRequests.at(-1)!;
    expect(auth).toMatchObject({ client_id: fake.clientId, scope: 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access', code_challenge_method: 'S256', login_hint: ann });
    expect(auth['redirect_uri']).toMatch(/^http:\/\/localhost:\d+$/);
    const tok = fake.tokenRequests.at(-1)!;
    expect(tok.status).toBe(200);
    expect(Object.keys(tok.params).sort()).toEqual(['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri', 'scope']);
    expect(tok.params['redirect_uri']).toBe(auth['redirect_uri']);
    const refresh = tok.body['refresh_token'] as string;
    expect(secretTool(`${ann}@${HOST}`)).toBe(refresh);
    expect(r.out).toContain(`Signed in as ${ann}; the refresh token is in the OS keychain.`);
    expect(r.out).toContain(`In the job file: "destination": { "provider": "microsoft", "user": "${ann}", "auth": "oauth2", "oauthClientId": "${fake.clientId}", "tenant": "${fake.tenant}", "authority": "${fake.authority}" }`);
    expect(r.out).not.toContain(refresh);
    expect(r.out).not.toContain(tok.body['access_token'] as string);
  });

  it('warns when the browser signed in another account (an administrator still signed in)', async () => {
    fake.browserUserNext('admin@contoso.com');
    const r = await signIn(user('bea'));
    expect(r.code).toBe(SIGNIN_EXIT.OK);
    expect(r.out).toMatch(/Note: Microsoft signed in admin@contoso\.com, not bea-/);
  });

  it('signs in with a device code: prints URL and code, keeps polling on pending, slows down by 5 s on slow_down', async () => {
    const cy = user('cy');
    fake.scriptDevice(['authorization_pending', 'slow_down', 'authorization_pending', 'approve'], cy);
    const before = fake.tokenRequests.length;
    const r = await signIn(cy, ['--device-code'], { secondMs: 40 });
    expect(r.code, r.out).toBe(SIGNIN_EXIT.OK);
    expect(r.browser).toBeUndefined();
    expect(r.out).toMatch(new RegExp(`open ${fake.authority}/devicelogin in a browser on any device and enter the code [0-9A-F]{9}`));
    const polls = fake.tokenRequests.slice(before);
    expect(polls.map((p) => p.body['error'] ?? 'tokens')).toEqual(['authorization_pending', 'slow_down', 'authorization_pending', 'tokens']);
    expect(polls[0]!.params).toEqual({ client_id: fake.clientId, grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: expect.any(String) });
    const gaps = polls.slice(1).map((p, i) => p.at - polls[i]!.at);
    // interval 1 s (40 ms here) after pending; 1 + 5 s (240 ms) after slow_down, and for every poll after it.
    expect(gaps[0]).toBeLessThan(200);
    expect(gaps[1]).toBeGreaterThanOrEqual(230);
    expect(gaps[2]).toBeGreaterThanOrEqual(230);
    expect(secretTool(`${cy}@${HOST}`)).toBe(polls.at(-1)!.body['refresh_token']);
  });

  it.each([
    ['authorization_declined', SIGNIN_EXIT.CANCELLED, /declined on Microsoft's page/],
    ['expired_token', SIGNIN_EXIT.FAILED, /device code expired before the sign-in was completed.*--device-code again/],
  ] as const)('ends a device sign-in on %s with a clear message', async (step, exit, words) => {
    const u = user(step.slice(0, 6));
    fake.scriptDevice(['authorization_pending', step], u);
    const r = await signIn(u, ['--device-code'], { secondMs: 5 });
    expect(r.code).toBe(exit);
    expect(r.out).toMatch(words);
    expect(keychainRefreshTokens.get(HOST, u)).toBeNull();
  });

  it('the real command line dispatches --provider microsoft (device code, no browser)', async () => {
    const dee = user('dee');
    const quick = await startFakeMicrosoftIdentity({ deviceInterval: 0 });
    try {
      quick.scriptDevice(['authorization_pending', 'approve'], dee);
      const r = await runCli(['signin', HOST, dee, '--provider', 'microsoft', '--tenant', quick.tenant, '--client-id', quick.clientId, '--authority', quick.authority, '--device-code'], process.env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${quick.authority}/devicelogin`);
      expect(keychainRefreshTokens.get(HOST, dee)).toBe(quick.tokenRequests.at(-1)!.body['refresh_token']);
    } finally {
      keychainRefreshTokens.delete(HOST, dee);
      await quick.close();
    }
  });

  it('renews before expiry and stores every rotated refresh token; the old one no longer works', async () => {
    const ann = user('ann');
    let t = Date.now();
    const tokens = new MicrosoftUserTokens(target(ann), { now: () => t });
    const first = keychainRefreshTokens.get(HOST, ann)!;
    const a = await tokens.getToken();
    expect(fake.accessTokens.get(a.accessToken)?.user).toBe(ann);
    const second = keychainRefreshTokens.get(HOST, ann)!;
    expect(second).not.toBe(first);
    expect(fake.refreshTokens.has(first)).toBe(false);
    expect(await tokens.getToken()).toEqual(a); // plenty of life left
    t += 50 * 60_000; // under 10 minutes left
    const b = await tokens.getToken();
    expect(b.accessToken).not.toBe(a.accessToken);
    expect(secretTool(`${ann}@${HOST}`)).toBe(fake.tokenRequests.at(-1)!.body['refresh_token']);
    expect(keychainRefreshTokens.get(HOST, ann)).not.toBe(second);
    expect(tokens.refreshCount).toBe(2);
  });

  it('gives loginFor("destination") a fresh Microsoft token per connection, and a new one after a refusal', async () => {
    const ann = user('ann');
    const endpoint: Endpoint = { host: HOST, port: 993, security: 'tls', user: ann, provider: 'microsoft', auth: 'oauth2', oauthClientId: fake.clientId, tenant: fake.tenant, authority: fake.authority };
    const login = loginFor('destination', endpoint);
    const c1 = await login.credential();
    expect('accessToken' in c1 && fake.accessTokens.get(c1.accessToken)?.user).toBe(ann);
    expect('accessToken' in c1 && c1.expiresAt).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(await login.credential()).toEqual(c1);
    login.refused(c1);
    const c2 = await login.credential();
    expect(c2).not.toEqual(c1);
  });

  it('an old refresh token (invalid_grant) says to sign in again with the exact command', async () => {
    const eve = user('eve');
    keychainRefreshTokens.set(HOST, eve, '0.AAAA-not-a-live-token');
    const err = await rejection(new MicrosoftUserTokens(target(eve)).getToken());
    expect(err.code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(err.message).toMatch(/AADSTS70000/);
    expect(err.hint).toBe(`Sign in again: npx mailferry signin ${HOST} ${eve} --provider microsoft --tenant ${fake.tenant} --client-id ${fake.clientId} --authority ${fake.authority}.`);
    expect(JSON.stringify(err.toInfo())).not.toContain('0.AAAA-not-a-live-token');
    keychainRefreshTokens.delete(HOST, eve);
  });

  it.each([
    [65001, 'OAUTH_CONSENT_REQUIRED', /nobody has consented/],
    [50076, 'OAUTH_MFA_REQUIRED', /multi-factor authentication/],
    [70011, 'OAUTH_APP_SETUP', /refused the IMAP permission/],
  ] as const)('AADSTS%s on a renewal -> %s', async (code, mailferryCode, words) => {
    const ann = user('ann');
    const before = keychainRefreshTokens.get(HOST, ann);
    fake.failNext(code);
    const err = await rejection(new MicrosoftUserTokens(target(ann)).getToken());
    expect(err.code).toBe(mailferryCode);
    expect(err.message).toMatch(words);
    expect(err.message).toContain(`AADSTS${code}`);
    expect(keychainRefreshTokens.get(HOST, ann)).toBe(before); // nothing lost
  });

  it('an unknown application (AADSTS700016) and a disallowed device flow (AADSTS7000218) say what to fix', async () => {
    const out = sink();
    const wrong = args(user('fay')).map((a) => (a === fake.clientId ? '00000000-0000-0000-0000-00000000abcd' : a));
    expect(await microsoftSigninCommand([...wrong, '--device-code'], { input: new PassThrough(), output: out })).toBe(SIGNIN_EXIT.FAILED);
    expect(out.text()).toMatch(/does not know the application 00000000-0000-0000-0000-00000000abcd.*AADSTS700016.*Application \(client\) ID/s);
    const locked = await startFakeMicrosoftIdentity({ allowPublicClientFlows: false, deviceInterval: 0 });
    try {
      const out2 = sink();
      const argv = [HOST, user('gus'), '--provider', 'microsoft', '--tenant', locked.tenant, '--client-id', locked.clientId, '--authority', locked.authority, '--device-code'];
      expect(await microsoftSigninCommand(argv, { input: new PassThrough(), output: out2, secondMs: 1 })).toBe(SIGNIN_EXIT.FAILED);
      expect(out2.text()).toMatch(/does not allow public client flows.*AADSTS7000218.*"Allow public client flows" to Yes/s);
    } finally {
      await locked.close();
    }
  });

  it('a sign-in service that cannot be reached is a retryable network error', async () => {
    const err = await rejection(new MicrosoftUserTokens({ ...target(user('ann')), authority: 'http://127.0.0.1:9' }).getToken());
    expect(err).toMatchObject({ code: 'HOST_UNREACHABLE', retryable: true });
  });

  it('signs out: the refresh token leaves the keychain; the next connection says how to sign in', async () => {
    const ann = user('ann');
    const out = sink();
    expect(await signoutCommand([HOST, ann], { input: new PassThrough(), output: out })).toBe(SIGNIN_EXIT.OK);
    expect(out.text()).toContain(`Signed out ${ann} on ${HOST}: the refresh token was deleted from the OS keychain.`);
    expect(out.text()).toContain('https://myapps.microsoft.com');
    expect(secretTool(`${ann}@${HOST}`)).toBeNull();
    const err = await rejection(new MicrosoftUserTokens(target(ann)).getToken());
    expect(err.code).toBe('SECRET_MISSING');
    expect(err.hint).toBe(`Run: npx mailferry signin ${HOST} ${ann} --provider microsoft --tenant ${fake.tenant} --client-id ${fake.clientId} --authority ${fake.authority}`);
    for (const u of ['bea', 'cy']) keychainRefreshTokens.delete(HOST, user(u));
  });
});
