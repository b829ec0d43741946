/**
 * `mailferry secrets set|check|delete HOST USER`: manages the passwords Mailferry keeps in the OS keychain.
 * The password is only ever read from a hidden prompt (or a pipe), never from argv (argv shows up in
 * `ps` and shell history), and never printed.
 */
import { formatErrorLine, isMailferryError } from '../engine/errors/errors.js';
import { deletePassword, getPassword, isGoogleImapHost, normalizeAppPassword, setPassword } from '../engine/connect/secrets.js';
import { promptHidden } from './prompt.js';

export interface SecretsCommandIo {
  input: NodeJS.ReadableStream;
  /** Prompts and results. */
  output: NodeJS.WritableStream;
  /** Errors and usage; defaults to `output`. */
  errorOutput?: NodeJS.WritableStream;
}

/** Exit codes: 0 done (or, for check, a password is stored); 1 check found none; 2 usage; 3 failed; 130 cancelled. */
export const SECRETS_EXIT = { OK: 0, NOT_STORED: 1, USAGE: 2, FAILED: 3, CANCELLED: 130 } as const;

export const SECRETS_USAGE = [
  'Usage: mailferry secrets set HOST USER      store a password in the OS keychain (you are asked for it)',
  '       mailferry secrets check HOST USER    say whether a password is stored (it is never shown)',
  '       mailferry secrets delete HOST USER   remove the stored password',
].join('\n');

const GOOGLE_APP_PASSWORD_LENGTH = 16;

export async function runSecretsCommand(args: string[], io: SecretsCommandIo): Promise<number> {
  const out = (line: string) => io.output.write(`${line}\n`);
  const err = (line: string) => (io.errorOutput ?? io.output).write(`${line}\n`);

  const [action, host, user, ...extra] = args;
  if (action === undefined || action === 'help' || action === '--help' || action === '-h') {
    (action === undefined ? err : out)(SECRETS_USAGE);
    return action === undefined ? SECRETS_EXIT.USAGE : SECRETS_EXIT.OK;
  }
  if (!['set', 'check', 'delete'].includes(action) || !host || !user || extra.length > 0) {
    if (action === 'set' && extra.length > 0) {
      err('The password is not given on the command line (it would end up in shell history); you will be asked for it.');
    } else {
      err(`Unknown or incomplete command: mailferry secrets ${args.join(' ')}`);
    }
    err(SECRETS_USAGE);
    return SECRETS_EXIT.USAGE;
  }

  try {
    switch (action) {
      case 'set': {
        const google = isGoogleImapHost(host);
        if (google) out('Gmail needs an app password: create one at https://myaccount.google.com/apppasswords');
        const typed = await promptHidden(`${google ? 'App password' : 'Password'} for ${user} on ${host}: `, io);
        // Spaces are part of how Google displays app passwords, never part of them; elsewhere keep them.
        const secret = google ? normalizeAppPassword(typed) : typed;
        if (secret === '') {
          err('Nothing was entered, so nothing was stored.');
          return SECRETS_EXIT.FAILED;
        }
        setPassword(host, user, secret);
        out(`Stored the password for ${user} on ${host} in the OS keychain.`);
        if (google && secret.length !== GOOGLE_APP_PASSWORD_LENGTH) {
          out(`Note: Google app passwords have ${GOOGLE_APP_PASSWORD_LENGTH} letters; this one has ${secret.length}. If sign-in fails, create a new app password.`);
        }
        return SECRETS_EXIT.OK;
      }
      case 'check': {
        if (getPassword(host, user) !== null) {
          out(`A password for ${user} on ${host} is stored in the OS keychain.`);
          return SECRETS_EXIT.OK;
        }
        out(`No password is stored for ${user} on ${host}. Store one with: mailferry secrets set ${host} ${user}`);
        return SECRETS_EXIT.NOT_STORED;
      }
      default: {
        out(
          deletePassword(host, user)
            ? `Deleted the password for ${user} on ${host} from the OS keychain.`
            : `No password was stored for ${user} on ${host}; nothing to delete.`,
        );
        return SECRETS_EXIT.OK;
      }
    }
  } catch (e) {
    if (isMailferryError(e)) {
      err(formatErrorLine(e));
      return e.code === 'CANCELLED' ? SECRETS_EXIT.CANCELLED : SECRETS_EXIT.FAILED;
    }
    throw e;
  }
}
