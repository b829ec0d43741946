import type { ImapFlow, ListResponse } from 'imapflow';
import type { FolderInfo } from './folder-mapping.js';
import type { FolderStatus } from './folder-scan.js';

/**
 * LIST as FolderInfo. Only server-advertised SPECIAL-USE counts: imapflow also guesses special folders from
 * their names, and names are exactly what we must not trust (Gmail localises them).
 */
export async function listFolders(client: ImapFlow): Promise<FolderInfo[]> {
  const list = await client.list();
  return list.map(toFolderInfo);
}

/**
 * LIST plus every folder's message count, UIDNEXT and UIDVALIDITY: one round trip where the server offers
 * LIST-STATUS (Gmail and Dovecot do), which makes a no-op re-run cheap even on a slow link.
 */
export async function listFoldersWithStatus(client: ImapFlow): Promise<{ folders: FolderInfo[]; status: Map<string, FolderStatus> }> {
  // HIGHESTMODSEQ too where the server has CONDSTORE: a re-run sees flag changes without opening a folder.
  const list = await client.list({ statusQuery: { messages: true, uidNext: true, uidValidity: true, highestModseq: client.capabilities.has('CONDSTORE') } });
  const status = new Map<string, FolderStatus>();
  for (const l of list) {
    const st = l.status;
    if (st && st.uidValidity !== undefined) {
      status.set(l.path, {
        uidValidity: Number(st.uidValidity), uidNext: st.uidNext ?? 0, messages: st.messages ?? 0,
        ...(st.highestModseq !== undefined ? { highestModseq: String(st.highestModseq) } : {}),
      });
    }
  }
  return { folders: list.map(toFolderInfo), status };
}

export function toFolderInfo(l: ListResponse): FolderInfo {
  const info: FolderInfo = { path: l.path, delimiter: l.delimiter ?? null, flags: [...l.flags] };
  if (l.specialUse && l.specialUseSource === 'extension') info.specialUse = l.specialUse;
  return info;
}

/** The personal namespace of a server (imapflow's client.namespace): prefix and separator for new folders. */
export function personalNamespace(client: { namespace?: { prefix?: string; delimiter?: string | null } | undefined }, folders: FolderInfo[]): { prefix: string; delimiter: string } {
  const ns = client.namespace;
  const delimiter = ns?.delimiter || folders.find((f) => f.delimiter)?.delimiter || '/';
  return { prefix: ns?.prefix ?? '', delimiter };
}
