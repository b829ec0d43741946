import fs from 'node:fs';
import path from 'node:path';
import { MailferryError } from '../errors/errors.js';
import { Ledger } from '../ledger/ledger.js';
import { writePrivateFile } from '../state/private-files.js';
import { renderCsv } from './client-csv.js';
import { buildClientReport, type ClientReport } from './client-report.js';
import { renderHtmlReport } from './html/document.js';

export const REPORT_FORMATS = ['html', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The format a file name asks for (.html/.htm, .json, .csv); undefined for any other name. */
export function formatOf(file: string): ReportFormat | undefined {
  const ext = path.extname(file).toLowerCase().slice(1);
  if (ext === 'htm') return 'html';
  return (REPORT_FORMATS as readonly string[]).includes(ext) ? (ext as ReportFormat) : undefined;
}

export function renderClientReport(r: ClientReport, format: ReportFormat): string {
  if (format === 'html') return renderHtmlReport(r);
  if (format === 'csv') return renderCsv(r);
  return JSON.stringify(r, null, 2) + '\n';
}

/**
 * Builds the client report from a state folder's ledger and writes it private (0600: it names the client's
 * accounts and folders). What the CLI's `report` and the desktop app's export both call. The ledger must
 * exist: a wrong folder gets a clear error instead of a new, empty state folder.
 */
export function exportClientReport(opts: { stateDir: string; out: string; format: ReportFormat; now?: number }): ClientReport {
  if (!fs.existsSync(path.join(opts.stateDir, 'mailferry.sqlite'))) {
    throw new MailferryError({
      code: 'LEDGER_MISSING',
      message: `There is no Mailferry state (mailferry.sqlite) in ${opts.stateDir}.`,
      hint: 'Give the --state folder your migrate runs used (by default .mailferry next to the job file).',
      retryable: false,
      details: { stateDir: opts.stateDir },
    });
  }
  const ledger = Ledger.open(opts.stateDir);
  let report: ClientReport;
  try {
    report = buildClientReport(ledger, opts.now);
  } finally {
    ledger.close();
  }
  try {
    writePrivateFile(opts.out, renderClientReport(report, opts.format));
  } catch (err) {
    throw new MailferryError({
      code: 'STATE_DIR_UNWRITABLE',
      message: `Could not write the report to ${opts.out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
      hint: 'Choose another --out path; nothing else was changed.',
      retryable: false,
    }, { cause: err });
  }
  return report;
}
