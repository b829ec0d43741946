import { formatErrorLine } from '../engine/errors/errors.js';
import { Ledger } from '../engine/ledger/ledger.js';
import { verifyJob, type VerifyOutcome } from '../engine/report/verify-job.js';
import { UsageError } from './args.js';
import { parseSubcommand, subcommand } from './command-line.js';
import { addBatchOptions, loadJobSource, reportRows, withRowProblems } from './job-source.js';
import { addShardOption, applyShard, parseShard, shardLine, stateDirFor } from './shard-option.js';
import { renderTable } from './table.js';
import { takeoutVerifyLine, withoutTakeout } from './takeout-lines.js';
import { VERIFY_USAGE } from './usage.js';

/**
 * `mailferry verify`: compares both sides per folder, a few mailboxes at a time, lists what is missing or
 * extra, and records each mailbox's verdict in the ledger (for `mailferry report`). Writes nothing to the
 * servers. Exit 0 only when every mailbox is complete.
 */
export async function verifyCommand(argv: string[]): Promise<number> {
  const cmd = addShardOption(addBatchOptions(
    subcommand('verify').usage('JOB.json|BATCH_FILE [options]').argument('<file>')
      .option('--state <dir>', 'the state folder the verdicts are recorded in (default: .mailferry beside the file)'),
  ));
  if (!parseSubcommand(cmd, argv)) return 0;
  const jobFile = cmd.args[0];
  if (!jobFile) throw new UsageError(`usage: ${VERIFY_USAGE}`);
  const flags = cmd.opts<{ state?: string; shard?: string }>();
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const whole = await loadJobSource(jobFile, flags);
  const { rest: source, takeout } = withoutTakeout(shard ? applyShard(whole, shard) : whole);
  for (const mb of takeout) process.stdout.write(takeoutVerifyLine(mb) + '\n');
  reportRows(source, jobFile);
  // The same default as migrate's (per shard too), so the verdicts land in the ledger the runs wrote.
  const stateDir = stateDirFor(jobFile, flags.state, shard);
  if (shard) {
    process.stdout.write(shardLine(whole, source, shard, { dir: stateDir, given: flags.state !== undefined }) + '\n');
    if (source.job.mailboxes.length === 0) return withRowProblems(0, source);
  }
  const ledger = Ledger.open(stateDir);
  try {
    const outcomes = await verifyJob(source.job, { ...source.credentials, ledger, onOutcome: (o) => process.stdout.write(describe(o) + '\n') });
    return withRowProblems(outcomes.every((o) => o.result?.ok) && takeout.length === 0 ? 0 : 1, source);
  } finally {
    ledger.close();
  }
}

function describe(o: VerifyOutcome): string {
  const r = o.result;
  if (!r) return `Mailbox ${o.id}: NOT VERIFIED: ${formatErrorLine(o.error!)}`;
  const out = [`Mailbox ${r.id}: ${r.ok ? 'complete' : 'DIFFERENCES FOUND'}`];
  out.push(renderTable(['folder', 'destination', 'source', 'expected', 'destination has', 'missing', 'extra'],
    r.folders.map((f) => [f.source, f.target, f.sourceCount, f.expected, f.destinationCount, f.missing.length, f.extra.length])));
  for (const f of r.folders) {
    for (const m of f.missing.slice(0, 50)) out.push(`missing in ${f.target}: source UID ${m.uid} in ${f.source}, ${m.size} bytes, ${m.date}, Message-ID ${m.messageId ?? '(none)'}`);
    for (const m of f.extra.slice(0, 50)) out.push(`extra in ${f.target}: destination UID ${m.uid}, ${m.size} bytes, ${m.date}, Message-ID ${m.messageId ?? '(none)'}`);
  }
  // Changed copies were found (not missing, not extra): said once per kind of change.
  out.push(...r.changeNotes);
  return out.join('\n');
}
