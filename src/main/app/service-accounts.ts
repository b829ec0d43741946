/**
 * "Whole Google Workspace domain (service account)" as the Gmail side's sign-in. The JSON key is chosen in
 * main's file dialog, checked and stored in the OS keychain with the engine's parseServiceAccountKey and
 * serviceAccountKeys (the same entries `mailferry secrets import-service-account` writes); the window gets
 * the client e-mail and ID and the administrator's steps, never the key or a path. Main then offers to
 * delete the file: whoever holds it can read every mailbox the delegation allows.
 *
 * Behind a small interface so unit tests use a map; the e2e test uses the real keychain.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { findCredentialsAsync } from '@napi-rs/keyring';
import { GMAIL_IMAP_SCOPE } from '../engine/oauth/google-endpoints.js';
import { delegationSteps } from '../engine/oauth/service-account/admin-steps.js';
import { isClientIdRef, parseServiceAccountKey } from '../engine/oauth/service-account/key-file.js';
import { SERVICE_ACCOUNT_ID_SERVICE, serviceAccountKeys } from '../engine/oauth/service-account/key-store.js';
import type { ServiceAccountImport, ServiceAccountInfo } from '../../shared/contract.js';
import { fail } from './app-error.js';

export interface ServiceAccountStore {
  /** Checks a key file's text and stores the key. Throws OAUTH_APP_CREDENTIAL saying what is wrong with the file. */
  import(text: string, fileName: string): ServiceAccountInfo;
  /** Every service account whose key is in the keychain (no key is read). */
  list(): Promise<ServiceAccountInfo[]>;
  /** Whether a key is stored for a client e-mail or client ID. */
  has(ref: string): boolean;
  delete(ref: string): boolean;
}

export const keychainServiceAccounts: ServiceAccountStore = {
  import(text, fileName) {
    const key = parseServiceAccountKey(text, `The file ${fileName}`);
    serviceAccountKeys.set(key);
    return { clientEmail: key.clientEmail, clientId: key.clientId };
  },
  // The client-ID entries hold the client e-mail, not the key: listing them reads no secret.
  list: async () => {
    try {
      return (await findCredentialsAsync(SERVICE_ACCOUNT_ID_SERVICE)).map((c) => ({ clientEmail: c.password, clientId: c.account }));
    } catch (err) {
      fail('KEYCHAIN_UNAVAILABLE', `The system keychain could not be read (${(err as Error).message}).`, 'On Linux, install and unlock GNOME Keyring or KWallet; then try again.');
    }
  },
  has: (ref) => serviceAccountKeys.get(ref) !== null,
  delete: (ref) => serviceAccountKeys.delete(ref),
};

/** The account a mailbox's reference names (its client e-mail or client ID), among those stored. */
export function findAccount(accounts: readonly ServiceAccountInfo[], ref: string): ServiceAccountInfo | undefined {
  const r = ref.trim().toLowerCase();
  return accounts.find((a) => (isClientIdRef(r) ? a.clientId === r : a.clientEmail === r));
}

/** A key file is a few KB: anything much bigger is not one (and is not read whole into memory). */
const MAX_KEY_BYTES = 64 * 1024;
const KEPT = 5;

export class ServiceAccountKeys {
  readonly #store: ServiceAccountStore;
  readonly #files = new Map<string, string>();

  constructor(store: ServiceAccountStore) {
    this.#store = store;
  }

  /** Reads the key file main's dialog chose, stores the key, and says what the administrator does next. */
  async import(path: string): Promise<ServiceAccountImport> {
    const name = basename(path);
    const size = await stat(path).then((s) => s.size, () => -1);
    if (size < 0) fail('OAUTH_APP_CREDENTIAL', `Could not read ${name}.`, 'Choose the file again.');
    if (size > MAX_KEY_BYTES) fail('OAUTH_APP_CREDENTIAL', `${name} is too big to be a service account key (${Math.round(size / 1024)} KB).`, 'Choose the JSON key Google Cloud console downloaded.');
    const account = this.#store.import(await readFile(path, 'utf8'), name);
    const fileId = randomUUID();
    this.#files.set(fileId, path);
    while (this.#files.size > KEPT) this.#files.delete(this.#files.keys().next().value!);
    return { account, steps: delegationSteps(account.clientId), scope: GMAIL_IMAP_SCOPE, fileId, fileName: name };
  }

  /** Deletes a key file this session imported (and only such a file). */
  async deleteFile(fileId: string): Promise<{ deleted: string }> {
    const path = this.#files.get(fileId) ?? fail('NOT_FOUND', 'That key file is no longer known.', 'Delete it yourself in your file manager.');
    try {
      await unlink(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') fail('KEY_FILE_NOT_DELETED', `Could not delete ${basename(path)} (${code ?? 'error'}).`, 'Delete it yourself in your file manager: the key is in your keychain.');
    }
    this.#files.delete(fileId);
    return { deleted: basename(path) };
  }

  list(): Promise<ServiceAccountInfo[]> {
    return this.#store.list();
  }

  /** Removes the key from the keychain; refused while a saved mailbox signs in with it. */
  async forget(ref: string, usedBy: readonly string[]): Promise<null> {
    if (usedBy.length > 0) {
      fail('SERVICE_ACCOUNT_IN_USE', `${usedBy.length === 1 ? `The mailbox ${usedBy[0]} signs` : `${usedBy.length} mailboxes sign`} in with this service account.`, 'Remove them, or switch them to another sign-in, first.');
    }
    this.#store.delete(ref);
    return null;
  }
}
