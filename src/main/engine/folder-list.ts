import type { ImapFlow, ListResponse } from 'imapflow';
import type { FolderInfo } from './folder-mapping.js';

/**
 * LIST as FolderInfo. Only server-advertised SPECIAL-USE counts: imapflow also guesses special folders from
 * their names, and names are exactly what we must not trust (Gmail localises them).
 */
export async function listFolders(client: ImapFlow): Promise<FolderInfo[]> {
  const list = await client.list();
  return list.map(toFolderInfo);
}

export function toFolderInfo(l: ListResponse): FolderInfo {
  const info: FolderInfo = { path: l.path, delimiter: l.delimiter ?? null, flags: [...l.flags] };
  if (l.specialUse && l.specialUseSource === 'extension') info.specialUse = l.specialUse;
  return info;
}

/** The personal namespace of a server: prefix and separator for new folders. */
export function personalNamespace(client: ImapFlow, folders: FolderInfo[]): { prefix: string; delimiter: string } {
  const ns = client.namespace;
  const delimiter = ns?.delimiter || folders.find((f) => f.delimiter)?.delimiter || '/';
  return { prefix: ns?.prefix ?? '', delimiter };
}
