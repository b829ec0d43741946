/**
 * `mailferry test` of several mailboxes: one table, a row per mailbox and per unread line of a batch file in
 * the file's order (ready or not, how many blockers and warnings, what Gmail must send, the days its daily
 * limit makes that take), then every blocker and warning on a line of its own, named by line and mailbox,
 * so a batch of 500 can be grepped. Drawn by table.ts's renderTable rather than a table library (cli-table3,
 * table): the output goes to logs and CI as often as to a terminal, where box-drawing borders and colour
 * codes get in the way; renderTable already counts wide characters and right-aligns numbers; and the long
 * texts sit below the table instead of being wrapped in cells.
 */
import { isGoogleImapHost } from '../engine/connect/secrets.js';
import { formatErrorLine } from '../engine/errors/errors.js';
import type { ConnectionTestReport } from '../engine/preflight/connection-test.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { lineOf, type JobSource } from './job-source.js';
import { renderTable } from './table.js';

export const isReady = (r: ConnectionTestReport) => r.source.ok && r.destination.ok && r.blockers.length === 0;

/** What stops a mailbox: a side that could not sign in (said in the words that fit a batch file), then the blockers. */
export function blockersOf(source: JobSource, index: number, r: ConnectionTestReport): string[] {
  const where = lineOf(source, index);
  // A refused password from the file is fixed in the file: the keychain advice of the usual hint would not help.
  const said = (side: 'source' | 'destination') => {
    const error = r[side].error;
    if (!error) return 'failed';
    const endpoint = source.job.mailboxes[index]![side];
    if (error.code !== 'AUTH_FAILED' || !where || !source.batch?.passwords.has(side, endpoint)) return formatErrorLine(error);
    const gmail = isGoogleImapHost(endpoint.host) ? ' (Gmail takes only an app password, made at myaccount.google.com/apppasswords)' : '';
    return `${error.message} The password is the one on ${where} of the file: correct it there${gmail}.`;
  };
  return [...(['source', 'destination'] as const).filter((s) => !r[s].ok).map((s) => `${s}: ${said(s)}`), ...r.blockers];
}

/** The days Gmail's download limit makes a mailbox take, at least one; '?' when the size is not known. */
export function limitDays(r: ConnectionTestReport): string {
  return r.estimate ? String(Math.max(1, Math.ceil(r.estimate.gmailDailyLimitDays))) : '?';
}

interface Row {
  key: number;
  line: number | undefined;
  cells: Array<string | number>;
  items: string[];
}

/** The table and, below it, every blocker and warning. */
export function preflightTable(source: JobSource, reports: ConnectionTestReport[]): string {
  const rows: Row[] = reports.map((r, i) => {
    const line = source.batch?.lines[i];
    const where = lineOf(source, i);
    const head = where ? `${where} ${r.mailbox}` : r.mailbox;
    const blockers = blockersOf(source, i, r);
    const size = r.estimate ? formatBytes(r.estimate.totalBytes) : '?';
    return {
      key: line ?? i,
      line,
      cells: [r.mailbox, isReady(r) ? 'ready' : 'NOT READY', blockers.length, r.warnings.length, size, limitDays(r)],
      items: [...blockers.map((b) => `${head}: BLOCKER: ${b}`), ...r.warnings.map((w) => `${head}: warning: ${w}`)],
    };
  });
  for (const p of source.batch?.problems ?? []) {
    rows.push({ key: p.line, line: p.line, cells: ['-', 'NOT READ', 1, 0, '', ''], items: [`line ${p.line}: NOT READ: ${p.message}`] });
  }
  rows.sort((a, b) => a.key - b.key);
  const lines = source.batch !== undefined;
  const table = renderTable(
    [...(lines ? ['line'] : []), 'mailbox', 'state', 'blockers', 'warnings', 'Gmail sends', 'days'],
    rows.map((r) => [...(lines ? [r.line ?? '?'] : []), ...r.cells]),
  );
  const items = rows.flatMap((r) => r.items);
  const legend = "days: at least, at Google's 2,500 MB a day IMAP download limit.";
  return [table, legend, ...(items.length ? ['', ...items] : [])].join('\n');
}
