import { formatErrorLine, isMailferryError } from './engine/errors/errors.js';
import { UsageError } from './cli/args.js';
import { APP_SECRET_ACTIONS, runAppSecretsCommand } from './cli/app-secrets-command.js';
import { EXCHANGE_PERMISSIONS_USAGE, exchangePermissionsCommand } from './cli/exchange-permissions-command.js';
import { microsoftSigninCommand, providerFlag } from './cli/microsoft-signin-command.js';
import { IMPORT_USAGE, importCommand } from './cli/import-command.js';
import { BATCH_FLAGS_USAGE } from './cli/job-source.js';
import { MIGRATE_USAGE, migrateCommand } from './cli/migrate-command.js';
import { REPORT_USAGE, reportCommand } from './cli/report-command.js';
import { runSecretsCommand } from './cli/secrets-command.js';
import { runServiceAccountCommand, SERVICE_ACCOUNT_ACTIONS } from './cli/service-account-command.js';
import { signinCommand, signoutCommand } from './cli/signin-command.js';
import { TEST_USAGE, testCommand } from './cli/test-command.js';
import { VERIFY_USAGE, verifyCommand } from './cli/verify-command.js';

const USAGE = `Mailferry: move a Gmail mailbox into another IMAP host.

  ${MIGRATE_USAGE}
  ${VERIFY_USAGE}
  ${REPORT_USAGE}
  ${TEST_USAGE}
  ${IMPORT_USAGE}
  mailferry secrets set|check|delete HOST USER
  mailferry secrets set-app-secret CLIENT_ID | import-app-certificate CLIENT_ID CERT.pem [KEY.pem] | delete-app CLIENT_ID
  mailferry secrets import-service-account KEY.json | delete-service-account CLIENT_EMAIL|CLIENT_ID
  mailferry signin HOST USER --client-id ID [--no-browser]
  mailferry signin HOST USER --provider microsoft --tenant TENANT --client-id ID [--device-code] [--authority URL] [--no-browser]
  mailferry signout HOST USER [--provider microsoft]
  ${EXCHANGE_PERMISSIONS_USAGE}

  FILE is a JOB.json or a batch file (imapsync's lines, a MigrationWiz, Microsoft or Mailferry CSV).
  BATCH DEFAULTS, for the rows of a batch file that do not say: ${BATCH_FLAGS_USAGE}
`;

const EXIT_ON = { SIGINT: 130, SIGTERM: 143 } as const;

/** The headless entry: a thin shell over the engine. Exit codes: 0 ok, 1 something failed, 2 usage/config. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const stop = new AbortController();
  let interrupts = 0;
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => {
    interrupts++;
    stoppedBy ??= name;
    if (interrupts > 1) process.exit(EXIT_ON[name]);
    process.stderr.write(`\n${name}: finishing the messages in flight and saving state (press again to quit at once)...\n`);
    stop.abort(new Error(name));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  try {
    switch (command) {
      case 'migrate': {
        const code = await migrateCommand(rest, stop.signal);
        // Stopped on request: the conventional 128 + signal number, after the state was saved.
        return stoppedBy ? EXIT_ON[stoppedBy] : code;
      }
      case 'verify':
        return await verifyCommand(rest);
      case 'report':
        return reportCommand(rest);
      case 'test':
        return await testCommand(rest);
      case 'import':
        return await importCommand(rest);
      case 'signin': {
        const io = { input: process.stdin, output: process.stdout, errorOutput: process.stderr, signal: stop.signal };
        const provider = providerFlag(rest);
        if (provider === 'microsoft') return await microsoftSigninCommand(rest, io);
        if (provider !== undefined) throw new UsageError('--provider is "microsoft" (leave it out for Google)');
        return await signinCommand(rest, io);
      }
      case 'signout':
        return await signoutCommand(rest, { input: process.stdin, output: process.stdout, errorOutput: process.stderr });
      case 'secrets':
        if (APP_SECRET_ACTIONS.includes(rest[0] ?? '')) return await runAppSecretsCommand(rest, { input: process.stdin, output: process.stderr });
        if (SERVICE_ACCOUNT_ACTIONS.includes(rest[0] ?? '')) return await runServiceAccountCommand(rest, { input: process.stdin, output: process.stderr });
        return await runSecretsCommand(rest, { input: process.stdin, output: process.stderr });
      case 'exchange-permissions':
        return await exchangePermissionsCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`mailferry: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (isMailferryError(err)) {
      process.stderr.write(`mailferry: ${formatErrorLine(err)}\n`);
      return 2;
    }
    process.stderr.write(`mailferry: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
