/**
 * What `mailferry test|migrate|verify|import FILE` reads besides a JOB.json: a batch file in a format
 * consultants already have (imapsync's lines, a MigrationWiz or Microsoft CSV, Mailferry's own columns),
 * told apart by its first line.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { MailferryError } from '../errors/errors.js';
import { batchToJob, type BatchJob } from './batch-job.js';
import type { BatchDefaults } from './batch-row.js';
import { readCsv } from './batch-csv.js';
import { looksLikeImapsyncLine, readImapsyncLines, type ReadRows } from './imapsync-lines.js';

export const IMAPSYNC_FORMAT = "imapsync's batch lines";

/** The rows of a batch file's text, and its format in words. */
export function readBatchText(text: string, now: Date): ReadRows & { format: string } {
  const csv = readCsv(text);
  if (csv) return csv;
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first === undefined || looksLikeImapsyncLine(first)) return { ...readImapsyncLines(text, now), format: IMAPSYNC_FORMAT };
  // The line itself is not shown: it may hold a password.
  throw new MailferryError({
    code: 'JOB_INVALID',
    message:
      'Batch file: its first line is neither a CSV header Mailferry knows (MigrationWiz: "Source Email,Source Login Name,Source Password,Destination Email,...", ' +
      'Microsoft: "EmailAddress,UserName,Password", Mailferry: "source_host,source_user,...,destination_user,...") nor imapsync\'s "host1;user1;password1;host2;user2;password2".',
    hint: 'See "Batch files" in the README for the formats, or give a JOB.json.',
    retryable: false,
  });
}

/**
 * Reads a batch file into a Job (bad rows named by line in `problems`). `defaults` and `options` come from
 * the command line; relative "ca" paths in the file start from its folder.
 */
export async function loadBatch(file: string, defaults: BatchDefaults, options: Record<string, unknown>, now = new Date()): Promise<BatchJob & { format: string }> {
  const abs = resolvePath(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MailferryError(
      { code: 'JOB_INVALID', message: code === 'ENOENT' ? `File not found: ${abs}` : `Could not read ${abs} (${code ?? 'error'})`, hint: 'Check the path given on the command line.', retryable: false, details: { file: abs } },
      { cause: err },
    );
  }
  try {
    const read = readBatchText(text, now);
    return { ...batchToJob(read.rows, read.problems, defaults, options, dirname(abs)), format: read.format };
  } catch (err) {
    if (!(err instanceof MailferryError)) throw err;
    const info = err.toInfo();
    throw new MailferryError({ ...info, message: info.message.replace(/^Batch (file|options)/, (m) => (m === 'Batch file' ? `Batch file ${abs}` : m)), details: { ...info.details, file: abs } });
  }
}
