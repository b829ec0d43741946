/**
 * Access tokens for a Microsoft destination, one provider per endpoint for as long as a run lasts, with the
 * surface of Google's (token-cache.ts: `getToken(signal)` -> { accessToken, expiresAt }, `invalidate`).
 *
 * Delegated ("auth": "oauth2"): the refresh token `mailferry signin` stored (service "mailferry-oauth",
 * account user@host, as Google's). Microsoft rotates refresh tokens: every refresh answers a new one, which
 * replaces the old in the keychain at once, so a crash never leaves a used-up token behind. invalid_grant is
 * remembered for that refresh token (later connections fail at once), unless the keychain meanwhile holds
 * a newer one (another Mailferry process refreshed, or the user signed in again): that one is tried.
 *
 * App-only ("auth": "oauth2-app"): client credentials each time a token is needed; nothing is stored. The
 * secret or certificate is read once, when the provider is made, so a missing one is reported before
 * anything connects.
 */
import { isMailferryError, MailferryError } from '../../errors/errors.js';
import type { Endpoint } from '../../job/job.js';
import { CachedAccessToken, type AccessToken, type TokenCacheOptions } from '../token-cache.js';
import { keychainRefreshTokens, type RefreshTokenStore } from '../token-store.js';
import { appProofFor } from './app-credentials.js';
import { microsoftSigninLine, normalizeAuthority, type SigninTarget } from './endpoints.js';
import { redeemRefreshToken, requestAppToken, type AppProof, type MicrosoftClientOptions } from './token-client.js';

/** Exchange ends a session when its token expires: a new connection should get most of the hour. */
const MICROSOFT_REFRESH_MARGIN_MS = 10 * 60_000;

export interface MicrosoftTokenOptions extends TokenCacheOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class MicrosoftUserTokens extends CachedAccessToken {
  readonly target: SigninTarget;
  readonly #store: RefreshTokenStore;
  readonly #opts: MicrosoftTokenOptions;
  #failed: { refreshToken: string; error: MailferryError } | undefined;
  /** Refreshes that reached the token endpoint (tests, the report). */
  refreshCount = 0;

  constructor(target: SigninTarget, opts: MicrosoftTokenOptions & { refreshTokens?: RefreshTokenStore } = {}) {
    super({ refreshMarginMs: MICROSOFT_REFRESH_MARGIN_MS, ...opts });
    this.target = target;
    this.#store = opts.refreshTokens ?? keychainRefreshTokens;
    this.#opts = opts;
  }

  protected async fetchToken(signal?: AbortSignal): Promise<AccessToken> {
    const first = this.#stored();
    try {
      return await this.#refresh(first, signal);
    } catch (err) {
      const newer = isMailferryError(err) && err.code === 'OAUTH_SIGN_IN_AGAIN' ? this.#store.get(this.target.host, this.target.user) : null;
      if (!newer || newer === first) throw err;
      return this.#refresh(newer, signal);
    }
  }

  #stored(): string {
    const { host, user } = this.target;
    const token = this.#store.get(host, user);
    if (token !== null && token !== '') return token;
    throw new MailferryError({
      code: 'SECRET_MISSING',
      message: `${user} is not signed in with Microsoft on this computer (no refresh token in the OS keychain for ${host}).`,
      hint: `Run: ${microsoftSigninLine(this.target)}`,
      retryable: false,
      details: { host, user },
    });
  }

  async #refresh(refreshToken: string, signal?: AbortSignal): Promise<AccessToken> {
    if (this.#failed?.refreshToken === refreshToken) throw this.#failed.error;
    this.refreshCount++;
    try {
      const set = await redeemRefreshToken(clientOptions(this.target, this.#opts, this.now, signal), refreshToken);
      this.#failed = undefined;
      if (set.refreshToken && set.refreshToken !== refreshToken) this.#store.set(this.target.host, this.target.user, set.refreshToken);
      return set;
    } catch (err) {
      if (isMailferryError(err) && !err.retryable) {
        this.current = undefined;
        this.#failed = { refreshToken, error: err };
      }
      throw err;
    }
  }
}

export class MicrosoftAppTokens extends CachedAccessToken {
  readonly target: SigninTarget;
  readonly #proof: AppProof;
  readonly #opts: MicrosoftTokenOptions;

  constructor(target: SigninTarget, proof: AppProof, opts: MicrosoftTokenOptions = {}) {
    super({ refreshMarginMs: MICROSOFT_REFRESH_MARGIN_MS, ...opts });
    this.target = target;
    this.#proof = proof;
    this.#opts = opts;
  }

  protected fetchToken(signal?: AbortSignal): Promise<AccessToken> {
    return requestAppToken(clientOptions(this.target, this.#opts, this.now, signal), this.#proof);
  }
}

function clientOptions(target: SigninTarget, o: MicrosoftTokenOptions, now: () => number, signal?: AbortSignal): MicrosoftClientOptions {
  return { ...target, now, ...(o.fetch ? { fetch: o.fetch } : {}), ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}), ...(signal ? { signal } : {}) };
}

/** Where an endpoint signs in with Microsoft. */
function signinTargetOf(endpoint: Endpoint): SigninTarget {
  return {
    host: endpoint.host,
    user: endpoint.user,
    clientId: endpoint.oauthClientId ?? '',
    tenant: endpoint.tenant ?? '',
    authority: normalizeAuthority(endpoint.authority),
  };
}

/** The provider of a Microsoft endpoint ("auth" "oauth2" or "oauth2-app"). App credentials are read now. */
export function microsoftTokensFor(endpoint: Endpoint): CachedAccessToken {
  const target = signinTargetOf(endpoint);
  return endpoint.auth === 'oauth2-app' ? new MicrosoftAppTokens(target, appProofFor(endpoint)) : new MicrosoftUserTokens(target);
}
