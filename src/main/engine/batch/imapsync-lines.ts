/**
 * imapsync's batch file, as its sync_loop scripts read it: one mailbox per line,
 * `host1;user1;password1;host2;user2;password2;[imapsync options]`, "#" comments and blank lines skipped.
 * Fields are taken literally (the scripts split at ";" and nothing else), so a password holding ";" cannot
 * be written here: such a user goes in a CSV file, where fields can be quoted.
 */
import { splitHostPort, type BatchRow, type RawEndpoint, type RowProblem } from './batch-row.js';
import { applyImapsyncOptions } from './imapsync-options.js';

export interface ReadRows {
  rows: BatchRow[];
  problems: RowProblem[];
}

/** Whether a first line that is no CSV header is meant as imapsync's format (even a broken one). */
export function looksLikeImapsyncLine(line: string): boolean {
  return line.includes(';');
}

export function readImapsyncLines(text: string, now: Date): ReadRows {
  const rows: BatchRow[] = [];
  const problems: RowProblem[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = raw.split(';');
    if (fields.length < 6) {
      problems.push({ line, message: `needs 6 fields separated by ";" (host1;user1;password1;host2;user2;password2), found ${fields.length}` });
      return;
    }
    // A seventh field holds options; anything after it is ignored, as imapsync's own loop does.
    const [host1, user1, password1, host2, user2, password2, extra = ''] = fields as [string, string, string, string, string, string, string?];
    const row: BatchRow = {
      line,
      source: side(host1, user1),
      destination: side(host2, user2),
      passwords: { source: password1, destination: password2 },
      notes: [],
    };
    const optionProblems = applyImapsyncOptions(row, extra, now);
    if (optionProblems.length > 0) problems.push({ line, message: optionProblems.join('; ') });
    else rows.push(row);
  });
  return { rows, problems };
}

/** A side of the line: "host" or "host:port" (empty: the command line's default host), and the user. */
function side(hostField: string, user: string): RawEndpoint {
  const out: RawEndpoint = { user: user.trim() };
  if (hostField.trim() === '') return out;
  const { host, port } = splitHostPort(hostField);
  out.host = host;
  if (port !== undefined) out.port = port;
  return out;
}
