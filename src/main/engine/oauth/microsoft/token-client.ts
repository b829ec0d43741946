/**
 * Requests to Microsoft's token and device-code endpoints. Delegated grants (authorization code, refresh
 * token, device code) are a public client's: client_id and no secret, as Microsoft wants for desktop apps.
 * App-only (client credentials) proves the app with a client secret or a signed certificate assertion.
 * Every answer's token is checked to be for Exchange Online; every failure is a MailferryError from
 * aad-errors.ts that never repeats what was sent.
 */
import { MailferryError } from '../../errors/errors.js';
import { postForm, tokenSetOf, type FormReply } from '../token-http.js';
import type { TokenSet } from '../token-client.js';
import { microsoftError, type ErrorTarget, type Step } from './aad-errors.js';
import { ASSERTION_TYPE, clientAssertion, type AppCertificate } from './client-assertion.js';
import { assertExchangeAudience, DEVICE_CODE_GRANT, imapScope, microsoftEndpoint, type SigninTarget } from './endpoints.js';

export interface MicrosoftClientOptions extends SigninTarget {
  fetch?: typeof fetch;
  now?: () => number;
  /** Per request, ms. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** How an app proves itself for app-only access. */
export type AppProof = { clientSecret: string } | { certificate: AppCertificate };

const SERVICE = "Microsoft's sign-in service";

function post(c: MicrosoftClientOptions, url: URL, form: Record<string, string>, what: string): Promise<FormReply> {
  return postForm({
    url,
    form,
    service: SERVICE,
    what,
    details: { host: c.host, user: c.user, clientId: c.clientId, tenant: c.tenant },
    ...(c.fetch ? { fetch: c.fetch } : {}),
    ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {}),
    ...(c.signal ? { signal: c.signal } : {}),
  });
}

/** POSTs a grant: the token set, or the failed answer. */
async function grant(c: MicrosoftClientOptions, step: Step, form: Record<string, string>): Promise<TokenSet | FormReply> {
  const url = microsoftEndpoint(c, 'token');
  const sentAt = (c.now ?? Date.now)();
  const what = step === 'refresh' ? 'renew the access token' : step === 'app' ? 'get an app-only access token' : 'complete the sign-in';
  const reply = await post(c, url, { client_id: c.clientId, ...form }, what);
  const set = tokenSetOf(reply, sentAt);
  if (!set) return reply;
  assertExchangeAudience(set.accessToken, c.clientId);
  return set;
}

function target(c: MicrosoftClientOptions, step: Step): ErrorTarget {
  return { host: c.host, user: c.user, clientId: c.clientId, tenant: c.tenant, authority: c.authority, flow: step === 'app' ? 'app' : 'delegated' };
}

/** `secrets`: the form values no error may repeat. */
async function tokenOrThrow(c: MicrosoftClientOptions, step: Step, form: Record<string, string>, secrets: string[]): Promise<TokenSet> {
  const r = await grant(c, step, form);
  if ('accessToken' in r) return r;
  throw microsoftError(r, target(c, step), step, secrets);
}

export function redeemCode(c: MicrosoftClientOptions, x: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet> {
  const form = { grant_type: 'authorization_code', code: x.code, code_verifier: x.codeVerifier, redirect_uri: x.redirectUri, scope: imapScope('delegated') };
  return tokenOrThrow(c, 'code', form, [x.code, x.codeVerifier]);
}

/** A new access token, and (Microsoft rotates them) a new refresh token that replaces the old one. */
export function redeemRefreshToken(c: MicrosoftClientOptions, refreshToken: string): Promise<TokenSet> {
  return tokenOrThrow(c, 'refresh', { grant_type: 'refresh_token', refresh_token: refreshToken, scope: imapScope('delegated') }, [refreshToken]);
}

export function requestAppToken(c: MicrosoftClientOptions, proof: AppProof): Promise<TokenSet> {
  const form: Record<string, string> = { grant_type: 'client_credentials', scope: imapScope('app') };
  let secret: string;
  if ('clientSecret' in proof) {
    secret = form['client_secret'] = proof.clientSecret;
  } else {
    const audience = microsoftEndpoint(c, 'token').toString();
    form['client_assertion_type'] = ASSERTION_TYPE;
    secret = form['client_assertion'] = clientAssertion(proof.certificate, { clientId: c.clientId, audience, now: (c.now ?? Date.now)() });
  }
  return tokenOrThrow(c, 'app', form, [secret]);
}

export interface DeviceCode {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  /** Epoch ms after which the code no longer works. */
  expiresAt: number;
  /** Seconds between polls. */
  interval: number;
}

export async function startDeviceCode(c: MicrosoftClientOptions): Promise<DeviceCode> {
  const sentAt = (c.now ?? Date.now)();
  const reply = await post(c, microsoftEndpoint(c, 'devicecode'), { client_id: c.clientId, scope: imapScope('delegated') }, 'start the device sign-in');
  const j = reply.json;
  const str = (k: string) => (typeof j?.[k] === 'string' && j[k] !== '' ? (j[k] as string) : undefined);
  const deviceCode = str('device_code');
  const userCode = str('user_code');
  const verificationUri = str('verification_uri');
  if (reply.status !== 200 || !deviceCode || !userCode || !verificationUri) throw microsoftError(reply, target(c, 'device'), 'device');
  const expiresIn = Number(j?.['expires_in']);
  const interval = Number(j?.['interval']);
  return {
    deviceCode, userCode, verificationUri,
    expiresAt: sentAt + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 900) * 1000,
    interval: Number.isFinite(interval) && interval >= 0 ? interval : 5,
  };
}

/** One poll: the tokens, or "authorization_pending" / "slow_down" (keep polling); anything else throws. */
export async function pollDeviceCode(c: MicrosoftClientOptions, deviceCode: string): Promise<TokenSet | 'authorization_pending' | 'slow_down'> {
  const r = await grant(c, 'device', { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode });
  if ('accessToken' in r) return r;
  const error = r.json?.['error'];
  if (error === 'authorization_pending' || error === 'slow_down') return error;
  throw microsoftError(r, target(c, 'device'), 'device', [deviceCode]);
}

/** The refresh token of a delegated sign-in; without one Mailferry could not stay signed in. */
export function refreshTokenOf(set: TokenSet, c: SigninTarget): string {
  if (set.refreshToken) return set.refreshToken;
  throw new MailferryError({
    code: 'OAUTH_APP_SETUP',
    message: `Microsoft signed ${c.user} in but returned no refresh token, so Mailferry could not stay signed in.`,
    hint: 'Add the delegated permission offline_access to the app registration (API permissions) and sign in again.',
    retryable: false,
    details: { host: c.host, user: c.user, clientId: c.clientId },
  });
}
