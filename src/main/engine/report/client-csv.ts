import type { ClientReport, ClientReportMailbox } from './client-report.js';

/** The CSV's columns: the JSON report's field names, one row per mailbox. */
export const CSV_COLUMNS: ReadonlyArray<[string, (m: ClientReportMailbox) => string | number | boolean | null]> = [
  ['id', (m) => m.id],
  ['source.host', (m) => m.source.host],
  ['source.user', (m) => m.source.user],
  ['destination.host', (m) => m.destination.host],
  ['destination.user', (m) => m.destination.user],
  ['state', (m) => m.state],
  ['verified', (m) => m.verified],
  ['verifiedAt', (m) => m.verification?.at ?? null],
  ['messagesOnDestination', (m) => m.messagesOnDestination],
  ['bytesOnDestination', (m) => m.bytesOnDestination],
  ['messagesToCopy', (m) => m.messagesToCopy],
  ['messagesFailed', (m) => m.messagesFailed],
  ['runs', (m) => m.runs],
  ['firstStartedAt', (m) => m.firstStartedAt],
  ['lastFinishedAt', (m) => m.lastFinishedAt],
  ['runningSeconds', (m) => m.runningSeconds],
  ['bytesToCopy', (m) => m.estimate.bytesToCopy],
  ['gmailLimitDays', (m) => m.estimate.gmailLimitDays],
  ['daysAtRecentPace', (m) => m.estimate.daysAtRecentPace],
  ['revokeAppPassword', (m) => m.revokeAppPassword],
];

/**
 * RFC 4180 CSV (CRLF, quotes doubled) with a UTF-8 byte order mark, so spreadsheet programs read accented
 * names right. A text cell that a spreadsheet would take for a formula (= + - @ first) gets a leading
 * apostrophe: mailbox ids and hosts come from job files that others may have written.
 */
export function renderCsv(r: ClientReport): string {
  const lines = [CSV_COLUMNS.map(([name]) => cell(name)), ...r.mailboxes.map((m) => CSV_COLUMNS.map(([, get]) => cell(get(m))))];
  return '\uFEFF' + lines.map((l) => l.join(',')).join('\r\n') + '\r\n';
}

export function cell(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
