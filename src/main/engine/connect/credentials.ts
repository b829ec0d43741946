import type { ImapFlow } from 'imapflow';
import type { ConnectOptions, Side } from './imap-connect.js';
import type { Endpoint } from '../job/job.js';
import { AccessTokenProvider, isTokenRefusal } from '../oauth/access-token-provider.js';
import { microsoftTokensFor } from '../oauth/microsoft/token-providers.js';
import { serviceAccountTokensFor } from '../oauth/service-account/tokens.js';
import type { CachedAccessToken } from '../oauth/token-cache.js';
import { resolvePassword } from './secrets.js';

/**
 * What one login needs: a password, or an OAuth access token (XOAUTH2). `expiresAt` (epoch ms, when known):
 * Gmail and Exchange end a session when its token expires.
 */
export type Credential = { password: string } | { accessToken: string; expiresAt?: number };

export interface CredentialOptions {
  /** Where passwords come from; default: passwordEnv or the OS keychain (spaces stripped on the Gmail side). */
  password?: (side: Side, endpoint: Endpoint) => string;
  /**
   * A fresh access token for an 'oauth2', 'oauth2-app' or 'service-account' endpoint; default: Google's or
   * Microsoft's provider (the refresh token `mailferry signin` stored, the app's secret or certificate, or
   * the service account's key).
   */
  accessToken?: (side: Side, endpoint: Endpoint) => Promise<string>;
}

/** How one endpoint signs in, asked afresh for every new connection. */
export interface Login {
  credential(): Promise<Credential>;
  /** The server refused this credential: a token is dropped so the next one is freshly refreshed. */
  refused(c: Credential): void;
}

/**
 * The login of one endpoint. Passwords are looked up at once, so a missing one is reported before anything
 * connects; access tokens per connection, so each login (and each renewal before the 1-hour expiry) gets a
 * fresh one.
 */
export function loginFor(side: Side, endpoint: Endpoint, opts: CredentialOptions = {}): Login {
  if (endpoint.auth === 'oauth2' || endpoint.auth === 'oauth2-app' || endpoint.auth === 'service-account') {
    if (opts.accessToken) {
      const get = opts.accessToken;
      return { credential: async () => ({ accessToken: await get(side, endpoint) }), refused: () => {} };
    }
    const provider: CachedAccessToken =
      endpoint.auth === 'service-account' ? serviceAccountTokensFor(endpoint)
      : endpoint.provider === 'microsoft' ? microsoftTokensFor(endpoint)
      : new AccessTokenProvider({ host: endpoint.host, user: endpoint.user, clientId: endpoint.oauthClientId ?? '' });
    return {
      credential: async () => {
        const t = await provider.getToken();
        return { accessToken: t.accessToken, expiresAt: t.expiresAt };
      },
      refused: (c) => 'accessToken' in c && provider.invalidate(c.accessToken),
    };
  }
  const password = (opts.password ?? defaultPassword)(side, endpoint);
  return { credential: async () => ({ password }), refused: () => {} };
}

/**
 * Connects with the endpoint's login. A refused access token is refreshed and tried once more (it may have
 * been revoked between refreshes); a refused password is final.
 */
export async function connectWith(login: Login, opts: Omit<ConnectOptions, 'credential'>): Promise<ImapFlow> {
  // imapflow loads when a connection is first made, not with every module that needs a login.
  const { connectImap } = await import('./imap-connect.js');
  return signInWith(login, (credential) => connectImap({ ...opts, credential }));
}

/** Signs in with the login's credential; a refused access token is dropped and a fresh one tried once. */
export async function signInWith<T>(login: Login, open: (c: Credential) => Promise<T>): Promise<T> {
  const first = await login.credential();
  try {
    return await open(first);
  } catch (err) {
    if (!('accessToken' in first) || !isTokenRefusal(err)) throw err;
    login.refused(first);
    return open(await login.credential());
  }
}

export function defaultPassword(side: Side, endpoint: Endpoint): string {
  return resolvePassword(endpoint, process.env, { stripWhitespace: side === 'source' });
}
