import { coveredByAllMail, gmailArchiveRule, indexCovered, selectArchived } from '../plan/archive-selection.js';
import { connectWith, loginFor, type CredentialOptions } from '../connect/credentials.js';
import { disconnect } from '../connect/imap-connect.js';
import { DEFAULT_JOB_OPTIONS, type MailboxJob } from '../job/job.js';
import { mapFolders, type FolderMapping } from '../plan/folder-mapping.js';
import { listFolders, personalNamespace } from '../plan/folder-list.js';
import { safeName } from '../plan/folder-create.js';
import { fetchFingerprints, isGmail, readFolderMeta, sourceFingerprints, type MessageMeta } from '../plan/folder-scan.js';
import { matchMessages, type Match } from '../plan/identity-match.js';
import { countNotes, countStoredChanges, StoredChangeTally, type StoredChangeCounts } from './destination-changes.js';
import { profileOf, serverFamily } from '../servers/server-profiles.js';
import { fetchRaw, SAMPLE_LIMITS } from './destination-readback.js';
import type { ImapFlow } from 'imapflow';
import type { FolderInfo } from '../plan/folder-mapping.js';

export interface VerifyMessage {
  uid: number;
  size: number;
  date: string;
  messageId: string | null;
}

export interface VerifyFolder {
  source: string;
  target: string;
  role: FolderMapping['role'];
  sourceCount: number;
  /** Messages that should be on the destination (All Mail: only the archived ones). */
  expected: number;
  destinationCount: number;
  /** Expected on the destination but not found there (source UIDs). */
  missing: VerifyMessage[];
  /** On the destination with no source counterpart (destination UIDs): earlier mail, or duplicates. */
  extra: VerifyMessage[];
  /** Copies found although the destination changed them (counted as found, never as missing + extra). */
  changed: StoredChangeCounts;
}

export interface VerifyResult {
  id: string;
  folders: VerifyFolder[];
  ok: boolean;
  /** What the destination changed in the copies, in words: one line per kind (empty when nothing). */
  changeNotes: string[];
}

/**
 * Compares both sides folder by folder, message by message, with the planner's identity rules
 * (identity-match.ts: Message-ID and received date, sizes within what servers change, fingerprints where
 * that is not clear), without writing anything.
 */
export async function verifyMailbox(mb: MailboxJob, opts: CredentialOptions & { stallTimeoutSeconds?: number } = {}): Promise<VerifyResult> {
  const stallTimeoutMs = (opts.stallTimeoutSeconds ?? DEFAULT_JOB_OPTIONS.stallTimeoutSeconds) * 1000;
  const src = await connectWith(loginFor('source', mb.source, opts), { side: 'source', endpoint: mb.source, stallTimeoutMs });
  let dst: ImapFlow | undefined;
  try {
    dst = await connectWith(loginFor('destination', mb.destination, opts), { side: 'destination', endpoint: mb.destination, stallTimeoutMs });
    const srcFolders = await listFolders(src);
    const dstFolders = await listFolders(dst);
    const ns = personalNamespace(dst, dstFolders);
    const dstPaths = new Set(dstFolders.map((f) => f.path));
    const mappings = mapFolders({ source: srcFolders, destination: dstFolders, destDelimiter: ns.delimiter, destPrefix: ns.prefix, ...(mb.folders ? { filter: mb.folders } : {}) });
    const sourceMetas = new Map<string, MessageMeta[]>();
    for (const f of srcFolders) {
      if (f.flags.some((x) => /^\\Noselect$/i.test(x))) continue;
      sourceMetas.set(f.path, (await readFolderMeta(src, f.path)).metas);
    }
    const folders: VerifyFolder[] = [];
    const otherSize: Array<{ source: string; target: string; matches: Match[] }> = [];
    for (const m of mappings) {
      if (!m.target || !['inbox', 'special', 'label', 'archive'].includes(m.role)) continue;
      const all = sourceMetas.get(m.source) ?? [];
      const expected = m.role === 'archive' ? await archivedOf(src, m.source, all, srcFolders, mappings, sourceMetas) : all;
      // A name the server refused was created under its safe name (folder-create.ts): look there.
      const safe = safeName(m.target, ns);
      const target = m.targetExists || !dstPaths.has(safe) ? m.target : safe;
      const onDest = m.targetExists || target !== m.target ? (await readFolderMeta(dst, target)).metas : [];
      const dstConn = dst;
      const { found, missing } = await matchMessages(expected, onDest, {
        source: (uids) => fetchFingerprints(src, m.source, uids),
        destination: (uids) => fetchFingerprints(dstConn, target, uids),
        rebuilds: profileOf(dstConn).rebuilds,
      });
      const matched = new Set(found.map((f) => f.destUid));
      const extra = onDest.filter((x) => !matched.has(x.uid)).map(brief);
      const changed = countStoredChanges(found, onDest);
      if (changed.otherSize.length > 0) otherSize.push({ source: m.source, target, matches: changed.otherSize });
      folders.push({ source: m.source, target, role: m.role, sourceCount: all.length, expected: expected.length, destinationCount: onDest.length, missing: missing.map(brief), extra, changed: changed.counts });
    }
    const family = serverFamily(dst);
    const changeNotes = [...countNotes(folders, family), ...(await sampleOtherSize(src, dst, otherSize)).notes(family)];
    return { id: mb.id, folders, ok: folders.every((f) => f.missing.length === 0 && f.extra.length === 0), changeNotes };
  } finally {
    await disconnect(dst);
    await disconnect(src);
  }
}

/** The archived messages of All Mail, by the planner's rule (archive-selection.ts). */
async function archivedOf(src: ImapFlow, path: string, all: MessageMeta[], srcFolders: FolderInfo[], mappings: FolderMapping[], metas: Map<string, MessageMeta[]>): Promise<MessageMeta[]> {
  if (isGmail(src)) {
    const archived = gmailArchiveRule(srcFolders, mappings);
    return all.filter((x) => archived(x.labels ?? []));
  }
  const byPath = new Map(mappings.map((m) => [m.source, m]));
  const covered = indexCovered(srcFolders.filter((f) => coveredByAllMail(f, byPath.get(f.path))).map((f) => ({ folder: f.path, metas: metas.get(f.path) ?? [] })));
  return (await selectArchived(all, { folder: path, metas: all }, covered, (refs) => sourceFingerprints(src, refs))).archived;
}

/**
 * Copies of another size say only that the server changed them: a few per folder (small ones, bounded as
 * a run's sample) are downloaded from both sides and classified (headers added, rebuilt...).
 */
async function sampleOtherSize(src: ImapFlow, dst: ImapFlow, folders: Array<{ source: string; target: string; matches: Match[] }>): Promise<StoredChangeTally> {
  const tally = new StoredChangeTally();
  let bytes = 0;
  for (const f of folders.slice(0, SAMPLE_LIMITS.folders)) {
    const pick = f.matches.filter((x) => x.meta.size <= SAMPLE_LIMITS.messageBytes).slice(0, SAMPLE_LIMITS.perFolder);
    bytes += pick.reduce((s, x) => s + x.meta.size, 0);
    if (pick.length === 0 || bytes > SAMPLE_LIMITS.totalBytes) continue;
    const sent = await fetchRaw(src, f.source, pick.map((x) => x.meta.uid));
    const stored = await fetchRaw(dst, f.target, pick.map((x) => x.destUid));
    for (const x of pick) {
      const [a, b] = [sent.get(x.meta.uid), stored.get(x.destUid)];
      if (a && b) tally.add(f.target, a, b);
    }
  }
  return tally;
}

function brief(m: MessageMeta): VerifyMessage {
  return { uid: m.uid, size: m.size, date: m.internalDate.toISOString(), messageId: m.messageId };
}
