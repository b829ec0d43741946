import type { FolderInfo, FolderMapping } from './folder-mapping.js';
import { refKey, type FolderRef, type MessageMeta } from './folder-scan.js';

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
 * Gmail: a message is archived when none of its labels is a folder that holds it (Inbox, Sent, Drafts or
 * a user label, copied or excluded). X-GM-LABELS is Gmail's own index of where a message (one X-GM-MSGID)
 * is; Starred and Important are views and count neither way, and a label hidden from IMAP is no folder,
 * so its mail goes to Archive instead of nowhere.
 */
export function gmailArchiveRule(srcFolders: FolderInfo[], mappings: FolderMapping[]): (labels: readonly string[]) => boolean {
  const byPath = new Map(mappings.map((m) => [m.source, m]));
  const covered = srcFolders.filter((f) => coveredByAllMail(f, byPath.get(f.path)));
  const system = new Map<string, boolean>([
    ['\\inbox', covered.some((f) => f.path.toUpperCase() === 'INBOX')],
    ['\\sent', covered.some((f) => f.specialUse === '\\Sent')],
    ['\\draft', covered.some((f) => f.specialUse === '\\Drafts')],
    ['\\drafts', covered.some((f) => f.specialUse === '\\Drafts')],
  ]);
  const userFolders = new Set(covered.map((f) => f.path));
  return (labels) => !labels.some((l) => (l.startsWith('\\') ? system.get(l.toLowerCase()) === true : userFolders.has(l)));
}

/** On one server a message and its copies have the same bytes: identity key plus size. */
const sameOnSource = (m: MessageMeta): string => `${m.key}#${m.size}`;

/**
 * Which All Mail candidates are archived on a server without Gmail's labels: the ones no covered folder
 * holds. `covered` maps sameOnSource identities to the messages of the covered folders.
 *
 * All Mail may list a message once per copy it holds (a label and a hidden store), so counting copies
 * would send the surplus to Archive. Instead: an identity no covered folder holds is archived (every
 * entry, so byte-identical twins all arrive); one that is held is not, unless All Mail lists it more often
 * than the covered folders do, which is the one case where a distinct message may share the identity:
 * then content fingerprints decide, so two different messages never collapse into one.
 */
export async function selectArchived(
  candidates: MessageMeta[],
  allMail: { folder: string; metas: MessageMeta[] },
  covered: Map<string, FolderRef[]>,
  fingerprints: (refs: FolderRef[]) => Promise<Map<string, string>>,
): Promise<{ archived: MessageMeta[]; notArchived: MessageMeta[] }> {
  const inAllMail = new Map<string, number>();
  for (const m of allMail.metas) inAllMail.set(sameOnSource(m), (inAllMail.get(sameOnSource(m)) ?? 0) + 1);
  const archived: MessageMeta[] = [];
  const notArchived: MessageMeta[] = [];
  const unsure: MessageMeta[] = [];
  for (const m of [...candidates].sort((a, b) => a.uid - b.uid)) {
    const held = covered.get(sameOnSource(m))?.length ?? 0;
    if (held === 0) archived.push(m);
    else if ((inAllMail.get(sameOnSource(m)) ?? 0) <= held) notArchived.push(m);
    else unsure.push(m);
  }
  if (unsure.length > 0) {
    const refs = new Map<string, FolderRef>();
    for (const r of [...unsure.map((m) => ({ folder: allMail.folder, uid: m.uid })), ...unsure.flatMap((m) => covered.get(sameOnSource(m))!)]) refs.set(refKey(r), r);
    const fp = await fingerprints([...refs.values()]);
    for (const m of unsure) {
      const mine = fp.get(refKey({ folder: allMail.folder, uid: m.uid }));
      const heldFps = new Set(covered.get(sameOnSource(m))!.map((r) => fp.get(refKey(r))));
      (mine !== undefined && !heldFps.has(mine) ? archived : notArchived).push(m);
    }
    archived.sort((a, b) => a.uid - b.uid);
    notArchived.sort((a, b) => a.uid - b.uid);
  }
  return { archived, notArchived };
}

/** Indexes the messages of covered folders by their identity on the source. */
export function indexCovered(folders: Iterable<{ folder: string; metas: MessageMeta[] }>): Map<string, FolderRef[]> {
  const out = new Map<string, FolderRef[]>();
  for (const { folder, metas } of folders) {
    for (const m of metas) {
      const k = sameOnSource(m);
      const list = out.get(k);
      if (list) list.push({ folder, uid: m.uid });
      else out.set(k, [{ folder, uid: m.uid }]);
    }
  }
  return out;
}
