/**
 * `mailferry exchange-permissions JOB.json [--app-id ID] [--object-id ID]`: prints, for the Exchange
 * administrator, the PowerShell that lets the job's app sign in to each Microsoft destination mailbox
 * (app-only access). The app ID comes from the job's "oauth2-app" destinations, or --app-id.
 */
import { loadJob } from '../engine/job/job.js';
import { isGuid } from '../engine/oauth/microsoft/endpoints.js';
import { exchangePermissionScript } from '../engine/oauth/microsoft/exchange-permissions.js';
import { onlyKnown, parseArgs, UsageError } from './args.js';
import { EXCHANGE_PERMISSIONS_USAGE } from './usage.js';

export async function exchangePermissionsCommand(argv: string[], output: NodeJS.WritableStream = process.stdout): Promise<number> {
  const args = parseArgs(argv, ['app-id', 'object-id']);
  onlyKnown(args, ['app-id', 'object-id']);
  const jobFile = args.positionals[0];
  if (!jobFile || args.positionals.length > 1) throw new UsageError(`usage: ${EXCHANGE_PERMISSIONS_USAGE}`);
  const flag = (k: string) => {
    const v = args.flags.get(k);
    if (v !== undefined && (typeof v !== 'string' || !isGuid(v.trim()))) throw new UsageError(`--${k} must be a GUID`);
    return v?.trim();
  };
  const appIdFlag = flag('app-id');
  const objectId = flag('object-id');

  const job = await loadJob(jobFile);
  const destinations = job.mailboxes.map((m) => m.destination).filter((d) => d.provider === 'microsoft');
  if (destinations.length === 0) throw new UsageError(`no destination in ${jobFile} has "provider": "microsoft"`);
  const appIds = [...new Set(destinations.filter((d) => d.auth === 'oauth2-app').map((d) => d.oauthClientId!))];
  const appId = appIdFlag ?? (appIds.length === 1 ? appIds[0] : undefined);
  if (!appId) {
    throw new UsageError(
      appIds.length > 1 ? `the job uses several apps (${appIds.join(', ')}): choose one with --app-id` : 'no destination uses "auth": "oauth2-app": give the app with --app-id',
    );
  }
  output.write(exchangePermissionScript({ appId, ...(objectId ? { objectId } : {}), mailboxes: destinations.map((d) => d.user) }));
  return 0;
}
