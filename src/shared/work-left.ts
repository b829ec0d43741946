/**
 * What is left to do, per mailbox and for the whole list: bytes still to copy, the days Gmail's daily download
 * limit makes that take at least, and the time at the current pace. The same rule as the command line's total
 * line: accounts download side by side, so the mailbox with the most left sets the days. Plain data.
 */
import type { MailboxStatus } from './contract.js';

/** Google Workspace accounts may download 2,500 MB a day over IMAP (the engine's GMAIL_DAILY_DOWNLOAD_BYTES). */
export const GMAIL_DAILY_DOWNLOAD_BYTES = 2500 * 1024 * 1024;

export interface WorkLeft {
  /** Bytes still to copy: the run's plan, else the connection test's estimate; null when not known yet. */
  bytesLeft: number | null;
  /** Whole days Gmail's limit makes that take at least (0 when nothing is left). */
  gmailDays: number | null;
  /** Seconds at the current pace, while copying. */
  paceSeconds: number | null;
}

/** Whether a progress snapshot has planned anything yet (before that its byte counts say nothing). */
function planned(s: MailboxStatus): boolean {
  const p = s.progress;
  return !!p && (p.bytesPlanned > 0 || p.planned > 0 || s.state === 'done');
}

/** `viaGmail` false: the source is a Google Takeout export, which no Gmail daily limit slows (0 days). */
export function workLeft(s: MailboxStatus, viaGmail = true): WorkLeft {
  const p = s.progress;
  const bytesLeft = p && planned(s) ? Math.max(0, p.bytesPlanned - p.bytesCopied) : (s.check?.totalBytes ?? null);
  return {
    bytesLeft,
    gmailDays: bytesLeft === null ? (viaGmail ? null : 0) : viaGmail ? Math.ceil(bytesLeft / GMAIL_DAILY_DOWNLOAD_BYTES) : 0,
    paceSeconds: bytesLeft !== null && s.state === 'copying' && p && p.byteRate > 0 ? bytesLeft / p.byteRate : null,
  };
}

export interface Totals {
  mailboxes: number;
  done: number;
  messagesDone: number;
  messagesPlanned: number;
  bytesCopied: number;
  bytesPlanned: number;
  /** Messages and bytes per second of the mailboxes copying now. */
  rate: number;
  byteRate: number;
  /** Bytes left of all mailboxes at the current combined pace; null when nothing copies. */
  etaSeconds: number | null;
  /** The largest of the mailboxes' Gmail days; null when no size is known. */
  gmailDays: number | null;
  /** Mailboxes whose size is not known yet (never run nor tested). */
  unknownSize: number;
}

/** `fromExport(s)`: that mailbox reads a Google Takeout export (no Gmail limit; its size comes with its run). */
export function totals(statuses: readonly MailboxStatus[], fromExport: (s: MailboxStatus) => boolean = () => false): Totals {
  const t: Totals = {
    mailboxes: statuses.length, done: 0, messagesDone: 0, messagesPlanned: 0, bytesCopied: 0, bytesPlanned: 0,
    rate: 0, byteRate: 0, etaSeconds: null, gmailDays: null, unknownSize: 0,
  };
  let left = 0;
  for (const s of statuses) {
    const p = s.progress;
    if (s.state === 'done') t.done++;
    if (p) {
      t.messagesDone += p.copied + p.failed;
      t.messagesPlanned += p.planned;
      t.bytesCopied += p.bytesCopied;
      t.bytesPlanned += p.bytesPlanned;
      if (s.state === 'copying') {
        t.rate += p.rate;
        t.byteRate += p.byteRate;
      }
    }
    const w = workLeft(s, !fromExport(s));
    if (w.bytesLeft !== null) left += w.bytesLeft;
    else if (!fromExport(s)) t.unknownSize++;
    if (w.gmailDays !== null) t.gmailDays = Math.max(t.gmailDays ?? 0, w.gmailDays);
  }
  t.etaSeconds = t.byteRate > 0 ? left / t.byteRate : null;
  return t;
}
