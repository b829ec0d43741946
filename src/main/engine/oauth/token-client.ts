/**
 * Google's token endpoint (Microsoft's: microsoft/token-client.ts): exchanging an authorization code (with its PKCE verifier) and refreshing an access
 * token. POST application/x-www-form-urlencoded, JSON answers (RFC 6749 sections 4.1.3, 5 and 6).
 *
 * Every failure is a MailferryError, and no message or detail ever holds a token, a code or the secret:
 *   invalid_grant on refresh          OAUTH_SIGN_IN_AGAIN (revoked, password changed, or the 7-day expiry
 *                                     of refresh tokens of an app in "Testing"): the hint names the command
 *   invalid_grant on code exchange    OAUTH_SIGN_IN_AGAIN (code expired or used, PKCE verifier refused)
 *   invalid_client / unauthorized_client   AUTH_FAILED: the client ID or secret is wrong
 *   HTTP 429                          THROTTLED (retryable)
 *   HTTP 5xx, network, DNS            HOST_UNREACHABLE / HOST_NOT_FOUND (retryable)
 *   no answer within timeoutMs        TIMEOUT (retryable)
 *   aborted by the caller             CANCELLED
 */
import { MailferryError } from '../errors/errors.js';
import { checkEndpointUrl, signinCommandLine } from './google-endpoints.js';
import { postForm, tokenSetOf } from './token-http.js';

export interface TokenSet {
  accessToken: string;
  /** Epoch ms after which the access token is no longer accepted (counted from when the request was sent). */
  expiresAt: number;
  /** Present after a code exchange (with access_type=offline); Google rarely sends a new one on refresh. */
  refreshToken?: string;
  /** Space-separated scopes granted, when the server says. */
  scope?: string;
  tokenType: string;
}

export interface TokenClientOptions {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** The IMAP account this is for: named in messages and in the sign-in command of hints. */
  host: string;
  user: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Per request, ms. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CodeExchange {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

export function exchangeAuthorizationCode(opts: TokenClientOptions, exchange: CodeExchange): Promise<TokenSet> {
  return tokenRequest(opts, 'exchange', {
    grant_type: 'authorization_code',
    code: exchange.code,
    code_verifier: exchange.codeVerifier,
    redirect_uri: exchange.redirectUri,
  });
}

export function refreshAccessToken(opts: TokenClientOptions, refreshToken: string): Promise<TokenSet> {
  return tokenRequest(opts, 'refresh', { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** The OAUTH_SIGN_IN_AGAIN error for an account (invalid_grant, or an access token the server refuses). */
export function signInAgainError(host: string, user: string, clientId: string | undefined, reason: string, cause?: unknown): MailferryError {
  return new MailferryError(
    {
      code: 'OAUTH_SIGN_IN_AGAIN',
      message: `Google no longer accepts Mailferry's sign-in for ${user} (${reason}): it was revoked, the password changed, or it expired.`,
      hint:
        `Sign in again with: ${signinCommandLine(host, user, clientId)}. ` +
        'If this happens every 7 days, your OAuth app is in "Testing" status, whose sign-ins expire after 7 days: publish it ' +
        '(Google Cloud console, OAuth consent screen, "Publish app") to keep sign-ins until they are revoked.',
      retryable: false,
      details: { host, user, reason },
    },
    cause === undefined ? undefined : { cause },
  );
}

type Kind = 'exchange' | 'refresh';

async function tokenRequest(opts: TokenClientOptions, kind: Kind, params: Record<string, string>): Promise<TokenSet> {
  const url = checkEndpointUrl(opts.tokenEndpoint, 'token endpoint');
  const now = opts.now ?? Date.now;
  const where = url.host;
  const details = { host: opts.host, user: opts.user, tokenEndpoint: url.origin + url.pathname };
  const what = kind === 'refresh' ? 'renew the access token' : 'complete the sign-in';
  const sentAt = now();
  const reply = await postForm({
    url,
    form: { ...params, client_id: opts.clientId, client_secret: opts.clientSecret },
    service: "Google's sign-in service",
    what,
    details,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const set = tokenSetOf(reply, sentAt);
  if (set) return set;
  const { status, json } = reply;

  const error = json && typeof json['error'] === 'string' ? json['error'] : undefined;
  const description = json && typeof json['error_description'] === 'string' ? json['error_description'].slice(0, 300) : undefined;
  const reason = error ? `${error}${description ? `: ${description}` : ''}` : `HTTP ${status}`;

  if (error === 'invalid_grant') {
    if (kind === 'refresh') throw signInAgainError(opts.host, opts.user, opts.clientId, reason);
    throw new MailferryError({
      code: 'OAUTH_SIGN_IN_AGAIN',
      message: `Google did not accept the sign-in code for ${opts.user} (${reason}).`,
      hint: `Run the sign-in again: ${signinCommandLine(opts.host, opts.user, opts.clientId)}.`,
      retryable: false,
      details: { ...details, reason },
    });
  }
  if (error === 'invalid_client' || error === 'unauthorized_client') {
    throw new MailferryError({
      code: 'AUTH_FAILED',
      message: `Google did not accept the OAuth client ID or client secret (${reason}).`,
      hint:
        'Check both in the Google Cloud console (APIs & Services, Credentials: a client of type "Desktop app"), then sign in again with ' +
        `${signinCommandLine(opts.host, opts.user, opts.clientId)} --ask-client-secret.`,
      retryable: false,
      details: { ...details, reason },
    });
  }
  if (status === 429) {
    throw new MailferryError({
      code: 'THROTTLED',
      message: `Google's sign-in service (${where}) asked Mailferry to slow down while trying to ${what}.`,
      hint: 'Nothing to do: Mailferry waits and tries again.',
      retryable: true,
      details: { ...details, status },
    });
  }
  if (status >= 500 || (status >= 200 && status < 300) || !error) {
    // A 5xx, or an answer that is not the JSON of a token endpoint (a proxy's or captive portal's page).
    throw new MailferryError({
      code: 'HOST_UNREACHABLE',
      message: `Google's sign-in service (${where}) gave no usable answer while trying to ${what} (${status >= 200 && status < 300 ? 'not a token answer' : `HTTP ${status}`}).`,
      hint: 'Check the internet connection (a proxy or a Wi-Fi sign-in page can cause this); Mailferry tries again.',
      retryable: true,
      details: { ...details, status },
    });
  }
  throw new MailferryError({
    code: 'AUTH_FAILED',
    message: `Google refused to ${what} for ${opts.user} (${reason}).`,
    hint: `Sign in again with: ${signinCommandLine(opts.host, opts.user, opts.clientId)}.`,
    retryable: false,
    details: { ...details, status, reason },
  });
}
