import type { ImapFlow } from 'imapflow';
import { coveredByAllMail, indexCovered } from './archive-selection.js';
import type { FolderInfo, FolderMapping } from './folder-mapping.js';
import { listFoldersWithStatus } from './folder-list.js';
import type { FolderRef, FolderStatus, MessageMeta } from './folder-scan.js';
import type { MailboxContext } from '../run/mailbox-context.js';

/**
 * Every message of the folders All Mail covers, by identity, as they are after All Mail's own list (a message
 * that arrives meanwhile is then in a covered folder, never taken for archived). A folder whose status now
 * (LIST-STATUS, one round trip for all) is still the one listed before planning has not changed since, so
 * it is indexed from what planning read of it instead of being opened again: one or two round trips per
 * folder, seconds on a slow link.
 */
export async function coveredIndex(
  ctx: MailboxContext,
  src: ImapFlow,
  srcFolders: FolderInfo[],
  mappings: FolderMapping[],
  /** The status of each folder listed before planning. */
  planned: Map<string, FolderStatus>,
): Promise<Map<string, FolderRef[]>> {
  const byPath = new Map(mappings.map((m) => [m.source, m]));
  const folders: Array<{ folder: string; metas: MessageMeta[] }> = [];
  const now = src.capabilities.has('LIST-STATUS') ? (await listFoldersWithStatus(src)).status : new Map<string, FolderStatus>();
  for (const f of srcFolders) {
    if (!coveredByAllMail(f, byPath.get(f.path))) continue;
    const [before, after] = [planned.get(f.path), now.get(f.path)];
    const unchanged = before && after && before.uidValidity === after.uidValidity && before.uidNext === after.uidNext && before.messages === after.messages;
    const metas = unchanged ? ctx.sourceMeta.whole(f.path, after.uidValidity) : undefined;
    if (metas) {
      folders.push({ folder: f.path, metas });
      continue;
    }
    const lock = await src.getMailboxLock(f.path, { readOnly: true });
    try {
      const box = src.mailbox;
      if (box && box.exists > 0) folders.push({ folder: f.path, metas: await ctx.sourceMeta.get(src, f.path, Number(box.uidValidity), 'all') });
    } finally {
      lock.release();
    }
  }
  return indexCovered(folders);
}
