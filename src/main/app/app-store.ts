/**
 * The app's own settings file (mailferry-app.json in Electron's userData folder): saved mailboxes,
 * settings, which mailboxes to resume at the next start, and the last status/log of each mailbox so the
 * window shows them after a restart. Never a password: those live in the OS keychain, and every write is
 * checked for secret-looking keys as a last line of defence.
 *
 * Writes are atomic (temp file + rename) so a crash never leaves half a file; runtime updates (status,
 * log) are coalesced and written at most twice a second, configuration changes at once. A file that
 * cannot be read is moved aside (never silently overwritten) and the app starts empty.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { privateDir } from '../engine/state/private-files.js';
import { join } from 'node:path';
import { isSecretKey } from '../engine/job/job.js';
import {
  DEFAULT_SETTINGS,
  type FailureView,
  type LogEntry,
  type MailboxCheck,
  type MailboxConfig,
  type MailboxProgress,
  type MailboxStatus,
  type Settings,
} from '../../shared/contract.js';
import { isActive } from '../../shared/mailbox-actions.js';
import { arrayOf, bool, obj, optional, str, validate } from './validate.js';
import { destinationEndpointSchema, folderPatterns, labelPolicy, receivedDate, requestSchemas, sourceEndpointSchema } from './request-schemas.js';
import { DEFAULT_LABEL_CHOICE } from './mailbox-config.js';

export const STATE_FILE = 'mailferry-app.json';
const FILE_VERSION = 1;
/** Log lines and failures kept per mailbox in the file (the full list is in the engine's report). */
export const MAX_LOG = 300;
export const MAX_FAILURES = 500;

/** What the app remembers of a mailbox's migration between starts. */
export interface MailboxRuntime {
  status: MailboxStatus;
  /** Counters of the finished runs of the current migration (see progress-merge.ts). */
  carry: MailboxProgress | null;
  failures: FailureView[];
  notes: string[];
  log: LogEntry[];
}

/**
 * What a mailbox looks like after a restart: a run cannot survive one, so a mailbox saved as running
 * shows paused (and is resumed if it is on the resume list). Whether another run holds it is not
 * remembered: the manager checks that again (a file written before that check existed has no inUse).
 */
export function restoreRuntime(id: string, saved: MailboxRuntime | undefined): MailboxRuntime {
  if (!saved) return { status: { id, state: 'idle', progress: null, lastError: null, nextAttemptAt: null, inUse: null, check: null, verification: null }, carry: null, failures: [], notes: [], log: [] };
  // A test or verify cannot survive a restart either: one that was under way is forgotten, a finished one stays.
  const check = saved.status.check && saved.status.check.state !== 'testing' ? currentCheck(saved.status.check) : null;
  const verification = saved.status.verification && saved.status.verification.state !== 'verifying' ? saved.status.verification : null;
  if (!isActive(saved.status.state)) return { ...saved, status: { ...saved.status, inUse: null, check, verification } };
  const progress = saved.status.progress ? { ...saved.status.progress, state: 'paused' as const } : null;
  return { ...saved, status: { ...saved.status, state: 'paused', nextAttemptAt: null, progress, inUse: null, check, verification } };
}

/**
 * A check as this version keeps it. Versions before the preflight kept warnings as text and blockers among
 * the problems (code NOT_READY); they become findings, so Start warns about them as about new ones.
 */
function currentCheck(c: MailboxCheck): MailboxCheck {
  if (Array.isArray(c.blockers) && c.warnings.every((w) => typeof w === 'object')) return c;
  const old = c.problems.filter((p) => p.code === 'NOT_READY');
  return {
    ...c,
    problems: c.problems.filter((p) => p.code !== 'NOT_READY'),
    blockers: [...(c.blockers ?? []), ...old.map((p) => ({ code: 'OTHER', message: p.message }))],
    warnings: (c.warnings as unknown[]).map((w) => (typeof w === 'string' ? { code: 'OTHER', message: w } : (w as MailboxCheck['warnings'][number]))),
  };
}

interface StateFile {
  version: number;
  mailboxes: MailboxConfig[];
  /** Every id ever given, so a removed and re-added mailbox never inherits an old ledger's records. */
  usedIds: string[];
  settings: Settings;
  resumeOnStart: string[];
  runtime: Record<string, MailboxRuntime>;
}

const configSchema = obj({
  id: str({ max: 200 }),
  source: sourceEndpointSchema,
  destination: destinationEndpointSchema,
  exclude: arrayOf(str({ max: 1000, trim: false }), 2000),
  // Absent in files written before the label policy could be chosen: the defaults then.
  labelPolicy: optional(labelPolicy),
  labelsAsKeywords: optional(bool),
  // Absent in files written before import and the received-date window: none then.
  include: optional(folderPatterns),
  since: optional(receivedDate),
  before: optional(receivedDate),
  deleteMissing: optional(bool),
});

export class AppStore {
  readonly file: string;
  #data: StateFile;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set when the file could not be read and was moved aside; shown once in the log. */
  readonly recovered: string | undefined;
  /** Set when the data folder was readable by other accounts and was made private. */
  readonly privacyNote: string | undefined;

  constructor(readonly dataDir: string) {
    // The settings file and the ledger under it name a client's mailboxes: private, also when it existed.
    this.privacyNote = privateDir(dataDir);
    this.file = join(dataDir, STATE_FILE);
    const { data, recovered } = load(this.file);
    this.#data = data;
    this.recovered = recovered;
  }

  mailboxes(): MailboxConfig[] {
    return this.#data.mailboxes.map((m) => structuredClone(m));
  }

  mailbox(id: string): MailboxConfig | undefined {
    const m = this.#data.mailboxes.find((x) => x.id === id);
    return m && structuredClone(m);
  }

  /** A new id from a base (the source address), never one used before, compared case-insensitively. */
  newId(base: string): string {
    const used = new Set(this.#data.usedIds.map((u) => u.toLowerCase()));
    for (const m of this.#data.mailboxes) used.add(m.id.toLowerCase());
    if (!used.has(base.toLowerCase())) return base;
    for (let n = 2; ; n++) {
      const candidate = `${base} (${n})`;
      if (!used.has(candidate.toLowerCase())) return candidate;
    }
  }

  /** Adds or replaces a mailbox and writes the file; `later`: the caller writes once after many (an import). */
  putMailbox(config: MailboxConfig, opts: { later?: boolean } = {}): void {
    const i = this.#data.mailboxes.findIndex((m) => m.id === config.id);
    if (i >= 0) this.#data.mailboxes[i] = structuredClone(config);
    else this.#data.mailboxes.push(structuredClone(config));
    if (!this.#data.usedIds.includes(config.id)) this.#data.usedIds.push(config.id);
    if (opts.later) this.saveSoon();
    else this.save();
  }

  removeMailbox(id: string): void {
    this.#data.mailboxes = this.#data.mailboxes.filter((m) => m.id !== id);
    this.#data.resumeOnStart = this.#data.resumeOnStart.filter((x) => x !== id);
    delete this.#data.runtime[id];
    this.save();
  }

  settings(): Settings {
    return { ...this.#data.settings };
  }

  setSettings(settings: Settings): void {
    this.#data.settings = { ...settings };
    this.save();
  }

  resumeOnStart(): string[] {
    return [...this.#data.resumeOnStart];
  }

  setResumeOnStart(ids: string[]): void {
    this.#data.resumeOnStart = [...new Set(ids)];
    this.saveSoon();
  }

  runtime(id: string): MailboxRuntime | undefined {
    const r = this.#data.runtime[id];
    return r && structuredClone(r);
  }

  setRuntime(id: string, runtime: MailboxRuntime): void {
    if (!this.#data.mailboxes.some((m) => m.id === id)) return;
    this.#data.runtime[id] = {
      ...runtime,
      failures: runtime.failures.slice(0, MAX_FAILURES),
      log: runtime.log.slice(-MAX_LOG),
    };
    this.saveSoon();
  }

  /** Writes now (configuration changes, quit). */
  save(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const text = JSON.stringify(this.#data, null, 2);
    assertNoSecrets(this.#data);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /** Writes within half a second (progress and log updates). */
  saveSoon(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.save(), 500);
    this.#timer.unref?.();
  }
}

function empty(): StateFile {
  return { version: FILE_VERSION, mailboxes: [], usedIds: [], settings: { ...DEFAULT_SETTINGS }, resumeOnStart: [], runtime: {} };
}

function load(file: string): { data: StateFile; recovered?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: empty() };
    throw err;
  }
  try {
    return { data: parseStateFile(JSON.parse(text)) };
  } catch (err) {
    const aside = `${file}.unreadable-${Date.now()}`;
    renameSync(file, aside);
    return { data: empty(), recovered: `The settings file could not be read (${(err as Error).message}); it was kept as ${aside} and Mailferry started with no mailboxes.` };
  }
}

/** Checks a file written by this or a hand-edited copy; drops what does not validate rather than trusting it. */
export function parseStateFile(raw: unknown): StateFile {
  if (typeof raw !== 'object' || raw === null) throw new Error('not a JSON object');
  const r = raw as Partial<StateFile>;
  if (r.version !== FILE_VERSION) throw new Error(`unknown version ${String(r.version)}`);
  const data = empty();
  for (const m of Array.isArray(r.mailboxes) ? r.mailboxes : []) {
    const v = validate(configSchema, m);
    if (v.ok && !data.mailboxes.some((x) => x.id === v.value.id)) data.mailboxes.push({ ...DEFAULT_LABEL_CHOICE, ...v.value } as MailboxConfig);
  }
  const ids = new Set(data.mailboxes.map((m) => m.id));
  data.usedIds = [...new Set([...(Array.isArray(r.usedIds) ? r.usedIds.filter((x): x is string => typeof x === 'string') : []), ...ids])];
  const s = validate(requestSchemas.saveSettings, { ...DEFAULT_SETTINGS, ...(typeof r.settings === 'object' ? r.settings : {}) });
  if (s.ok) data.settings = s.value;
  data.resumeOnStart = (Array.isArray(r.resumeOnStart) ? r.resumeOnStart : []).filter((x): x is string => typeof x === 'string' && ids.has(x));
  if (r.runtime && typeof r.runtime === 'object') {
    for (const [id, rt] of Object.entries(r.runtime)) {
      if (ids.has(id) && rt && typeof rt === 'object' && rt.status && typeof rt.status === 'object') {
        data.runtime[id] = {
          status: { ...rt.status, id },
          carry: rt.carry ?? null,
          failures: Array.isArray(rt.failures) ? rt.failures : [],
          notes: Array.isArray(rt.notes) ? rt.notes : [],
          log: Array.isArray(rt.log) ? rt.log : [],
        };
      }
    }
  }
  return data;
}

/** Refuses to write anything that has a password-like key, wherever it is nested. */
export function assertNoSecrets(value: unknown, path = ''): void {
  if (Array.isArray(value)) value.forEach((v, i) => assertNoSecrets(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      // The runtime map is keyed by mailbox ids (addresses), not field names.
      if (path !== '.runtime' && isSecretKey(k)) throw new Error(`refusing to write a secret-looking field (${path}.${k}) to the settings file`);
      assertNoSecrets(v, `${path}.${k}`);
    }
  }
}
