/**
 * CSV batch files, told apart by their header row: MigrationWiz's user list, Microsoft's IMAP migration
 * file, and Mailferry's own columns. Read with csv-parse (quoted fields, "" inside quotes, a BOM, CRLF);
 * the delimiter is the header's (Excel writes ";" where "," is the decimal comma, and may add a "sep=;"
 * first line). Every row keeps the line it starts on, for the messages about it.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { MailferryError } from '../errors/errors.js';
import type { BatchRow, RowProblem } from './batch-row.js';
import { CSV_FORMATS, normalizeHeader, type CsvFormat } from './csv-formats.js';
import type { ReadRows } from './imapsync-lines.js';

/** The first line that holds data: not blank, not a "#" comment, not Excel's "sep=" hint. */
function firstDataLine(lines: string[]): number {
  return lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#') && !/^sep=.$/i.test(l.trim()));
}

/** Excel's "sep=X" line, else the most frequent of , ; and tab outside quotes in the header (a tie: ","). */
function delimiterOf(lines: string[], header: string): string {
  const hint = lines.map((l) => /^sep=(.)$/i.exec(l.trim())).find((m) => m);
  if (hint) return hint[1]!;
  const bare = header.replace(/"[^"]*"/g, '');
  const count = (d: string) => bare.split(d).length - 1;
  return [';', '\t'].reduce((best, d) => (count(d) > count(best) ? d : best), ',');
}

/** The format of a header row, or undefined when it is none of the known ones. */
export function detectCsvFormat(cells: string[]): CsvFormat | undefined {
  const names = new Set(cells.map(normalizeHeader));
  return CSV_FORMATS.find((f) => f.required.every((r) => names.has(r)));
}

/** Reads a CSV batch file; undefined when its first data line is no known CSV header. */
export function readCsv(text: string): (ReadRows & { format: string }) | undefined {
  // csv-parse counts a CRLF inside a quoted field as two lines: one kind of line end keeps the numbers right.
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lines = body.split('\n');
  const first = firstDataLine(lines);
  if (first < 0) return undefined;
  const delimiter = delimiterOf(lines, lines[first]!);
  // The header alone decides: an imapsync file is not CSV, and must not fail as one.
  const format = headerFormat(lines[first]!, delimiter);
  if (!format) return undefined;
  const [header, ...data] = parseRecords(lines.map((l) => (/^sep=.$/i.test(l.trim()) ? '' : l)).join('\n'), delimiter);
  if (!header) return undefined;

  const columns = header.cells.map(normalizeHeader);
  const unknown = header.cells.filter((_, i) => !format.setters.has(columns[i]!));
  if (unknown.length > 0) {
    throw invalid(header.line, `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} for ${format.name}; its columns are ${[...format.names].join(', ')}`);
  }
  const rows: BatchRow[] = [];
  const problems: RowProblem[] = [];
  for (const { cells, line } of data) {
    if (cells.length > columns.length) {
      problems.push({ line, message: `has ${cells.length} fields but the header has ${columns.length}: put a field holding "${delimiter === '\t' ? 'tab' : delimiter}" in double quotes` });
      continue;
    }
    const row: BatchRow = { line, source: {}, destination: {}, passwords: {}, notes: [] };
    const rowProblems: string[] = [];
    cells.forEach((cell, i) => {
      const problem = format.setters.get(columns[i]!)!(row, cell);
      if (problem) rowProblems.push(problem);
    });
    if (rowProblems.length > 0) problems.push({ line, message: rowProblems.join('; ') });
    else rows.push(row);
  }
  return { rows, problems, format: format.name };
}

function headerFormat(line: string, delimiter: string): CsvFormat | undefined {
  try {
    const cells = (parse(line, { delimiter, relax_quotes: true }) as string[][])[0];
    return cells ? detectCsvFormat(cells) : undefined;
  } catch {
    return undefined;
  }
}

interface CsvRecord {
  cells: string[];
  line: number;
}

function parseRecords(body: string, delimiter: string): CsvRecord[] {
  try {
    const out = parse(body, {
      delimiter, info: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, comment: '#', comment_no_infix: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    // info.lines is the line the record ends on; a quoted field may span lines.
    return out.map(({ record, info }) => ({ cells: record, line: info.lines - record.join('').split('\n').length + 1 }));
  } catch (err) {
    // csv-parse's own message may quote a field, which may be a password: only the line and the kind are told.
    if (err instanceof CsvError) {
      const where = (err as CsvError & { lines?: number }).lines ?? 0;
      throw invalid(where, err.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is never closed (a missing ")' : `is not valid CSV (${err.code})`);
    }
    throw err;
  }
}

function invalid(line: number, problem: string): MailferryError {
  return new MailferryError({
    code: 'JOB_INVALID',
    message: `Batch file, line ${line}: ${problem}.`,
    hint: 'Fix that line of the file (a spreadsheet saved "as CSV" quotes fields for you) and run again.',
    retryable: false,
    details: { line },
  });
}
