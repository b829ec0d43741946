/**
 * "Import…" in the Mailboxes view: a batch file (imapsync's lines, a MigrationWiz or Microsoft CSV, Mailferry's
 * columns) becomes mailboxes of the list. The engine's loadBatch reads and checks the rows exactly as the
 * command line's `import` does; this module only turns its rows into the window's mailboxes.
 *
 * Main reads the file itself, and only a file the user picked in main's dialog (the window names it by an id,
 * never by a path): a compromised page can neither read other files nor see a password. The preview keeps the
 * file's passwords in memory (the engine's BatchPasswords, #private) until the import is confirmed, another
 * preview replaces it, or 15 minutes pass; the import puts them in the keychain, as saving a mailbox does.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { loadBatch } from '../engine/batch/batch-file.js';
import type { BatchJob } from '../engine/batch/batch-job.js';
import type { BatchDefaults, RawEndpoint, RowProblem } from '../engine/batch/batch-row.js';
import { MailferryError } from '../engine/errors/errors.js';
import type { Endpoint } from '../engine/job/job.js';
import type { CredentialSource, EndpointSettings, ImportDefaults, ImportFile, ImportPreview, ImportResult, ImportRow, MailboxConfig } from '../../shared/contract.js';
import { AppFailure, fail, toAppError } from './app-error.js';
import type { AppStore } from './app-store.js';
import { copyEndpoint, DEFAULT_LABEL_CHOICE, sameAccount, toMailboxJob } from './mailbox-config.js';
import { batchSourceSchema, destinationEndpointSchema } from './request-schemas.js';
import { normalizeForSide, type SecretStore } from './secret-store.js';
import { validate } from './validate.js';

export interface BatchImportDeps {
  store: AppStore;
  secrets: SecretStore;
  /** Whether the keychain holds what endpoints sign in with, one lookup for the whole file (stored-credentials.ts). */
  credentials: () => Promise<(e: EndpointSettings) => boolean>;
  /** Throws when a Microsoft destination names a sign-in service main does not send tokens to. */
  checkAuthority: (e: EndpointSettings) => void;
  /** A mailbox was added to the store. */
  added: (id: string) => void;
  now?: () => number;
}

/** How long a preview keeps the file's passwords in memory. */
export const PREVIEW_TTL_MS = 15 * 60_000;
const KEPT_FILES = 5;

interface Prepared {
  row: ImportRow;
  config?: Omit<MailboxConfig, 'id'>;
  /** The id the file gives (MigrationWiz's Source Email, Mailferry's id column), else the Gmail address. */
  base?: string;
  /** The engine's endpoints, for the file's passwords. */
  endpoints?: { source: Endpoint; destination: Endpoint };
}

interface Preview {
  id: string;
  at: number;
  rows: Prepared[];
  batch?: BatchJob;
}

export class BatchImports {
  readonly #d: BatchImportDeps;
  readonly #files = new Map<string, string>();
  #preview: Preview | undefined;

  constructor(deps: BatchImportDeps) {
    this.#d = deps;
  }

  /** A file the user chose in main's dialog: the window refers to it by the id returned. */
  chosen(path: string): ImportFile {
    const fileId = randomUUID();
    this.#files.set(fileId, path);
    while (this.#files.size > KEPT_FILES) this.#files.delete(this.#files.keys().next().value!);
    return { fileId, name: basename(path) };
  }

  async preview(fileId: string, defaults: ImportDefaults): Promise<ImportPreview> {
    const path = this.#files.get(fileId) ?? fail('NOT_FOUND', 'That file is no longer chosen.', 'Click Choose file… again.');
    this.#preview = undefined; // the previous one's passwords go now, not after 15 minutes
    let batch: (BatchJob & { format: string }) | undefined;
    let problems: RowProblem[];
    try {
      batch = await loadBatch(path, toBatchDefaults(defaults), {});
      problems = batch.problems;
    } catch (err) {
      // No usable line at all: still one row per line, with why.
      problems = noLineProblems(err) ?? fail(...unreadable(err, path));
    }
    const rows: Prepared[] = problems.map((p) => ({ row: { line: p.line, problem: forTheWindow(p.message) } }));
    if (batch) {
      const has = await this.#d.credentials();
      const list = this.#d.store.mailboxes();
      rows.push(...batch.job.mailboxes.map((_, i) => this.#prepare(batch, i, has, list)));
    }
    const notes = new Map<number, string[]>();
    for (const n of batch?.notes ?? []) notes.set(n.line, [...(notes.get(n.line) ?? []), n.message]);
    for (const p of rows) if (notes.has(p.row.line) && !p.row.problem) p.row.notes = notes.get(p.row.line)!;
    rows.sort((a, b) => a.row.line - b.row.line);
    const id = randomUUID();
    this.#preview = { id, at: this.#now(), rows, ...(batch ? { batch } : {}) };
    return { previewId: id, name: basename(path), format: batch?.format ?? 'a batch file', rows: rows.map((r) => structuredClone(r.row)) };
  }

  /** Saves every good row of the preview: new mailboxes, and the file's passwords in the keychain. */
  commit(previewId: string): ImportResult {
    const p = this.#preview;
    if (!p || p.id !== previewId || this.#now() - p.at > PREVIEW_TTL_MS) {
      this.#preview = undefined;
      fail('PREVIEW_EXPIRED', 'This preview is no longer current.', 'Choose the file again to see what it holds now.');
    }
    this.#preview = undefined;
    const result: ImportResult = { added: [], updated: [], passwordsStored: 0, problems: [] };
    const list = this.#d.store.mailboxes();
    for (const r of p.rows) {
      if (!r.config) {
        result.problems.push(structuredClone(r.row));
        continue;
      }
      try {
        // The list may have changed since the preview: a mailbox of the same accounts is not added twice.
        const existing = this.#existing(r.config, list);
        result.passwordsStored += this.#storePasswords(p.batch!, r);
        if (existing) {
          result.updated.push(existing.id);
          continue;
        }
        const id = this.#d.store.newId(r.base!);
        const config = { id, ...r.config };
        this.#d.store.putMailbox(config, { later: true }); // one write of the settings file for the whole file
        list.push(config);
        this.#d.added(id);
        result.added.push(id);
      } catch (err) {
        result.problems.push({ line: r.row.line, problem: toAppError(err).message });
      }
    }
    this.#d.store.save();
    return result;
  }

  #prepare(batch: BatchJob, i: number, has: (e: EndpointSettings) => boolean, list: readonly MailboxConfig[]): Prepared {
    const mb = batch.job.mailboxes[i]!;
    const line = batch.lines[i]!;
    const raw = batch.jobFile.mailboxes[i]!;
    const folders = (raw.folders ?? {}) as { include?: string[]; exclude?: string[] };
    let config: Omit<MailboxConfig, 'id'>;
    try {
      config = {
        source: copyEndpoint(settingsOf(mb.source)),
        destination: copyEndpoint(settingsOf(mb.destination)),
        exclude: folders.exclude ?? [],
        ...DEFAULT_LABEL_CHOICE,
        ...(folders.include?.length ? { include: folders.include } : {}),
        ...(typeof raw.since === 'string' ? { since: raw.since } : {}),
        ...(typeof raw.before === 'string' ? { before: raw.before } : {}),
      };
      // What the window's own form would refuse (a source signing in app-only, a sign-in service not Microsoft's).
      const issues = [
        ...issuesOf(validate(batchSourceSchema, config.source), 'source'),
        ...issuesOf(validate(destinationEndpointSchema, config.destination), 'destination'),
      ];
      if (issues.length > 0) fail('INVALID_MAILBOX', issues.join('; '));
      toMailboxJob({ id: mb.id, ...config });
      this.#d.checkAuthority(config.destination);
    } catch (err) {
      return { row: { line, problem: toAppError(err).message } };
    }
    const from = (side: 'source' | 'destination'): CredentialSource =>
      batch.passwords.has(side, mb[side]) ? 'file' : has(config[side]) ? 'stored' : 'missing';
    const existing = this.#existing(config, list);
    const row: ImportRow = {
      line,
      mailbox: {
        source: config.source,
        destination: config.destination,
        exclude: config.exclude,
        ...(config.include ? { include: config.include } : {}),
        ...(config.since ? { since: config.since } : {}),
        ...(config.before ? { before: config.before } : {}),
      },
      credentials: { source: from('source'), destination: from('destination') },
      ...(existing ? { existing: existing.id } : {}),
    };
    return { row, config, base: mb.id, endpoints: { source: mb.source, destination: mb.destination } };
  }

  #existing(c: Omit<MailboxConfig, 'id'>, list: readonly MailboxConfig[]): MailboxConfig | undefined {
    return list.find((m) => sameAccount(m.source, c.source) && sameAccount(m.destination, c.destination));
  }

  /** The row's passwords from the file into the keychain (one per user and host, as the command line's import). */
  #storePasswords(batch: BatchJob, r: Prepared): number {
    let stored = 0;
    for (const side of ['source', 'destination'] as const) {
      const e = r.endpoints![side];
      if (!batch.passwords.has(side, e)) continue;
      this.#d.secrets.set(e.host, e.user, normalizeForSide(side, batch.passwords.lookup(side, e)));
      stored++;
    }
    return stored;
  }

  #now(): number {
    return (this.#d.now ?? Date.now)();
  }
}

/** The form's defaults as the engine's batch defaults (what the command line's --source-host... give). */
export function toBatchDefaults(d: ImportDefaults): BatchDefaults {
  const side = (o: Record<string, unknown>): RawEndpoint => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as RawEndpoint;
  return { source: side({ ...d.source }), destination: side({ ...d.destination }) };
}

/** A job endpoint as the window keeps it (no passwordEnv / clientSecretEnv: the app uses the keychain). */
function settingsOf(e: Endpoint): EndpointSettings {
  return {
    host: e.host,
    port: e.port,
    security: e.security,
    user: e.user,
    ...(e.ca ? { ca: e.ca } : {}),
    ...(e.auth && e.auth !== 'password' ? { auth: e.auth } : {}),
    ...(e.oauthClientId ? { oauthClientId: e.oauthClientId } : {}),
    ...(e.serviceAccount ? { serviceAccount: e.serviceAccount } : {}),
    ...(e.provider ? { provider: e.provider } : {}),
    ...(e.tenant ? { tenant: e.tenant } : {}),
    ...(e.authority ? { authority: e.authority } : {}),
  };
}

function issuesOf(v: { ok: boolean; issues?: string[] }, side: string): string[] {
  return v.ok ? [] : (v.issues ?? []).map((i) => `${side}.${i}`);
}

/** The engine's "no line could be used" error, back into one problem per line. */
function noLineProblems(err: unknown): RowProblem[] | undefined {
  if (!(err instanceof MailferryError) || err.code !== 'JOB_INVALID' || typeof err.details?.problems !== 'string') return undefined;
  const out: RowProblem[] = [];
  for (const l of err.details.problems.split('\n')) {
    const m = /^line (\d+): (.*)$/s.exec(l);
    if (m) out.push({ line: Number(m[1]), message: m[2]! });
  }
  return out.length > 0 ? out : undefined;
}

/** A file that is no batch file at all (an unknown header, unreadable): its message, with the window's hint. */
function unreadable(err: unknown, path: string): [string, string, string] {
  if (err instanceof AppFailure) throw err;
  const e = toAppError(err);
  if (e.code === 'INTERNAL') throw err;
  const message = forTheWindow(e.message.replace(`Batch file ${path}`, `${basename(path)}`).replace(/^Batch file/, basename(path)));
  return [e.code, message, 'See “Batch files” in the README for the formats Mailferry reads, or choose another file.'];
}

/** The engine speaks of the command line's flags and commands; in the window they are fields and buttons. */
const WINDOW_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/put it in the file or give --(source|destination)-host/g, 'put it in the file or fill in the default $1 server'],
  [/`mailferry migrate --delete-missing` does it for the whole batch/g, 'choose “Delete on the destination what was deleted in Gmail” under Folders… instead'],
  [/use `mailferry migrate --dry-run` for the whole batch/g, 'Test all and Folders… show what would be copied, without copying'],
  [/use `mailferry test` for the whole batch/g, 'use Test all instead'],
  [/ \(use `mailferry import`, then edit the job\)/g, ': choose it per mailbox under Folders…'],
];

export function forTheWindow(message: string): string {
  return WINDOW_WORDS.reduce((m, [re, words]) => m.replace(re, words), message);
}
