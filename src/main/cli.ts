import { formatErrorLine, isMailferryError } from './engine/errors/errors.js';
import { UsageError } from './cli/args.js';
import {
  APP_SECRET_ACTIONS, BATCH_FLAGS_USAGE, EXCHANGE_PERMISSIONS_USAGE, IMPORT_USAGE, MIGRATE_USAGE, providerFlag, REPORT_USAGE,
  SERVICE_ACCOUNT_ACTIONS, TEST_USAGE, VERIFY_USAGE,
} from './cli/usage.js';

// Each command is imported when it runs (`await import`), so a run loads only what its command needs: a
// no-op `migrate` neither the preflight, the OAuth sign-in (node:http, which pulls in undici), the report's
// HTML nor the keychain's prompts. The bundle is split per command (scripts/build.mjs).

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
        const { migrateCommand } = await import('./cli/migrate-command.js');
        const code = await migrateCommand(rest, stop.signal);
        // Stopped on request: the conventional 128 + signal number, after the state was saved.
        return stoppedBy ? EXIT_ON[stoppedBy] : code;
      }
      case 'verify':
        return await (await import('./cli/verify-command.js')).verifyCommand(rest);
      case 'report':
        return (await import('./cli/report-command.js')).reportCommand(rest);
      case 'test':
        return await (await import('./cli/test-command.js')).testCommand(rest);
      case 'import':
        return await (await import('./cli/import-command.js')).importCommand(rest);
      case 'signin': {
        const io = { input: process.stdin, output: process.stdout, errorOutput: process.stderr, signal: stop.signal };
        const provider = providerFlag(rest);
        if (provider === 'microsoft') return await (await import('./cli/microsoft-signin-command.js')).microsoftSigninCommand(rest, io);
        if (provider !== undefined) throw new UsageError('--provider is "microsoft" (leave it out for Google)');
        return await (await import('./cli/signin-command.js')).signinCommand(rest, io);
      }
      case 'signout':
        return await (await import('./cli/signin-command.js')).signoutCommand(rest, { input: process.stdin, output: process.stdout, errorOutput: process.stderr });
      case 'secrets': {
        const io = { input: process.stdin, output: process.stderr };
        if (APP_SECRET_ACTIONS.includes(rest[0] ?? '')) return await (await import('./cli/app-secrets-command.js')).runAppSecretsCommand(rest, io);
        if (SERVICE_ACCOUNT_ACTIONS.includes(rest[0] ?? '')) return await (await import('./cli/service-account-command.js')).runServiceAccountCommand(rest, io);
        return await (await import('./cli/secrets-command.js')).runSecretsCommand(rest, io);
      }
      case 'exchange-permissions':
        return await (await import('./cli/exchange-permissions-command.js')).exchangePermissionsCommand(rest);
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
