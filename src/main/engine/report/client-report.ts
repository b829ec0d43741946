import type { FolderCounts, FolderRow, LedgerHistory, VerifiedFolder } from '../ledger/history.js';
import type { Ledger } from '../ledger/ledger.js';
import { hintFor, splitReason } from './failure-hints.js';
import { estimateWork, type WorkEstimate } from './work-estimate.js';

export type Verdict = 'complete' | 'incomplete' | 'not verified';

export interface ClientReportFolder {
  source: string;
  destination: string | null;
  /** Messages in the Gmail folder when it was last planned; null when it never was. */
  sourceMessages: number | null;
  onDestination: number;
  /** All Mail copies of labelled mail: they are on the destination in their label's folder. */
  inLabel: number;
  failed: number;
  toCopy: number;
  /** The latest verify's counts for this folder. */
  verified: VerifiedFolder | null;
}

export interface ClientReportFailure {
  folder: string;
  destinationFolder: string | null;
  uid: number;
  size: number | null;
  date: string | null;
  code: string | null;
  reason: string;
  hint: string;
}

export interface ClientReportMailbox {
  id: string;
  source: { host: string | null; user: string | null; signIn: string | null };
  destination: { host: string | null; user: string | null };
  /** The latest run's state (done, failed, cancelled...), or "not run". */
  state: string;
  /** Why the latest run stopped, when it did not finish. */
  lastError: { code: string; hint: string } | null;
  verified: Verdict;
  verification: { at: string; complete: boolean; folders: VerifiedFolder[]; changes: string[] } | null;
  /** Messages of this mailbox the ledger knows are on the destination, all runs together: one per destination message. */
  messagesOnDestination: number;
  bytesOnDestination: number;
  messagesFailed: number;
  messagesToCopy: number;
  runs: number;
  firstStartedAt: string | null;
  lastFinishedAt: string | null;
  /** First start to last finish. */
  elapsedSeconds: number | null;
  /** The runs' own durations added up. */
  runningSeconds: number;
  folders: ClientReportFolder[];
  failures: ClientReportFailure[];
  estimate: WorkEstimate;
  /** Signed in to Gmail with an app password: it should be revoked once the migration is over. */
  revokeAppPassword: boolean;
}

export interface ClientReport {
  tool: 'mailferry';
  report: 'client';
  version: 1;
  generatedAt: string;
  summary: {
    mailboxes: number;
    verifiedComplete: number;
    verifiedIncomplete: number;
    notVerified: number;
    messagesOnDestination: number;
    bytesOnDestination: number;
    messagesFailed: number;
    messagesToCopy: number;
    /** Mailboxes run side by side: the longest one sets how many days Gmail's limit makes the rest take. */
    gmailLimitDays: number | null;
  };
  mailboxes: ClientReportMailbox[];
}

/** The client report from the ledger alone: every mailbox it knows, across every run and verify. No secrets. */
export function buildClientReport(ledger: Ledger, now = Date.now()): ClientReport {
  const h = ledger.history;
  const mailboxes = h.mailboxes().map((id) => mailboxReport(h, id));
  const sum = (pick: (m: ClientReportMailbox) => number) => mailboxes.reduce((s, m) => s + pick(m), 0);
  const days = mailboxes.map((m) => m.estimate.gmailLimitDays);
  return {
    tool: 'mailferry',
    report: 'client',
    version: 1,
    generatedAt: new Date(now).toISOString(),
    summary: {
      mailboxes: mailboxes.length,
      verifiedComplete: mailboxes.filter((m) => m.verified === 'complete').length,
      verifiedIncomplete: mailboxes.filter((m) => m.verified === 'incomplete').length,
      notVerified: mailboxes.filter((m) => m.verified === 'not verified').length,
      messagesOnDestination: sum((m) => m.messagesOnDestination),
      bytesOnDestination: sum((m) => m.bytesOnDestination),
      messagesFailed: sum((m) => m.messagesFailed),
      messagesToCopy: sum((m) => m.messagesToCopy),
      gmailLimitDays: days.includes(null) ? null : Math.max(0, ...(days as number[])),
    },
    mailboxes,
  };
}

function mailboxReport(h: LedgerHistory, id: string): ClientReportMailbox {
  const ends = h.endpoints(id);
  const runs = h.runs(id);
  const last = runs.at(-1);
  const check = h.latestVerification(id);
  const counts = h.folderCounts(id);
  const folders = folderRows(h.folders(id), counts, check?.folders ?? []);
  const sized = counts.reduce((s, c) => s + c.sized, 0);
  const messagesToCopy = folders.reduce((s, f) => s + f.toCopy, 0);
  const firstStart = runs.length ? Math.min(...runs.map((r) => r.startedAt)) : null;
  const lastFinish = runs.length ? Math.max(...runs.map((r) => r.finishedAt)) : null;
  return {
    id,
    source: { host: ends?.source.host ?? null, user: ends?.source.user ?? null, signIn: ends?.source.auth ?? null },
    destination: { host: ends?.destination.host ?? null, user: ends?.destination.user ?? null },
    state: last?.state ?? 'not run',
    lastError: last?.errorCode ? { code: last.errorCode, hint: hintFor(last.errorCode) } : null,
    verified: !check ? 'not verified' : check.complete ? 'complete' : 'incomplete',
    verification: check ? { at: new Date(check.verifiedAt).toISOString(), complete: check.complete, folders: check.folders, changes: check.changes } : null,
    messagesOnDestination: counts.reduce((s, c) => s + c.onDestination, 0),
    bytesOnDestination: counts.reduce((s, c) => s + c.bytesOnDestination, 0),
    messagesFailed: counts.reduce((s, c) => s + c.failed, 0),
    messagesToCopy,
    runs: runs.length,
    firstStartedAt: firstStart === null ? null : new Date(firstStart).toISOString(),
    lastFinishedAt: lastFinish === null ? null : new Date(lastFinish).toISOString(),
    elapsedSeconds: firstStart === null || lastFinish === null ? null : Math.round((lastFinish - firstStart) / 1000),
    runningSeconds: Math.round(runs.reduce((s, r) => s + Math.max(0, r.finishedAt - r.startedAt), 0) / 1000),
    folders,
    failures: h.failures(id).map((f) => {
      const { code, text } = splitReason(f.reason);
      return {
        folder: f.sourcePath, destinationFolder: f.targetPath, uid: f.uid, size: f.size,
        date: f.internalDate === null ? null : new Date(f.internalDate).toISOString(), code, reason: text, hint: hintFor(code),
      };
    }),
    estimate: estimateWork({ messagesToCopy, averageSize: sized ? counts.reduce((s, c) => s + c.sizedBytes, 0) / sized : null, runs }),
    // OAuth sign-ins have nothing to revoke; app passwords stay valid until revoked.
    revokeAppPassword: ends?.source.auth === 'password',
  };
}

/**
 * One row per source folder: its checkpoint (how many messages it had when last planned) joined with the
 * ledger's rows for it and the latest verify's counts. Folders with rows but no checkpoint (a run stopped
 * while planning) are listed with an unknown source count.
 */
function folderRows(checkpoints: FolderRow[], folderCounts: FolderCounts[], verified: VerifiedFolder[]): ClientReportFolder[] {
  const counts = new Map(folderCounts.map((c) => [c.sourcePath, c]));
  const byVerify = new Map(verified.map((v) => [v.source, v]));
  const rows: ClientReportFolder[] = checkpoints.map((f) => {
    const c = counts.get(f.sourcePath);
    counts.delete(f.sourcePath);
    return row(f.sourcePath, f.targetPath ?? c?.targetPath ?? null, f.messages, c, byVerify.get(f.sourcePath) ?? null);
  });
  for (const c of counts.values()) rows.push(row(c.sourcePath, c.targetPath, null, c, byVerify.get(c.sourcePath) ?? null));
  // INBOX first, then by name: the order a client reads a mailbox in.
  return rows.sort((a, b) => Number(b.source === 'INBOX') - Number(a.source === 'INBOX') || a.source.localeCompare(b.source));
}

function row(source: string, destination: string | null, sourceMessages: number | null, c: FolderCounts | undefined, verified: VerifiedFolder | null): ClientReportFolder {
  const [finished, failed] = [c?.finished ?? 0, c?.failed ?? 0];
  return {
    source,
    destination,
    sourceMessages,
    onDestination: c?.onDestination ?? 0,
    inLabel: c?.skipped ?? 0,
    failed,
    toCopy: sourceMessages === null ? 0 : Math.max(0, sourceMessages - finished - failed),
    verified,
  };
}
