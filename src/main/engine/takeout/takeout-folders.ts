/**
 * The folders of a Takeout export, named as Gmail's IMAP lists them (INBOX, [Gmail]/Sent Mail, the user
 * labels...) with their SPECIAL-USE, so that plan/folder-mapping.ts maps them to the very folders an IMAP
 * pass of the same account picks: a later IMAP delta finds the copies where it looks for them.
 */
import { gmailArchiveRule } from '../plan/archive-selection.js';
import type { FolderInfo, FolderMapping } from '../plan/folder-mapping.js';
import { primaryPlace } from '../plan/gmail-labels.js';
import type { JobOptions } from '../job/job.js';
import type { MessageLabels } from './takeout-labels.js';

/** Gmail's IMAP names (English); the mapping goes by SPECIAL-USE anyway, never by these names. */
export const GMAIL = {
  inbox: 'INBOX',
  sent: '[Gmail]/Sent Mail',
  drafts: '[Gmail]/Drafts',
  trash: '[Gmail]/Trash',
  spam: '[Gmail]/Spam',
  all: '[Gmail]/All Mail',
  starred: '[Gmail]/Starred',
  important: '[Gmail]/Important',
} as const;

const SYSTEM: FolderInfo[] = [
  { path: GMAIL.inbox, delimiter: '/', flags: [] },
  { path: '[Gmail]', delimiter: '/', flags: ['\\Noselect'] },
  { path: GMAIL.all, delimiter: '/', specialUse: '\\All', flags: [] },
  { path: GMAIL.drafts, delimiter: '/', specialUse: '\\Drafts', flags: [] },
  { path: GMAIL.important, delimiter: '/', specialUse: '\\Important', flags: ['\\Important'] },
  { path: GMAIL.sent, delimiter: '/', specialUse: '\\Sent', flags: [] },
  { path: GMAIL.spam, delimiter: '/', specialUse: '\\Junk', flags: [] },
  { path: GMAIL.starred, delimiter: '/', specialUse: '\\Flagged', flags: [] },
  { path: GMAIL.trash, delimiter: '/', specialUse: '\\Trash', flags: [] },
];

/** Gmail's folder list for an account whose messages carry these user labels. */
export function sourceFolders(userLabels: Iterable<string>): FolderInfo[] {
  const labels = [...new Set(userLabels)].filter((l) => l.toUpperCase() !== 'INBOX').sort();
  return [...SYSTEM, ...labels.map((path): FolderInfo => ({ path, delimiter: '/', flags: [] }))];
}

/**
 * Which source folders a message is in, as Gmail's IMAP shows it (one folder per label, Trash and Spam
 * alone, archived mail in All Mail), then narrowed as the IMAP pass narrows it: only folders the mapping
 * copies, and one folder under the "one-copy" policy.
 */
export function placer(folders: FolderInfo[], mappings: FolderMapping[], policy: JobOptions['labelPolicy']): (m: MessageLabels) => string[] {
  const archived = gmailArchiveRule(folders, mappings);
  const copied = new Set(mappings.filter((m) => m.target !== null && ['inbox', 'special', 'label', 'archive'].includes(m.role)).map((m) => m.source));
  return (m) => {
    if (m.chat) return [];
    if (m.bin) return copied.has(GMAIL[m.bin]) ? [GMAIL[m.bin]] : [];
    let places: string[];
    if (policy === 'one-copy') {
      const p = primaryPlace(m.labels);
      places = [p.kind === 'label' ? p.name : p.kind === 'archive' ? GMAIL.all : GMAIL[p.kind]];
    } else {
      places = m.labels.flatMap((l) => (l === '\\Inbox' ? [GMAIL.inbox] : l === '\\Sent' ? [GMAIL.sent] : l === '\\Draft' ? [GMAIL.drafts] : l.startsWith('\\') ? [] : [l]));
      if (archived(m.labels)) places.push(GMAIL.all);
    }
    return places.filter((p) => copied.has(p));
  };
}

/** Counts per source folder of the views (Starred, Important) a message shows in, for the report's rows. */
export function viewsOf(m: MessageLabels): string[] {
  if (m.chat || m.bin) return [];
  return [...(m.labels.includes('\\Starred') ? [GMAIL.starred] : []), ...(m.labels.includes('\\Important') ? [GMAIL.important] : [])];
}
