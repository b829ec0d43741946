/**
 * A Google Takeout export as a mailbox's source in the app. The file is chosen in main's dialog and checked to
 * be an export (the engine's openExport: its first and last MiB, not the whole file); main then accepts that
 * path in a mailbox draft, or the path the mailbox already had, and no other: a compromised page cannot make
 * main read (and upload to a server of its choosing) a file the user never picked.
 *
 * Its test opens the export and signs in to the destination only: there is no Gmail server to sign in to,
 * and reading the labels takes a pass over the whole file, which the migration makes (and shows) when it starts.
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { disconnect } from '../engine/connect/imap-connect.js';
import { MailferryError } from '../engine/errors/errors.js';
import type { MailboxJob } from '../engine/job/job.js';
import { probe, quotaShortfall, type ConnectionTestReport } from '../engine/preflight/connection-test.js';
import { openExport } from '../engine/takeout/export-file.js';
import type { TakeoutFile, TakeoutKind, TakeoutSourceView } from '../../shared/contract.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { fail } from './app-error.js';
import type { PasswordFn } from './connection-test-adapter.js';

/** The paths main's dialog gave this session (a few; the window names one back in a draft). */
const KEPT = 20;

export class TakeoutFiles {
  readonly #chosen: string[] = [];

  /** Checks that a file the dialog gave is an export, and remembers it. Throws TAKEOUT_DAMAGED saying what it is not. */
  async chosen(path: string): Promise<TakeoutFile> {
    const file = await openExport(path);
    this.#chosen.push(path);
    if (this.#chosen.length > KEPT) this.#chosen.shift();
    return { path, name: basename(path), kind: file.kind, sizeBytes: file.size };
  }

  /** A draft's export path: one the dialog gave, or the mailbox's own (`saved`); anything else is refused. */
  check(path: string, saved: string | undefined): void {
    if (path === saved || this.#chosen.includes(path)) return;
    fail('TAKEOUT_NOT_CHOSEN', 'Choose the Google Takeout export with “Choose file…”.', 'Mailferry reads only an export you picked in its file dialog.');
  }
}

/** The kind of export a file is, from its first bytes (what openExport checks), or null when it is none. */
async function kindOf(path: string): Promise<TakeoutKind | null> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(5);
    await fh.read(head, 0, 5, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return 'tgz';
    if (head.subarray(0, 4).toString('latin1') === 'PK\x03\x04') return 'zip';
    return head.toString('latin1') === 'From ' ? 'mbox' : null;
  } finally {
    await fh.close();
  }
}

/** The export as the mailbox list shows it: a stat and five bytes, so a list of many stays quick. */
export async function takeoutView(path: string): Promise<TakeoutSourceView> {
  const name = basename(path);
  try {
    const s = await stat(path);
    if (!s.isFile()) return { name, kind: null, sizeBytes: null, problem: `${path} is not a file.` };
    return { name, kind: await kindOf(path), sizeBytes: s.size };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { name, kind: null, sizeBytes: null, problem: code === 'ENOENT' ? `${path} is not there any more (moved or deleted).` : `${path} cannot be read (${code ?? 'error'}).` };
  }
}

/** The engine's report; for a Takeout mailbox `fromExport`, and `takeout` once the export opened. */
export type TakeoutReport = ConnectionTestReport & { takeout?: Omit<TakeoutFile, 'path'>; fromExport?: true };

/**
 * Opens the export and signs in to the destination; writes nothing. Blocker: a destination quota smaller than
 * the export (a floor: every message of it goes at least once; a .tgz or .zip holds more than its own size).
 */
export async function testTakeout(mb: MailboxJob & { source: { takeout: string } }, password: PasswordFn): Promise<TakeoutReport> {
  const [opened, dst] = await Promise.all([
    openExport(mb.source.takeout).then((file) => ({ file }), (err: unknown) => ({ error: errorInfo(err) })),
    probe('destination', mb.destination, { password }),
  ]);
  await disconnect(dst.client);
  const source: TakeoutReport['source'] = { ok: 'file' in opened, capabilities: [], notable: {}, folderCount: 0, ...('error' in opened ? { error: opened.error } : {}) };
  const report: TakeoutReport = { mailbox: mb.id, warnings: [], blockers: [], source, destination: dst.report, mapping: [], estimate: null, fromExport: true };
  if (!('file' in opened)) return report;
  const { file } = opened;
  report.takeout = { name: basename(file.path), kind: file.kind, sizeBytes: file.size };
  if (dst.report.notable['KEYWORDS'] === false) {
    report.warnings.push('The destination does not keep keywords (its PERMANENTFLAGS have no \\*): message keywords and labels kept as keywords will be left off the copies; every message is still copied.');
  }
  const short = quotaShortfall([{ source: 'export', target: 'export', role: 'label', messages: 0, sizeBytes: file.size }], dst.report.quota);
  if (short) report.blockers.push(short.replace('this mailbox needs', `the export (${formatBytes(file.size)}${file.kind === 'mbox' ? '' : `, packed as .${file.kind}`}) needs`));
  return report;
}

function errorInfo(err: unknown): NonNullable<ConnectionTestReport['source']['error']> {
  if (err instanceof MailferryError) return err.toInfo();
  return { code: 'INTERNAL', message: String((err as Error)?.message ?? err), retryable: false };
}
