import type { CopyItem, CopyUnit } from './copy-unit.js';
import type { FolderWork } from '../plan/mailbox-plan.js';
import { chunkBy } from '../plan/uid-set.js';

/** A unit is a slice of one folder's downloads, small enough that several can share a big folder. */
const UNIT_BYTES = 64 * 1024 * 1024;
const UNIT_MESSAGES = 500;

/**
 * Splits the planned work into copy units. Messages that share a Gmail id (X-GM-MSGID: the same message
 * under several labels) become one item, downloaded once from the first folder that has it (folders in plan
 * order, All Mail last) and appended to every destination folder it belongs in.
 */
export function buildUnits(work: FolderWork[]): CopyUnit[] {
  const byFolder = new Map<FolderWork, CopyItem[]>();
  const byGmailId = new Map<string, CopyItem>();
  for (const w of work) {
    for (const meta of w.todo) {
      const shared = meta.gmailId ? byGmailId.get(meta.gmailId) : undefined;
      if (shared) {
        shared.entries.push({ work: w, meta });
        continue;
      }
      const item: CopyItem = { uid: meta.uid, size: meta.size, entries: [{ work: w, meta }] };
      if (meta.gmailId) byGmailId.set(meta.gmailId, item);
      const list = byFolder.get(w);
      if (list) list.push(item);
      else byFolder.set(w, [item]);
    }
  }
  const units: CopyUnit[] = [];
  for (const [from, items] of byFolder) {
    for (const chunk of chunkBy(items, (it) => it.size, UNIT_BYTES, UNIT_MESSAGES)) units.push({ from, items: chunk });
  }
  return units;
}

/** The folders each unit writes into, so a folder can be marked done when its last unit finishes. */
export function foldersOf(unit: CopyUnit): Set<FolderWork> {
  return new Set(unit.items.flatMap((it) => it.entries.map((e) => e.work)));
}
