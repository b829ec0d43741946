/**
 * Passwords for the app: the OS keychain through the engine's secrets module (the same entries the
 * command line uses: service "mailferry", account user@host). Behind a small interface so unit tests can
 * use a map; the e2e test uses the real keychain.
 */
import { MailferryError } from '../engine/errors/errors.js';
import type { Side } from '../engine/connect/imap-connect.js';
import type { Endpoint } from '../engine/job/job.js';
import { findCredentialsAsync } from '@napi-rs/keyring';
import { deletePassword, getPassword, KEYCHAIN_SERVICE, normalizeAppPassword, setPassword } from '../engine/connect/secrets.js';

export interface SecretStore {
  get(host: string, user: string): string | null;
  set(host: string, user: string, secret: string): void;
  delete(host: string, user: string): boolean;
  /**
   * Every keychain account ("user@host", as keychainAccount names them) that holds a Mailferry password, in
   * one lookup off the main thread. A list of 500 mailboxes would otherwise ask 1,000 times, each a blocking
   * round trip to the Secret Service (about 8 ms on GNOME Keyring). Optional: a store without it is asked
   * per entry.
   */
  accounts?(): Promise<Set<string>>;
}

export const keychain: SecretStore = {
  get: getPassword,
  set: setPassword,
  delete: deletePassword,
  // The secrets that come back are dropped at once: only the account names are kept.
  accounts: async () => new Set((await findCredentialsAsync(KEYCHAIN_SERVICE)).map((c) => c.account)),
};

/** Gmail app passwords are shown with spaces ("abcd efgh ijkl mnop"); the source password never has any. */
export function normalizeForSide(side: Side, secret: string): string {
  return side === 'source' ? normalizeAppPassword(secret) : secret;
}

/**
 * The `password` callback for the engine: a password typed in the form (connection test before saving)
 * wins, else the keychain. A missing one says what to do in the window's words.
 */
export function passwordResolver(store: SecretStore, typed: Partial<Record<Side, string>> = {}): (side: Side, e: Endpoint) => string {
  return (side, e) => {
    const given = typed[side];
    const secret = given !== undefined ? given : store.get(e.host, e.user);
    const value = secret === null ? '' : normalizeForSide(side, secret);
    if (value === '') {
      throw new MailferryError({
        code: 'SECRET_MISSING',
        message: `No password is stored for ${e.user} on ${e.host}.`,
        hint: `Edit the mailbox and enter the ${side === 'source' ? 'app password' : 'destination password'} again.`,
        retryable: false,
        details: { host: e.host, user: e.user },
      });
    }
    return value;
  };
}
