import { formatErrorLine } from '../engine/errors/errors.js';
import { loadJob, type JobOptions } from '../engine/job/job.js';
import { testMailboxConnection, type ConnectionTestReport, type SideReport } from '../engine/preflight/connection-test.js';
import { onlyKnown, parseArgs, UsageError } from './args.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { renderTable } from './table.js';

export const TEST_USAGE = 'mailferry test JOB.json';

/** `mailferry test`: signs in to both sides, shows what matters and the folder mapping. Writes nothing. */
export async function testCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  onlyKnown(args, []);
  const jobFile = args.positionals[0];
  if (!jobFile || args.positionals.length > 1) throw new UsageError(`usage: ${TEST_USAGE}`);
  const job = await loadJob(jobFile);
  let ok = true;
  for (const mb of job.mailboxes) {
    const r = await testMailboxConnection(mb);
    ok &&= r.source.ok && r.destination.ok && r.blockers.length === 0;
    process.stdout.write(describeTest(r) + '\n' + describePolicy(job.options) + '\n');
  }
  return ok ? 0 : 1;
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
