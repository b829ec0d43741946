import { MailferryError } from './errors.js';
import type { Side } from './imap-connect.js';
import type { Endpoint } from './job.js';
import { resolvePassword } from './secrets.js';

/** What one login needs: a password, or an OAuth access token (XOAUTH2). */
export type Credential = { password: string } | { accessToken: string };

export interface CredentialOptions {
  /** Where passwords come from; default: passwordEnv or the OS keychain (spaces stripped on the Gmail side). */
  password?: (side: Side, endpoint: Endpoint) => string;
  /** A fresh access token for an 'oauth2' endpoint, asked for every new connection. */
  accessToken?: (side: Side, endpoint: Endpoint) => Promise<string>;
}

/**
 * A credential source for one endpoint, called for every new connection. Passwords are looked up at once,
 * so a missing one is reported before anything connects; access tokens are asked for per connection, so
 * each login (and each renewal before the 1-hour expiry) gets a fresh one.
 */
export function credentialsFor(side: Side, endpoint: Endpoint, opts: CredentialOptions = {}): () => Promise<Credential> {
  if (endpoint.auth === 'oauth2') {
    const get = opts.accessToken;
    if (!get) {
      throw new MailferryError({
        code: 'OAUTH_SIGN_IN_AGAIN',
        message: `Sign in with Google is set for ${endpoint.user}, but this build has no way to get a token.`,
        hint: 'Use an app password ("auth": "password") for now.',
        retryable: false,
      });
    }
    return async () => ({ accessToken: await get(side, endpoint) });
  }
  const password = (opts.password ?? defaultPassword)(side, endpoint);
  return async () => ({ password });
}

export function defaultPassword(side: Side, endpoint: Endpoint): string {
  return resolvePassword(endpoint, process.env, { stripWhitespace: side === 'source' });
}
