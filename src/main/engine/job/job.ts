/**
 * JOB.json: what to migrate, from where, to where. Parsing is strict on purpose: a typo ("secuirty"), a
 * password in the file or plain-text IMAP to a remote host is reported with the exact field path before
 * anything connects. Every problem found is reported at once, so one edit fixes them all.
 */
import { readFile } from 'node:fs/promises';
import { MailferryError } from '../errors/errors.js';
import { resolve as resolvePath } from 'node:path';
import type { DateWindow } from './date-window.js';
import { Checker, got, isObject, MAILBOX_KEYS, SECRET_HINT, sameAccount, TOP_KEYS } from './job-checker.js';
import { checkTakeoutSource, isTakeoutSource } from './job-takeout.js';

export { isLoopbackHost, isSecretKey } from './job-checker.js';

export type Security = 'tls' | 'starttls' | 'none';

export interface Endpoint {
  host: string;
  /** Defaults to 993 for 'tls', 143 for 'starttls' and 'none'. */
  port: number;
  /** Defaults to 'tls'. 'none' only for loopback hosts. */
  security: Security;
  user: string;
  /** Name of an environment variable holding the password (headless runs); else the OS keychain is used. */
  passwordEnv?: string;
  /** Extra CA certificate (PEM) to trust for this server; an absolute path after parsing. */
  ca?: string;
  /**
   * How to sign in: 'password' (default: an app password from the keychain or passwordEnv), 'oauth2' (the
   * refresh token `mailferry signin` stored in the keychain: Google on the source, Microsoft on the
   * destination), 'oauth2-app' (Microsoft app-only access, the destination only) or 'service-account' (a
   * Google Workspace service account with domain-wide delegation, the source only: see "serviceAccount").
   */
  auth?: 'password' | 'oauth2' | 'oauth2-app' | 'service-account';
  /** 'service-account': the client e-mail or numeric client ID of the key imported into the keychain. */
  serviceAccount?: string;
  /** The OAuth client ID: the user's own Google "Desktop app" client, or the Microsoft app registration's. */
  oauthClientId?: string;
  /** 'microsoft': Microsoft 365 or Outlook.com (host, port and security default to outlook.office365.com, 993, tls). */
  provider?: 'microsoft';
  /** Microsoft: "organizations", "consumers", "common", or the tenant's ID or domain. */
  tenant?: string;
  /** Microsoft: the identity platform's origin; default https://login.microsoftonline.com (national clouds differ). */
  authority?: string;
  /** Microsoft app-only: the environment variable holding the client secret (headless runs); else the keychain. */
  clientSecretEnv?: string;
  /**
   * Source only: the absolute path of a Google Takeout export (.mbox, or the .tgz or .zip it came in) to
   * read instead of Gmail's IMAP server (job-takeout.ts). Host and port are then empty: nothing connects.
   */
  takeout?: string;
}

export interface FolderFilter {
  include?: string[];
  exclude?: string[];
}

export interface MailboxJob {
  /** Key in the state database and in file names. Defaults to source.user; unique (case-insensitively). */
  id: string;
  source: Endpoint;
  destination: Endpoint;
  folders?: FolderFilter;
  /** Only messages received in this window ("since" / "before" in the job file); narrows the job's own. */
  received?: DateWindow;
}

export interface JobOptions {
  /** Connections per account (each side). Default 4, at most 10: Gmail allows 15 for all clients together. */
  connectionsPerAccount: number;
  /** Connections across all accounts. Default 8. */
  globalConnections: number;
  /** Bytes of message data in flight at once, in MB. Default 64. */
  memoryBudgetMB: number;
  /**
   * How Gmail labels become folders: 'folder-per-label' (default: a message with three labels lands in three
   * folders) or 'one-copy' (each message once, in its first place of Inbox, Sent, Drafts, user labels by
   * name, Archive; needs Gmail's X-GM-EXT-1).
   */
  labelPolicy: 'folder-per-label' | 'one-copy';
  /** Also put every Gmail label on the destination copy as an IMAP keyword. Default false. */
  labelsAsKeywords: boolean;
  /** Download cap for the whole run in KB/s (0: none, the default). */
  bandwidthLimitKBps: number;
  /** First wait before reconnecting after a lost connection, ms; doubles per attempt. Default 1000. */
  retryBaseMs: number;
  /** Longest wait between reconnection attempts, ms. Default 120000 (2 minutes). */
  retryMaxMs: number;
  /** Attempts per unit of work before that mailbox stops with the last error. Default 12. */
  retryAttempts: number;
  /** How long a mailbox waits when Gmail says the daily quota is used up, seconds. Default 3600. */
  quotaWaitSeconds: number;
  /**
   * Connections are renewed (a fresh login) once this old, before the server ends them mid-message.
   * Default 1380 minutes (23 h: Gmail ends password sessions after about 24 h).
   */
  sessionMaxMinutes: number;
  /**
   * A connection on which something waits for the server and no byte comes back (or goes out) for this
   * long is dropped and the work retried on a new one, seconds. Default 60.
   */
  stallTimeoutSeconds: number;
  /** Only messages received in this window, for every mailbox (pre-stage, then delta). Default: all. */
  received?: DateWindow;
  /**
   * Delete from the destination what was deleted on the source since it was copied (a message gone from a
   * source folder, on Gmail a label removed). Default false: a migration never deletes by itself.
   */
  deleteMissing: boolean;
}

export interface Job {
  mailboxes: MailboxJob[];
  options: JobOptions;
}

export const DEFAULT_JOB_OPTIONS: Readonly<JobOptions> = Object.freeze({
  connectionsPerAccount: 4,
  globalConnections: 8,
  memoryBudgetMB: 64,
  labelPolicy: 'folder-per-label',
  labelsAsKeywords: false,
  bandwidthLimitKBps: 0,
  retryBaseMs: 1000,
  retryMaxMs: 120_000,
  retryAttempts: 12,
  quotaWaitSeconds: 3600,
  sessionMaxMinutes: 1380,
  stallTimeoutSeconds: 60,
  deleteMissing: false,
});

/**
 * Validates a parsed JOB.json and fills in defaults. Throws MailferryError 'JOB_INVALID' listing every
 * problem as "field.path: what is wrong (got ...)". `jobFileDir` resolves relative "ca" paths.
 */
export function parseJob(value: unknown, jobFileDir: string): Job {
  const c = new Checker(jobFileDir);
  c.scanSecrets(value, '');

  const top = isObject(value) ? value : undefined;
  if (!top) c.add('', `the job file must hold a JSON object with "mailboxes" (got ${got(value)})`);
  else c.keys(top, '', TOP_KEYS);

  const mailboxes: MailboxJob[] = [];
  if (top) {
    if (!Array.isArray(top.mailboxes) || top.mailboxes.length === 0) {
      c.add('mailboxes', `must be a non-empty array of mailboxes to migrate (got ${got(top.mailboxes)})`);
    } else {
      const seen = new Map<string, number>();
      top.mailboxes.forEach((item, i) => {
        const path = `mailboxes[${i}]`;
        const obj = c.object(item, path);
        if (!obj) return;
        c.keys(obj, path, MAILBOX_KEYS);
        const source = isTakeoutSource(obj.source) ? checkTakeoutSource(c, obj.source, `${path}.source`) : c.endpoint(obj.source, `${path}.source`);
        const destination = c.endpoint(obj.destination, `${path}.destination`);
        const folders = c.folders(obj.folders, `${path}.folders`);

        let id: string | undefined;
        const explicit = obj.id !== undefined;
        if (explicit) id = c.string(obj.id, `${path}.id`);
        else id = source?.user;

        if (id !== undefined) {
          // Ids name state files too, and macOS/Windows file names ignore case: compare case-insensitively.
          const key = id.normalize('NFC').toLowerCase();
          const first = seen.get(key);
          if (first !== undefined) {
            c.add(
              explicit ? `${path}.id` : path,
              explicit
                ? `${got(id)} is already used by mailboxes[${first}]; ids must be unique (case-insensitively), they key the state database`
                : `the id defaults to source.user ${got(id)}, which mailboxes[${first}] already uses; give one of them a unique "id"`,
            );
          } else {
            seen.set(key, i);
          }
        }
        if (source && destination && sameAccount(source, destination)) {
          c.add(path, 'source and destination are the same account; copying a mailbox into itself would duplicate it');
        }
        const received = c.window(obj, path);
        if (source && destination && id !== undefined) {
          const mailbox: MailboxJob = { id, source, destination };
          if (folders) mailbox.folders = folders;
          if (received) mailbox.received = received;
          mailboxes.push(mailbox);
        }
      });
    }
  }
  const options = c.options(top?.options);

  if (c.issues.length > 0) {
    const n = c.issues.length;
    throw new MailferryError({
      code: 'JOB_INVALID',
      message: n === 1 ? `Job file: ${c.issues[0]}.` : `Job file has ${n} problems: ${c.issues.join('; ')}.`,
      hint: c.secretFound ? SECRET_HINT : 'Fix the field(s) named above in the job file and run again.',
      retryable: false,
      details: { problems: c.issues.join('\n'), count: n },
    });
  }
  return { mailboxes, options };
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * A JSON syntax error located by line and column when V8 says where. V8's own message is NOT passed on:
 * some forms quote a slice of the file, which could hold a password someone pasted into it.
 */
function describeSyntaxError(text: string, err: SyntaxError): string {
  const m = err.message;
  const lc = /\(line (\d+) column (\d+)\)/.exec(m);
  const pos = /at position (\d+)/.exec(m);
  if (lc) return `is not valid JSON at line ${lc[1]}, column ${lc[2]}`;
  if (pos) {
    const { line, column } = lineColumn(text, Number(pos[1]));
    return `is not valid JSON at line ${line}, column ${column}`;
  }
  if (/end of JSON input/.test(m)) {
    const { line, column } = lineColumn(text, text.length);
    return `is not valid JSON: it ends early at line ${line}, column ${column} (a missing } or ], or an empty file?)`;
  }
  return 'is not valid JSON (an unexpected character; check quotes, commas and true/false/null spelling)';
}

/** Reads, parses and validates a job file. Every failure is a MailferryError 'JOB_INVALID' naming the file. */
export async function loadJob(file: string): Promise<Job> {
  const abs = resolvePath(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MailferryError(
      {
        code: 'JOB_INVALID',
        message:
          code === 'ENOENT' ? `Job file not found: ${abs}` : `Could not read the job file ${abs} (${code ?? 'error'})`,
        hint: 'Check the path given on the command line.',
        retryable: false,
        details: { file: abs },
      },
      { cause: err },
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a BOM from Windows editors

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MailferryError({
      code: 'JOB_INVALID',
      message: `Job file ${abs} ${describeSyntaxError(text, err as SyntaxError)}.`,
      hint: 'Fix the JSON syntax there (a JSON validator in your editor helps) and run again.',
      retryable: false,
      details: { file: abs },
    });
  }

  try {
    return parseJob(value, resolvePath(abs, '..'));
  } catch (err) {
    if (err instanceof MailferryError) {
      const info = err.toInfo();
      throw new MailferryError({
        ...info,
        message: info.message.replace(/^Job file/, `Job file ${abs}`),
        details: { ...info.details, file: abs },
      });
    }
    throw err;
  }
}
