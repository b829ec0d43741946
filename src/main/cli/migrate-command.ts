import path from 'node:path';
import { formatErrorLine, MailferryError } from '../engine/errors/errors.js';
import { parseDate, type DateWindow } from '../engine/job/date-window.js';
import { writePrivateFile } from '../engine/state/private-files.js';
import { buildReport, type MigrationReport } from '../engine/report/report.js';
import { runMigration } from '../engine/run/run-migration.js';
import { UsageError } from './args.js';
import { parseSubcommand, subcommand } from './command-line.js';
import { addBatchOptions, loadJobSource, reportRows, withRowProblems } from './job-source.js';
import { ProgressPrinter } from './progress-printer.js';
import { addShardOption, applyShard, parseShard, shardLine, stateDirFor } from './shard-option.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { renderTable } from './table.js';
import { MIGRATE_USAGE } from './usage.js';

/** `mailferry migrate`: runs the job, prints live progress, a per-folder table, writes the JSON report. */
export async function migrateCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const cmd = addShardOption(addBatchOptions(
    subcommand('migrate').usage('JOB.json|BATCH_FILE [options]').argument('<file>')
      .option('--state <dir>', 'the state folder (default: .mailferry beside the file)')
      .option('--report <file>', 'also write the report as JSON')
      .option('--dry-run', 'plan and count, copy nothing')
      .option('--since <date>', 'only messages received from this date on')
      .option('--before <date>', 'only messages received before this date')
      .option('--retry-failed', 'only the messages the last runs could not copy')
      .option('--delete-missing', 'delete copies whose message is gone from the source'),
  ));
  if (!parseSubcommand(cmd, argv)) return 0;
  const jobFile = cmd.args[0];
  if (!jobFile) throw new UsageError(`usage: ${MIGRATE_USAGE}`);
  const flags = cmd.opts<{ state?: string; report?: string; dryRun?: true; since?: string; before?: string; retryFailed?: true; deleteMissing?: true; shard?: string }>();
  const received = dateFlags(flags.since, flags.before);
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const whole = await loadJobSource(jobFile, flags);
  const source = shard ? applyShard(whole, shard) : whole;
  reportRows(source, jobFile);
  const { job } = source;
  const stateDir = stateDirFor(jobFile, flags.state, shard);
  if (shard) {
    process.stdout.write(shardLine(whole, source, shard, { dir: stateDir, given: flags.state !== undefined }) + '\n');
    // An empty shard (more shards than mailboxes) has nothing to do and must not fail its pod.
    if (job.mailboxes.length === 0) return withRowProblems(0, source);
  }
  const dryRun = flags.dryRun === true;
  const printer = await ProgressPrinter.create();
  const run = await runMigration(job, {
    stateDir, dryRun, signal, onProgress: printer.update, runBy: `mailferry migrate ${path.resolve(jobFile)}`,
    ...source.credentials,
    ...(received ? { received } : {}),
    retryFailed: flags.retryFailed === true,
    ...(flags.deleteMissing ? { deleteMissing: true } : {}),
  });
  printer.finish();
  const report = buildReport(run);
  if (flags.report !== undefined) writeReport(flags.report, report);
  // The policy line comes from the preflight's module, loaded only for a dry run.
  const policy = dryRun ? (await import('./test-command.js')).describePolicy(job.options) + '\n' : '';
  process.stdout.write(summary(report) + '\n' + policy);
  return withRowProblems(exitCode(report), source);
}

/** --since / --before as a received-date window; a bad date is a usage error (exit 2). */
function dateFlags(since: string | undefined, before: string | undefined): DateWindow | undefined {
  const w: DateWindow = {};
  for (const [name, v] of [['since', since], ['before', before]] as const) {
    if (v === undefined) continue;
    const d = parseDate(v);
    if (!d) throw new UsageError(`--${name} takes a date like 2024-06-01 (midnight UTC) or 2024-06-01T08:00:00+02:00`);
    w[name] = d;
  }
  if (w.since && w.before && w.since >= w.before) throw new UsageError('--since must come before --before');
  return w.since || w.before ? w : undefined;
}

/** 0: all in place; 3: nothing failed except mailboxes another run holds (a cron job can just try later); 1: failures. */
export function exitCode(report: MigrationReport): number {
  if (report.ok) return 0;
  const notOk = report.mailboxes.filter((m) => !m.ok);
  return notOk.every((m) => m.error?.code === 'MAILBOX_IN_USE') ? EXIT_IN_USE : 1;
}

export const EXIT_IN_USE = 3;

function writeReport(file: string, report: MigrationReport): void {
  try {
    writePrivateFile(file, JSON.stringify(report, null, 2) + '\n');
  } catch (err) {
    throw new MailferryError({
      code: 'STATE_DIR_UNWRITABLE',
      message: `Could not write the report to ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
      hint: 'Choose another --report path; the migration itself is recorded in the state folder.',
      retryable: false,
    });
  }
}

export function summary(report: MigrationReport): string {
  const out: string[] = [];
  for (const m of report.mailboxes) {
    if (m.error && m.folders.length === 0) {
      // Failed before planning (cannot connect or sign in): nothing was written; one line says what to fix.
      out.push(`Mailbox ${m.id}: ${m.state}: ${formatErrorLine(m.error)}`);
      continue;
    }
    out.push('', `Mailbox ${m.id}: ${m.state}${report.dryRun ? ' (dry run: nothing was written)' : ''}`);
    const rows = m.folders
      .filter((f) => f.target !== null)
      .map((f) => [short(f.source), short(f.target ?? ''), f.sourceCount, report.dryRun ? f.sourceCount - f.alreadyThere - f.skipped : f.copied, f.alreadyThere, f.skipped, f.failed]);
    out.push(renderTable(['folder', 'destination', 'source', report.dryRun ? 'to copy' : 'copied', 'already there', 'in a label', 'failed'], rows));
    const views = m.folders.filter((f) => f.role === 'view' || f.role === 'excluded').map((f) => `${f.source} (${f.role === 'view' ? 'a Gmail view; its flag is kept' : 'excluded'})`);
    if (views.length) out.push(`Not copied as folders: ${views.join(', ')}`);
    out.push(`Copied ${m.totals.copied} messages (${formatBytes(m.totals.bytesCopied)}), ${m.totals.alreadyThere} already there, ${m.totals.failed} failed.`);
    if (m.totals.stalledConnections) out.push(`Connections that stopped answering (dropped and replaced): ${m.totals.stalledConnections}.`);
    for (const n of m.notes) out.push(`Note: ${n}`);
    for (const f of m.failures.slice(0, 20)) {
      // uid 0 marks a folder-level failure (a folder that could not be created): no message details.
      out.push(`Failed: ${f.folder}${f.uid ? ` UID ${f.uid} (${formatBytes(f.size)}, ${f.date}, "${f.subject}")` : ''}: ${f.reason}`);
    }
    if (m.failures.length > 20) out.push(`... and ${m.failures.length - 20} more failures (see the report).`);
    if (m.error) out.push(`Error: ${formatErrorLine(m.error)}`);
  }
  return out.join('\n');
}

/** Very long folder names would make the table unreadable; the report keeps them whole. */
function short(name: string, max = 60): string {
  const chars = [...name];
  return chars.length <= max ? name : `${chars.slice(0, max - 1).join('')}…`;
}
