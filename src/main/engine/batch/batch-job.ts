/**
 * Batch rows become the engine's Job through parseJob itself, row by row, so a row is held to exactly the
 * rules of a JOB.json and a bad row is named by its line while the good ones go on.
 */
import { MailferryError } from '../errors/errors.js';
import { parseJob, type Job, type MailboxJob } from '../job/job.js';
import { BatchPasswords } from './batch-passwords.js';
import { withDefaults, type BatchDefaults, type BatchRow, type RowProblem } from './batch-row.js';

export interface BatchJob {
  job: Job;
  /** The line of each of job.mailboxes, in the same order. */
  lines: number[];
  /** Rows left out, with why. */
  problems: RowProblem[];
  /** Things the good rows ignore on purpose. */
  notes: RowProblem[];
  passwords: BatchPasswords;
  /** The job as a job file holds it (`mailferry import` writes it): no password anywhere in it. */
  jobFile: { mailboxes: Array<Record<string, unknown>>; options?: Record<string, unknown> };
}

/** parseJob's problems of one failed parse, one per line of its details. */
function issuesOf(err: unknown): string[] {
  if (!(err instanceof MailferryError) || err.code !== 'JOB_INVALID') throw err;
  return String(err.details?.problems ?? err.message).split('\n');
}

/** The job file's form of a row (the same object parseJob checks). */
function mailboxOf(row: BatchRow, defaults: BatchDefaults): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (row.id !== undefined) out.id = row.id;
  out.source = withDefaults(defaults.source, row.source, 'source');
  out.destination = withDefaults(defaults.destination, row.destination, 'destination');
  if (row.folders) out.folders = row.folders;
  if (row.since !== undefined) out.since = row.since;
  if (row.before !== undefined) out.before = row.before;
  return out;
}

/**
 * `options` are the job options the command line gives (checked once here, not once per row); `dir` is
 * where relative "ca" paths start (the batch file's folder).
 */
export function batchToJob(rows: BatchRow[], readProblems: RowProblem[], defaults: BatchDefaults, options: Record<string, unknown>, dir: string): BatchJob {
  const optionIssues = (() => {
    try {
      parseJob({ mailboxes: [], options }, dir);
      return [];
    } catch (err) {
      return issuesOf(err).filter((i) => i.startsWith('options'));
    }
  })();
  if (optionIssues.length > 0) {
    throw new MailferryError({ code: 'JOB_INVALID', message: `Batch options: ${optionIssues.join('; ')}.`, hint: 'Fix the flag(s) named above and run again.', retryable: false });
  }

  const problems = [...readProblems];
  let good: Array<{ row: BatchRow; mailbox: Record<string, unknown> }> = [];
  for (const row of rows) {
    const mailbox = mailboxOf(row, defaults);
    let issues: string[] = [];
    try {
      const parsed = parseJob({ mailboxes: [mailbox] }, dir).mailboxes[0]!;
      if (parsed.destination.provider === 'microsoft' && row.passwords.destination) {
        issues.push('Microsoft 365 and Outlook.com take no password over IMAP: leave the destination password empty (the app signs in)');
      }
      if (parsed.source.auth === 'service-account' && row.passwords.source) {
        issues.push(`the service account ${parsed.source.serviceAccount} signs in for every user: leave the source password empty`);
      }
    } catch (err) {
      issues = issuesOf(err).map((i) => i.replace(ROW_PATH, '').replace(NO_HOST, '$1.host: none given: put it in the file or give --$1-host'));
    }
    if (issues.length > 0) problems.push({ line: row.line, message: issues.join('; ') });
    else good.push({ row, mailbox });
  }

  // Together, rows may still clash (one id twice, one account with two passwords): those are named by line.
  for (;;) {
    if (good.length === 0) throw noMailbox(problems);
    const bad = new Map<number, string[]>();
    const flag = (i: number, issue: string) => bad.set(i, [...(bad.get(i) ?? []), issue]);
    let job: Job | undefined;
    try {
      job = parseJob({ mailboxes: good.map((g) => g.mailbox), options }, dir);
    } catch (err) {
      for (const issue of issuesOf(err)) {
        const m = /^mailboxes\[(\d+)\]/.exec(issue);
        if (m) flag(Number(m[1]), issue.replace(ROW_PATH, '').replace(/mailboxes\[(\d+)\]/g, (_, i: string) => `line ${good[Number(i)]!.row.line}`));
      }
      if (bad.size === 0) throw err;
    }
    const passwords = new BatchPasswords();
    job?.mailboxes.forEach((mb, i) => {
      for (const side of ['source', 'destination'] as const) {
        const password = good[i]!.row.passwords[side];
        const clash = password ? passwords.add(side, mb[side], password) : undefined;
        if (clash) flag(i, clash);
      }
    });
    if (job && bad.size === 0) {
      const notes = good.flatMap(({ row }) => row.notes.map((message) => ({ line: row.line, message })));
      const jobFile = { mailboxes: good.map((g, i) => withAbsoluteCa(g.mailbox, job.mailboxes[i]!)), ...(Object.keys(options).length > 0 ? { options } : {}) };
      return { job, lines: good.map((g) => g.row.line), problems: problems.sort((a, b) => a.line - b.line), notes, passwords, jobFile };
    }
    for (const [i, issues] of bad) problems.push({ line: good[i]!.row.line, message: issues.join('; ') });
    good = good.filter((_, i) => !bad.has(i));
  }
}

/** A job file may be written elsewhere than the batch file: its CA paths must not be relative to the latter. */
function withAbsoluteCa(mailbox: Record<string, unknown>, parsed: MailboxJob): Record<string, unknown> {
  const out = { ...mailbox };
  for (const side of ['source', 'destination'] as const) if (parsed[side].ca) out[side] = { ...(mailbox[side] as object), ca: parsed[side].ca };
  return out;
}

/** A host neither the row nor the command line gives is a missing flag more often than a missing cell. */
const NO_HOST = /^(source|destination)\.host: must be a non-empty string \(got undefined\)$/;

/** "mailboxes[0].source.port: ..." of a one-row parse, said of the row: "source.port: ...". */
const ROW_PATH = /^mailboxes\[\d+\](?:\.|: )?/;

function noMailbox(problems: RowProblem[]): MailferryError {
  const list = problems.map((p) => `line ${p.line}: ${p.message}`);
  // 500 rows all missing one flag: the first few say it.
  const shown = list.length > 10 ? [...list.slice(0, 10), `${list.length - 10} more`] : list;
  return new MailferryError({
    code: 'JOB_INVALID',
    message: list.length ? `Batch file: no line could be used (${shown.join('; ')}).` : 'Batch file: it holds no mailbox (every line is blank or a "#" comment).',
    hint: 'Fix the lines named above and run again.',
    retryable: false,
    details: { problems: list.join('\n'), count: list.length },
  });
}
