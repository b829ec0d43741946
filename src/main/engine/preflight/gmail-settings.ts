/**
 * Two Gmail settings that make a mailbox look smaller over IMAP than it is, found before anything is copied
 * (gmail-imap-facts.md, "Gmail's folders"):
 * - "Show in IMAP" off for a label: its folder is not listed, yet X-GM-LABELS of the messages in All Mail
 *   still names it. Those messages are not archived either (they carry a label), so a message whose only
 *   label is hidden would be copied nowhere. Found by reading the labels of All Mail's newest messages.
 * - "Limit IMAP folders to contain no more than this many messages": every folder over the limit, All Mail
 *   included, shows only its newest 1,000, 2,000, 5,000 or 10,000 messages. Found by those exact counts.
 */
import type { ImapFlow } from 'imapflow';
import type { FolderFilter } from '../job/job.js';
import { mapFolders, type FolderInfo } from '../plan/folder-mapping.js';
import type { MappingRow } from './connection-test.js';

/** The sizes Gmail's folder size limit offers. */
export const GMAIL_FOLDER_SIZE_LIMITS: readonly number[] = [1000, 2000, 5000, 10000];

/**
 * How many of All Mail's newest messages have their labels read: one FETCH of X-GM-LABELS, no bodies, about
 * 100 bytes a message. Enough to meet every label in use lately; a label only older mail carries can hide.
 */
export const LABEL_SAMPLE_SIZE = 5000;

const LABELS_SETTING = 'In Gmail: Settings > See all settings > Labels, tick "Show in IMAP" for';
const SIZE_SETTING =
  'In Gmail: Settings > See all settings > Forwarding and POP/IMAP > Folder size limits: choose "Do not limit the number of messages in an IMAP folder", save, then run test again.';

/** System labels of X-GM-LABELS (lower case) that put a message in a folder of its own; \Inbox cannot be hidden. */
const SYSTEM_FOLDERS: Record<string, { specialUse: string; name: string }> = {
  '\\sent': { specialUse: '\\Sent', name: 'Sent Mail' },
  '\\draft': { specialUse: '\\Drafts', name: 'Drafts' },
  '\\drafts': { specialUse: '\\Drafts', name: 'Drafts' },
};

export interface LabelSample {
  /** Messages whose labels were read. */
  messages: number;
  /** How many of them carry each label, as X-GM-LABELS names it (system labels included). */
  counts: Map<string, number>;
  /** Their sizes added up (RFC822.SIZE): Gmail has no STATUS=SIZE, so the mailbox's size is estimated from them. */
  bytes: number;
}

export interface Findings {
  blockers: string[];
  warnings: string[];
}

const n = (x: number) => x.toLocaleString('en-US');

/**
 * Reads the labels and sizes of All Mail's newest messages. Messages with a UID at or past `uidNext` (All
 * Mail's when the folders were listed) arrived since, and are left out so the counts compare with the listing.
 */
export async function sampleLabels(client: ImapFlow, allMail: string, uidNext: number | undefined): Promise<LabelSample> {
  const sample: LabelSample = { messages: 0, counts: new Map(), bytes: 0 };
  const lock = await client.getMailboxLock(allMail, { readOnly: true });
  try {
    const exists = client.mailbox ? client.mailbox.exists : 0;
    if (exists === 0) return sample;
    for await (const m of client.fetch(`${Math.max(1, exists - LABEL_SAMPLE_SIZE + 1)}:*`, { uid: true, labels: true, size: true })) {
      if (uidNext !== undefined && m.uid >= uidNext) continue;
      sample.messages++;
      sample.bytes += m.size ?? 0;
      for (const l of m.labels ?? []) sample.counts.set(l, (sample.counts.get(l) ?? 0) + 1);
    }
    return sample;
  } finally {
    lock.release();
  }
}

/**
 * Labels the sample names that no listed folder shows (a blocker naming them and the setting), and folders
 * that show fewer messages than the sample alone finds carrying their label (a warning). Labels the job's
 * folder filter leaves out are not asked for.
 */
export function hiddenLabelFindings(sample: LabelSample, listed: FolderInfo[], rows: MappingRow[], filter?: FolderFilter): Findings {
  const out: Findings = { blockers: [], warnings: [] };
  const paths = new Set(listed.map((f) => f.path));
  const specialUses = new Set(listed.map((f) => f.specialUse).filter(Boolean));
  const hidden: string[] = [];
  const short: string[] = [];
  const of = `of the ${n(sample.messages)} newest messages in All Mail`;
  for (const [label, count] of sample.counts) {
    const lower = label.toLowerCase();
    const system = SYSTEM_FOLDERS[lower];
    if (system && !specialUses.has(system.specialUse)) {
      out.blockers.push(
        `Gmail hides ${system.name} from IMAP ("Show in IMAP" is off for it): ${n(count)} ${of} are in it and would not be copied. ${LABELS_SETTING} ${system.name}, then run test again.`,
      );
      continue;
    }
    // \Important, \Starred: views, never folders of their own.
    if (label.startsWith('\\') && !system && lower !== '\\inbox') continue;
    const row = lower === '\\inbox' ? rows.find((r) => r.role === 'inbox') : system ? rows.find((r) => r.specialUse === system.specialUse) : rows.find((r) => r.source === label);
    if (!row && !label.startsWith('\\') && !paths.has(label)) {
      if (!excluded(label, filter)) hidden.push(`"${label}" (${n(count)} ${count === 1 ? 'message' : 'messages'})`);
    } else if (row && row.target !== null && count > row.messages) {
      short.push(`"${row.source}" shows ${n(row.messages)} but ${n(count)} ${of} carry its label`);
    }
  }
  if (hidden.length > 0) {
    out.blockers.push(
      `Gmail hides ${hidden.length === 1 ? 'a label' : `${hidden.length} labels`} from IMAP ("Show in IMAP" is off), seen on the ${n(sample.messages)} newest messages in All Mail: ${hidden.join(', ')}. ` +
        `Their messages would not be copied into ${hidden.length === 1 ? 'that folder' : 'those folders'}, and those with no other label not at all. ` +
        `${LABELS_SETTING} ${hidden.length === 1 ? 'it' : 'each'} (or list ${hidden.length === 1 ? 'it' : 'them'} in the job's folders.exclude to leave ${hidden.length === 1 ? 'it' : 'them'} out on purpose), then run test again.`,
    );
  }
  if (short.length > 0) {
    out.warnings.push(`Some folders show fewer messages over IMAP than carry their label: ${short.join('; ')}. Their other messages may not be copied; check Gmail's folder size limit and each label's "Show in IMAP", then run test again.`);
  }
  return out;
}

/**
 * Folders that show exactly one of the folder size limit's sizes while All Mail holds at least as many
 * (All Mail itself included: the limit applies to it too), as one blocker with the setting to change.
 */
export function folderSizeLimitFinding(rows: MappingRow[]): string | undefined {
  const all = rows.find((r) => r.role === 'archive');
  if (!all) return undefined;
  const capped = rows.filter((r) => r.target !== null && GMAIL_FOLDER_SIZE_LIMITS.includes(r.messages) && all.messages >= r.messages);
  if (capped.length === 0) return undefined;
  const limit = Math.max(...capped.map((r) => r.messages));
  const names = capped.map((r) => `"${r.source}" (${n(r.messages)})`).join(', ');
  return (
    `Gmail's IMAP folder size limit looks switched on: ${names} show${capped.length === 1 ? 's' : ''} exactly one of the sizes it offers (1,000, 2,000, 5,000, 10,000 messages), ` +
    `so only the newest ${n(limit)} messages of a folder would be copied. ${SIZE_SETTING}`
  );
}

/** All Mail, Trash or Spam missing from a Gmail listing: "Show in IMAP" is off for them. */
export function hiddenSystemFolders(listed: FolderInfo[]): Findings {
  const has = (use: string) => listed.some((f) => f.specialUse === use);
  const out: Findings = { blockers: [], warnings: [] };
  if (!has('\\All')) {
    out.blockers.push(
      `Gmail shows no All Mail folder over IMAP ("Show in IMAP" is off for it): archived messages (in no label) would not be copied, and hidden labels cannot be checked. ${LABELS_SETTING} All Mail, then run test again.`,
    );
  }
  const missing = (['\\Trash', '\\Junk'] as const).filter((u) => !has(u)).map((u) => (u === '\\Trash' ? 'Trash' : 'Spam'));
  if (missing.length > 0) {
    out.warnings.push(`Gmail shows no ${missing.join(' and no ')} folder over IMAP: ${missing.length === 1 ? 'its' : 'their'} messages will not be copied. To copy them: ${LABELS_SETTING} ${missing.join(' and ')}.`);
  }
  return out;
}

/** The job's folder filter, asked about a folder that is not listed: would it be copied if it were? */
function excluded(label: string, filter: FolderFilter | undefined): boolean {
  if (!filter) return false;
  const [m] = mapFolders({ source: [{ path: label, delimiter: '/', flags: [] }], destination: [], destDelimiter: '/', destPrefix: '', filter });
  return m?.role === 'excluded';
}

/** Everything this file finds about a Gmail source, for connection-test.ts. */
export async function checkGmailSettings(
  client: ImapFlow,
  listed: { folders: FolderInfo[]; status: Map<string, { uidNext?: number }> },
  rows: MappingRow[],
  filter: FolderFilter | undefined,
): Promise<Findings & { sample?: LabelSample }> {
  const system = hiddenSystemFolders(listed.folders);
  const out: Findings & { sample?: LabelSample } = { blockers: [...system.blockers], warnings: [...system.warnings] };
  const capped = folderSizeLimitFinding(rows);
  if (capped) out.blockers.push(capped);
  const allMail = listed.folders.find((f) => f.specialUse === '\\All');
  if (allMail) {
    out.sample = await sampleLabels(client, allMail.path, listed.status.get(allMail.path)?.uidNext);
    const found = hiddenLabelFindings(out.sample, listed.folders, rows, filter);
    out.blockers.push(...found.blockers);
    // A capped folder also shows fewer than its label: the blocker above already says why.
    if (!capped) out.warnings.push(...found.warnings);
  }
  return out;
}
