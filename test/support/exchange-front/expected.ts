/**
 * Where each corpus message must end up behind the Exchange front, as appended: Exchange's folder names for
 * Gmail's system folders, and no keyword but $MDNSent (Exchange keeps no others).
 */
import type { CorpusMessage } from '../corpus.js';
import { fingerprint, sortFingerprints, type MessageFingerprint } from '../mailbox-snapshot.js';

const SYSTEM = { sent: 'Sent Items', drafts: 'Drafts', trash: 'Deleted Items', spam: 'Junk Email', archived: 'Archive' } as const;

/** Folders the front (like Exchange) shows in every mailbox, which a copy never fills. */
export const EXCHANGE_OWN_FOLDERS = ['Outbox', 'Conversation History', 'Calendar', 'Contacts'];

export function exchangeExpected(
  corpus: readonly CorpusMessage[],
  opts: { rename?: Record<string, string>; extra?: Array<{ folder: string; raw: Buffer; date: Date }> } = {},
): Map<string, MessageFingerprint[]> {
  const out = new Map<string, MessageFingerprint[]>();
  const add = (folder: string, raw: Buffer, flags: string[], date: Date) => {
    const kept = flags.filter((f) => f.startsWith('\\') || f === '$MDNSent');
    out.set(folder, [...(out.get(folder) ?? []), fingerprint(raw, kept, date)]);
  };
  for (const m of corpus) {
    for (const label of m.placement.labels) add(opts.rename?.[label] ?? label, m.raw, m.flags, m.internalDate);
    if (m.placement.system) add(SYSTEM[m.placement.system], m.raw, m.flags, m.internalDate);
  }
  for (const e of opts.extra ?? []) add(e.folder, e.raw, [], e.date);
  for (const [k, v] of out) out.set(k, sortFingerprints(v));
  return out;
}

/** A snapshot of the store without the folders the front adds of its own. */
export function withoutOwnFolders<T>(snapshot: Map<string, T>): Map<string, T> {
  return new Map([...snapshot].filter(([f]) => !EXCHANGE_OWN_FOLDERS.includes(f)));
}
