/**
 * JOB.json: what to migrate, from where, to where. Parsing is strict on purpose: a typo ("secuirty"), a
 * password in the file or plain-text IMAP to a remote host is reported with the exact field path before
 * anything connects. Every problem found is reported at once, so one edit fixes them all.
 */
import { readFile } from 'node:fs/promises';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { MailferryError } from './errors.js';

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
   * How to sign in: 'password' (default: an app password from the keychain or passwordEnv) or 'oauth2'
   * ("Sign in with Google", source only: the refresh token from `mailferry signin` in the keychain).
   */
  auth?: 'password' | 'oauth2';
  /** The user's own Google OAuth client ID (Desktop app type), for auth 'oauth2'. */
  oauthClientId?: string;
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
});

const SECURITIES: readonly Security[] = ['tls', 'starttls', 'none'];
const DEFAULT_PORT: Record<Security, number> = { tls: 993, starttls: 143, none: 143 };

const TOP_KEYS = ['$schema', 'mailboxes', 'options'];
const MAILBOX_KEYS = ['id', 'source', 'destination', 'folders'];
const ENDPOINT_KEYS = ['host', 'port', 'security', 'user', 'passwordEnv', 'ca', 'auth', 'oauthClientId'];
const FOLDER_KEYS = ['include', 'exclude'];
const OPTION_KEYS = [
  'connectionsPerAccount', 'globalConnections', 'memoryBudgetMB', 'labelPolicy', 'labelsAsKeywords', 'bandwidthLimitKBps', 'retryBaseMs', 'retryMaxMs', 'retryAttempts',
  'quotaWaitSeconds', 'sessionMaxMinutes',
];

const SECRET_HINT =
  'Passwords never go in job files. Store it in the OS keychain with `npx mailferry secrets set HOST USER`, ' +
  'or for a headless run name an environment variable in "passwordEnv".';

/**
 * Keys that look like a secret: password, pass, passwd, pwd, secret, token and compounds ending in them
 * (appPassword, refreshToken, clientSecret...). "passwordEnv" names a variable, not a secret, so it is fine.
 */
export function isSecretKey(key: string): boolean {
  const k = key.replace(/[-_\s]/g, '').toLowerCase();
  return k === 'pass' || k === 'pwd' || /(password|passwd|secret|token)$/.test(k);
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (any spelling, also ::ffff:127.x.x.x) and "localhost". Names are not resolved. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (h === 'localhost') return true;
  const family = isIP(h);
  if (family === 0) return false;
  return loopback.check(h, family === 6 ? 'ipv6' : 'ipv4');
}

/** Describes a bad value for a message without ever echoing long strings verbatim into logs. */
function got(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Edit distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

class Checker {
  readonly issues: string[] = [];
  secretFound = false;

  constructor(readonly jobFileDir: string) {}

  add(path: string, problem: string): void {
    this.issues.push(path ? `${path}: ${problem}` : problem);
  }

  /** Reports every secret-looking key anywhere in the document, whatever else is wrong with it. */
  scanSecrets(value: unknown, path: string): void {
    if (Array.isArray(value)) {
      value.forEach((item, i) => this.scanSecrets(item, `${path}[${i}]`));
    } else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${key}` : key;
        if (isSecretKey(key)) {
          this.secretFound = true;
          this.add(childPath, 'passwords never go in job files; remove this field');
        } else {
          this.scanSecrets(child, childPath);
        }
      }
    }
  }

  /** Unknown keys (secret-looking ones are already reported by scanSecrets). */
  keys(obj: Record<string, unknown>, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key) || isSecretKey(key)) continue;
      const near = allowed.find((a) => distance(a.toLowerCase(), key.toLowerCase()) <= 2);
      const where = path ? `${path}.${key}` : key;
      const known = allowed.filter((a) => a !== '$schema').join(', ');
      this.add(where, `unknown field${near ? ` (did you mean "${near}"?)` : ''}; known fields here: ${known}`);
    }
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (isObject(value)) return value;
    this.add(path, `must be an object (got ${got(value)})`);
    return undefined;
  }

  string(value: unknown, path: string): string | undefined {
    if (typeof value === 'string' && value.trim() !== '') return value;
    this.add(path, `must be a non-empty string (got ${got(value)})`);
    return undefined;
  }

  int(value: unknown, path: string, min: number, max: number, fallback: number, why = ''): number {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.add(path, `must be an integer ${min}-${max}${why} (got ${got(value)})`);
    return fallback;
  }

  stringList(value: unknown, path: string): string[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.add(path, `must be an array of folder names (got ${got(value)})`);
      return undefined;
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      const s = this.string(item, `${path}[${i}]`);
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  endpoint(value: unknown, path: string): Endpoint | undefined {
    const obj = this.object(value, path);
    if (!obj) return undefined;
    this.keys(obj, path, ENDPOINT_KEYS);

    const host = this.string(obj.host, `${path}.host`);
    if (host !== undefined && /[\s/]/.test(host)) {
      this.add(`${path}.host`, `must be a host name or IP address, without spaces, scheme or path (got ${got(host)})`);
    }
    const user = this.string(obj.user, `${path}.user`);

    let security: Security = 'tls';
    if (obj.security !== undefined) {
      if (SECURITIES.includes(obj.security as Security)) security = obj.security as Security;
      else this.add(`${path}.security`, `must be one of "tls", "starttls", "none" (got ${got(obj.security)})`);
    }
    if (security === 'none' && host !== undefined && !isLoopbackHost(host)) {
      this.add(
        `${path}.security`,
        `"none" sends the password and every message unencrypted, so it is allowed only for a loopback host ` +
          `(127.0.0.0/8, ::1, localhost), e.g. a local test server; ${got(host)} is not one. ` +
          `Use "tls" (port 993) or "starttls" (port 143)`,
      );
    }
    const port = this.int(obj.port, `${path}.port`, 1, 65535, DEFAULT_PORT[security]);

    const endpoint: Endpoint = { host: host ?? '', port, security, user: user ?? '' };

    if (obj.passwordEnv !== undefined) {
      if (typeof obj.passwordEnv === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(obj.passwordEnv)) {
        endpoint.passwordEnv = obj.passwordEnv;
      } else {
        this.add(
          `${path}.passwordEnv`,
          `must be the NAME of an environment variable (letters, digits, _), e.g. "GMAIL_APP_PASSWORD" (got ${got(obj.passwordEnv)})`,
        );
      }
    }

    if (obj.auth !== undefined) {
      if (obj.auth === 'password') endpoint.auth = 'password';
      else if (obj.auth !== 'oauth2') this.add(`${path}.auth`, `must be "password" or "oauth2" (got ${got(obj.auth)})`);
      else if (!path.endsWith('.source')) this.add(`${path}.auth`, '"oauth2" (Sign in with Google) is for the Gmail source; the destination signs in with a password');
      else {
        endpoint.auth = 'oauth2';
        const clientId = this.string(obj.oauthClientId, `${path}.oauthClientId`);
        if (clientId !== undefined) endpoint.oauthClientId = clientId;
      }
    }
    if (obj.oauthClientId !== undefined && endpoint.auth !== 'oauth2' && obj.auth !== 'oauth2') {
      this.add(`${path}.oauthClientId`, 'is only used with "auth": "oauth2"');
    }

    if (obj.ca !== undefined) {
      const ca = this.string(obj.ca, `${path}.ca`);
      if (ca !== undefined) {
        const abs = resolvePath(this.jobFileDir, ca);
        const problem = unreadableFile(abs);
        if (problem) this.add(`${path}.ca`, `${problem}: ${abs} (relative paths are resolved from the job file's folder)`);
        else endpoint.ca = abs;
      }
    }
    return host !== undefined && user !== undefined ? endpoint : undefined;
  }

  folders(value: unknown, path: string): FolderFilter | undefined {
    if (value === undefined) return undefined;
    const obj = this.object(value, path);
    if (!obj) return undefined;
    this.keys(obj, path, FOLDER_KEYS);
    const filter: FolderFilter = {};
    const include = this.stringList(obj.include, `${path}.include`);
    if (include !== undefined && include.length === 0 && Array.isArray(obj.include)) {
      this.add(`${path}.include`, 'is empty, so nothing would be copied; list folders, or remove "include" to copy all');
    }
    if (include !== undefined) filter.include = include;
    const exclude = this.stringList(obj.exclude, `${path}.exclude`);
    if (exclude !== undefined) filter.exclude = exclude;
    return filter;
  }

  options(value: unknown): JobOptions {
    const o: JobOptions = { ...DEFAULT_JOB_OPTIONS };
    if (value === undefined) return o;
    const obj = this.object(value, 'options');
    if (!obj) return o;
    this.keys(obj, 'options', OPTION_KEYS);
    o.connectionsPerAccount = this.int(
      obj.connectionsPerAccount,
      'options.connectionsPerAccount',
      1,
      10,
      o.connectionsPerAccount,
      ' (Gmail allows 15 connections per account for all clients together)',
    );
    o.globalConnections = this.int(obj.globalConnections, 'options.globalConnections', 1, 100, o.globalConnections);
    o.memoryBudgetMB = this.int(obj.memoryBudgetMB, 'options.memoryBudgetMB', 8, 4096, o.memoryBudgetMB);
    o.bandwidthLimitKBps = this.int(obj.bandwidthLimitKBps, 'options.bandwidthLimitKBps', 0, 10_000_000, o.bandwidthLimitKBps);
    o.retryBaseMs = this.int(obj.retryBaseMs, 'options.retryBaseMs', 1, 600_000, o.retryBaseMs);
    o.retryMaxMs = this.int(obj.retryMaxMs, 'options.retryMaxMs', 1, 3_600_000, o.retryMaxMs);
    o.retryAttempts = this.int(obj.retryAttempts, 'options.retryAttempts', 1, 1000, o.retryAttempts);
    o.quotaWaitSeconds = this.int(obj.quotaWaitSeconds, 'options.quotaWaitSeconds', 1, 172_800, o.quotaWaitSeconds);
    o.sessionMaxMinutes = this.int(obj.sessionMaxMinutes, 'options.sessionMaxMinutes', 1, 10_080, o.sessionMaxMinutes);
    if (obj.labelPolicy !== undefined) {
      if (obj.labelPolicy === 'folder-per-label' || obj.labelPolicy === 'one-copy') o.labelPolicy = obj.labelPolicy;
      else this.add('options.labelPolicy', `must be "folder-per-label" (a folder per label) or "one-copy" (each message once) (got ${got(obj.labelPolicy)})`);
    }
    if (obj.labelsAsKeywords !== undefined) {
      if (typeof obj.labelsAsKeywords === 'boolean') o.labelsAsKeywords = obj.labelsAsKeywords;
      else this.add('options.labelsAsKeywords', `must be true or false (got ${got(obj.labelsAsKeywords)})`);
    }
    return o;
  }
}

/** Why a file cannot be used, or undefined when it is a readable regular file. */
function unreadableFile(abs: string): string | undefined {
  try {
    if (!statSync(abs).isFile()) return 'is not a file';
    accessSync(abs, fsConstants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'file not found';
    if (code === 'EACCES' || code === 'EPERM') return 'file not readable (permission denied)';
    return `file not usable (${code ?? 'error'})`;
  }
}

function sameAccount(a: Endpoint, b: Endpoint): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.user === b.user;
}

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
        const source = c.endpoint(obj.source, `${path}.source`);
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
        if (source && destination && id !== undefined) {
          const mailbox: MailboxJob = { id, source, destination };
          if (folders) mailbox.folders = folders;
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
