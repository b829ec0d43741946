/**
 * Access tokens for one Google account, for as long as a run lasts (the caching and sharing rules are in
 * token-cache.ts). The refresh token is read from the keychain when a new access token is needed, so a
 * `mailferry signin` in another window takes effect without a restart.
 *
 * Per new IMAP connection, the engine calls `imapAuth()` (or `connect()`, which also does the "refresh
 * once, then sign in again" dance of a refused token).
 *
 * invalid_grant -> OAUTH_SIGN_IN_AGAIN with the exact sign-in command; the failure is remembered for
 * that refresh token, so later connections fail at once instead of asking Google again, until the
 * keychain holds a new refresh token.
 */
import { isMailferryError, MailferryError } from '../errors/errors.js';
import { GOOGLE_TOKEN_ENDPOINT, signinCommandLine } from './google-endpoints.js';
import { imapflowOAuth, type ImapOAuth } from './sasl.js';
import { CachedAccessToken, type AccessToken } from './token-cache.js';
import { refreshAccessToken, signInAgainError, type TokenSet } from './token-client.js';
import { keychainClientSecrets, keychainRefreshTokens, type ClientSecretStore, type RefreshTokenStore } from './token-store.js';

export interface AccessTokenProviderOptions {
  /** The IMAP host and user (as in the job file): the keychain account of the refresh token. */
  host: string;
  user: string;
  clientId: string;
  /** Default: Google's token endpoint. */
  tokenEndpoint?: string;
  /** Default: the OS keychain. */
  refreshTokens?: RefreshTokenStore;
  /** Default: the OS keychain. Ignored when clientSecret is given. */
  clientSecrets?: ClientSecretStore;
  clientSecret?: string;
  /** A token to start with (e.g. the one a sign-in just obtained). */
  initial?: TokenSet;
  refreshMarginMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class AccessTokenProvider extends CachedAccessToken {
  readonly host: string;
  readonly user: string;
  readonly clientId: string;
  private readonly opts: AccessTokenProviderOptions;
  private failed: { refreshToken: string; error: MailferryError } | undefined;
  /** How many refreshes reached the token endpoint (for tests and the report). */
  refreshCount = 0;

  constructor(opts: AccessTokenProviderOptions) {
    super(opts);
    this.opts = opts;
    this.host = opts.host;
    this.user = opts.user;
    this.clientId = opts.clientId.trim();
  }

  /** imapflow's `auth` option for a new connection: `new ImapFlow({ ..., auth: await provider.imapAuth() })`. */
  async imapAuth(signal?: AbortSignal): Promise<ImapOAuth> {
    return imapflowOAuth(this.user, await this.get(signal));
  }

  /**
   * Signs in with the current token; when the server refuses it (OAUTH_SIGN_IN_AGAIN or AUTH_FAILED from
   * classify-error, or an imapflow error with oauthError), refreshes once and tries again; a second refusal
   * becomes OAUTH_SIGN_IN_AGAIN with the sign-in command. Other errors pass through untouched.
   */
  async connect<T>(attempt: (auth: ImapOAuth) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const first = await this.imapAuth(signal);
    try {
      return await attempt(first);
    } catch (err) {
      if (!isTokenRefusal(err)) throw err;
      this.invalidate(first.accessToken);
    }
    const second = await this.imapAuth(signal);
    try {
      return await attempt(second);
    } catch (err) {
      if (!isTokenRefusal(err)) throw err;
      this.invalidate(second.accessToken);
      throw signInAgainError(this.host, this.user, this.clientId, 'the mail server refused a freshly renewed access token; was the browser signed in to another Google account?', err);
    }
  }

  private clientSecret(): string {
    if (this.opts.clientSecret !== undefined && this.opts.clientSecret !== '') return this.opts.clientSecret;
    const stored = (this.opts.clientSecrets ?? keychainClientSecrets).get(this.clientId);
    if (stored === null || stored === '') {
      throw new MailferryError({
        code: 'SECRET_MISSING',
        message: `The client secret of OAuth client ${this.clientId} is not stored in the OS keychain.`,
        hint: `Run: ${signinCommandLine(this.host, this.user, this.clientId)} --ask-client-secret`,
        retryable: false,
        details: { host: this.host, user: this.user, clientId: this.clientId },
      });
    }
    return stored;
  }

  protected async fetchToken(signal?: AbortSignal): Promise<AccessToken> {
    const store = this.opts.refreshTokens ?? keychainRefreshTokens;
    const refreshToken = store.get(this.host, this.user);
    if (refreshToken === null || refreshToken === '') {
      throw new MailferryError({
        code: 'SECRET_MISSING',
        message: `${this.user} is not signed in with Google on this computer (no refresh token in the OS keychain).`,
        hint: `Run: ${signinCommandLine(this.host, this.user, this.clientId)}`,
        retryable: false,
        details: { host: this.host, user: this.user },
      });
    }
    if (this.failed && this.failed.refreshToken === refreshToken) throw this.failed.error;
    const clientSecret = this.clientSecret();
    this.refreshCount++;
    let set: TokenSet;
    try {
      set = await refreshAccessToken(
        {
          tokenEndpoint: this.opts.tokenEndpoint ?? GOOGLE_TOKEN_ENDPOINT,
          clientId: this.clientId,
          clientSecret,
          host: this.host,
          user: this.user,
          now: this.now,
          ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
          ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
          ...(signal ? { signal } : {}),
        },
        refreshToken,
      );
    } catch (err) {
      if (isMailferryError(err) && err.code === 'OAUTH_SIGN_IN_AGAIN') {
        this.current = undefined;
        this.failed = { refreshToken, error: err };
      }
      throw err;
    }
    this.failed = undefined;
    // Google keeps the refresh token on refresh; a server that rotates it sends a new one.
    if (set.refreshToken && set.refreshToken !== refreshToken) store.set(this.host, this.user, set.refreshToken);
    return set;
  }
}

/** Did the IMAP server refuse the token (rather than fail for another reason)? */
export function isTokenRefusal(err: unknown): boolean {
  // Classified errors are decided by their code alone: Gmail's too-many-connections ALERT also comes
  // as an authentication failure from imapflow, but is TOO_MANY_CONNECTIONS, not a token problem.
  if (isMailferryError(err)) return err.code === 'OAUTH_SIGN_IN_AGAIN' || err.code === 'AUTH_FAILED';
  if (err && typeof err === 'object') {
    const e = err as { oauthError?: unknown; authenticationFailed?: unknown };
    return (e.oauthError !== undefined && e.oauthError !== false && e.oauthError !== null) || e.authenticationFailed === true;
  }
  return false;
}
