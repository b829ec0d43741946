/**
 * Folder lists read by the quick look (connect/quick-session.ts) turned into what folder-list.ts makes of
 * imapflow's list(): the same paths (modified UTF-7 decoded, INBOX in capitals, the personal namespace's
 * prefix added, a leading delimiter dropped), the same flags (\NonExistent also \Noselect, \Subscribed
 * left out), special use only where the server marks it (one folder per use: the shallowest, then by
 * name, as imapflow decides), and LIST-STATUS's counts. mapFolders then maps them exactly as it maps
 * imapflow's; any difference would show as a target the ledger does not know, and the run goes the usual way.
 */
import { decodeFolderName, type Token } from '../connect/imap-reply.js';
import type { FolderInfo } from './folder-mapping.js';
import type { FolderStatus } from './folder-scan.js';

export interface Namespace {
  prefix: string;
  delimiter: string | null;
}

/** The uses imapflow takes from server flags, in its order of preference. */
const USES = ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash'];

const str = (t: Token | undefined): string | undefined => (typeof t === 'string' ? t : undefined);

/** The first personal namespace, its prefix ending in its delimiter (imapflow's client.namespace). */
export function personalNamespaceOf(args: Token[] | undefined): Namespace {
  const personal = Array.isArray(args?.[0]) ? args[0] : [];
  for (const entry of personal) {
    if (!Array.isArray(entry) || entry.length < 2) continue;
    const prefix = str(entry[0]);
    const delimiter = entry[1] === null ? null : str(entry[1]);
    if (prefix === undefined || delimiter === undefined) continue;
    return { prefix: delimiter && prefix && !prefix.endsWith(delimiter) ? prefix + delimiter : prefix, delimiter };
  }
  return { prefix: '', delimiter: '.' };
}

function normalPath(raw: string, ns: Namespace): string {
  const path = decodeFolderName(raw);
  if (path.toUpperCase() === 'INBOX') return 'INBOX';
  return ns.prefix && !path.startsWith(ns.prefix) ? ns.prefix + path : path;
}

/** LIST responses (and LIST-STATUS's STATUS responses) as folder-list.ts's listFoldersWithStatus gives them. */
export function foldersOf(
  data: Array<{ name: string; args: Token[] }>,
  ns: Namespace,
): { folders: FolderInfo[]; status: Map<string, FolderStatus> } {
  const counts = new Map<string, Map<string, string>>();
  for (const d of data.filter((x) => x.name === 'STATUS')) {
    const name = str(d.args[0]);
    const items = d.args[1];
    if (name === undefined || !Array.isArray(items)) continue;
    const m = new Map<string, string>();
    for (let i = 0; i + 1 < items.length; i += 2) m.set(String(items[i]).toUpperCase(), String(items[i + 1]));
    counts.set(normalPath(name, ns), m);
  }
  const folders: FolderInfo[] = [];
  const status = new Map<string, FolderStatus>();
  for (const d of data.filter((x) => x.name === 'LIST')) {
    const raw = str(d.args[2]);
    if (raw === undefined || !Array.isArray(d.args[0])) continue;
    const flags = new Set(d.args[0].filter((f): f is string => typeof f === 'string'));
    if (flags.has('\\NonExistent')) flags.add('\\Noselect');
    flags.delete('\\Subscribed');
    const delimiter = str(d.args[1]) ?? null;
    let path = normalPath(raw, ns);
    if (delimiter && path.startsWith(delimiter)) path = path.slice(1);
    const c = counts.get(path);
    folders.push({ path, delimiter, flags: [...flags] });
    const uidValidity = c?.get('UIDVALIDITY');
    if (c && uidValidity !== undefined && !flags.has('\\Noselect') && !flags.has('\\NonExistent')) {
      const modseq = c.get('HIGHESTMODSEQ');
      status.set(path, {
        uidValidity: Number(uidValidity), uidNext: Number(c.get('UIDNEXT') ?? 0), messages: Number(c.get('MESSAGES') ?? 0),
        ...(modseq !== undefined ? { highestModseq: modseq } : {}),
      });
    }
  }
  markSpecialUse(folders);
  return { folders, status };
}

/** One folder per use, from server flags only: the shallowest first, then by name (imapflow's list()). */
function markSpecialUse(folders: FolderInfo[]): void {
  const byUse = new Map<string, Array<{ f: FolderInfo; depth: number }>>();
  for (const f of folders) {
    const lower = new Set(f.flags.map((x) => x.toLowerCase()));
    const use = USES.find((u) => lower.has(u.toLowerCase()));
    if (use) byUse.set(use, [...(byUse.get(use) ?? []), { f, depth: f.delimiter ? f.path.split(f.delimiter).length - 1 : 0 }]);
  }
  for (const [use, claims] of byUse) {
    // Sorted only when two folders claim a use: localeCompare's first call costs ~15 ms (ICU's collator).
    if (claims.length > 1) claims.sort((a, b) => a.depth - b.depth || a.f.path.localeCompare(b.f.path));
    claims[0]!.f.specialUse = use;
  }
}
