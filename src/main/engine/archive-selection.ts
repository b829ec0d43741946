import type { FolderInfo, FolderMapping } from './folder-mapping.js';
import type { MessageMeta } from './folder-scan.js';

/**
 * Whether All Mail shows the messages of this folder: every selectable folder except Trash, Spam, the
 * Gmail views and All Mail itself. Excluded labels count too: their mail is labelled, not archived.
 */
export function coveredByAllMail(f: FolderInfo, mapping: FolderMapping | undefined): boolean {
  if (f.flags.some((x) => /^\\(Noselect|NonExistent)$/i.test(x))) return false;
  if (f.specialUse === '\\All' || f.specialUse === '\\Trash' || f.specialUse === '\\Junk') return false;
  return mapping?.role !== 'view' && mapping?.role !== 'noselect' && mapping?.role !== 'archive';
}

/**
 * Which All Mail messages are archived (in no other folder), decided from body-free keys.
 *
 * All Mail holds every message except Trash and Spam. For a key K, `allMail[K]` copies are in All Mail and
 * `elsewhere[K]` copies in the other folders it covers; the difference is the number of archived copies.
 * (On a server that keeps one physical copy per folder, All Mail repeats a message once per folder, so the
 * difference is exact; on Gmail itself the engine identifies messages by X-GM-MSGID instead.)
 * Copies already taken care of by earlier runs (`finished[K]`) are subtracted, and the rest are picked
 * from the candidates (lowest UID first, stable across runs).
 */
export function selectArchived(
  allMail: MessageMeta[],
  elsewhereCounts: Map<string, number>,
  finished: Map<string, number>,
  candidates: MessageMeta[],
): { archived: MessageMeta[]; notArchived: MessageMeta[] } {
  const inAllMail = countKeys(allMail);
  const need = new Map<string, number>();
  for (const [key, n] of inAllMail) {
    need.set(key, Math.max(0, n - (elsewhereCounts.get(key) ?? 0) - (finished.get(key) ?? 0)));
  }
  const archived: MessageMeta[] = [];
  const notArchived: MessageMeta[] = [];
  for (const m of [...candidates].sort((a, b) => a.uid - b.uid)) {
    const left = need.get(m.key) ?? 0;
    if (left > 0) {
      archived.push(m);
      need.set(m.key, left - 1);
    } else notArchived.push(m);
  }
  return { archived, notArchived };
}

export function countKeys(metas: Iterable<MessageMeta>, into = new Map<string, number>()): Map<string, number> {
  for (const m of metas) into.set(m.key, (into.get(m.key) ?? 0) + 1);
  return into;
}

/**
 * Multiset match of source messages against destination messages by key: each destination message can
 * satisfy one source message only. Returns the source messages found (with the destination UID) and the rest.
 */
export function matchByKey(
  source: MessageMeta[],
  destination: MessageMeta[],
): { found: Array<{ meta: MessageMeta; destUid: number }>; missing: MessageMeta[] } {
  const pool = new Map<string, number[]>();
  for (const d of [...destination].sort((a, b) => a.uid - b.uid)) {
    const list = pool.get(d.key);
    if (list) list.push(d.uid);
    else pool.set(d.key, [d.uid]);
  }
  const found: Array<{ meta: MessageMeta; destUid: number }> = [];
  const missing: MessageMeta[] = [];
  for (const m of [...source].sort((a, b) => a.uid - b.uid)) {
    const uid = pool.get(m.key)?.shift();
    if (uid !== undefined) found.push({ meta: m, destUid: uid });
    else missing.push(m);
  }
  return { found, missing };
}
