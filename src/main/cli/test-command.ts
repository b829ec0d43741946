import { isGoogleImapHost } from '../engine/connect/secrets.js';
import { formatErrorLine } from '../engine/errors/errors.js';
import type { JobOptions } from '../engine/job/job.js';
import type { ConnectionTestReport, SideReport } from '../engine/preflight/connection-test.js';
import { testMailboxes } from '../engine/preflight/test-mailboxes.js';
import { UsageError } from './args.js';
import { parseSubcommand, subcommand } from './command-line.js';
import { addBatchOptions, lineOf, loadJobSource, reportRows, type JobSource } from './job-source.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { renderTable } from './table.js';

export const TEST_USAGE = 'mailferry test JOB.json|BATCH_FILE [--details] [BATCH DEFAULTS]';

/**
 * `mailferry test`: signs in to both sides of every mailbox, several at a time, and says per mailbox
 * whether it is ready; one mailbox (or --details) gets the full report with the folder mapping. Writes
 * nothing. Exit 0 only when every row of the file was read and every mailbox is ready.
 */
export async function testCommand(argv: string[]): Promise<number> {
  const cmd = addBatchOptions(subcommand('test').usage('JOB.json|BATCH_FILE [options]').argument('<file>').option('--details', 'the full report of every mailbox (folder mapping, capabilities)'));
  if (!parseSubcommand(cmd, argv)) return 0;
  const file = cmd.args[0];
  if (!file) throw new UsageError(`usage: ${TEST_USAGE}`);
  const source = await loadJobSource(file, cmd.opts());
  const { job } = source;
  const details = cmd.opts().details === true || (job.mailboxes.length === 1 && !source.batch?.problems.length);
  // One line per row: a row that could not be read is one of them; with the full reports it goes to stderr.
  reportRows(source, file, { problems: details });
  const problems = details ? [] : (source.batch?.problems ?? []);
  const lines = new InOrder([...problems.map((p) => p.line), ...job.mailboxes.map((_, i) => source.batch?.lines[i] ?? i)]);
  for (const p of problems) lines.put(p.line, `line ${p.line}: NOT READ: ${p.message}`);
  const reports = await testMailboxes(job, {
    ...source.credentials,
    onReport: (i, r) => lines.put(source.batch?.lines[i] ?? i, details ? `${describeTest(r)}\n${describePolicy(job.options)}` : oneLine(source, i, r)),
  });
  const ready = reports.filter(isReady).length;
  const unread = source.batch?.problems.length ?? 0;
  if (job.mailboxes.length + unread > 1) {
    process.stdout.write(`${ready} of ${job.mailboxes.length} mailbox${job.mailboxes.length === 1 ? '' : 'es'} ready${unread ? `; ${unread} line${unread === 1 ? '' : 's'} of the file not read` : ''}. Nothing was written.\n`);
  }
  return ready === job.mailboxes.length && unread === 0 ? 0 : 1;
}

const isReady = (r: ConnectionTestReport) => r.source.ok && r.destination.ok && r.blockers.length === 0;

/** One line per mailbox: ready (with what it holds), or what stops it and what to do. */
export function oneLine(source: JobSource, index: number, r: ConnectionTestReport): string {
  const where = lineOf(source, index);
  const head = where ? `${where} ${r.mailbox}` : r.mailbox;
  if (isReady(r)) {
    const size = r.estimate ? `, about ${formatBytes(r.estimate.totalBytes)} to copy` : '';
    const warnings = r.warnings.length ? `; ${r.warnings.length} warning${r.warnings.length > 1 ? 's' : ''}: see --details` : '';
    return `${head}: ready (${r.source.folderCount} folders${size})${warnings}`;
  }
  // A refused password from the file is fixed in the file: the keychain advice of the usual hint would not help.
  const said = (side: 'source' | 'destination') => {
    const error = r[side].error;
    if (!error) return 'failed';
    if (error.code !== 'AUTH_FAILED' || !where || !source.batch?.passwords.has(side, source.job.mailboxes[index]![side])) return formatErrorLine(error);
    const gmail = isGoogleImapHost(source.job.mailboxes[index]![side].host) ? ' (Gmail takes only an app password, made at myaccount.google.com/apppasswords)' : '';
    return `${error.message} The password is the one on ${where} of the file: correct it there${gmail}.`;
  };
  const why = [...(['source', 'destination'] as const).filter((s) => !r[s].ok).map((s) => `${s}: ${said(s)}`), ...r.blockers];
  return `${head}: NOT READY: ${why.join(' | ')}`;
}

/** Prints results in the file's order as soon as every earlier one is in, so a long batch shows progress. */
class InOrder {
  readonly #keys: number[];
  readonly #ready = new Map<number, string>();
  #next = 0;
  constructor(keys: number[]) {
    this.#keys = keys.sort((a, b) => a - b);
  }
  put(key: number, text: string): void {
    this.#ready.set(key, text);
    for (; this.#next < this.#keys.length && this.#ready.has(this.#keys[this.#next]!); this.#next++) process.stdout.write(this.#ready.get(this.#keys[this.#next]!)! + '\n');
  }
}

export function describeTest(r: ConnectionTestReport): string {
  const out = [
    `Mailbox ${r.mailbox}`, side('source', r.source), side('destination', r.destination),
    ...r.blockers.map((b) => `  Blocker: ${b}`), ...r.warnings.map((w) => `  Warning: ${w}`),
  ];
  if (r.mapping.length > 0) {
    out.push(renderTable(
      ['source folder', 'destination folder', 'messages', 'size'],
      r.mapping.map((m) => [m.source, m.target ?? `(not copied: ${m.role})`, m.messages, m.sizeBytes === null ? '?' : formatBytes(m.sizeBytes)]),
    ));
  }
  if (r.estimate) {
    const days = Math.max(1, Math.ceil(r.estimate.gmailDailyLimitDays));
    out.push(`Gmail must send about ${formatBytes(r.estimate.totalBytes)}: at Google's 2,500 MB a day download limit that takes at least ${days} day${days > 1 ? 's' : ''}.`);
  }
  if (r.source.ok && r.destination.ok) out.push(r.blockers.length ? 'Fix the blocker above before migrating. Nothing was written.' : 'Both sides are ready. Nothing was written.');
  return out.join('\n');
}

function side(name: string, s: SideReport): string {
  if (!s.ok) return `  ${name}: FAILED: ${s.error ? formatErrorLine(s.error) : 'unknown error'}`;
  const caps = Object.entries(s.notable)
    .map(([k, v]) => (v === false ? `no ${k}` : v === true ? k : `${k}=${v}`))
    .join(', ');
  const quota = s.quota ? `; quota ${formatBytes(s.quota.usedBytes)} of ${formatBytes(s.quota.limitBytes)} used (${formatBytes(Math.max(0, s.quota.limitBytes - s.quota.usedBytes))} free)` : '';
  return `  ${name}: signed in, ${s.folderCount} folders; ${caps}${quota}`;
}

/** The label policy the run will use, in words, so it is seen before anything is copied. */
export function describePolicy(o: Pick<JobOptions, 'labelPolicy' | 'labelsAsKeywords'>): string {
  const policy = o.labelPolicy === 'one-copy'
    ? 'one copy per message (in Inbox, else Sent, Drafts, its first label by name, else Archive)'
    : 'a folder per label (a message with three labels lands in three folders)';
  return `Label policy: ${policy}${o.labelsAsKeywords ? '; every label also kept as a keyword' : ''}.`;
}
