import path from 'node:path';
import { Option } from 'commander';
import { exportClientReport, formatOf, REPORT_FORMATS } from '../engine/report/export-report.js';
import { UsageError } from './args.js';
import { parseSubcommand, subcommand } from './command-line.js';
import { REPORT_USAGE } from './usage.js';

/**
 * `mailferry report`: the client report from the state folder's ledger (every run and verify so far), as
 * HTML, JSON or CSV by the file's extension or --format. Connects to nothing.
 */
export function reportCommand(argv: string[]): number {
  const cmd = subcommand('report').usage('--state DIR --out FILE [options]')
    .requiredOption('--state <dir>', 'the state folder of the migration (its ledger)')
    .requiredOption('--out <file>', 'the report to write: .html, .json or .csv')
    .addOption(new Option('--format <format>', 'the format, when the file name does not say it').choices(REPORT_FORMATS));
  if (!parseSubcommand(cmd, argv)) return 0;
  if (cmd.args.length > 0) throw new UsageError(`usage: ${REPORT_USAGE}`);
  const flags = cmd.opts<{ state: string; out: string; format?: (typeof REPORT_FORMATS)[number] }>();
  const format = flags.format ?? formatOf(flags.out);
  if (!format) throw new UsageError(`cannot tell the format from "${flags.out}": name it .html, .json or .csv, or add --format`);
  const r = exportClientReport({ stateDir: path.resolve(flags.state), out: flags.out, format });
  const s = r.summary;
  process.stdout.write(
    `Report written to ${flags.out}: ${s.mailboxes} mailbox${s.mailboxes === 1 ? '' : 'es'} (${s.verifiedComplete} checked complete, ${s.verifiedIncomplete} with differences, ` +
      `${s.notVerified} not checked), ${s.messagesOnDestination} messages on the new server, ${s.messagesToCopy} still to copy, ${s.messagesFailed} could not be copied.\n`,
  );
  return 0;
}
