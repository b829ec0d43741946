import type { FolderRole } from '../../../shared/progress.js';
import { GMAIL } from './takeout-folders.js';
import type { ExportScan } from './takeout-scan.js';

/** What the report should say about a Takeout import beyond its folder table. */
export function takeoutNotes(scan: ExportScan, deleteMissing: boolean): string[] {
  const notes = [
    'A Takeout export keeps whether a message was read and starred, not whether it was answered or forwarded, nor other keywords: the copies carry \\Seen and \\Flagged (and \\Draft in Drafts) only.',
  ];
  if (scan.categories.size > 0) {
    const tabs = [...scan.categories].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, n]) => `${name} (${n})`);
    notes.push(`Gmail's inbox tabs ${tabs.join(', ')} are views of the inbox, not folders: they are not copied as folders; their messages go where their other labels say.`);
  }
  if (scan.chats > 0) notes.push(`${scan.chats} chat transcripts in the export (label "Chat") are not mail and were not copied; Gmail's IMAP does not show them either.`);
  if (deleteMissing) notes.push('--delete-missing does not apply to a Takeout import: an export does not say what was deleted since an earlier pass.');
  return notes;
}

/** A folder's role from its Gmail name, for a re-run that answers from the ledger alone. */
export function roleOf(source: string): FolderRole {
  if (source === GMAIL.inbox) return 'inbox';
  if (source === GMAIL.all) return 'archive';
  return (Object.values(GMAIL) as string[]).includes(source) ? 'special' : 'label';
}
