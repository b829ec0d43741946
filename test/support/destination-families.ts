/**
 * The three destination families the tests run every exactness scenario on, as data: how each is started,
 * what it names the special folders and labels, and what it does to the bytes it stores (as observed in
 * destination-servers.test.ts). Plus the "tricky" corpus that exposes those changes.
 */
import { createHash } from 'node:crypto';
import { generateCorpus, type CorpusMessage, type SystemPlacement } from './corpus.js';
import { startCourier } from './courier.js';
import { startCyrus } from './cyrus.js';
import { startDestination } from './dovecot.js';
import { setDovecotQuota } from './dovecot-quota.js';
import type { ImapTestServer } from './imap-test-server.js';
import { fingerprint, sortFingerprints, type MessageFingerprint } from './mailbox-snapshot.js';

export interface Family {
  name: 'dovecot' | 'courier' | 'cyrus';
  start(opts?: { quotaBytes?: Record<string, number> }): Promise<ImapTestServer & { setQuota?: (user: string, bytes: number) => Promise<void> }>;
  /** Where a Gmail system placement lands. */
  system: Record<SystemPlacement, string>;
  /** Where a Gmail label lands (Mailferry's mapping: separator, prefix, characters the server refuses). */
  label(label: string): string;
  /** The bytes the server keeps for a message appended as `raw`. */
  stored(raw: Buffer): Buffer;
}

const CRLF = Buffer.from('\r\n');
const underPrefix = (prefix: string, label: string, refused: RegExp) =>
  label === 'INBOX' ? 'INBOX' : prefix + label.split('/').map((s) => s.replaceAll('.', '_').replace(refused, '_')).join('.');

export const FAMILIES: readonly Family[] = [
  {
    name: 'dovecot',
    start: async (o) => {
      // Dovecot's quota rule is one for every user.
      const server = await startDestination(o?.quotaBytes ? { quota: { storageKB: Math.floor(Object.values(o.quotaBytes)[0]! / 1024) } } : {});
      return Object.assign(server, { setQuota: (user: string, bytes: number) => setDovecotQuota(server, user, { storageKB: Math.floor(bytes / 1024) }) });
    },
    system: { sent: 'Sent Items', drafts: 'Drafts', trash: 'Deleted Items', spam: 'Junk E-mail', archived: 'Archive' },
    label: (l) => underPrefix('', l, /(?!)/),
    stored: (raw) => raw,
  },
  {
    name: 'courier',
    start: async (o) => startCourier(o?.quotaBytes ? { quota: o.quotaBytes } : {}),
    system: { sent: 'INBOX.Sent', drafts: 'INBOX.Drafts', trash: 'INBOX.Trash', spam: 'INBOX.Junk', archived: 'INBOX.Archive' },
    label: (l) => underPrefix('INBOX.', l, /(?!)/),
    // Courier ends every stored message with a line ending.
    stored: (raw) => (raw.length >= 2 && raw.subarray(-2).equals(CRLF) ? raw : Buffer.concat([raw, CRLF])),
  },
  {
    name: 'cyrus',
    start: async (o) => startCyrus(o?.quotaBytes ? { quota: o.quotaBytes } : {}),
    system: { sent: 'INBOX.Sent', drafts: 'INBOX.Drafts', trash: 'INBOX.Trash', spam: 'INBOX.Junk', archived: 'INBOX.Archive' },
    // Cyrus refuses these in folder names; Mailferry renames them, stably.
    label: (l) => underPrefix('INBOX.', l, /["%\\;<>]/g),
    stored: munge8bit,
  },
];

/** Cyrus's munge8bit: every raw 8-bit byte in the header becomes "X". */
export function munge8bit(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw.length : end;
  const out = Buffer.from(raw);
  for (let i = 0; i < head; i++) if (out[i]! >= 0x80) out[i] = 0x58;
  return out;
}

/** What `corpus` must become on a family's server under the default label policy. */
export function expectedOn(family: Family, corpus: readonly CorpusMessage[]): Map<string, MessageFingerprint[]> {
  const out = new Map<string, MessageFingerprint[]>();
  const add = (folder: string, m: CorpusMessage) => {
    const list = out.get(folder) ?? [];
    list.push(fingerprint(family.stored(m.raw), m.flags, m.internalDate));
    out.set(folder, list);
  };
  for (const m of corpus) {
    for (const label of m.placement.labels) add(family.label(label), m);
    if (m.placement.system) add(family.system[m.placement.system], m);
  }
  for (const [k, v] of out) out.set(k, sortFingerprints(v));
  return out;
}

const UTF8_SUBJECT = Buffer.from('Café réunion — déjà vu', 'utf8').toString('latin1');

/** A label with characters Cyrus refuses in folder names. */
export const QUOTED_LABEL = 'Quotes "and" <more>';

/**
 * The corpus with what trips destinations up, chosen by each message's own bytes (so byte-identical twins
 * stay twins): about half without a final line ending, some with a raw UTF-8 Subject, some under a label
 * Cyrus cannot name as is.
 */
export function trickyCorpus(seed: string, count: number): CorpusMessage[] {
  return generateCorpus({ seed, count, profile: 'small', maxSizeMB: 0.2 }).map((m) => {
    const h = createHash('sha256').update(m.raw).digest();
    let raw = m.raw;
    // Raw UTF-8 in the Subject (a latin1 string holds the bytes one to one).
    if (h[1]! % 5 === 0) raw = Buffer.from(raw.toString('latin1').replace(/^Subject: .*(\r\n[ \t].*)*/m, `Subject: ${UTF8_SUBJECT}`), 'latin1');
    if (h[0]! % 2 === 0 && raw.subarray(-2).equals(CRLF) && raw.indexOf('\r\n\r\n') < raw.length - 4) raw = raw.subarray(0, -2);
    const labels = h[2]! % 9 === 0 && m.placement.labels.length > 0 ? [...m.placement.labels, QUOTED_LABEL] : m.placement.labels;
    return { ...m, raw, placement: { ...m.placement, labels } };
  });
}
