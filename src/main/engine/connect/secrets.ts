/**
 * Passwords live in the OS keychain (or, for headless runs, a named environment variable), never in job
 * files, the ledger or logs. Nothing here logs, and no error message ever contains a secret.
 *
 * Keychain naming: service "mailferry", account `${user}@${host}` with the host lower-cased (DNS names
 * are case-insensitive) and the user exactly as in the job file (some IMAP servers treat user names
 * case-sensitively). The port is not part of the name: one account on one host has one password.
 * The user may itself contain "@" (alice@gmail.com@imap.gmail.com); the host never does, so the last
 * "@" splits them. On Linux this is a Secret Service item with attributes service=mailferry,
 * username=<account> (`secret-tool search --all service mailferry` lists them).
 */
import { createRequire } from 'node:module';
import type { Entry, EntryOptions } from '@napi-rs/keyring';
import { secretsSetCommand, shellWord } from './command-lines.js';
import { MailferryError } from '../errors/errors.js';
import type { Endpoint } from '../job/job.js';

export const KEYCHAIN_SERVICE = 'mailferry';

/**
 * Pinned to the Secret Service on Linux: without the pin the library silently falls back to the kernel
 * keyring, which forgets everything at logout. Ignored on macOS and Windows.
 */
const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

export function keychainAccount(host: string, user: string): string {
  return `${user}@${host.trim().toLowerCase()}`;
}

function unavailableHint(passwordEnvAlternative = true): string {
  if (!passwordEnvAlternative) {
    switch (process.platform) {
      case 'linux':
        return (
          'Mailferry keeps sign-ins in the Secret Service (GNOME Keyring or KWallet). Install one and unlock it ' +
          '(log in to a desktop session, or run gnome-keyring-daemon --unlock).'
        );
      case 'darwin':
        return 'Unlock your login keychain (Keychain Access) and allow Mailferry to use it.';
      case 'win32':
        return 'Check that Windows Credential Manager is available for your user.';
      default:
        return 'No supported OS keychain was found on this computer.';
    }
  }
  switch (process.platform) {
    case 'linux':
      return (
        'Mailferry keeps passwords in the Secret Service (GNOME Keyring or KWallet). Install one and unlock it ' +
        '(log in to a desktop session, or run gnome-keyring-daemon --unlock), or, for a headless run, set ' +
        '"passwordEnv" in the job file and pass the password in that environment variable.'
      );
    case 'darwin':
      return 'Unlock your login keychain (Keychain Access) and allow Mailferry to use it, or set "passwordEnv" in the job file.';
    case 'win32':
      return 'Check that Windows Credential Manager is available for your user, or set "passwordEnv" in the job file.';
    default:
      return 'No supported OS keychain was found; set "passwordEnv" in the job file and pass the password in that environment variable.';
  }
}

/** Stores (or replaces) the password for user on host. Throws KEYCHAIN_UNAVAILABLE, or SECRET_MISSING when empty. */
export function setPassword(host: string, user: string, secret: string): void {
  if (secret === '') {
    throw new MailferryError({
      code: 'SECRET_MISSING',
      message: `An empty password cannot be stored for ${user} on ${host}.`,
      retryable: false,
      details: { host, user },
    });
  }
  setKeychainSecret(passwordItem(host, user), secret);
}

/** The stored password, or null when none is stored. Throws KEYCHAIN_UNAVAILABLE. */
export function getPassword(host: string, user: string): string | null {
  return getKeychainSecret(passwordItem(host, user));
}

/** Removes the stored password; returns false when there was none. Throws KEYCHAIN_UNAVAILABLE. */
export function deletePassword(host: string, user: string): boolean {
  return deleteKeychainSecret(passwordItem(host, user));
}

/**
 * Removes all whitespace. Google shows app passwords as four groups of four letters ("abcd efgh ijkl mnop")
 * and people paste them with the spaces (or a stray newline); Google's IMAP wants the 16 letters.
 * Safe ONLY for Google app passwords: a destination server's ordinary password may contain spaces.
 */
export function normalizeAppPassword(s: string): string {
  return s.replace(/\s+/g, '');
}

/**
 * Google's IMAP endpoint. It accepts only app passwords (or OAuth) since ordinary-password IMAP sign-in
 * was switched off, and app passwords never contain spaces, so stripping them there is safe.
 */
export function isGoogleImapHost(host: string): boolean {
  return /^imap\.(gmail|googlemail)\.com\.?$/i.test(host.trim());
}

export interface ResolvePasswordOptions {
  /**
   * Strip whitespace with normalizeAppPassword. Default: true for Google's IMAP host (imap.gmail.com),
   * false elsewhere; pass false for a destination whose passwords may legitimately contain spaces.
   */
  stripWhitespace?: boolean;
}

/**
 * The password for an endpoint: from the environment variable named by `passwordEnv` when set, else from
 * the OS keychain. Throws SECRET_MISSING (saying exactly what to do) or KEYCHAIN_UNAVAILABLE.
 */
export function resolvePassword(
  endpoint: Endpoint,
  env: NodeJS.ProcessEnv = process.env,
  options: ResolvePasswordOptions = {},
): string {
  const { host, user } = endpoint;
  const strip = options.stripWhitespace ?? isGoogleImapHost(host);
  const finish = (s: string) => (strip ? normalizeAppPassword(s) : s);

  if (endpoint.passwordEnv !== undefined) {
    const name = endpoint.passwordEnv;
    const value = env[name];
    if (value === undefined || finish(value) === '') {
      throw new MailferryError({
        code: 'SECRET_MISSING',
        message: `The environment variable ${name} (passwordEnv for ${user} on ${host}) is ${value === undefined ? 'not set' : 'empty'}.`,
        hint: `Set ${name} to the password before running, or remove "passwordEnv" from the job file to use the OS keychain (${secretsSetCommand(host, user)}).`,
        retryable: false,
        details: { host, user, passwordEnv: name },
      });
    }
    return finish(value);
  }

  const stored = getPassword(host, user);
  if (stored === null || finish(stored) === '') {
    throw new MailferryError({
      code: 'SECRET_MISSING',
      message: `No password is stored for ${user} on ${host}.`,
      hint: `Run: ${secretsSetCommand(host, user)}${isGoogleImapHost(host) ? ' (with a Google app password)' : ''}, or set "passwordEnv" in the job file for a headless run.`,
      retryable: false,
      details: { host, user },
    });
  }
  return finish(stored);
}

/**
 * A secret of another kind than an IMAP password, under its own service name: OAuth refresh tokens
 * (service "mailferry-oauth"), OAuth client secrets ("mailferry-oauth-client"). Same pinned store and the
 * same error shape as passwords; `what` names the item in messages ("the Google sign-in of alice@... on
 * imap.gmail.com") and must not contain the secret.
 */
export interface KeychainItem {
  service: string;
  account: string;
  what: string;
  /** Facts for error details (host, user, clientId...). Never secrets. */
  details?: Record<string, string>;
  /** The command that stores it again, for the hint. */
  storeAgain?: string;
  /** An IMAP password: the hint may offer "passwordEnv" instead of the keychain. */
  isPassword?: boolean;
}

/** The keychain item of the password for user on host. */
function passwordItem(host: string, user: string): KeychainItem {
  return {
    service: KEYCHAIN_SERVICE,
    account: keychainAccount(host, user),
    what: `the password for ${user} on ${host}`,
    details: { host, user },
    storeAgain: secretsSetCommand(host, user),
    isPassword: true,
  };
}

function withKeychainItem<T>(action: string, item: KeychainItem, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const ambiguous = /ambiguous/i.test(reason);
    throw new MailferryError(
      {
        code: 'KEYCHAIN_UNAVAILABLE',
        message: ambiguous
          ? `The OS keychain holds several entries for ${item.what}, so Mailferry cannot tell which to ${action}.`
          : `Could not ${action} ${item.what}: the OS keychain is not available or is locked.`,
        hint: ambiguous
          ? `Remove them (on Linux: secret-tool clear service ${shellWord(item.service)} username ${shellWord(item.account)}) and store it again${item.storeAgain ? ` with ${item.storeAgain}` : ''}.`
          : unavailableHint(item.isPassword ?? false),
        retryable: false,
        details: { ...item.details, service: item.service, store: process.platform === 'linux' ? 'secret-service' : process.platform, reason },
      },
      { cause: err },
    );
  }
}

/** The keychain's native module, loaded at its first use: a run whose passwords come from the environment never needs it. */
let keychainEntry: typeof Entry | undefined;

function itemEntry(item: KeychainItem): Entry {
  keychainEntry ??= (createRequire(import.meta.url)('@napi-rs/keyring') as typeof import('@napi-rs/keyring')).Entry;
  return new keychainEntry(item.service, item.account, ENTRY_OPTIONS);
}

/** Stores (or replaces) a secret. Throws KEYCHAIN_UNAVAILABLE, or SECRET_MISSING when empty. */
export function setKeychainSecret(item: KeychainItem, secret: string): void {
  if (secret === '') {
    throw new MailferryError({ code: 'SECRET_MISSING', message: `An empty value cannot be stored as ${item.what}.`, retryable: false, ...(item.details ? { details: item.details } : {}) });
  }
  withKeychainItem('store', item, () => itemEntry(item).setPassword(secret));
}

/** The stored secret, or null. Throws KEYCHAIN_UNAVAILABLE. */
export function getKeychainSecret(item: KeychainItem): string | null {
  return withKeychainItem('read', item, () => itemEntry(item).getPassword());
}

/** Removes the stored secret; false when there was none. Throws KEYCHAIN_UNAVAILABLE. */
export function deleteKeychainSecret(item: KeychainItem): boolean {
  return withKeychainItem('delete', item, () => itemEntry(item).deletePassword());
}

