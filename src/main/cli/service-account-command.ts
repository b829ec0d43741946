/**
 * `mailferry secrets import-service-account KEY.json | delete-service-account CLIENT_EMAIL|CLIENT_ID`: the
 * key of a Google Workspace service account with domain-wide delegation ("auth": "service-account"), kept
 * in the OS keychain. The import checks the file, stores it, and prints what the administrator still has to
 * do and what the job says; the file itself is never copied anywhere and should then be deleted.
 */
import { readFileSync } from 'node:fs';
import { formatErrorLine, isMailferryError, MailferryError } from '../engine/errors/errors.js';
import { delegationSteps } from '../engine/oauth/service-account/admin-steps.js';
import { isServiceAccountRef, parseServiceAccountKey } from '../engine/oauth/service-account/key-file.js';
import { serviceAccountKeys } from '../engine/oauth/service-account/key-store.js';
import { SECRETS_EXIT, type SecretsCommandIo } from './secrets-command.js';

export const SERVICE_ACCOUNT_USAGE = [
  'Usage: mailferry secrets import-service-account KEY.json   store a Google Workspace service account key (then delete the file)',
  '       mailferry secrets delete-service-account CLIENT_EMAIL|CLIENT_ID   remove it',
].join('\n');

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new MailferryError({ code: 'OAUTH_APP_CREDENTIAL', message: `Could not read ${file} (${code}).`, hint: 'Check the path of the JSON key Google Cloud console downloaded.', retryable: false });
  }
}

export async function runServiceAccountCommand(args: string[], io: SecretsCommandIo): Promise<number> {
  const out = (line: string) => io.output.write(`${line}\n`);
  const err = (line: string) => (io.errorOutput ?? io.output).write(`${line}\n`);
  const [action, arg, ...extra] = args;
  if (!arg || extra.length > 0) {
    err(`Unknown or incomplete command: mailferry secrets ${args.join(' ')}`);
    err(SERVICE_ACCOUNT_USAGE);
    return SECRETS_EXIT.USAGE;
  }
  try {
    if (action === 'import-service-account') {
      const key = parseServiceAccountKey(readKeyFile(arg), `The file ${arg}`);
      serviceAccountKeys.set(key);
      out(`Stored the key ${key.privateKeyId.slice(0, 8)}... of service account ${key.clientEmail} (client ID ${key.clientId}) in the OS keychain.`);
      out(`Delete ${arg} now: Mailferry keeps no copy of it on disk and needs it no more, and whoever holds it can read every mailbox the delegation allows.`);
      out('');
      out('The Workspace super administrator gives the service account access to the mailboxes, once for the domain:');
      for (const line of delegationSteps(key.clientId)) out(`  ${line}`);
      out('');
      out(`In the job file, per mailbox: "source": { "host": "imap.gmail.com", "user": "USER@YOUR-DOMAIN", "auth": "service-account", "serviceAccount": "${key.clientEmail}" }`);
      out(`For a batch file: --source-service-account ${key.clientEmail}. Then check every mailbox with: npx mailferry test JOB.json`);
    } else if (isServiceAccountRef(arg)) {
      out(serviceAccountKeys.delete(arg) ? `Deleted the key of service account ${arg} from the OS keychain.` : `No key of service account ${arg} was stored; nothing to delete.`);
    } else {
      err("delete-service-account takes the service account's client e-mail or its numeric client ID.");
      return SECRETS_EXIT.USAGE;
    }
    return SECRETS_EXIT.OK;
  } catch (e) {
    if (!isMailferryError(e)) throw e;
    err(formatErrorLine(e));
    return SECRETS_EXIT.FAILED;
  }
}
