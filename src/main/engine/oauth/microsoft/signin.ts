/**
 * A user signs in with Microsoft for IMAP (delegated access), two ways; both end with the refresh token
 * in the OS keychain (service "mailferry-oauth", account user@host) and the access token in memory.
 *
 * Browser: authorization code + PKCE (S256) in the system browser, redirect to http://localhost:PORT
 * (the app registration lists http://localhost under "Mobile and desktop applications"; Microsoft ignores
 * the port). No client secret: a desktop app is a public client.
 *
 * Device code (for a computer without a browser; the app must "Allow public client flows"): the user opens
 * the verification URL on any device and types the code; Mailferry polls the token endpoint every
 * `interval` seconds: authorization_pending keeps polling, slow_down adds 5 seconds, and expired_token,
 * authorization_declined or bad_verification_code end the sign-in with what to do.
 */
import { MailferryError } from '../../errors/errors.js';
import { sleep } from '../../connect/backoff.js';
import { startLoopbackRedirect } from '../loopback-redirect.js';
import { createPkce, createState } from '../pkce.js';
import type { TokenSet } from '../token-client.js';
import { keychainRefreshTokens, type RefreshTokenStore } from '../token-store.js';
import { microsoftError } from './aad-errors.js';
import { imapScope, microsoftEndpoint, type SigninTarget } from './endpoints.js';
import { pollDeviceCode, redeemCode, refreshTokenOf, startDeviceCode, type DeviceCode, type MicrosoftClientOptions } from './token-client.js';

/** slow_down: RFC 8628 section 3.5 adds 5 seconds to the interval for this and all later polls. */
const SLOW_DOWN_S = 5;

export interface MicrosoftSigninOptions extends SigninTarget {
  /** Default: the OS keychain. */
  refreshTokens?: RefreshTokenStore;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface BrowserSigninOptions extends MicrosoftSigninOptions {
  /** Shows the authorization URL to the user: opens a browser, prints it, or both. */
  openUrl: (url: string, info: { redirectUri: string }) => void | Promise<void>;
  /** How long to wait for the browser. Default 5 minutes. */
  timeoutMs?: number;
}

export interface DeviceSigninOptions extends MicrosoftSigninOptions {
  /** Shows the verification URL and the code to the user. */
  show: (code: DeviceCode) => void | Promise<void>;
  /** Milliseconds per second of Microsoft's `interval` (tests shrink it). Default 1000. */
  secondMs?: number;
}

/** The token client's options: the target, and no browser timeout taken for a request timeout. */
function client(o: MicrosoftSigninOptions): MicrosoftClientOptions {
  const { host, user, clientId, tenant, authority } = o;
  return { host, user, clientId, tenant, authority, ...(o.fetch ? { fetch: o.fetch } : {}), ...(o.now ? { now: o.now } : {}), ...(o.signal ? { signal: o.signal } : {}) };
}

function store(o: MicrosoftSigninOptions, set: TokenSet): TokenSet {
  (o.refreshTokens ?? keychainRefreshTokens).set(o.host, o.user, refreshTokenOf(set, o));
  return set;
}

export function authorizationUrl(t: SigninTarget, x: { redirectUri: string; codeChallenge: string; state: string }): string {
  const url = microsoftEndpoint(t, 'authorize');
  const params: Record<string, string> = {
    client_id: t.clientId,
    response_type: 'code',
    redirect_uri: x.redirectUri,
    response_mode: 'query',
    scope: imapScope('delegated'),
    code_challenge: x.codeChallenge,
    code_challenge_method: 'S256',
    state: x.state,
    // A browser still signed in as an administrator would otherwise sign that account in silently.
    prompt: 'select_account',
  };
  if (t.user.includes('@')) params['login_hint'] = t.user;
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

export async function signInWithMicrosoftBrowser(o: BrowserSigninOptions): Promise<TokenSet> {
  const pkce = createPkce();
  const state = createState();
  const loopback = await startLoopbackRedirect({
    expectedState: state,
    provider: 'Microsoft',
    redirectHost: 'localhost',
    refusal: (error, description) => microsoftError({ status: 400, json: { error, error_description: description ?? '' } }, { ...o, flow: 'delegated' }, 'code'),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  try {
    const url = authorizationUrl(o, { redirectUri: loopback.redirectUri, codeChallenge: pkce.challenge, state });
    await o.openUrl(url, { redirectUri: loopback.redirectUri });
    const code = await loopback.code;
    return store(o, await redeemCode(client(o), { code, codeVerifier: pkce.verifier, redirectUri: loopback.redirectUri }));
  } finally {
    await loopback.close();
  }
}

export async function signInWithDeviceCode(o: DeviceSigninOptions): Promise<TokenSet> {
  const c = client(o);
  const now = o.now ?? Date.now;
  const secondMs = o.secondMs ?? 1000;
  const code = await startDeviceCode(c);
  await o.show(code);
  let interval = code.interval;
  for (;;) {
    try {
      await sleep(interval * secondMs, o.signal);
    } catch {
      throw new MailferryError({ code: 'CANCELLED', message: 'The Microsoft sign-in was cancelled.', retryable: false });
    }
    if (now() >= code.expiresAt) throw microsoftError({ status: 400, json: { error: 'expired_token' } }, { ...o, flow: 'delegated' }, 'device');
    const r = await pollDeviceCode(c, code.deviceCode);
    if (r === 'slow_down') interval += SLOW_DOWN_S;
    else if (r !== 'authorization_pending') return store(o, r);
  }
}
