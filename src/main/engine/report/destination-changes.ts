/**
 * What a destination changed in the messages it stored, told from a message as it was sent and as the
 * server gives it back, and said in words for the report. Servers answer OK and store something else
 * (destination-facts.md): Courier adds a final CRLF, Cyrus (munge8bit) writes "X" for each raw 8-bit
 * header byte, Dovecot serves lone CR/LF as CRLF and NUL as 0x80, Exchange rebuilds every message, some
 * servers add header fields. Identity survives all of these (message-identity.ts); this module only
 * explains them, so a user is not left wondering why the copies differ.
 *
 * Pure: the bytes come from destination-readback.ts (after a run) and verify.ts.
 */
import { isAscii } from 'node:buffer';
import { headerEnd } from '../plan/message-identity.js';
import type { MessageMeta } from '../plan/folder-scan.js';
import type { Match } from '../plan/identity-match.js';
import type { ServerFamily } from '../servers/server-profiles.js';

/** One kind of change, in the order the report names them. */
export type StoredChange = 'final-line-ending' | 'eight-bit-header' | 'bare-line-ends' | 'nul-bytes' | 'headers-added' | 'rebuilt';

/** Changes that only a message holding a certain thing can undergo, in the order they are applied. */
export type TraitChange = Extract<StoredChange, 'bare-line-ends' | 'nul-bytes' | 'eight-bit-header' | 'final-line-ending'>;
const TRAIT_ORDER: readonly TraitChange[] = ['bare-line-ends', 'nul-bytes', 'eight-bit-header', 'final-line-ending'];
const REPORT_ORDER: readonly StoredChange[] = ['final-line-ending', 'eight-bit-header', 'bare-line-ends', 'nul-bytes', 'headers-added', 'rebuilt'];

export interface StoredComparison {
  /** Empty: stored byte for byte. ['rebuilt']: nothing known explains the difference. */
  changes: StoredChange[];
  /** Names of the header fields the server added (with 'headers-added'), as it wrote them. */
  addedHeaders: string[];
}

/** Whether a message ends without CRLF (what Courier completes). */
export function lacksFinalLineEnding(raw: Buffer): boolean {
  return !(raw.length >= 2 && raw[raw.length - 2] === 0x0d && raw[raw.length - 1] === 0x0a);
}

/** Whether the header holds a raw byte of 0x80 or more (what Cyrus's munge8bit turns into "X"). */
export function hasEightBitHeader(raw: Buffer): boolean {
  return !isAscii(raw.subarray(0, headerEnd(raw)));
}

/** Whether any CR or LF is not part of a CRLF pair. Scans the whole message: call on bounded sizes. */
export function hasBareLineEnds(raw: Buffer): boolean {
  return /\r(?!\n)|(?<!\r)\n/.test(raw.toString('latin1'));
}

/** The changes this message could undergo because of what it holds (cheap checks first). */
export function traitsOf(raw: Buffer): TraitChange[] {
  const out: TraitChange[] = [];
  if (hasBareLineEnds(raw)) out.push('bare-line-ends');
  if (raw.includes(0)) out.push('nul-bytes');
  if (hasEightBitHeader(raw)) out.push('eight-bit-header');
  if (lacksFinalLineEnding(raw)) out.push('final-line-ending');
  return out;
}

/** A message as a server doing `change` would store it. */
function apply(change: TraitChange, raw: Buffer): Buffer {
  switch (change) {
    case 'bare-line-ends':
      return Buffer.from(raw.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
    case 'nul-bytes':
      return Buffer.from(raw.map((b) => (b === 0 ? 0x80 : b)));
    case 'eight-bit-header': {
      const out = Buffer.from(raw);
      const end = headerEnd(out);
      for (let i = 0; i < end; i++) if (out[i]! >= 0x80) out[i] = 0x58; // "X"
      return out;
    }
    case 'final-line-ending':
      return lacksFinalLineEnding(raw) ? Buffer.concat([raw, Buffer.from('\r\n')]) : raw;
  }
}

/**
 * What the server changed between `sent` and `stored`: the smallest set of known changes (each possible
 * only when the message holds what it changes) that turns one into the other, header fields added on top
 * allowed; else 'rebuilt'. At most 2^4 candidate forms, for a sampled message of bounded size.
 */
export function compareStored(sent: Buffer, stored: Buffer): StoredComparison {
  if (sent.equals(stored)) return { changes: [], addedHeaders: [] };
  const traits = traitsOf(sent);
  const subsets = Array.from({ length: 1 << traits.length }, (_, mask) => traits.filter((_, i) => mask & (1 << i)));
  subsets.sort((a, b) => a.length - b.length);
  for (const subset of subsets) {
    const form = TRAIT_ORDER.filter((c) => subset.includes(c)).reduce((b, c) => apply(c, b), sent);
    if (form.equals(stored)) return { changes: subset, addedHeaders: [] };
    const added = addedHeaders(form, stored);
    if (added) return { changes: [...subset, 'headers-added'], addedHeaders: added };
  }
  return { changes: ['rebuilt'], addedHeaders: [] };
}

/** The names of the fields `stored` has beyond those of `sent`, when that is the only difference. */
function addedHeaders(sent: Buffer, stored: Buffer): string[] | undefined {
  const [se, de] = [headerEnd(sent), headerEnd(stored)];
  if (!sent.subarray(se).equals(stored.subarray(de))) return undefined;
  const left = new Map<string, number>();
  for (const f of fields(sent.subarray(0, se))) left.set(f, (left.get(f) ?? 0) + 1);
  const added: string[] = [];
  for (const f of fields(stored.subarray(0, de))) {
    const n = left.get(f) ?? 0;
    if (n > 0) left.set(f, n - 1);
    else added.push(f.slice(0, Math.max(0, f.indexOf(':'))).trim() || '(unnamed)');
  }
  if (added.length === 0 || [...left.values()].some((n) => n > 0)) return undefined;
  return [...new Set(added)];
}

/** Header fields with their continuation lines, line ends as CRLF. */
function fields(header: Buffer): string[] {
  const out: string[] = [];
  for (const line of header.toString('latin1').split(/\r\n|\r|\n/)) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && out.length > 0) out[out.length - 1] += `\r\n${line}`;
    else out.push(line);
  }
  return out;
}

/** What each change is, in a user's words; `who` is "messages that lacked one", "838 messages"... */
const WHAT: Record<StoredChange, (who: string, names: string[]) => string> = {
  'final-line-ending': (who) => `it added a final line ending to ${who}`,
  'eight-bit-header': (who) => `it wrote "X" for each raw 8-bit byte (accented or non-Latin letters sent unencoded) in the headers of ${who}`,
  'bare-line-ends': (who) => `it turned lone line feeds or carriage returns in ${who} into CRLF line endings`,
  'nul-bytes': (who) => `it turned NUL bytes in ${who} into byte 0x80`,
  'headers-added': (who, names) => `it added header fields (${names.join(', ')}) to ${who}`,
  rebuilt: (who) => `it stored ${who} as other bytes than were sent (it rebuilds messages in its own format)`,
};

/** Who the run's sampled notes speak of (the counts follow). */
const WHO_SAMPLED: Record<StoredChange, string> = {
  'final-line-ending': 'messages that lacked one',
  'eight-bit-header': 'messages that had such bytes',
  'bare-line-ends': 'messages that had them',
  'nul-bytes': 'messages that had them',
  'headers-added': 'messages',
  rebuilt: 'messages',
};

/** What it means for the user, and the server's setting where one exists. */
const MEANS: Partial<Record<StoredChange, string>> = {
  'final-line-ending': 'The text is the same.',
  'eight-bit-header': 'Those letters now read "X" in subjects and names.',
  'bare-line-ends': 'The text is the same.',
};
const SETTING: Partial<Record<ServerFamily | 'unknown', Partial<Record<StoredChange, string>>>> = {
  cyrus: { 'eight-bit-header': "This is Cyrus's munge8bit setting (on by default): its administrator can keep such bytes with `munge8bit: no` in imapd.conf." },
  unknown: { 'eight-bit-header': 'Cyrus servers do this with munge8bit on (their default): the administrator can keep such bytes with `munge8bit: no` in imapd.conf.' },
  courier: { 'final-line-ending': 'Courier-IMAP does this to every such message.' },
  exchange: { rebuilt: 'Exchange does this to every message.' },
};

function sentence(change: StoredChange, what: string, family: ServerFamily | undefined): string {
  const tail = [MEANS[change], SETTING[family ?? 'unknown']?.[change]].filter(Boolean).join(' ');
  return `The destination changed what it stored: ${what}.${tail ? ` ${tail}` : ''}`;
}

/** "12 in INBOX, 3 in INBOX.Sent and 4 more folders": the most changed first, then by name (stable output). */
function perFolder(rows: Array<{ folder: string; changed: number; text: string }>): string {
  rows = [...rows].sort((a, b) => b.changed - a.changed || (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
  const shown = rows.slice(0, 5).map((r) => `${r.text} in ${r.folder}`);
  const more = rows.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more folder${more === 1 ? '' : 's'}` : shown.join(', ');
}

interface Count {
  changed: number;
  checked: number;
}

/** Counts changes over sampled messages (changed of checked, per destination folder) and says them. */
export class StoredChangeTally {
  readonly #counts = new Map<StoredChange, Map<string, Count>>();
  readonly #addedHeaders = new Set<string>();

  /** Compares one sampled message of `folder` with what the server gave back. */
  add(folder: string, sent: Buffer, stored: Buffer): StoredComparison {
    const result = compareStored(sent, stored);
    const possible = new Set<StoredChange>([...traitsOf(sent), 'headers-added', 'rebuilt']);
    for (const change of possible) {
      const byFolder = this.#counts.get(change) ?? this.#counts.set(change, new Map()).get(change)!;
      const c = byFolder.get(folder) ?? byFolder.set(folder, { changed: 0, checked: 0 }).get(folder)!;
      c.checked++;
      if (result.changes.includes(change)) c.changed++;
    }
    for (const h of result.addedHeaders) this.#addedHeaders.add(h);
    return result;
  }

  get checked(): number {
    return [...(this.#counts.get('rebuilt')?.values() ?? [])].reduce((s, c) => s + c.checked, 0);
  }

  /** One note per kind of change seen: "... (3 of 3 checked in INBOX)". None when nothing changed. */
  notes(family?: ServerFamily): string[] {
    const out: string[] = [];
    for (const change of REPORT_ORDER) {
      const byFolder = [...(this.#counts.get(change) ?? new Map<string, Count>())];
      const changed = byFolder.reduce((s, [, c]) => s + c.changed, 0);
      if (changed === 0) continue;
      const checked = byFolder.reduce((s, [, c]) => s + c.checked, 0);
      const where = byFolder.length === 1 ? ` in ${byFolder[0]![0]}` : `: ${perFolder(byFolder.map(([folder, c]) => ({ folder, changed: c.changed, text: `${c.changed} of ${c.checked}` })))}`;
      out.push(sentence(change, `${WHAT[change](WHO_SAMPLED[change], [...this.#addedHeaders])} (${changed} of ${checked} checked${where})`, family));
    }
    return out;
  }
}

/**
 * What verify can tell of the changes without downloading a message: per found copy, from sizes and the
 * identity header fields both sides already fetched.
 */
export interface StoredChangeCounts {
  /** Copies 2 bytes larger than their source message: the server added a final line ending (Courier). */
  finalLineEnding: number;
  /** Copies whose Subject/From/Date/Message-ID lost the raw 8-bit bytes the source has (Cyrus's munge8bit). */
  eightBitHeader: number;
  /** Copies of another size, recognised by content: the server changed them in another way. */
  otherSize: number;
}

export const NO_CHANGES: StoredChangeCounts = { finalLineEnding: 0, eightBitHeader: 0, otherSize: 0 };

/** Counts the found copies a server changed, and lists those of another size (worth a closer look). */
export function countStoredChanges(found: Match[], destination: MessageMeta[]): { counts: StoredChangeCounts; otherSize: Match[] } {
  const byUid = new Map(destination.map((d) => [d.uid, d]));
  const counts = { ...NO_CHANGES };
  const otherSize: Match[] = [];
  for (const f of found) {
    if (f.sizeDelta === 2) counts.finalLineEnding++;
    else if (f.sizeDelta !== 0) otherSize.push(f);
    if (f.meta.eightBitHeader && !byUid.get(f.destUid)?.eightBitHeader) counts.eightBitHeader++;
  }
  counts.otherSize = otherSize.length;
  return { counts, otherSize };
}

/** verify's notes from exact counts: "it added a final line ending to 838 messages (800 in INBOX, 38 in Sent)". */
export function countNotes(folders: Array<{ target: string; changed: StoredChangeCounts }>, family?: ServerFamily): string[] {
  const say = (change: StoredChange | 'other-size', pick: (c: StoredChangeCounts) => number): string | undefined => {
    const rows = folders.filter((f) => pick(f.changed) > 0);
    const total = rows.reduce((s, f) => s + pick(f.changed), 0);
    if (total === 0) return undefined;
    const who = `${total} message${total === 1 ? '' : 's'}`;
    const where = `(${perFolder(rows.map((f) => ({ folder: f.target, changed: pick(f.changed), text: String(pick(f.changed)) })))})`;
    if (change === 'other-size') {
      return `The destination changed what it stored: it stored ${who} with another size than the source's ${where}; Mailferry recognised ${total === 1 ? 'it by its' : 'them by their'} content.`;
    }
    return sentence(change, `${WHAT[change](who, [])} ${where}`, family);
  };
  return [say('final-line-ending', (c) => c.finalLineEnding), say('eight-bit-header', (c) => c.eightBitHeader), say('other-size', (c) => c.otherSize)].filter(
    (n): n is string => n !== undefined,
  );
}
