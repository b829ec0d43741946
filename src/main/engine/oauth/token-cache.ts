/**
 * The access-token cache every provider shares (Google's, Microsoft's delegated and app-only): tokens live
 * in memory only, never on disk, never logged.
 *
 * `getToken()` hands out the current token while more than the refresh margin of its life remains, else
 * fetches a new one first: Gmail and Exchange end an OAuth session when its token expires, so a new
 * connection should get a token with most of its life ahead. Parallel callers share one fetch. When a fetch
 * fails for a passing reason (network, 5xx) and the current token still has a minute left, that token is
 * handed out and the fetch is tried again next time.
 */
import { isMailferryError } from '../errors/errors.js';

const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;
/** Below this, a token is not handed out even when a refresh failed for a passing reason. */
const LAST_RESORT_MS = 60_000;

export interface AccessToken {
  accessToken: string;
  /** Epoch ms. A connection signed in with this token ends around then (Gmail: "Session expired"). */
  expiresAt: number;
}

export interface TokenCacheOptions {
  /** A token to start with (e.g. the one a sign-in just obtained). */
  initial?: AccessToken;
  /** Default 5 minutes. */
  refreshMarginMs?: number;
  now?: () => number;
}

export abstract class CachedAccessToken {
  protected current: AccessToken | undefined;
  protected readonly now: () => number;
  readonly #margin: number;
  #inflight: Promise<AccessToken> | undefined;

  constructor(opts: TokenCacheOptions) {
    this.now = opts.now ?? Date.now;
    this.#margin = opts.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    if (opts.initial) this.current = { accessToken: opts.initial.accessToken, expiresAt: opts.initial.expiresAt };
  }

  /** Asks the token endpoint for a new token. Throws a MailferryError. */
  protected abstract fetchToken(signal?: AbortSignal): Promise<AccessToken>;

  /** A token with more than the margin left, refreshing first when needed. Throws a MailferryError. */
  async getToken(signal?: AbortSignal): Promise<AccessToken> {
    const cur = this.current;
    if (cur && cur.expiresAt - this.now() > this.#margin) return cur;
    this.#inflight ??= this.fetchToken(signal)
      .then((t) => (this.current = { accessToken: t.accessToken, expiresAt: t.expiresAt }))
      .finally(() => {
        this.#inflight = undefined;
      });
    try {
      return await this.#inflight;
    } catch (err) {
      // A passing failure: the old token still works for a while; the next call tries again.
      if (cur && isMailferryError(err) && err.retryable && cur.expiresAt - this.now() > LAST_RESORT_MS) return cur;
      throw err;
    }
  }

  async get(signal?: AbortSignal): Promise<string> {
    return (await this.getToken(signal)).accessToken;
  }

  /** The server refused this token: forget it, so the next getToken() refreshes. */
  invalidate(accessToken?: string): void {
    if (!accessToken || this.current?.accessToken === accessToken) this.current = undefined;
  }
}
