/**
 * "Export report": the client report (the engine's buildClientReport, the same as `mailferry report`) from the
 * app's ledger, written where the user chooses in main's save dialog, private (0600: it names the client's
 * accounts and folders). Every mailbox of the list is in it: one that never ran is listed as not started,
 * where the ledger alone would leave it out. It holds no password or token.
 */
import { basename, extname } from 'node:path';
import { MailferryError } from '../engine/errors/errors.js';
import { Ledger } from '../engine/ledger/ledger.js';
import { buildClientReport, type ClientReport, type ClientReportMailbox } from '../engine/report/client-report.js';
import { formatOf, renderClientReport } from '../engine/report/export-report.js';
import { writePrivateFile } from '../engine/state/private-files.js';
import { takeoutLedgerId } from '../engine/takeout/takeout-run.js';
import type { MailboxConfig, ReportFormat, ReportSaved } from '../../shared/contract.js';

export interface ReportExportDeps {
  stateDir: string;
  mailboxes: () => MailboxConfig[];
  /** Main's save dialog; null when dismissed. */
  chooseFile: (format: ReportFormat) => Promise<string | null>;
  now?: () => number;
}

export async function exportReport(format: ReportFormat, d: ReportExportDeps): Promise<ReportSaved | null> {
  const chosen = await d.chooseFile(format);
  if (!chosen) return null;
  // The name's own extension says the format (as `mailferry report --out` does); a name without one gets it.
  const fmt = formatOf(chosen) ?? format;
  const file = extname(chosen) ? chosen : `${chosen}.${fmt}`;
  const ledger = Ledger.open(d.stateDir);
  let report: ClientReport;
  try {
    report = withEveryMailbox(buildClientReport(ledger, d.now?.()), d.mailboxes());
  } finally {
    ledger.close();
  }
  try {
    writePrivateFile(file, renderClientReport(report, fmt));
  } catch (err) {
    throw new MailferryError(
      {
        code: 'STATE_DIR_UNWRITABLE',
        message: `Could not write the report to ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
        hint: 'Choose another place; nothing else was changed.',
        retryable: false,
      },
      { cause: err },
    );
  }
  return { file, mailboxes: report.mailboxes.length };
}

/** The key the ledger (and so the report) knows a mailbox by: a Takeout import's rows have one of their own. */
export function ledgerId(c: MailboxConfig): string {
  return c.source.takeout !== undefined ? takeoutLedgerId(c.id) : c.id;
}

/**
 * Adds the list's mailboxes the ledger has never seen (never started), as the engine shows a mailbox not run.
 * A Takeout mailbox that ran is in the report as "<id> (Google Takeout)", so it is not added again as "<id>".
 */
export function withEveryMailbox(report: ClientReport, mailboxes: readonly MailboxConfig[]): ClientReport {
  const known = new Set(report.mailboxes.map((m) => m.id));
  const added = mailboxes.filter((c) => !known.has(ledgerId(c))).map(notRun);
  if (added.length === 0) return report;
  return {
    ...report,
    summary: {
      ...report.summary,
      mailboxes: report.summary.mailboxes + added.length,
      notVerified: report.summary.notVerified + added.length,
      // Its size is not known yet, so neither are the days (as the engine says for any mailbox it cannot size).
      gmailLimitDays: null,
    },
    mailboxes: [...report.mailboxes, ...added],
  };
}

function notRun(c: MailboxConfig): ClientReportMailbox {
  const takeout = c.source.takeout;
  return {
    id: ledgerId(c),
    // As the engine records a Takeout import's source (takeout-run.ts).
    source: takeout !== undefined ? { host: `Google Takeout: ${basename(takeout)}`, user: c.source.user, signIn: 'takeout' } : { host: c.source.host, user: c.source.user, signIn: c.source.auth ?? 'password' },
    destination: { host: c.destination.host, user: c.destination.user },
    state: 'not run',
    lastError: null,
    verified: 'not verified',
    verification: null,
    messagesOnDestination: 0,
    bytesOnDestination: 0,
    messagesFailed: 0,
    messagesToCopy: 0,
    runs: 0,
    firstStartedAt: null,
    lastFinishedAt: null,
    elapsedSeconds: null,
    runningSeconds: 0,
    folders: [],
    failures: [],
    estimate: { bytesToCopy: null, gmailLimitDays: null, recentBytesPerDay: null, daysAtRecentPace: null },
    // Nothing was copied yet: the reminder to revoke the app password belongs to the end of a migration.
    revokeAppPassword: false,
  };
}
