/**
 * Where a service account's key lives: only the OS keychain. `mailferry secrets import-service-account`
 * reads the downloaded JSON once and stores it here; Mailferry never writes a copy to disk.
 *
 *   key        service "mailferry-google-service-account",    account = the client e-mail (lower case);
 *              the value is the key file's JSON (key-file.ts serializeServiceAccountKey)
 *   client ID  service "mailferry-google-service-account-id", account = the numeric client ID; the value is
 *              the client e-mail (no secret: it lets a job name the account by either)
 *
 * Importing a new key of the same account replaces the old one. On Linux:
 * `secret-tool search --all service mailferry-google-service-account`.
 */
import { deleteKeychainSecret, getKeychainSecret, setKeychainSecret, type KeychainItem } from '../../connect/secrets.js';
import { isMailferryError, MailferryError } from '../../errors/errors.js';
import { IMPORT_KEY_COMMAND } from './admin-steps.js';
import { isClientIdRef, parseServiceAccountKey, serializeServiceAccountKey, type ServiceAccountKey } from './key-file.js';

export const SERVICE_ACCOUNT_KEY_SERVICE = 'mailferry-google-service-account';
export const SERVICE_ACCOUNT_ID_SERVICE = 'mailferry-google-service-account-id';

function keyItem(clientEmail: string): KeychainItem {
  const account = clientEmail.trim().toLowerCase();
  return { service: SERVICE_ACCOUNT_KEY_SERVICE, account, what: `the key of service account ${account}`, details: { serviceAccount: account }, storeAgain: IMPORT_KEY_COMMAND };
}

function idItem(clientId: string): KeychainItem {
  return { service: SERVICE_ACCOUNT_ID_SERVICE, account: clientId, what: `the client e-mail of service account ${clientId}`, details: { clientId }, storeAgain: IMPORT_KEY_COMMAND };
}

/** The client e-mail a reference (client e-mail or client ID) stands for, or null when no key was imported for that ID. */
function emailOf(ref: string): string | null {
  return isClientIdRef(ref.trim()) ? getKeychainSecret(idItem(ref.trim())) : ref.trim().toLowerCase();
}

export const serviceAccountKeys = {
  set(k: ServiceAccountKey): void {
    setKeychainSecret(keyItem(k.clientEmail), serializeServiceAccountKey(k));
    setKeychainSecret(idItem(k.clientId), k.clientEmail);
  },

  /** The key a job names, or null when none is stored. Throws KEYCHAIN_UNAVAILABLE, or OAUTH_APP_CREDENTIAL when damaged. */
  get(ref: string): ServiceAccountKey | null {
    const email = emailOf(ref);
    const text = email === null ? null : getKeychainSecret(keyItem(email));
    if (text === null) return null;
    try {
      return parseServiceAccountKey(text, 'The key stored in the OS keychain');
    } catch {
      throw new MailferryError({
        code: 'OAUTH_APP_CREDENTIAL',
        message: `The key of service account ${email} stored in the OS keychain is damaged.`,
        hint: `Import it again: ${IMPORT_KEY_COMMAND}`,
        retryable: false,
        details: { serviceAccount: email ?? ref },
      });
    }
  },

  /** Removes the key and its client-ID entry; false when nothing was stored. */
  delete(ref: string): boolean {
    let stored: ServiceAccountKey | null = null;
    try {
      stored = serviceAccountKeys.get(ref);
    } catch (err) {
      if (!(isMailferryError(err) && err.code === 'OAUTH_APP_CREDENTIAL')) throw err; // a damaged key is deleted all the same
    }
    const email = stored?.clientEmail ?? emailOf(ref);
    const removedKey = email !== null && deleteKeychainSecret(keyItem(email));
    const removedId = deleteKeychainSecret(idItem(stored?.clientId ?? ref.trim()));
    return removedKey || removedId;
  },
};

/** The key for a job's "serviceAccount". Throws SECRET_MISSING saying what to run. */
export function serviceAccountKeyFor(ref: string, user: string): ServiceAccountKey {
  const key = serviceAccountKeys.get(ref);
  if (key) return key;
  throw new MailferryError({
    code: 'SECRET_MISSING',
    message: `No key of service account ${ref} is stored in the OS keychain of this computer (needed for ${user}).`,
    hint: `Import the service account's JSON key once: ${IMPORT_KEY_COMMAND}. "serviceAccount" in the job is its client e-mail or client ID, as the import printed them.`,
    retryable: false,
    details: { serviceAccount: ref, user },
  });
}
