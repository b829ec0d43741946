/**
 * Where OAuth secrets live: only the OS keychain (see secrets.ts for the store and its pinning).
 *
 *   refresh token   service "mailferry-oauth",        account `${user}@${host}` (host lower-cased, as passwords);
 *                   Google's (the source) and Microsoft's (the destination, rotated on every refresh)
 *   client secret   service "mailferry-oauth-client", account = the OAuth client ID
 *
 * The client secret of a "Desktop app" client is not really confidential (Google says so for installed
 * apps), but it is still kept out of job files and logs: the job holds only `oauthClientId`. One client
 * usually serves several accounts, hence one secret per client ID. Access tokens are never stored.
 *
 * On Linux: `secret-tool search --all service mailferry-oauth` lists the sign-ins.
 */
import { deleteKeychainSecret, getKeychainSecret, keychainAccount, setKeychainSecret, type KeychainItem } from '../connect/secrets.js';

export const OAUTH_TOKEN_SERVICE = 'mailferry-oauth';
export const OAUTH_CLIENT_SERVICE = 'mailferry-oauth-client';

/** Refresh tokens by account; the keychain in production, a Map in unit tests. */
export interface RefreshTokenStore {
  get(host: string, user: string): string | null;
  set(host: string, user: string, refreshToken: string): void;
  delete(host: string, user: string): boolean;
}

/** Client secrets by client ID. */
export interface ClientSecretStore {
  get(clientId: string): string | null;
  set(clientId: string, secret: string): void;
  delete(clientId: string): boolean;
}

function tokenItem(host: string, user: string): KeychainItem {
  return {
    service: OAUTH_TOKEN_SERVICE,
    account: keychainAccount(host, user),
    what: `the sign-in (refresh token) of ${user} on ${host}`,
    details: { host, user },
  };
}

function clientItem(clientId: string): KeychainItem {
  return {
    service: OAUTH_CLIENT_SERVICE,
    account: clientId.trim(),
    what: `the client secret of OAuth client ${clientId.trim()}`,
    details: { clientId: clientId.trim() },
  };
}

export const keychainRefreshTokens: RefreshTokenStore = {
  get: (host, user) => getKeychainSecret(tokenItem(host, user)),
  set: (host, user, token) => setKeychainSecret(tokenItem(host, user), token),
  delete: (host, user) => deleteKeychainSecret(tokenItem(host, user)),
};

export const keychainClientSecrets: ClientSecretStore = {
  get: (clientId) => getKeychainSecret(clientItem(clientId)),
  set: (clientId, secret) => setKeychainSecret(clientItem(clientId), secret.trim()),
  delete: (clientId) => deleteKeychainSecret(clientItem(clientId)),
};

/** In-memory stores, for tests and for a caller that wants nothing persisted. */
export function memoryRefreshTokens(): RefreshTokenStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: (host, user) => entries.get(keychainAccount(host, user)) ?? null,
    set: (host, user, token) => void entries.set(keychainAccount(host, user), token),
    delete: (host, user) => entries.delete(keychainAccount(host, user)),
  };
}

export function memoryClientSecrets(): ClientSecretStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: (id) => entries.get(id.trim()) ?? null,
    set: (id, secret) => void entries.set(id.trim(), secret.trim()),
    delete: (id) => entries.delete(id.trim()),
  };
}
