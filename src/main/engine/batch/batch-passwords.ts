/**
 * The passwords of a batch file, in memory for one run: handed to the engine through its password hook
 * (RunOptions.password / CredentialOptions.password), never put in a job, the state folder, a report or
 * a message. Held in a #private map, so neither JSON.stringify nor util.inspect can show them.
 */
import { defaultPassword } from '../connect/credentials.js';
import type { Side } from '../connect/imap-connect.js';
import { keychainAccount, normalizeAppPassword } from '../connect/secrets.js';
import type { Endpoint } from '../job/job.js';

export interface StoredPassword {
  side: Side;
  host: string;
  user: string;
  password: string;
}

export class BatchPasswords {
  readonly #byAccount = new Map<string, StoredPassword>();

  /** Keyed as the keychain keys passwords (one account on one host has one password), per side. */
  static #key(side: Side, endpoint: Pick<Endpoint, 'host' | 'user'>): string {
    return `${side}\u0000${keychainAccount(endpoint.host, endpoint.user)}`;
  }

  get size(): number {
    return this.#byAccount.size;
  }

  /** Adds a row's password; a problem in words when another row gave the same account another one. */
  add(side: Side, endpoint: Pick<Endpoint, 'host' | 'user'>, password: string): string | undefined {
    const key = BatchPasswords.#key(side, endpoint);
    const known = this.#byAccount.get(key);
    if (known && known.password !== password) return `another line gives ${endpoint.user} on ${endpoint.host} a different password`;
    this.#byAccount.set(key, { side, host: endpoint.host, user: endpoint.user, password });
    return undefined;
  }

  /** Whether the file gave this account's password (else the keychain or passwordEnv is asked). */
  has(side: Side, endpoint: Pick<Endpoint, 'host' | 'user'>): boolean {
    return this.#byAccount.has(BatchPasswords.#key(side, endpoint));
  }

  /**
   * The engine's password hook: the file's password, else what a job file would use (passwordEnv or the
   * keychain). Spaces are stripped on the source side, as for a stored Gmail app password.
   */
  readonly lookup = (side: Side, endpoint: Endpoint): string => {
    const stored = this.#byAccount.get(BatchPasswords.#key(side, endpoint));
    if (!stored) return defaultPassword(side, endpoint);
    return side === 'source' ? normalizeAppPassword(stored.password) : stored.password;
  };

  /** Every password with its account, for `mailferry import` to put in the keychain. */
  entries(): StoredPassword[] {
    return [...this.#byAccount.values()];
  }
}
