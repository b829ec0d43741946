import { loadJob } from '../engine/job/job.js';
import { verifyMailbox } from '../engine/report/verify.js';
import { onlyKnown, parseArgs, UsageError } from './args.js';
import { renderTable } from './table.js';

export const VERIFY_USAGE = 'mailferry verify JOB.json';

/** `mailferry verify`: compares both sides per folder and lists what is missing or extra. Writes nothing. */
export async function verifyCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  onlyKnown(args, []);
  const jobFile = args.positionals[0];
  if (!jobFile || args.positionals.length > 1) throw new UsageError(`usage: ${VERIFY_USAGE}`);
  const job = await loadJob(jobFile);
  let ok = true;
  for (const mb of job.mailboxes) {
    const r = await verifyMailbox(mb, { stallTimeoutSeconds: job.options.stallTimeoutSeconds });
    ok &&= r.ok;
    const out = [`Mailbox ${r.id}: ${r.ok ? 'complete' : 'DIFFERENCES FOUND'}`];
    out.push(renderTable(['folder', 'destination', 'source', 'expected', 'destination has', 'missing', 'extra'],
      r.folders.map((f) => [f.source, f.target, f.sourceCount, f.expected, f.destinationCount, f.missing.length, f.extra.length])));
    for (const f of r.folders) {
      for (const m of f.missing.slice(0, 50)) out.push(`missing in ${f.target}: source UID ${m.uid} in ${f.source}, ${m.size} bytes, ${m.date}, Message-ID ${m.messageId ?? '(none)'}`);
      for (const m of f.extra.slice(0, 50)) out.push(`extra in ${f.target}: destination UID ${m.uid}, ${m.size} bytes, ${m.date}, Message-ID ${m.messageId ?? '(none)'}`);
    }
    // Changed copies were found (not missing, not extra): said once per kind of change.
    out.push(...r.changeNotes);
    process.stdout.write(out.join('\n') + '\n');
  }
  return ok ? 0 : 1;
}
