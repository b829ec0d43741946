import type { Ledger } from '../ledger/ledger.js';
import type { FolderStatus } from './folder-scan.js';

/** Folders whose messages are copied (the others are views, \Noselect, or left out by the filter). */
export const COPIED_ROLES = new Set(['inbox', 'special', 'label', 'archive']);

/**
 * The fast path of a re-run, per folder: nothing arrived since the last checkpoint (same UIDVALIDITY and
 * UIDNEXT), no flag changed (same HIGHESTMODSEQ: known only where the server has CONDSTORE), and every
 * message is accounted for (none deleted, none left to copy or retry).
 */
export function nothingNew(ledger: Ledger, mailbox: string, source: string, status: FolderStatus): boolean {
  const cp = ledger.getFolder(mailbox, source);
  if (!cp || cp.uidValidity !== status.uidValidity || cp.uidNext !== status.uidNext) return false;
  if (status.highestModseq === undefined || cp.modseq !== status.highestModseq) return false;
  return ledger.countFinished(mailbox, source, status.uidValidity) === status.messages;
}
