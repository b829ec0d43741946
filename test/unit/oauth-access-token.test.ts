/**
 * Access tokens over time with a fake clock and a scripted token endpoint (a fetch stand-in): no network,
 * no keychain (in-memory stores).
 */
import { describe, expect, it } from 'vitest';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import { AccessTokenProvider, isTokenRefusal } from '../../src/main/engine/oauth/access-token-provider.js';
import { exchangeAuthorizationCode, refreshAccessToken, type TokenClientOptions } from '../../src/main/engine/oauth/token-client.js';
import { memoryClientSecrets, memoryRefreshTokens } from '../../src/main/engine/oauth/token-store.js';
import { rejection } from '../support/rejection.js';

const HOST = 'imap.gmail.com';
const USER = 'alice@gmail.com';
const CLIENT = 'client-1.apps.googleusercontent.com';
const SECRET = 'GOCSPX-unit-secret';
const REFRESH = '1//refresh-token-value';
const ENDPOINT = 'https://oauth2.example.test/token';

type Reply = { status: number; body: unknown } | Error;

/** A fetch that answers from a script and records each request's form. */
function scriptedFetch(replies: Reply[] | ((n: number, form: URLSearchParams) => Reply)) {
  const requests: Array<{ url: string; form: URLSearchParams; init: RequestInit }> = [];
  const fn = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const form = new URLSearchParams(String(init?.body ?? ''));
    requests.push({ url: String(url), form, init: init ?? {} });
    const r = typeof replies === 'function' ? replies(requests.length, form) : replies.shift();
    if (!r) throw new Error('unexpected token request');
    if (r instanceof Error) throw r;
    return new Response(typeof r.body === 'string' ? r.body : JSON.stringify(r.body), { status: r.status, headers: { 'Content-Type': 'application/json' } });
  };
  return Object.assign(fn as typeof fetch, { requests });
}

let issued = 0;
const ok = (extra: Record<string, unknown> = {}): Reply => ({ status: 200, body: { access_token: `ya29.token-${++issued}`, expires_in: 3599, token_type: 'Bearer', scope: 'https://mail.google.com/', ...extra } });
const revoked: Reply = { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };

function setup(replies: Parameters<typeof scriptedFetch>[0]) {
  let t = 1_700_000_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const refreshTokens = memoryRefreshTokens();
  refreshTokens.set(HOST, USER, REFRESH);
  const clientSecrets = memoryClientSecrets();
  clientSecrets.set(CLIENT, SECRET);
  const f = scriptedFetch(replies);
  const provider = new AccessTokenProvider({ host: HOST, user: USER, clientId: CLIENT, tokenEndpoint: ENDPOINT, refreshTokens, clientSecrets, now: clock.now, fetch: f });
  return { clock, provider, fetch: f, refreshTokens, clientSecrets };
}

describe('AccessTokenProvider', () => {
  it('refreshes on first use, reuses the token while more than 5 minutes remain, then refreshes again', async () => {
    const { clock, provider, fetch } = setup(() => ok());
    const t1 = await provider.get();
    expect(fetch.requests).toHaveLength(1);
    const form = Object.fromEntries(fetch.requests[0]!.form);
    expect(form).toEqual({ grant_type: 'refresh_token', refresh_token: REFRESH, client_id: CLIENT, client_secret: SECRET });
    expect(fetch.requests[0]!.url).toBe(ENDPOINT);
    expect(fetch.requests[0]!.init.method).toBe('POST');
    expect(fetch.requests[0]!.init.redirect).toBe('error');
    expect((await provider.getToken()).expiresAt).toBe(clock.now() + 3599_000);

    clock.advance(3599_000 - 5 * 60_000 - 1000); // 5 min 1 s left: still handed out
    expect(await provider.get()).toBe(t1);
    expect(fetch.requests).toHaveLength(1);
    clock.advance(2000); // 4 min 59 s left: a new connection gets a new token
    const t2 = await provider.get();
    expect(t2).not.toBe(t1);
    expect(fetch.requests).toHaveLength(2);
    expect(await provider.imapAuth()).toEqual({ user: USER, accessToken: t2 });
    expect(provider.refreshCount).toBe(2);
  });

  it('shares one refresh among parallel connections', async () => {
    const { provider, fetch } = setup(() => ok());
    const tokens = await Promise.all([provider.get(), provider.get(), provider.get(), provider.get()]);
    expect(new Set(tokens).size).toBe(1);
    expect(fetch.requests).toHaveLength(1);
  });

  it('turns invalid_grant into OAUTH_SIGN_IN_AGAIN with the command, and does not ask again for the same refresh token', async () => {
    const { provider, fetch, refreshTokens } = setup([revoked, ok()]);
    const err = await rejection(provider.get());
    expect(err.code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(USER);
    expect(err.hint).toContain(`npx mailferry signin ${HOST} ${USER} --client-id ${CLIENT}`);
    expect(err.hint).toMatch(/7 days/);
    expect(err.hint).toMatch(/Testing/);
    expect(err.hint).toMatch(/[Pp]ublish/);
    expect(JSON.stringify({ ...err.toInfo(), stack: err.stack })).not.toMatch(new RegExp(`${REFRESH}|${SECRET}`));

    expect((await rejection(provider.get())).code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(fetch.requests).toHaveLength(1); // remembered

    refreshTokens.set(HOST, USER, '1//after-signing-in-again');
    expect(await provider.get()).toMatch(/^ya29\./);
    expect(fetch.requests).toHaveLength(2);
    expect(fetch.requests[1]!.form.get('refresh_token')).toBe('1//after-signing-in-again');
  });

  it('keeps using a still-valid token when a refresh fails for a passing reason', async () => {
    const net = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const { clock, provider, fetch } = setup([ok(), net, { status: 503, body: 'Service Unavailable' }, ok()]);
    const t1 = await provider.get();
    clock.advance(3599_000 - 4 * 60_000); // 4 minutes left: time to refresh, but the refresh fails
    expect(await provider.get()).toBe(t1);
    clock.advance(3 * 60_000 + 30_000); // 30 s left: too little to hand out
    const err = await rejection(provider.get());
    expect(err.code).toBe('HOST_UNREACHABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('HTTP 503');
    expect(await provider.get()).not.toBe(t1);
    expect(fetch.requests).toHaveLength(4);
  });

  it('says how to sign in when nothing is stored', async () => {
    const { provider, refreshTokens, clientSecrets } = setup(() => ok());
    refreshTokens.delete(HOST, USER);
    let err = await rejection(provider.get());
    expect(err.code).toBe('SECRET_MISSING');
    expect(err.hint).toBe(`Run: npx mailferry signin ${HOST} ${USER} --client-id ${CLIENT}`);
    refreshTokens.set(HOST, USER, REFRESH);
    clientSecrets.delete(CLIENT);
    err = await rejection(provider.get());
    expect(err.code).toBe('SECRET_MISSING');
    expect(err.message).toContain(CLIENT);
    expect(err.hint).toContain('--ask-client-secret');
  });

  it('stores a rotated refresh token', async () => {
    const { provider, refreshTokens } = setup([ok({ refresh_token: '1//rotated' })]);
    await provider.get();
    expect(refreshTokens.get(HOST, USER)).toBe('1//rotated');
  });

  it('starts from a token handed over by the sign-in', async () => {
    let t = 1000;
    const f = scriptedFetch([]);
    const provider = new AccessTokenProvider({
      host: HOST, user: USER, clientId: CLIENT, clientSecret: SECRET, refreshTokens: memoryRefreshTokens(), now: () => t, fetch: f,
      initial: { accessToken: 'ya29.initial', expiresAt: t + 3599_000, tokenType: 'Bearer' },
    });
    expect(await provider.get()).toBe('ya29.initial');
    t += 10 * 60_000;
    expect(await provider.get()).toBe('ya29.initial');
    expect(f.requests).toHaveLength(0);
  });

  describe('connect(): refresh once when the server refuses the token', () => {
    const refusal = () => Object.assign(new Error('Command failed'), { authenticationFailed: true, oauthError: { status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' } });

    it('retries with a new token after a refusal', async () => {
      const { provider, fetch } = setup(() => ok());
      const seen: string[] = [];
      const result = await provider.connect(async (auth) => {
        seen.push(auth.accessToken);
        if (seen.length === 1) throw refusal();
        return 'connected';
      });
      expect(result).toBe('connected');
      expect(seen).toHaveLength(2);
      expect(seen[0]).not.toBe(seen[1]);
      expect(fetch.requests).toHaveLength(2);
    });

    it('asks the user to sign in again after a second refusal', async () => {
      const { provider } = setup(() => ok());
      const classified = new MailferryError({ code: 'OAUTH_SIGN_IN_AGAIN', message: 'x', retryable: false });
      let n = 0;
      const err = await rejection(provider.connect(async () => {
        n++;
        throw n === 1 ? refusal() : classified;
      }));
      expect(n).toBe(2);
      expect(err.code).toBe('OAUTH_SIGN_IN_AGAIN');
      expect(err.hint).toContain(`npx mailferry signin ${HOST} ${USER} --client-id ${CLIENT}`);
      expect(err.message).toMatch(/another Google account/);
    });

    it('passes other failures through without a refresh', async () => {
      const { provider, fetch } = setup(() => ok());
      const busy = new MailferryError({ code: 'TOO_MANY_CONNECTIONS', message: 'busy', retryable: true }, { cause: refusal() });
      let n = 0;
      const err = await rejection(provider.connect(async () => {
        n++;
        throw busy;
      }));
      expect(err).toBe(busy);
      expect(n).toBe(1);
      expect(fetch.requests).toHaveLength(1);
      expect(isTokenRefusal(new Error('ECONNRESET'))).toBe(false);
      expect(isTokenRefusal(new MailferryError({ code: 'AUTH_FAILED', message: 'x', retryable: false }))).toBe(true);
    });
  });
});

describe('token endpoint client', () => {
  const opts = (f: typeof fetch): TokenClientOptions => ({ tokenEndpoint: ENDPOINT, clientId: CLIENT, clientSecret: SECRET, host: HOST, user: USER, fetch: f, now: () => 5000 });

  it('exchanges a code with its verifier and redirect URI', async () => {
    const f = scriptedFetch([ok({ refresh_token: '1//new', expires_in: 3599 })]);
    const set = await exchangeAuthorizationCode(opts(f), { code: '4/code', codeVerifier: 'v'.repeat(43), redirectUri: 'http://127.0.0.1:5555' });
    expect(set).toMatchObject({ refreshToken: '1//new', expiresAt: 5000 + 3599_000, tokenType: 'Bearer', scope: 'https://mail.google.com/' });
    expect(Object.fromEntries(f.requests[0]!.form)).toEqual({
      grant_type: 'authorization_code', code: '4/code', code_verifier: 'v'.repeat(43), redirect_uri: 'http://127.0.0.1:5555', client_id: CLIENT, client_secret: SECRET,
    });
    expect((f.requests[0]!.init.headers as Record<string, string>)['Content-Type']).toBe('application/x-www-form-urlencoded');
  });

  const cases: Array<{ name: string; reply: Reply; code: string; retryable: boolean; words?: RegExp }> = [
    { name: 'invalid_grant on refresh', reply: revoked, code: 'OAUTH_SIGN_IN_AGAIN', retryable: false, words: /Token has been expired or revoked/ },
    { name: 'invalid_client', reply: { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } }, code: 'AUTH_FAILED', retryable: false, words: /client ID or client secret/ },
    { name: 'HTTP 429', reply: { status: 429, body: { error: 'rate_limit_exceeded' } }, code: 'THROTTLED', retryable: true },
    { name: 'HTTP 500', reply: { status: 500, body: { error: 'internal_failure' } }, code: 'HOST_UNREACHABLE', retryable: true },
    { name: 'an HTML page with 200', reply: { status: 200, body: '<html>Wi-Fi login</html>' }, code: 'HOST_UNREACHABLE', retryable: true },
    { name: 'DNS failure', reply: Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }) }), code: 'HOST_NOT_FOUND', retryable: true },
    { name: 'timeout', reply: Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), code: 'TIMEOUT', retryable: true },
    { name: 'another 400', reply: { status: 400, body: { error: 'invalid_request', error_description: 'Missing parameter' } }, code: 'AUTH_FAILED', retryable: false },
  ];
  for (const c of cases) {
    it(`classifies ${c.name}`, async () => {
      const err = await rejection(refreshAccessToken(opts(scriptedFetch([c.reply])), REFRESH));
      expect(err.code).toBe(c.code);
      expect(err.retryable).toBe(c.retryable);
      if (c.words) expect(`${err.message} ${err.hint}`).toMatch(c.words);
      expect(JSON.stringify(err.toInfo())).not.toMatch(new RegExp(`${REFRESH}|${SECRET}`));
    });
  }

  it('calls a refused code exchange a failed sign-in, not an expired one', async () => {
    const f = scriptedFetch([{ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid code verifier.' } }]);
    const err = await rejection(exchangeAuthorizationCode(opts(f), { code: 'c', codeVerifier: 'v'.repeat(43), redirectUri: 'http://127.0.0.1:1' }));
    expect(err.code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(err.message).toContain('Invalid code verifier');
    expect(err.hint).toContain('npx mailferry signin');
  });

  it('reports cancellation as CANCELLED', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const f = scriptedFetch([Object.assign(new Error('aborted'), { name: 'AbortError' })]);
    const err = await rejection(refreshAccessToken({ ...opts(f), signal: ctl.signal }, REFRESH));
    expect(err.code).toBe('CANCELLED');
  });

  it('refuses a plain-http token endpoint off loopback', async () => {
    const err = await rejection(refreshAccessToken({ ...opts(scriptedFetch([])), tokenEndpoint: 'http://oauth2.googleapis.com/token' }, REFRESH));
    expect(err.code).toBe('JOB_INVALID');
  });
});
