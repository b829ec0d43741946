import { isAscii } from 'node:buffer';
import type { ImapFlow } from 'imapflow';
import { collectGarbageSoon } from '../copy/collect-garbage.js';
import { contentFingerprint, IDENTITY_HEADERS, identityOf } from './message-identity.js';
import { toUidSet } from './uid-set.js';

/** What the engine knows about a message without downloading its body. */
export interface MessageMeta {
  uid: number;
  size: number;
  internalDate: Date;
  flags: string[];
  /** Identity without the body (message-identity.ts): Message-ID and received second, else headerKey. */
  key: string;
  /** Date, From, Subject and the received second. */
  headerKey: string;
  messageId: string | null;
  /** Gmail's X-GM-MSGID: the same message in every folder it shows in (X-GM-EXT-1 servers only). */
  gmailId?: string;
  /** Gmail's X-GM-LABELS: \\Inbox, \\Sent, \\Draft, \\Important, \\Starred and user labels. */
  labels?: string[];
  /** Set when the fetched identity fields hold raw 8-bit bytes (verify sees a server that turned them into "X"). */
  eightBitHeader?: true;
}

export interface FolderStatus {
  uidValidity: number;
  uidNext: number;
  messages: number;
  /** HIGHESTMODSEQ where the server has CONDSTORE (it grows with every flag change): 64-bit, as text. */
  highestModseq?: string;
}

/** Gmail's extensions (X-GM-MSGID, X-GM-LABELS) are there to use. */
export function isGmail(client: ImapFlow): boolean {
  return client.capabilities.has('X-GM-EXT-1');
}

/** STATUS without selecting: cheap enough to call for every folder on every run. */
export async function folderStatus(client: ImapFlow, path: string): Promise<FolderStatus> {
  const s = await client.status(path, { messages: true, uidNext: true, uidValidity: true, highestModseq: client.capabilities.has('CONDSTORE') });
  // imapflow answers both a lost connection and a refusal with false: a lost one is retried like any other.
  if (!s) throw Object.assign(new Error(`STATUS ${path} got no answer`), client.usable ? { mailboxMissing: true } : { code: 'NoConnection' });
  return { uidValidity: Number(s.uidValidity ?? 0), uidNext: s.uidNext ?? 0, messages: s.messages ?? 0, ...(s.highestModseq !== undefined ? { highestModseq: String(s.highestModseq) } : {}) };
}

/** All UIDs of the selected folder (one UID SEARCH, no bodies). */
export async function allUids(client: ImapFlow): Promise<number[]> {
  const r = await client.search({ all: true }, { uid: true });
  return Array.isArray(r) ? r : [];
}

/**
 * Size, date, flags and a header-based key for the given UIDs of the selected folder ('all' for every
 * message). Only a few header fields cross the wire, never bodies.
 */
export async function fetchMeta(client: ImapFlow, uids: number[] | 'all'): Promise<MessageMeta[]> {
  if (uids !== 'all' && uids.length === 0) return [];
  const range = uids === 'all' ? '1:*' : toUidSet(uids);
  const gmail = isGmail(client);
  const out: MessageMeta[] = [];
  for await (const m of client.fetch(
    range,
    { uid: true, size: true, internalDate: true, flags: true, headers: IDENTITY_HEADERS, ...(gmail ? { emailId: true, labels: true } : {}) },
    { uid: true },
  )) {
    const internalDate = m.internalDate instanceof Date ? m.internalDate : new Date(m.internalDate ?? 0);
    const meta: MessageMeta = {
      uid: m.uid,
      size: m.size ?? 0,
      internalDate,
      flags: [...(m.flags ?? [])],
      ...identityOf(m.headers, internalDate),
    };
    if (m.headers && !isAscii(m.headers)) meta.eightBitHeader = true;
    if (gmail && m.emailId) meta.gmailId = m.emailId;
    if (gmail) meta.labels = [...(m.labels ?? [])];
    out.push(meta);
    // Each row leaves its parsed header buffers behind: freed every few thousand, not after V8's ~64 MiB.
    if (out.length % 2000 === 0) collectGarbageSoon();
  }
  return out.sort((a, b) => a.uid - b.uid);
}

/**
 * Selects a folder and returns its UIDVALIDITY and the meta of every message in it. `forWriting` selects it
 * read-write (nothing is changed) to learn its PERMANENTFLAGS, which a read-only EXAMINE always gives as
 * empty; otherwise permanentFlags is null.
 */
export async function readFolderMeta(
  client: ImapFlow,
  path: string,
  opts: { forWriting?: boolean } = {},
): Promise<{ uidValidity: number; metas: MessageMeta[]; permanentFlags: string[] | null }> {
  const lock = await client.getMailboxLock(path, { readOnly: !opts.forWriting });
  try {
    const box = client.mailbox;
    const permanentFlags = opts.forWriting && box && box.permanentFlags ? [...box.permanentFlags] : null;
    return { uidValidity: Number(box ? box.uidValidity : 0), metas: box && box.exists > 0 ? await fetchMeta(client, 'all') : [], permanentFlags };
  } finally {
    lock.release();
  }
}

/** A folder's PERMANENTFLAGS (selected read-write: EXAMINE gives none), or null when it announces none. */
export async function permanentFlagsOf(client: ImapFlow, path: string): Promise<string[] | null> {
  const lock = await client.getMailboxLock(path);
  try {
    const pf = client.mailbox ? client.mailbox.permanentFlags : undefined;
    return pf ? [...pf] : null;
  } finally {
    lock.release();
  }
}

/**
 * Content fingerprints of some messages of a folder (downloads their bodies: only for the few messages whose
 * identity is unclear, see identity-match.ts). A UID no longer there is left out.
 */
export async function fetchFingerprints(client: ImapFlow, path: string, uids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (uids.length === 0) return out;
  const lock = await client.getMailboxLock(path, { readOnly: true });
  try {
    for await (const m of client.fetch(toUidSet(uids), { uid: true, source: true }, { uid: true })) {
      if (m.source) out.set(m.uid, contentFingerprint(m.source));
    }
  } finally {
    lock.release();
  }
  return out;
}

/** A source message by folder and UID. */
export interface FolderRef {
  folder: string;
  uid: number;
}

export const refKey = (r: FolderRef): string => `${r.folder}\u0000${r.uid}`;

/** Fingerprints of source messages in several folders, one folder at a time. */
export async function sourceFingerprints(src: ImapFlow, refs: FolderRef[]): Promise<Map<string, string>> {
  const byFolder = new Map<string, number[]>();
  for (const r of refs) (byFolder.get(r.folder) ?? byFolder.set(r.folder, []).get(r.folder)!).push(r.uid);
  const out = new Map<string, string>();
  for (const [folder, uids] of byFolder) {
    for (const [uid, fp] of await fetchFingerprints(src, folder, [...new Set(uids)])) out.set(refKey({ folder, uid }), fp);
  }
  return out;
}
