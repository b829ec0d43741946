import type { ImapFlow } from 'imapflow';
import { connectWith, loginFor, type CredentialOptions } from '../connect/credentials.js';
import { MailferryError, type ErrorInfo } from '../errors/errors.js';
import { mapFolders, type FolderInfo } from '../plan/folder-mapping.js';
import { personalNamespace, toFolderInfo } from '../plan/folder-list.js';
import { permanentFlagsOf } from '../plan/folder-scan.js';
import { profileOf } from '../servers/server-profiles.js';
import { oversizeMessages, oversizeWarning, sizeLimitOf } from './size-preflight.js';
import { checkGmailSettings } from './gmail-settings.js';
import { strictRenameNote, strictRenames, strictRenameWarning } from './folder-renames.js';
import { disconnect, type Side } from '../connect/imap-connect.js';
import type { Endpoint, MailboxJob } from '../job/job.js';
import { formatBytes } from '../../../shared/format-bytes.js';

/** Workspace accounts may download 2,500 MB a day over IMAP (consumer limits are not published). */
export const GMAIL_DAILY_DOWNLOAD_BYTES = 2500 * 1024 * 1024;

export interface SideReport {
  ok: boolean;
  error?: ErrorInfo;
  capabilities: string[];
  /** The capabilities that change how Mailferry works with this server. */
  notable: Record<string, boolean | number>;
  folderCount: number;
  quota?: { usedBytes: number; limitBytes: number };
}

export interface MappingRow {
  source: string;
  target: string | null;
  role: string;
  specialUse?: string;
  messages: number;
  sizeBytes: number | null;
  note?: string;
}

export interface ConnectionTestReport {
  mailbox: string;
  /** Things that will likely go wrong, in words (e.g. a Gmail username that is not a full address). */
  warnings: string[];
  /** Things that will stop the migration unless fixed first (a destination too small): `test` fails on them. */
  blockers: string[];
  source: SideReport;
  destination: SideReport;
  mapping: MappingRow[];
  /**
   * Bytes Gmail must send, and the days its daily download limit makes that take (at least). Gmail has no
   * STATUS=SIZE: then the size is the average of the newest messages (`fromSample` of them) times the count.
   */
  estimate: { totalBytes: number; gmailDailyLimitDays: number; fromSample?: number } | null;
  /** The Gmail accounts of this mailbox and how many connections the job may open to each (testMailboxes sets it). */
  connections?: Array<{ side: Side; user: string; upTo: number; limit: number; mailboxes: number }>;
}

interface Listed {
  folders: FolderInfo[];
  status: Map<string, { messages: number; size: number | null; uidNext?: number }>;
}

/**
 * Connects to both sides, reports what matters about each and previews the folder mapping with counts
 * and sizes. Writes nothing anywhere: no folder is created, no state is kept.
 */
export async function testMailboxConnection(mb: MailboxJob, opts: CredentialOptions = {}): Promise<ConnectionTestReport> {
  const [src, dst] = await Promise.all([probe('source', mb.source, opts), probe('destination', mb.destination, opts)]);
  try {
    const warnings = mb.source.user.includes('@') ? [] : [`The Gmail username "${mb.source.user}" is not a full address; Gmail expects name@example.com.`];
    if (dst.report.notable['KEYWORDS'] === false) {
      warnings.push('The destination does not keep keywords (its PERMANENTFLAGS have no \\*): message keywords and labels kept as keywords will be left off the copies; every message is still copied.');
    }
    const report: ConnectionTestReport = { mailbox: mb.id, warnings, blockers: [], source: src.report, destination: dst.report, mapping: [], estimate: null };
    if (!src.client || !dst.client || !src.listed || !dst.listed) return report;
    const ns = personalNamespace(dst.client, dst.listed.folders);
    const mappings = mapFolders({
      source: src.listed.folders, destination: dst.listed.folders, destDelimiter: ns.delimiter, destPrefix: ns.prefix,
      ...(mb.folders ? { filter: mb.folders } : {}),
    });
    const family = profileOf(dst.client).family;
    const renames = new Map(strictRenames(mappings, family, ns).map((r) => [r.source, r]));
    report.mapping = mappings.map((m) => {
      const st = src.listed!.status.get(m.source);
      const rename = renames.get(m.source);
      // Cyrus refuses the name for sure: the row shows the folder the run will create.
      const target = rename && family === 'cyrus' ? rename.safe : m.target;
      const row: MappingRow = { source: m.source, target, role: m.role, messages: st?.messages ?? 0, sizeBytes: st?.size ?? null };
      if (m.specialUse) row.specialUse = m.specialUse;
      const note = [m.renamed ? `renamed: ${m.renamed.reason}` : m.note, rename && strictRenameNote(rename, family)].filter(Boolean).join('; ');
      if (note) row.note = note;
      return row;
    });
    const renamed = strictRenameWarning([...renames.values()], family);
    if (renamed) report.warnings.push(renamed);
    const gmail = src.report.notable['X-GM-EXT-1'] === true;
    const found = gmail ? await checkGmailSettings(src.client, src.listed, report.mapping, mb.folders) : undefined;
    if (found) {
      report.blockers.push(...found.blockers);
      report.warnings.push(...found.warnings);
    }
    report.estimate = estimate(report.mapping, gmail, found?.sample);
    const room = quotaShortfall(report.mapping, dst.report.quota);
    if (room) report.blockers.push(room);
    const limit = sizeLimitOf(dst.report.notable['APPENDLIMIT'], profileOf(dst.client).sizeLimit);
    if (limit) {
      const big = await oversizeMessages(src.client, report.mapping, src.report.notable['X-GM-EXT-1'] === true, limit.bytes);
      if (big.length > 0) report.warnings.push(oversizeWarning(big, limit));
    }
    return report;
  } finally {
    await Promise.all([disconnect(src.client), disconnect(dst.client)]);
  }
}

/** Signs in to one side, lists its folders and reads its capabilities and quota; the caller disconnects the client. */
export async function probe(side: Side, endpoint: Endpoint, opts: CredentialOptions): Promise<{ report: SideReport; client?: ImapFlow; listed?: Listed }> {
  let client: ImapFlow | undefined;
  try {
    client = await connectWith(loginFor(side, endpoint, opts), { side, endpoint });
    const caps = client.capabilities;
    const statusSize = caps.has('STATUS=SIZE');
    // UIDNEXT: messages that arrive after the listing are told apart from what it counted (gmail-settings.ts).
    const list = await client.list({ statusQuery: { messages: true, uidNext: true, ...(statusSize ? { size: true } : {}) } });
    const listed: Listed = { folders: list.map(toFolderInfo), status: new Map() };
    for (const l of list) {
      if (!l.status) continue;
      listed.status.set(l.path, { messages: l.status.messages ?? 0, size: statusSize ? (l.status.size ?? null) : null, ...(l.status.uidNext ? { uidNext: l.status.uidNext } : {}) });
    }
    const report: SideReport = { ok: true, capabilities: [...caps.keys()].sort(), notable: notable(caps), folderCount: list.length };
    // Whether keywords are kept: PERMANENTFLAGS of INBOX, selected read-write (EXAMINE shows none); nothing is changed.
    if (side === 'destination') report.notable['KEYWORDS'] = await keepsKeywords(client);
    const quota = caps.has('QUOTA') ? await client.getQuota('INBOX').catch(() => false as const) : false;
    if (quota && quota.storage?.limit) report.quota = { usedBytes: quota.storage.usage ?? 0, limitBytes: quota.storage.limit };
    return { report, client, listed };
  } catch (err) {
    await disconnect(client);
    const error = err instanceof MailferryError ? err.toInfo() : { code: 'INTERNAL' as const, message: String((err as Error)?.message ?? err), retryable: false };
    return { report: { ok: false, error, capabilities: [], notable: {}, folderCount: 0 } };
  }
}

async function keepsKeywords(client: ImapFlow): Promise<boolean> {
  const pf = await permanentFlagsOf(client, 'INBOX');
  return pf === null || pf.includes('\\*');
}

function notable(caps: Map<string, boolean | number>): Record<string, boolean | number> {
  const out: Record<string, boolean | number> = {};
  for (const c of ['X-GM-EXT-1', 'UIDPLUS', 'SPECIAL-USE', 'COMPRESS=DEFLATE', 'QUOTA', 'MULTIAPPEND', 'LITERAL+', 'LIST-STATUS']) out[c] = caps.has(c);
  const limit = caps.get('APPENDLIMIT');
  out.APPENDLIMIT = typeof limit === 'number' ? limit : false;
  return out;
}

/**
 * A destination quota too small for the folders to copy, in words with both figures; undefined when it fits
 * or is unknown. The need is a floor: every copied folder but All Mail (its archived share is not known
 * before planning), each label counted as the separate copy it becomes.
 */
export function quotaShortfall(rows: MappingRow[], quota: SideReport['quota']): string | undefined {
  if (!quota) return undefined;
  const free = Math.max(0, quota.limitBytes - quota.usedBytes);
  const need = rows.filter((r) => r.target !== null && r.role !== 'archive').reduce((s, r) => s + (r.sizeBytes ?? 0), 0);
  if (need <= free) return undefined;
  return `The destination has ${formatBytes(free)} free but this mailbox needs at least ${formatBytes(need)} there: free space or raise the quota before the migration, or it stops when the destination is full.`;
}

/**
 * What Gmail must send. With X-GM-EXT-1 each message is downloaded once: All Mail (everything but Trash
 * and Spam) plus Trash and Spam. Without it, every copied folder is downloaded on its own.
 */
function estimate(rows: MappingRow[], gmailIds: boolean, sample?: { messages: number; bytes: number }): ConnectionTestReport['estimate'] {
  const copied = rows.filter((r) => r.target !== null);
  const pick = gmailIds ? copied.filter((r) => r.role === 'archive' || r.specialUse === '\\Trash' || r.specialUse === '\\Junk') : copied;
  if (pick.every((r) => r.sizeBytes !== null)) {
    const totalBytes = pick.reduce((s, r) => s + (r.sizeBytes ?? 0), 0);
    return { totalBytes, gmailDailyLimitDays: totalBytes / GMAIL_DAILY_DOWNLOAD_BYTES };
  }
  if (!sample?.messages) return null;
  const totalBytes = Math.round((sample.bytes / sample.messages) * pick.reduce((s, r) => s + r.messages, 0));
  return { totalBytes, gmailDailyLimitDays: totalBytes / GMAIL_DAILY_DOWNLOAD_BYTES, fromSample: sample.messages };
}
