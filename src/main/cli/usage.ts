/**
 * The command lines' usage texts and the words that pick a subcommand, apart from the commands themselves:
 * `mailferry --help` and a mistyped command print them without loading any command (each command loads
 * its own dependencies only when it runs).
 */
export const SHARD_USAGE = '[--shard I/N|auto/N]';

export const BATCH_FLAGS_USAGE =
  '[--source-host H] [--source-port N] [--source-security tls|starttls|none] [--source-ca FILE] [--source-service-account CLIENT_EMAIL] ' +
  '[--destination-host H] [--destination-port N] [--destination-security S] [--destination-ca FILE] ' +
  '[--destination-provider microsoft --destination-tenant T --destination-client-id ID [--destination-auth oauth2-app|oauth2] [--destination-client-secret-env VAR]] ' +
  '[--connections-per-account N] [--global-connections N]';

export const MIGRATE_USAGE =
  `mailferry migrate JOB.json|BATCH_FILE [--state DIR] [--report FILE.json] [--dry-run] [--since DATE] [--before DATE] [--retry-failed] [--delete-missing] ${SHARD_USAGE} [BATCH DEFAULTS]`;
export const VERIFY_USAGE = `mailferry verify JOB.json|BATCH_FILE [--state DIR] ${SHARD_USAGE} [BATCH DEFAULTS]`;
export const REPORT_USAGE = 'mailferry report --state DIR --out FILE.html|FILE.json|FILE.csv [--format html|json|csv]';
export const TEST_USAGE = `mailferry test JOB.json|BATCH_FILE [--details] ${SHARD_USAGE} [BATCH DEFAULTS]`;
export const IMPORT_USAGE = 'mailferry import BATCH_FILE --out JOB.json [--force] [BATCH DEFAULTS]';
export const EXCHANGE_PERMISSIONS_USAGE = 'mailferry exchange-permissions JOB.json [--app-id ID] [--object-id ENTERPRISE-APP-OBJECT-ID]';

/** `secrets` actions handled by app-secrets-command.ts and service-account-command.ts. */
export const APP_SECRET_ACTIONS = ['set-app-secret', 'import-app-certificate', 'delete-app'];
export const SERVICE_ACCOUNT_ACTIONS = ['import-service-account', 'delete-service-account'];

/** The value of --provider in argv, if any (read before the provider's own parsing). */
export function providerFlag(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--provider' || a.startsWith('--provider='));
  if (i < 0) return undefined;
  return argv[i]!.includes('=') ? argv[i]!.slice('--provider='.length) : argv[i + 1];
}
