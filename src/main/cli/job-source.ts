/**
 * The FILE of `test`, `migrate`, `verify` and `import`: a JOB.json, or a batch file whose rows take their
 * defaults from the command line (--source-host, --destination-provider...). Bad rows are named by line;
 * the command goes on with the good ones and ends non-zero.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { BatchJob } from '../engine/batch/batch-job.js';
import type { BatchDefaults, RawEndpoint, RowProblem } from '../engine/batch/batch-row.js';
import type { CredentialOptions } from '../engine/connect/credentials.js';
import { loadJob, type Job } from '../engine/job/job.js';
import { readFile } from 'node:fs/promises';
import { intFlag } from './command-line.js';
import { UsageError } from './args.js';

/** Flag name (commander's camelCase key) to the job field it sets, per side. */
const SIDE_FIELDS = { Host: 'host', Port: 'port', Security: 'security', Ca: 'ca' } as const;
const SERVICE_ACCOUNT_FIELDS = { sourceServiceAccount: 'serviceAccount' } as const;
const MICROSOFT_FIELDS = { destinationProvider: 'provider', destinationTenant: 'tenant', destinationClientId: 'oauthClientId', destinationAuth: 'auth', destinationClientSecretEnv: 'clientSecretEnv' } as const;
const OPTION_FIELDS = { connectionsPerAccount: 'connectionsPerAccount', globalConnections: 'globalConnections' } as const;

/** The defaults every row of a batch file starts from. */
export function addBatchOptions(cmd: Command): Command {
  for (const side of ['source', 'destination']) {
    cmd
      .option(`--${side}-host <host>`, `${side} IMAP host of every row that names none`)
      .option(`--${side}-port <port>`, `${side} port (default 993 with tls, 143 otherwise)`, intFlag(`--${side}-port`))
      .addOption(new Option(`--${side}-security <security>`, `${side} connection security`).choices(['tls', 'starttls', 'none']))
      .option(`--${side}-ca <file>`, `PEM file of a CA to trust for the ${side} server`);
  }
  return cmd
    .option('--source-service-account <id>', 'Google Workspace: the service account (client e-mail or client ID) that signs in for every user')
    .addOption(new Option('--destination-provider <provider>', 'Microsoft 365 or Outlook.com').choices(['microsoft']))
    .option('--destination-tenant <tenant>', 'Microsoft: the tenant ID or domain (organizations, consumers...)')
    .option('--destination-client-id <id>', "Microsoft: the app registration's Application (client) ID")
    .addOption(new Option('--destination-auth <auth>', 'Microsoft: app-only (default in a batch) or a signed-in user').choices(['oauth2-app', 'oauth2']))
    .option('--destination-client-secret-env <name>', "Microsoft app-only: the environment variable holding the app's secret")
    .option('--connections-per-account <n>', 'connections per account (default 4, at most 10)', intFlag('--connections-per-account'))
    .option('--global-connections <n>', 'connections of all mailboxes together (default 8)', intFlag('--global-connections'));
}

export interface JobSource {
  job: Job;
  /** Set for a batch file: its rows, lines, problems and passwords. */
  batch?: BatchJob & { format: string };
  /** The engine's password hook: a batch file's passwords, held in memory for this run only. */
  credentials: CredentialOptions;
}

/** Reads FILE as a job file or a batch file, with the batch defaults of the command's flags. */
export async function loadJobSource(file: string, flags: Record<string, unknown>): Promise<JobSource> {
  const given = Object.keys(flags).filter((k) => k in MICROSOFT_FIELDS || k in SERVICE_ACCOUNT_FIELDS || k in OPTION_FIELDS || /^(source|destination)(Host|Port|Security|Ca)$/.test(k));
  let text: string | undefined;
  try {
    text = await readFile(path.resolve(file), 'utf8');
  } catch {
    // loadJob / loadBatch say what is wrong with the path.
  }
  if (text === undefined || isJobFileText(file, text)) {
    if (given.length > 0) throw new UsageError(`${given.map(flagName).join(', ')} ${given.length > 1 ? 'are' : 'is'} for batch files; ${file} is a job file and holds these settings itself`);
    return { job: await loadJob(file), credentials: {} };
  }
  const defaults: BatchDefaults = { source: {}, destination: {} };
  for (const side of ['source', 'destination'] as const) {
    for (const [suffix, key] of Object.entries(SIDE_FIELDS)) {
      const value = flags[`${side}${suffix}`] as string | number | undefined;
      // A CA given on the command line is relative to where the command runs; the file's own are relative to it.
      if (value !== undefined) defaults[side][key] = key === 'ca' ? path.resolve(String(value)) : value;
    }
  }
  for (const [flag, key] of Object.entries(MICROSOFT_FIELDS)) if (flags[flag] !== undefined) (defaults.destination as RawEndpoint)[key] = flags[flag] as string;
  for (const [flag, key] of Object.entries(SERVICE_ACCOUNT_FIELDS)) if (flags[flag] !== undefined) defaults.source[key] = flags[flag] as string;
  const options: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(OPTION_FIELDS)) if (flags[flag] !== undefined) options[key] = flags[flag];
  // The batch readers (and their CSV parser) load only for a batch file.
  const { loadBatch } = await import('../engine/batch/batch-file.js');
  const batch = await loadBatch(file, defaults, options);
  return { job: batch.job, batch, credentials: { password: batch.passwords.lookup } };
}

/** A job file is a JSON object; a batch file never starts with "{". */
export function isJobFileText(file: string, text: string): boolean {
  return /\.json$/i.test(file) || text.replace(/^\uFEFF/, '').trimStart().startsWith('{');
}

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** "line 7" for a batch file's mailbox, else nothing (a job file's mailboxes are named by id). */
export function lineOf(source: JobSource, index: number): string | undefined {
  const line = source.batch?.lines[index];
  return line === undefined ? undefined : `line ${line}`;
}

/** Bad rows and ignored options, on stderr (grouped, so 500 rows with --automap say it once). */
export function reportRows(source: JobSource, file: string, include = { problems: true }, out: NodeJS.WritableStream = process.stderr): void {
  if (!source.batch) return;
  if (include.problems) for (const p of source.batch.problems) out.write(`mailferry: ${file} line ${p.line}: ${p.message}\n`);
  for (const [message, lines] of grouped(source.batch.notes)) out.write(`mailferry: ${file} ${lineList(lines)}: ${message}\n`);
}

function grouped(items: RowProblem[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { line, message } of items) out.set(message, [...(out.get(message) ?? []), line]);
  return out;
}

function lineList(lines: number[]): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  const shown = lines.slice(0, 5).join(', ');
  return `lines ${shown}${lines.length > 5 ? ` and ${lines.length - 5} more` : ''}`;
}

/** A run that left rows out still ends non-zero, even when everything else went well. */
export function withRowProblems(code: number, source: JobSource): number {
  return code === 0 && (source.batch?.problems.length ?? 0) > 0 ? 1 : code;
}
