import { existsSync } from 'node:fs';
import path from 'node:path';
import { setPassword } from '../engine/connect/secrets.js';
import { MailferryError } from '../engine/errors/errors.js';
import { writePrivateFile } from '../engine/state/private-files.js';
import { UsageError } from './args.js';
import { parseSubcommand, subcommand } from './command-line.js';
import { addBatchOptions, loadJobSource, reportRows, withRowProblems } from './job-source.js';
import { IMPORT_USAGE } from './usage.js';

/**
 * `mailferry import`: puts a batch file's passwords in the OS keychain and writes the same mailboxes as a
 * job file without them, so the file holding the passwords can be deleted. Connects to nothing.
 */
export async function importCommand(argv: string[]): Promise<number> {
  const cmd = addBatchOptions(
    subcommand('import').usage('BATCH_FILE --out JOB.json [options]').argument('<file>')
      .requiredOption('--out <file>', 'the job file to write')
      .option('--force', 'replace the job file if it exists'),
  );
  if (!parseSubcommand(cmd, argv)) return 0;
  const file = cmd.args[0];
  if (!file) throw new UsageError(`usage: ${IMPORT_USAGE}`);
  const flags = cmd.opts<{ out: string; force?: true }>();
  const out = path.resolve(flags.out);
  if (existsSync(out) && !flags.force) {
    throw new MailferryError({ code: 'JOB_INVALID', message: `${out} exists already; nothing was imported.`, hint: 'Add --force to replace it, or choose another --out.', retryable: false });
  }
  const source = await loadJobSource(file, flags);
  if (!source.batch) throw new UsageError(`${file} is a job file already; import reads a batch file (imapsync lines or CSV)`);
  reportRows(source, file);
  const { batch } = source;
  // The keychain first: a job file whose passwords did not make it there would fail at its first run.
  const stored = batch.passwords.entries();
  for (const p of stored) setPassword(p.host, p.user, p.password);
  writePrivateFile(out, JSON.stringify(batch.jobFile, null, 2) + '\n');
  const n = batch.job.mailboxes.length;
  const unread = batch.problems.length;
  process.stdout.write(
    `Stored ${stored.length} password${stored.length === 1 ? '' : 's'} in the OS keychain and wrote ${out} with ${n} mailbox${n === 1 ? '' : 'es'} and no password.\n` +
      (unread ? `${unread} line${unread === 1 ? ' was' : 's were'} not imported (above): fix ${unread === 1 ? 'it' : 'them'} and import again with --force.\n` : `${file} is no longer needed: delete it.\n`),
  );
  return withRowProblems(0, source);
}
