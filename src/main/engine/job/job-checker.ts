/**
 * The field-by-field checks behind parseJob: every problem is collected with its field path, none stops
 * the others, so one edit of the job file fixes them all.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { checkAuth, checkProvider, PROVIDER_HOSTS } from './job-auth.js';
import { parseDate, type DateWindow } from './date-window.js';
import { DEFAULT_JOB_OPTIONS, type Endpoint, type FolderFilter, type JobOptions, type Security } from './job.js';

const SECURITIES: readonly Security[] = ['tls', 'starttls', 'none'];
const DEFAULT_PORT: Record<Security, number> = { tls: 993, starttls: 143, none: 143 };

export const TOP_KEYS = ['$schema', 'mailboxes', 'options'];
export const MAILBOX_KEYS = ['id', 'source', 'destination', 'folders', 'since', 'before'];
const ENDPOINT_KEYS = ['host', 'port', 'security', 'user', 'passwordEnv', 'ca', 'auth', 'oauthClientId', 'provider', 'tenant', 'authority', 'clientSecretEnv', 'serviceAccount'];
const FOLDER_KEYS = ['include', 'exclude'];
const OPTION_KEYS = [
  'connectionsPerAccount', 'globalConnections', 'memoryBudgetMB', 'labelPolicy', 'labelsAsKeywords', 'bandwidthLimitKBps', 'retryBaseMs', 'retryMaxMs', 'retryAttempts',
  'quotaWaitSeconds', 'sessionMaxMinutes', 'stallTimeoutSeconds', 'since', 'before', 'deleteMissing',
];

export const SECRET_HINT =
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
export function got(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

export function isObject(value: unknown): value is Record<string, unknown> {
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

export class Checker {
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

    const provider = checkProvider(this, obj.provider, path);
    const host = obj.host === undefined && provider ? PROVIDER_HOSTS[provider] : this.string(obj.host, `${path}.host`);
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
    if (provider) endpoint.provider = provider;

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

    checkAuth(this, obj, path, endpoint);

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
    o.stallTimeoutSeconds = this.int(obj.stallTimeoutSeconds, 'options.stallTimeoutSeconds', 1, 3600, o.stallTimeoutSeconds);
    if (obj.labelPolicy !== undefined) {
      if (obj.labelPolicy === 'folder-per-label' || obj.labelPolicy === 'one-copy') o.labelPolicy = obj.labelPolicy;
      else this.add('options.labelPolicy', `must be "folder-per-label" (a folder per label) or "one-copy" (each message once) (got ${got(obj.labelPolicy)})`);
    }
    if (obj.labelsAsKeywords !== undefined) {
      if (typeof obj.labelsAsKeywords === 'boolean') o.labelsAsKeywords = obj.labelsAsKeywords;
      else this.add('options.labelsAsKeywords', `must be true or false (got ${got(obj.labelsAsKeywords)})`);
    }
    if (obj.deleteMissing !== undefined) {
      if (typeof obj.deleteMissing === 'boolean') o.deleteMissing = obj.deleteMissing;
      else this.add('options.deleteMissing', `must be true or false (got ${got(obj.deleteMissing)})`);
    }
    const received = this.window(obj, 'options');
    if (received) o.received = received;
    return o;
  }

  /** "since" / "before" of an object: received dates ("2024-06-01", midnight UTC, or an ISO instant). */
  window(obj: Record<string, unknown>, path: string): DateWindow | undefined {
    const w: DateWindow = {};
    for (const key of ['since', 'before'] as const) {
      if (obj[key] === undefined) continue;
      const d = typeof obj[key] === 'string' ? parseDate(obj[key]) : undefined;
      if (d) w[key] = d;
      else this.add(`${path}.${key}`, `must be a date like "2024-06-01" (midnight UTC) or "2024-06-01T08:00:00+02:00" (got ${got(obj[key])})`);
    }
    if (w.since && w.before && w.since >= w.before) this.add(`${path}.since`, 'must come before "before": no message would be copied');
    return w.since || w.before ? w : undefined;
  }
}

/** Why a file cannot be used, or undefined when it is a readable regular file. */
export function unreadableFile(abs: string): string | undefined {
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

export function sameAccount(a: Endpoint, b: Endpoint): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.user === b.user;
}

