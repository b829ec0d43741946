/**
 * "Sign in with Google" for an installed app (RFC 8252): authorization code flow with PKCE S256, the
 * system browser, and a loopback redirect on 127.0.0.1. The refresh token goes into the OS keychain;
 * the access token comes back to the caller, in memory only.
 *
 *   1. PKCE verifier + challenge, random state, loopback server on 127.0.0.1:<ephemeral port>
 *   2. openUrl(authorization URL)  (the CLI prints it and tries the system browser; the app opens it)
 *   3. the browser comes back to http://127.0.0.1:PORT/?code&state; state checked
 *   4. code + verifier + client secret -> token endpoint -> access + refresh token
 *   5. the refresh token is stored (service "mailferry-oauth", account user@host)
 */
import { MailferryError } from '../errors/errors.js';
import { buildAuthorizationUrl, GMAIL_IMAP_SCOPE, GOOGLE_ENDPOINTS, GOOGLE_PERMISSIONS_PAGE, signinCommandLine, type OAuthEndpoints } from './google-endpoints.js';
import { startLoopbackRedirect } from './loopback-redirect.js';
import { createPkce, createState } from './pkce.js';
import { exchangeAuthorizationCode, type TokenSet } from './token-client.js';
import { keychainRefreshTokens, type RefreshTokenStore } from './token-store.js';

export interface SignInOptions {
  /** The IMAP host and user the sign-in is for (the keychain account of the refresh token). */
  host: string;
  user: string;
  clientId: string;
  clientSecret: string;
  /** Shows the authorization URL to the user: opens a browser, prints it, or both. */
  openUrl: (url: string, info: { redirectUri: string }) => void | Promise<void>;
  /** Default: Google's. */
  endpoints?: OAuthEndpoints;
  /** Default GMAIL_IMAP_SCOPE. */
  scope?: string;
  /** How long to wait for the browser. Default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Default: the OS keychain. */
  refreshTokens?: RefreshTokenStore;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Runs the whole flow and stores the refresh token. Resolves with the tokens (the access token is fresh). */
export async function signInWithBrowser(opts: SignInOptions): Promise<TokenSet> {
  const endpoints = opts.endpoints ?? GOOGLE_ENDPOINTS;
  const scope = opts.scope ?? GMAIL_IMAP_SCOPE;
  const clientId = opts.clientId.trim();
  const pkce = createPkce();
  const state = createState();
  const loopback = await startLoopbackRedirect({
    expectedState: state,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  let tokens: TokenSet;
  try {
    const url = buildAuthorizationUrl({
      authorizationEndpoint: endpoints.authorizationEndpoint,
      clientId,
      redirectUri: loopback.redirectUri,
      codeChallenge: pkce.challenge,
      state,
      scope,
      ...(opts.user.includes('@') ? { loginHint: opts.user } : {}),
    });
    await opts.openUrl(url, { redirectUri: loopback.redirectUri });
    const code = await loopback.code;
    tokens = await exchangeAuthorizationCode(
      {
        tokenEndpoint: endpoints.tokenEndpoint,
        clientId,
        clientSecret: opts.clientSecret,
        host: opts.host,
        user: opts.user,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(opts.now ? { now: opts.now } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      { code, codeVerifier: pkce.verifier, redirectUri: loopback.redirectUri },
    );
  } finally {
    await loopback.close();
  }

  if (tokens.scope !== undefined && !tokens.scope.split(/\s+/).includes(scope)) {
    throw new MailferryError({
      code: 'OAUTH_SIGN_IN_AGAIN',
      message: `Google signed ${opts.user} in without access to mail (granted: ${tokens.scope || 'nothing'}).`,
      hint: `Run ${signinCommandLine(opts.host, opts.user, clientId)} again and, on Google's consent page, tick the box that lets Mailferry read, compose and send email.`,
      retryable: false,
      details: { host: opts.host, user: opts.user },
    });
  }
  if (!tokens.refreshToken) {
    throw new MailferryError({
      code: 'OAUTH_SIGN_IN_AGAIN',
      message: `Google signed ${opts.user} in but returned no refresh token, so Mailferry could not stay signed in.`,
      hint: `Remove Mailferry's access at ${GOOGLE_PERMISSIONS_PAGE} and run ${signinCommandLine(opts.host, opts.user, clientId)} again.`,
      retryable: false,
      details: { host: opts.host, user: opts.user },
    });
  }
  (opts.refreshTokens ?? keychainRefreshTokens).set(opts.host, opts.user, tokens.refreshToken);
  return tokens;
}
