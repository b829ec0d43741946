import { countKeys, coveredByAllMail, matchByKey, selectArchived } from './archive-selection.js';
import { connectWith, loginFor, type CredentialOptions } from './credentials.js';
import { disconnect } from './imap-connect.js';
import type { MailboxJob } from './job.js';
import { mapFolders, type FolderMapping } from './folder-mapping.js';
import { listFolders, personalNamespace } from './folder-list.js';
import { readFolderMeta, type MessageMeta } from './folder-scan.js';
import type { ImapFlow } from 'imapflow';
import type { FolderInfo } from './folder-mapping.js';

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
}

export interface VerifyResult {
  id: string;
  folders: VerifyFolder[];
  ok: boolean;
}

/**
 * Compares both sides folder by folder, message by message (by body-free key: header fields, size and
 * internal date), without writing anything.
 */
export async function verifyMailbox(mb: MailboxJob, opts: CredentialOptions = {}): Promise<VerifyResult> {
  const src = await connectWith(loginFor('source', mb.source, opts), { side: 'source', endpoint: mb.source });
  let dst: ImapFlow | undefined;
  try {
    dst = await connectWith(loginFor('destination', mb.destination, opts), { side: 'destination', endpoint: mb.destination });
    const srcFolders = await listFolders(src);
    const dstFolders = await listFolders(dst);
    const ns = personalNamespace(dst, dstFolders);
    const mappings = mapFolders({ source: srcFolders, destination: dstFolders, destDelimiter: ns.delimiter, destPrefix: ns.prefix, ...(mb.folders ? { filter: mb.folders } : {}) });
    const sourceMetas = new Map<string, MessageMeta[]>();
    for (const f of srcFolders) {
      if (f.flags.some((x) => /^\\Noselect$/i.test(x))) continue;
      sourceMetas.set(f.path, (await readFolderMeta(src, f.path)).metas);
    }
    const folders: VerifyFolder[] = [];
    for (const m of mappings) {
      if (!m.target || !['inbox', 'special', 'label', 'archive'].includes(m.role)) continue;
      const all = sourceMetas.get(m.source) ?? [];
      const expected = m.role === 'archive' ? archivedOf(all, srcFolders, mappings, sourceMetas) : all;
      const onDest = m.targetExists ? (await readFolderMeta(dst, m.target)).metas : [];
      folders.push(compare(m, all.length, expected, onDest));
    }
    return { id: mb.id, folders, ok: folders.every((f) => f.missing.length === 0 && f.extra.length === 0) };
  } finally {
    await disconnect(dst);
    await disconnect(src);
  }
}

function archivedOf(all: MessageMeta[], srcFolders: FolderInfo[], mappings: FolderMapping[], metas: Map<string, MessageMeta[]>): MessageMeta[] {
  const byPath = new Map(mappings.map((m) => [m.source, m]));
  const counts = new Map<string, number>();
  for (const f of srcFolders) if (coveredByAllMail(f, byPath.get(f.path))) countKeys(metas.get(f.path) ?? [], counts);
  return selectArchived(all, counts, new Map(), all).archived;
}

/** The same multiset match the planner uses: each destination message answers for one expected message. */
function compare(m: FolderMapping, sourceCount: number, expected: MessageMeta[], onDest: MessageMeta[]): VerifyFolder {
  const { found, missing } = matchByKey(expected, onDest);
  const matched = new Set(found.map((f) => f.destUid));
  const extra = onDest.filter((d) => !matched.has(d.uid)).map(brief);
  return { source: m.source, target: m.target!, role: m.role, sourceCount, expected: expected.length, destinationCount: onDest.length, missing: missing.map(brief), extra };
}

function brief(m: MessageMeta): VerifyMessage {
  return { uid: m.uid, size: m.size, date: m.internalDate.toISOString(), messageId: m.messageId };
}
