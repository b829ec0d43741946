/**
 * `mailferry signin HOST USER --client-id ID [--no-browser] [--ask-client-secret]`: Sign in with Google
 * (OAuth 2.0 for installed apps, PKCE, loopback redirect), keeping the refresh token in the OS keychain.
 * `mailferry signout HOST USER [--provider microsoft]`: deletes the stored refresh token (Google's or Microsoft's:
 * both live under service "mailferry-oauth", account USER@HOST). Microsoft's sign-in: microsoft-signin-command.ts.
 *
 * The client secret of the user's own OAuth client is asked once (hidden, never from argv) and kept in
 * the OS keychain by client ID; the job file holds only "oauthClientId". It is stored only after a
 * sign-in with it worked, so a mistyped secret is not remembered.
 */
import { spawn } from 'node:child_process';
import { formatErrorLine, isMailferryError } from '../engine/errors/errors.js';
import { GOOGLE_PERMISSIONS_PAGE, type OAuthEndpoints } from '../engine/oauth/google-endpoints.js';
import { MICROSOFT_IMAP_HOST } from '../engine/oauth/microsoft/endpoints.js';
import { DEFAULT_SIGNIN_TIMEOUT_MS, describeDuration } from '../engine/oauth/loopback-redirect.js';
import { signInWithBrowser } from '../engine/oauth/signin-flow.js';
import { keychainClientSecrets, keychainRefreshTokens, type ClientSecretStore, type RefreshTokenStore } from '../engine/oauth/token-store.js';
import { parseArgs, UsageError } from './args.js';
import { promptHidden } from './prompt.js';

export interface SigninCommandIo {
  input: NodeJS.ReadableStream;
  /** Prompts, the URL and results. */
  output: NodeJS.WritableStream;
  /** Errors and usage; defaults to `output`. */
  errorOutput?: NodeJS.WritableStream;
  /** Aborting (Ctrl-C in the CLI) stops waiting for the browser. */
  signal?: AbortSignal;
  /** Opens a URL in the system browser; resolves false when it could not. Default: xdg-open / open / rundll32. */
  openBrowser?: (url: string) => boolean | Promise<boolean>;
  /** For the display check (DISPLAY, WAYLAND_DISPLAY). Default process.env. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Tests: a fake authorization server instead of Google's. */
  endpoints?: OAuthEndpoints;
  /** How long to wait for the browser, ms. Default 5 minutes. */
  timeoutMs?: number;
  /** Tests: in-memory stores instead of the OS keychain. */
  refreshTokens?: RefreshTokenStore;
  clientSecrets?: ClientSecretStore;
}

/** Exit codes: 0 done; 2 usage; 3 failed; 130 cancelled. */
export const SIGNIN_EXIT = { OK: 0, USAGE: 2, FAILED: 3, CANCELLED: 130 } as const;

export const SIGNIN_USAGE = [
  'Usage: mailferry signin HOST USER --client-id ID [--no-browser] [--ask-client-secret]',
  '                                     sign in with Google (OAuth); the refresh token goes into the OS keychain',
  '       mailferry signin HOST USER --provider microsoft --tenant TENANT --client-id ID [--device-code] [--authority URL]',
  '                                     sign in with Microsoft 365 or Outlook.com (mailferry signin --provider microsoft --help)',
  '       mailferry signout HOST USER [--provider microsoft]   delete the stored Google (or Microsoft) sign-in',
].join('\n');

/** Where a Microsoft user removes an app's access: work or school accounts, and personal (Outlook.com) ones. */
const MICROSOFT_APPS_PAGES = 'https://myapps.microsoft.com (work or school account) or https://account.live.com/consent/Manage (Outlook.com)';

const CONSOLE_HELP = 'Google Cloud console, APIs & Services, Credentials: your OAuth client of type "Desktop app"';

/** True when a graphical browser can plausibly be started. */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env['DISPLAY'] || env['WAYLAND_DISPLAY']);
}

/** Starts the system's URL opener without a shell (the URL is one argument) and without waiting for it. */
export function openInSystemBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const [cmd, args] =
    platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

export async function signinCommand(argv: string[], io: SigninCommandIo): Promise<number> {
  const out = (line: string) => io.output.write(`${line}\n`);
  const err = (line: string) => (io.errorOutput ?? io.output).write(`${line}\n`);

  let host: string;
  let user: string;
  let clientId: string;
  let noBrowser: boolean;
  let askSecret: boolean;
  try {
    const args = parseArgs(argv, ['client-id']);
    if (args.flags.has('help') || args.flags.has('h')) {
      out(SIGNIN_USAGE);
      return SIGNIN_EXIT.OK;
    }
    for (const k of args.flags.keys()) if (!['client-id', 'no-browser', 'ask-client-secret'].includes(k)) throw new UsageError(`unknown option --${k}`);
    if (args.flags.has('client-secret')) throw new UsageError('the client secret is not given on the command line; you will be asked for it');
    const id = args.flags.get('client-id');
    if (args.positionals.length !== 2) throw new UsageError('HOST and USER are needed');
    if (typeof id !== 'string' || id.trim() === '') throw new UsageError('--client-id ID is needed (the client ID of your own "Desktop app" OAuth client)');
    [host, user] = args.positionals as [string, string];
    clientId = id.trim();
    noBrowser = args.flags.has('no-browser');
    askSecret = args.flags.has('ask-client-secret');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`mailferry signin: ${e.message}`);
    err(SIGNIN_USAGE);
    return SIGNIN_EXIT.USAGE;
  }

  const refreshTokens = io.refreshTokens ?? keychainRefreshTokens;
  const clientSecrets = io.clientSecrets ?? keychainClientSecrets;
  const timeoutMs = io.timeoutMs ?? DEFAULT_SIGNIN_TIMEOUT_MS;
  try {
    if (!user.includes('@')) out(`Note: "${user}" is not a full address; Google accounts sign in to IMAP with the full address (name@gmail.com).`);
    // Reading first also proves the keychain works before the browser round trip.
    let clientSecret = askSecret ? null : clientSecrets.get(clientId);
    const newSecret = clientSecret === null;
    if (clientSecret === null) {
      out(`Mailferry needs the client secret of OAuth client ${clientId} (${CONSOLE_HELP}). It is kept in the OS keychain.`);
      clientSecret = (await promptHidden(`Client secret for ${clientId}: `, { input: io.input, output: io.output })).trim();
      if (clientSecret === '') {
        err('Nothing was entered, so nobody was signed in.');
        return SIGNIN_EXIT.FAILED;
      }
    }

    const browser = !noBrowser && hasDisplay(io.env ?? process.env, io.platform ?? process.platform);
    await signInWithBrowser({
      host,
      user,
      clientId,
      clientSecret,
      refreshTokens,
      timeoutMs,
      ...(io.endpoints ? { endpoints: io.endpoints } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      openUrl: async (url, { redirectUri }) => {
        const port = new URL(redirectUri).port;
        if (browser) {
          const opened = await (io.openBrowser ?? openInSystemBrowser)(url);
          out(opened ? 'Opening your browser to sign in with Google. If it does not open, open this URL in a browser on this computer:' : 'Could not start a browser. Open this URL in a browser on this computer:');
        } else {
          out('Open this URL in a browser on this computer:');
        }
        out('');
        out(`  ${url}`);
        out('');
        out(`At the end Google sends the browser to ${redirectUri}, which only this computer can reach. Over SSH, forward that port first (ssh -L ${port}:127.0.0.1:${port} THIS-HOST) or sign in on a computer with a browser.`);
        out(`Waiting up to ${describeDuration(timeoutMs)} for the sign-in to finish (Ctrl-C to cancel)...`);
      },
    });
    if (newSecret) clientSecrets.set(clientId, clientSecret);
    out(`Signed in as ${user}; the refresh token is in the OS keychain.`);
    out(`In the job file, give this account "oauthClientId": "${clientId}" (the client secret stays in the OS keychain).`);
    return SIGNIN_EXIT.OK;
  } catch (e) {
    if (isMailferryError(e)) {
      err(formatErrorLine(e));
      return e.code === 'CANCELLED' ? SIGNIN_EXIT.CANCELLED : SIGNIN_EXIT.FAILED;
    }
    throw e;
  }
}

export async function signoutCommand(argv: string[], io: SigninCommandIo): Promise<number> {
  const out = (line: string) => io.output.write(`${line}\n`);
  const err = (line: string) => (io.errorOutput ?? io.output).write(`${line}\n`);
  if (argv.includes('--help') || argv.includes('-h')) {
    out(SIGNIN_USAGE);
    return SIGNIN_EXIT.OK;
  }
  let host: string;
  let user: string;
  let microsoft: boolean;
  try {
    const args = parseArgs(argv, ['provider']);
    for (const k of args.flags.keys()) if (k !== 'provider') throw new UsageError(`unknown option --${k}`);
    const provider = args.flags.get('provider');
    if (provider !== undefined && provider !== 'microsoft' && provider !== 'google') throw new UsageError('--provider is "google" (the default) or "microsoft"');
    if (args.positionals.length !== 2) throw new UsageError('HOST and USER are needed');
    [host, user] = args.positionals as [string, string];
    microsoft = provider === 'microsoft' || (provider === undefined && host.toLowerCase() === MICROSOFT_IMAP_HOST);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`mailferry signout: ${e.message}`);
    err(SIGNIN_USAGE);
    return SIGNIN_EXIT.USAGE;
  }
  const name = microsoft ? 'Microsoft' : 'Google';
  try {
    const deleted = (io.refreshTokens ?? keychainRefreshTokens).delete(host, user);
    out(deleted ? `Signed out ${user} on ${host}: the refresh token was deleted from the OS keychain.` : `No ${name} sign-in was stored for ${user} on ${host}; nothing to delete.`);
    out(
      microsoft
        ? `Microsoft still lists Mailferry's app among those allowed for this account until you remove it at ${MICROSOFT_APPS_PAGES}.`
        : `Google still lists Mailferry among the apps allowed for this account until you remove it at ${GOOGLE_PERMISSIONS_PAGE}.`,
    );
    return SIGNIN_EXIT.OK;
  } catch (e) {
    if (isMailferryError(e)) {
      err(formatErrorLine(e));
      return SIGNIN_EXIT.FAILED;
    }
    throw e;
  }
}
