import { formatErrorLine } from '../engine/errors/errors.js';
import type { JobOptions } from '../engine/job/job.js';
import type { ConnectionTestReport, SideReport } from '../engine/preflight/connection-test.js';
import { testMailboxes } from '../engine/preflight/test-mailboxes.js';
import { UsageError } from './args.js';
import { parseSubcommand, subcommand } from './command-line.js';
import { addBatchOptions, loadJobSource, reportRows } from './job-source.js';
import { isReady, preflightTable } from './preflight-table.js';
import { addShardOption, applyShard, parseShard, shardLine } from './shard-option.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { renderTable } from './table.js';
import { takeoutTestLine, withoutTakeout } from './takeout-lines.js';
import { TEST_USAGE } from './usage.js';

/**
 * `mailferry test`: the preflight. Signs in to both sides of every mailbox, several at a time, and finds
 * before any copy what would stop it (blockers: `test` fails on them) and what to know (warnings). Several
 * mailboxes get one table (preflight-table.ts); one mailbox (or --details) gets the full report with the
 * folder mapping. Writes nothing. Exit 0 only when every row of the file was read and every mailbox is ready.
 */
export async function testCommand(argv: string[]): Promise<number> {
  const cmd = addShardOption(addBatchOptions(subcommand('test').usage('JOB.json|BATCH_FILE [options]').argument('<file>').option('--details', 'the full report of every mailbox (folder mapping, capabilities)')));
  if (!parseSubcommand(cmd, argv)) return 0;
  const file = cmd.args[0];
  if (!file) throw new UsageError(`usage: ${TEST_USAGE}`);
  const flags = cmd.opts<{ details?: true; shard?: string }>();
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const whole = await loadJobSource(file, flags);
  const { rest: source, takeout } = withoutTakeout(shard ? applyShard(whole, shard) : whole);
  if (shard) process.stdout.write(shardLine(whole, source, shard) + '\n');
  const { job } = source;
  const unread = source.batch?.problems.length ?? 0;
  const exports = await Promise.all(takeout.map(takeoutTestLine));
  for (const e of exports) process.stdout.write(e.line + '\n');
  if (takeout.length > 0 && job.mailboxes.length === 0) return exports.every((e) => e.ready) ? 0 : 1;
  if (job.mailboxes.length + unread === 0) {
    process.stdout.write('No mailbox of the file is in this shard: nothing to test.\n');
    return 0;
  }
  const details = flags.details === true || (job.mailboxes.length === 1 && unread === 0);
  // Unread rows are rows of the table; only the notes (ignored options) go to stderr.
  reportRows(source, file, { problems: false });
  const full = details ? new InOrder(job.mailboxes.map((_, i) => i)) : undefined;
  // The table comes at the end: a terminal meanwhile sees how far the test is.
  const counter = !details && process.stderr.isTTY ? (done: number) => process.stderr.write(`\rtested ${done} of ${job.mailboxes.length} mailboxes`) : undefined;
  let done = 0;
  const reports = await testMailboxes(job, {
    ...source.credentials,
    onReport: (i, r) => {
      full?.put(i, `${describeTest(r)}\n${describePolicy(job.options)}`);
      counter?.(++done);
    },
  });
  if (counter) process.stderr.write('\r\x1b[K');
  const ready = reports.filter(isReady).length;
  if (job.mailboxes.length + unread > 1) {
    process.stdout.write(`${full ? '\n' : ''}${preflightTable(source, reports)}\n\n`);
    process.stdout.write(`${ready} of ${job.mailboxes.length} mailbox${job.mailboxes.length === 1 ? '' : 'es'} ready${unread ? `; ${unread} line${unread === 1 ? '' : 's'} of the file not read` : ''}. Nothing was written.\n`);
  }
  return ready === job.mailboxes.length && unread === 0 && exports.every((e) => e.ready) ? 0 : 1;
}

/** Prints the full reports in the file's order, each as soon as every earlier one is in. */
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
    ...(r.connections ?? []).map((c) => `  connections to ${c.user} (Gmail, ${c.side}): up to ${c.upTo} of the ${c.limit} Gmail allows for every client together${c.mailboxes > 1 ? `, for the ${c.mailboxes} mailboxes that use it` : ''}`),
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
    const how = r.estimate.fromSample ? ` (from the average size of the ${r.estimate.fromSample.toLocaleString('en-US')} newest messages)` : '';
    out.push(`Gmail must send about ${formatBytes(r.estimate.totalBytes)}${how}: at Google's 2,500 MB a day download limit that takes at least ${days} day${days > 1 ? 's' : ''}.`);
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
