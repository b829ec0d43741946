/**
 * The delta's other half: what changed on the source since the last pass about messages already on the
 * destination. Flag changes (read/unread, starred, answered, keywords) are brought over without downloading
 * any body: with CONDSTORE (Gmail, Dovecot, Cyrus) only the messages changed since the folder's last
 * HIGHESTMODSEQ are fetched, elsewhere the flags of all of them (a few dozen bytes each) are compared with
 * the ledger. Only the source's own changes are applied (+FLAGS/-FLAGS), so what a user did on the
 * destination after the MX switch (reading new mail there) is left as it is.
 *
 * With --delete-missing, a message gone from the source folder (deleted, or on Gmail its label removed) is
 * deleted from the destination folder too: STORE \Deleted and UID EXPUNGE (UIDPLUS), never a plain EXPUNGE
 * that would also remove what someone else marked deleted.
 */
import type { ImapFlow } from 'imapflow';
import { onSide } from '../errors/side-errors.js';
import type { CopyRow } from '../ledger/ledger.js';
import type { MailboxContext } from '../run/mailbox-context.js';
import type { FolderMapping } from './folder-mapping.js';
import { allUids, type FolderStatus } from './folder-scan.js';
import { keeps } from './keywords.js';
import { toUidSet } from './uid-set.js';

export interface FlagSyncResult {
  /** Copies whose flags were changed on the destination. */
  changed: number;
  /** Copies deleted on the destination because their message is gone from the source (--delete-missing). */
  deleted: number;
}

interface Change {
  target: string;
  destUidValidity: number;
  add: string[];
  remove: string[];
  /** Destination UIDs, and the source rows whose flags they take. */
  destUids: number[];
  rows: Array<{ uid: number; flags: string[] }>;
}

const flagSet = (flags: readonly string[]) => new Set(flags.filter((f) => f.toLowerCase() !== '\\recent'));

export async function syncFolder(ctx: MailboxContext, src: ImapFlow, dst: ImapFlow, m: FolderMapping & { target: string }, status: FolderStatus): Promise<FlagSyncResult> {
  const { ledger } = ctx;
  const mailbox = ctx.job.id;
  const copies = ledger.copies(mailbox, m.source, status.uidValidity);
  const result: FlagSyncResult = { changed: 0, deleted: 0 };
  const read = copies.size === 0 ? { now: new Map<number, string[]>(), gone: [], modseq: status.highestModseq } : await readSource(ctx, src, m, copies);

  const baseline: Array<{ uid: number; flags: string[] }> = [];
  const changes = new Map<string, Change>();
  for (const [uid, flags] of read.now) {
    const row = copies.get(uid);
    if (!row) continue;
    const before = flagSet(row.srcFlags ?? []);
    const after = flagSet(flags);
    const add = [...after].filter((f) => !before.has(f)).sort();
    const remove = [...before].filter((f) => !after.has(f)).sort();
    // Rows from before flags were kept: this pass is the base of later changes.
    if (row.srcFlags === null || (add.length === 0 && remove.length === 0)) {
      if (row.srcFlags === null) baseline.push({ uid, flags });
      continue;
    }
    const key = `${row.targetPath}\u0000${row.destUidValidity}\u0000${add.join(' ')}\u0000${remove.join(' ')}`;
    const c = changes.get(key) ?? changes.set(key, { target: row.targetPath, destUidValidity: row.destUidValidity, add, remove, destUids: [], rows: [] }).get(key)!;
    c.destUids.push(row.destUid);
    c.rows.push({ uid, flags });
  }
  if (ctx.dryRun) return { changed: [...changes.values()].reduce((n, c) => n + c.destUids.length, 0), deleted: read.gone.length };

  let forgotten: number[] = [];
  await onSide(ctx.job, 'destination', async () => {
    for (const c of changes.values()) {
      if (!(await storeFlags(dst, c))) continue;
      ledger.setSrcFlags(mailbox, m.source, status.uidValidity, c.rows);
      result.changed += c.destUids.length;
    }
    if (read.gone.length > 0) forgotten = await deleteCopies(dst, read.gone.map((u) => copies.get(u)!));
  });
  ledger.setSrcFlags(mailbox, m.source, status.uidValidity, baseline);
  ledger.forget(mailbox, m.source, status.uidValidity, forgotten);
  result.deleted = forgotten.length;
  ledger.putModseq(mailbox, m.source, read.modseq ?? null);
  return result;
}

/**
 * The source folder's flags for the copies that may have changed, the copies whose message is gone (only
 * with --delete-missing), and the HIGHESTMODSEQ this reading covers.
 */
async function readSource(ctx: MailboxContext, src: ImapFlow, m: FolderMapping, copies: Map<number, CopyRow>) {
  const cp = ctx.ledger.getFolder(ctx.job.id, m.source);
  const lock = await src.getMailboxLock(m.source, { readOnly: true });
  try {
    const box = src.mailbox;
    const modseq = box && box.highestModseq !== undefined ? String(box.highestModseq) : undefined;
    const since = modseq !== undefined && cp?.modseq ? BigInt(cp.modseq) : undefined;
    const now = since !== undefined && since >= BigInt(modseq!) ? new Map<number, string[]>() : await flagsOf(src, since === undefined ? [...copies.keys()] : '1:*', since);
    let gone: number[] = [];
    if (ctx.deleteMissing) {
      const present = new Set(await allUids(src));
      gone = [...copies.keys()].filter((u) => !present.has(u));
    }
    return { now, gone, modseq };
  } finally {
    lock.release();
  }
}

/** Flags of the selected folder's messages: these UIDs, or (CONDSTORE) every one changed since a modseq. */
async function flagsOf(src: ImapFlow, uids: number[] | '1:*', changedSince: bigint | undefined): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (uids !== '1:*' && uids.length === 0) return out;
  const range = uids === '1:*' ? '1:*' : toUidSet(uids);
  for await (const msg of src.fetch(range, { uid: true, flags: true }, { uid: true, ...(changedSince !== undefined ? { changedSince } : {}) })) {
    out.set(msg.uid, [...flagSet([...(msg.flags ?? [])])]);
  }
  return out;
}

/**
 * +FLAGS / -FLAGS on the copies, limited to what the folder keeps (PERMANENTFLAGS, read on this SELECT);
 * false when the destination folder was renumbered meanwhile (nothing done).
 */
async function storeFlags(dst: ImapFlow, c: Change): Promise<boolean> {
  const lock = await dst.getMailboxLock(c.target);
  try {
    const box = dst.mailbox;
    if (!box || Number(box.uidValidity) !== c.destUidValidity) return false;
    const pf = box.permanentFlags ? [...box.permanentFlags] : null;
    const add = c.add.filter((f) => keeps(pf, f));
    const remove = c.remove.filter((f) => keeps(pf, f));
    const range = toUidSet(c.destUids);
    if (add.length > 0) await dst.messageFlagsAdd(range, add, { uid: true, silent: true });
    if (remove.length > 0) await dst.messageFlagsRemove(range, remove, { uid: true, silent: true });
    return true;
  } finally {
    lock.release();
  }
}

/** Deletes copies by UID (UID EXPUNGE only); returns the source UIDs whose copy is gone. */
async function deleteCopies(dst: ImapFlow, rows: CopyRow[]): Promise<number[]> {
  if (!dst.capabilities.has('UIDPLUS')) return [];
  const done: number[] = [];
  const byFolder = new Map<string, CopyRow[]>();
  for (const r of rows) (byFolder.get(r.targetPath) ?? byFolder.set(r.targetPath, []).get(r.targetPath)!).push(r);
  for (const [target, list] of byFolder) {
    const lock = await dst.getMailboxLock(target);
    try {
      const valid = list.filter((r) => Number(dst.mailbox && dst.mailbox.uidValidity) === r.destUidValidity);
      if (valid.length > 0 && (await dst.messageDelete(toUidSet(valid.map((r) => r.destUid)), { uid: true }))) done.push(...valid.map((r) => r.uid));
    } finally {
      lock.release();
    }
  }
  return done;
}
