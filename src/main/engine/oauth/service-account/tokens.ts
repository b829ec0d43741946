/**
 * Access tokens for one Workspace mailbox through a service account with domain-wide delegation (RFC 7523
 * JWT bearer grant, as Google documents for server-to-server use): a JWT signed with the account's key,
 *   header  { alg: RS256, typ: JWT, kid: private_key_id }
 *   claims  { iss: client_email, scope: https://mail.google.com/, aud: token_uri, sub: the mailbox, iat, exp }
 * is POSTed as `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT` and Google answers an
 * access token for that user (about an hour; no refresh token: the next one is another signed grant).
 * IMAP then signs in with XOAUTH2, user = the mailbox. Caching, sharing and renewing are token-cache.ts's.
 */
import { MailferryError } from '../../errors/errors.js';
import type { Endpoint } from '../../job/job.js';
import { signJwtRs256 } from '../jwt.js';
import { GMAIL_IMAP_SCOPE } from '../google-endpoints.js';
import { CachedAccessToken, type AccessToken, type TokenCacheOptions } from '../token-cache.js';
import { postForm, tokenSetOf } from '../token-http.js';
import type { ServiceAccountKey } from './key-file.js';
import { serviceAccountKeyFor } from './key-store.js';
import { serviceAccountError } from './token-errors.js';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google accepts at most an hour between iat and exp. */
const GRANT_LIFETIME_S = 3600;

/** The signed grant for one mailbox. `nowMs`: this computer's clock (Google allows a little skew, not more). */
export function delegationGrant(key: ServiceAccountKey, user: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const claims = { iss: key.clientEmail, scope: GMAIL_IMAP_SCOPE, aud: key.tokenUri, sub: user, iat, exp: iat + GRANT_LIFETIME_S };
  return signJwtRs256({ kid: key.privateKeyId }, claims, key.key);
}

export interface ServiceAccountTokenOptions extends TokenCacheOptions {
  fetch?: typeof fetch;
  /** Per request, ms. Default 30 s. */
  timeoutMs?: number;
}

export class ServiceAccountTokens extends CachedAccessToken {
  readonly #key: ServiceAccountKey;
  readonly #user: string;
  readonly #opts: ServiceAccountTokenOptions;

  constructor(key: ServiceAccountKey, user: string, opts: ServiceAccountTokenOptions = {}) {
    super(opts);
    this.#key = key;
    this.#user = user;
    this.#opts = opts;
  }

  protected async fetchToken(signal?: AbortSignal): Promise<AccessToken> {
    const sentAt = this.now();
    const assertion = delegationGrant(this.#key, this.#user, sentAt);
    const target = { clientEmail: this.#key.clientEmail, clientId: this.#key.clientId, user: this.#user, now: sentAt };
    const reply = await postForm({
      url: new URL(this.#key.tokenUri),
      form: { grant_type: JWT_BEARER_GRANT, assertion },
      service: "Google's sign-in service",
      what: `get an access token for ${this.#user}`,
      details: { serviceAccount: target.clientEmail, clientId: target.clientId, user: this.#user },
      ...(this.#opts.fetch ? { fetch: this.#opts.fetch } : {}),
      ...(this.#opts.timeoutMs !== undefined ? { timeoutMs: this.#opts.timeoutMs } : {}),
      ...(signal ? { signal } : {}),
    });
    const set = tokenSetOf(reply, sentAt);
    if (set) return set;
    throw serviceAccountError(reply, target, [assertion]);
  }
}

/** The provider of an endpoint with "auth": "service-account"; the key is read from the keychain now, so a missing one is reported before anything connects. */
export function serviceAccountTokensFor(endpoint: Endpoint): ServiceAccountTokens {
  if (!endpoint.serviceAccount) {
    throw new MailferryError({ code: 'JOB_INVALID', message: `No "serviceAccount" is given for ${endpoint.user}.`, hint: 'Name the service account (its client e-mail or client ID) in the job.', retryable: false });
  }
  return new ServiceAccountTokens(serviceAccountKeyFor(endpoint.serviceAccount, endpoint.user), endpoint.user);
}
