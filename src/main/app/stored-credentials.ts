/**
 * What each side of a mailbox signs in with, as the keychain holds it: a password (user@host), a sign-in
 * (Google's or Microsoft's refresh token, user@host), for Microsoft app-only access the app's secret or
 * certificate (by client ID, shared by every mailbox of that app), for a Workspace service account its key
 * (shared by the whole domain's mailboxes). A Google Takeout source needs nothing. Saving checks that it is
 * there, or stores a typed password; removing a mailbox forgets it unless another mailbox still uses the same
 * entry. A service account's key is never forgotten with a mailbox: it serves the whole domain, and its file
 * was deleted after the import; it is removed on its own (forgetServiceAccount).
 */
import type { Side } from '../engine/connect/imap-connect.js';
import { keychainAccount } from '../engine/connect/secrets.js';
import type { EndpointSettings, MailboxConfig } from '../../shared/contract.js';
import { fail } from './app-error.js';
import type { GoogleSignInService } from './google-sign-in.js';
import { isTakeout, usesGoogleSignIn, usesMicrosoft, usesServiceAccount } from './mailbox-config.js';
import type { MicrosoftSignInService } from './microsoft-sign-in.js';
import { normalizeForSide, type SecretStore } from './secret-store.js';
import { findAccount, type ServiceAccountStore } from './service-accounts.js';

export interface CredentialStores {
  secrets: SecretStore;
  google: GoogleSignInService;
  microsoft: MicrosoftSignInService;
  serviceAccounts: ServiceAccountStore;
}

/** The keychain entry an endpoint signs in with: two endpoints with the same key share it. */
function credentialKey(e: EndpointSettings): string {
  if (isTakeout(e)) return 'takeout';
  if (usesServiceAccount(e)) return `service-account:${e.serviceAccount ?? ''}`;
  if (e.auth === 'oauth2-app') return `app:${e.oauthClientId ?? ''}`;
  const account = `${e.user}@${e.host.trim().toLowerCase()}`;
  return e.auth === 'oauth2' ? `sign-in:${account}` : `password:${account}`;
}

export function storedCredentials(s: CredentialStores) {
  const tokens = (e: EndpointSettings) => (usesMicrosoft(e) ? s.microsoft.refreshTokens : s.google.refreshTokens);

  const has = (e: EndpointSettings): boolean => {
    try {
      if (isTakeout(e)) return true;
      if (usesServiceAccount(e)) return s.serviceAccounts.has(e.serviceAccount ?? '');
      if (e.auth === 'oauth2-app') {
        const id = e.oauthClientId ?? '';
        return s.microsoft.appCertificates.get(id) !== null || s.microsoft.appSecrets.get(id) !== null;
      }
      return e.auth === 'oauth2' ? tokens(e).get(e.host, e.user) !== null : s.secrets.get(e.host, e.user) !== null;
    } catch {
      return false;
    }
  };

  const forget = (e: EndpointSettings): void => {
    if (isTakeout(e) || usesServiceAccount(e)) return; // nothing stored for the export; the domain's key stays
    if (e.auth === 'oauth2-app') {
      s.microsoft.appSecrets.delete(e.oauthClientId ?? '');
      s.microsoft.appCertificates.delete(e.oauthClientId ?? '');
    } else if (e.auth === 'oauth2') {
      tokens(e).delete(e.host, e.user);
    } else {
      s.secrets.delete(e.host, e.user);
    }
  };

  return {
    has,

    /**
     * `has` for many endpoints at once (listing 500 mailboxes, previewing a 500-line file): the passwords are
     * looked up in one keychain query when the store can, the sign-ins one by one (they are few).
     */
    async many(): Promise<(e: EndpointSettings) => boolean> {
      let accounts: Set<string> | undefined;
      try {
        accounts = await s.secrets.accounts?.();
      } catch {
        accounts = undefined; // asked one by one then, each saying what is wrong
      }
      // Service accounts in one query too: a whole domain's mailboxes name one or two.
      const delegated = await s.serviceAccounts.list().catch(() => undefined);
      const found = accounts;
      return (e) => {
        if (usesServiceAccount(e) && delegated) return findAccount(delegated, e.serviceAccount ?? '') !== undefined;
        return !found || isTakeout(e) || usesServiceAccount(e) || e.auth === 'oauth2' || e.auth === 'oauth2-app' ? has(e) : found.has(keychainAccount(e.host, e.user));
      };
    },

    /** Forgets what `removed` signed in with, except entries that a mailbox in `others` still uses. */
    forgetUnused(removed: MailboxConfig, others: readonly MailboxConfig[]): void {
      const used = new Set(others.flatMap((o) => [credentialKey(o.source), credentialKey(o.destination)]));
      for (const e of [removed.source, removed.destination]) if (!used.has(credentialKey(e))) forget(e);
    },

    /**
     * Before a mailbox is saved: a typed password goes to the keychain; a sign-in must be there already.
     * `changed`: the side is new, or signs in another way than before (then a password must be given anew).
     */
    storeOrRequire(side: Side, e: EndpointSettings, typed: string | undefined, changed: boolean): void {
      if (isTakeout(e)) {
        if (typed !== undefined) fail('INVALID_MAILBOX', 'A Google Takeout export needs no password.', 'Leave the app password empty.');
      } else if (usesServiceAccount(e)) {
        if (typed !== undefined) fail('INVALID_MAILBOX', 'A service account signs in without the user’s app password.', 'Leave the app password empty.');
        if (!has(e)) {
          fail('SERVICE_ACCOUNT_KEY_REQUIRED', `The key of service account ${e.serviceAccount ?? ''} is not in your keychain.`, 'Click “Import key file…” and choose the JSON key Google Cloud console downloaded; then save.');
        }
      } else if (usesGoogleSignIn(e)) {
        if (typed !== undefined) fail('INVALID_MAILBOX', 'An app password is not used with Sign in with Google.', 'Choose “App password” to use one.');
        if (!has(e)) fail('SIGN_IN_REQUIRED', `Sign in with Google as ${e.user} first.`, 'Click Sign in with Google and finish in the browser; then save.');
      } else if (usesMicrosoft(e)) {
        if (typed !== undefined) fail('INVALID_MAILBOX', 'Microsoft 365 and Outlook.com take no password over IMAP.', 'Choose Sign in with Microsoft, or Whole organisation for app-only access.');
        if (has(e)) return;
        if (e.auth === 'oauth2-app') {
          fail('APP_CREDENTIAL_REQUIRED', `Store the client secret or certificate of app ${e.oauthClientId ?? ''} first.`, 'Enter it under Whole organisation and click Check and store; then save.');
        }
        fail('SIGN_IN_REQUIRED', `Sign in with Microsoft as ${e.user} first.`, 'Click Sign in with Microsoft and finish in the browser; then save.');
      } else if (typed !== undefined) {
        const secret = normalizeForSide(side, typed);
        if (secret === '') fail('PASSWORD_REQUIRED', `The ${side} password is empty.`);
        s.secrets.set(e.host, e.user, secret);
      } else if (changed && !has(e)) {
        fail('PASSWORD_REQUIRED', `Enter the ${side === 'source' ? 'app password' : 'destination password'}.`, 'It is stored in your system’s keychain, never in Mailferry’s files.');
      }
    },
  };
}
