/**
 * `mailferry signin HOST USER --provider microsoft --tenant T --client-id ID [--device-code] [--authority URL]
 * [--no-browser]`: a user of Microsoft 365 or Outlook.com signs in for IMAP; the refresh token goes into the
 * OS keychain (service "mailferry-oauth", account USER@HOST), as for Google. No client secret: Microsoft
 * treats a desktop app as a public client. The browser sign-in is the default; --device-code is for a
 * computer without a browser (the code is typed on any other device).
 */
import { formatErrorLine, isMailferryError } from '../engine/errors/errors.js';
import { describeDuration, DEFAULT_SIGNIN_TIMEOUT_MS } from '../engine/oauth/loopback-redirect.js';
import { authorityProblem, isGuid, isValidTenant, MICROSOFT_AUTHORITY, MICROSOFT_IMAP_HOST, normalizeAuthority, signedInAs, type SigninTarget } from '../engine/oauth/microsoft/endpoints.js';
import { signInWithDeviceCode, signInWithMicrosoftBrowser } from '../engine/oauth/microsoft/signin.js';
import type { TokenSet } from '../engine/oauth/token-client.js';
import { parseArgs, UsageError } from './args.js';
import { hasDisplay, openInSystemBrowser, SIGNIN_EXIT, type SigninCommandIo } from './signin-command.js';

export const MICROSOFT_SIGNIN_USAGE = [
  'Usage: mailferry signin HOST USER --provider microsoft --tenant TENANT --client-id ID [--device-code] [--authority URL] [--no-browser]',
  '         sign in with Microsoft 365 or Outlook.com (HOST: outlook.office365.com); the refresh token goes into the OS keychain',
  '         TENANT: organizations, consumers (Outlook.com), common, or your tenant ID or domain',
].join('\n');

const KNOWN = ['provider', 'tenant', 'client-id', 'authority', 'device-code', 'no-browser', 'help', 'h'];

interface Parsed {
  target: SigninTarget;
  device: boolean;
  noBrowser: boolean;
}

function parse(argv: string[]): Parsed | 'help' {
  const args = parseArgs(argv, ['provider', 'tenant', 'client-id', 'authority']);
  if (args.flags.has('help') || args.flags.has('h')) return 'help';
  for (const k of args.flags.keys()) if (!KNOWN.includes(k)) throw new UsageError(`unknown option --${k}${k === 'client-secret' ? ' (a user sign-in needs no client secret)' : ''}`);
  if (args.positionals.length !== 2) throw new UsageError('HOST and USER are needed (HOST: outlook.office365.com for Microsoft 365 and Outlook.com)');
  const [host, user] = args.positionals as [string, string];
  const value = (k: string) => {
    const v = args.flags.get(k);
    return typeof v === 'string' ? v.trim() : undefined;
  };
  const clientId = value('client-id');
  if (!clientId || !isGuid(clientId)) throw new UsageError('--client-id ID is needed: the Application (client) ID of your app registration, a GUID');
  const tenant = value('tenant');
  if (!tenant || !isValidTenant(tenant)) throw new UsageError('--tenant is needed: organizations, consumers (Outlook.com), common, or your tenant ID or domain');
  const authority = value('authority') ?? MICROSOFT_AUTHORITY;
  const problem = authorityProblem(authority);
  if (problem) throw new UsageError(problem);
  return { target: { host, user, clientId, tenant, authority: normalizeAuthority(authority) }, device: args.flags.has('device-code'), noBrowser: args.flags.has('no-browser') };
}

/** The destination lines of the job file for this sign-in. */
function jobHint(t: SigninTarget): string {
  const fields: Record<string, string> = { provider: 'microsoft' };
  if (t.host !== MICROSOFT_IMAP_HOST) fields['host'] = t.host;
  Object.assign(fields, { user: t.user, auth: 'oauth2', oauthClientId: t.clientId, tenant: t.tenant });
  if (t.authority !== MICROSOFT_AUTHORITY) fields['authority'] = t.authority;
  return `"destination": { ${Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`;
}

export async function microsoftSigninCommand(argv: string[], io: SigninCommandIo & { secondMs?: number }): Promise<number> {
  const out = (line: string) => io.output.write(`${line}\n`);
  const err = (line: string) => (io.errorOutput ?? io.output).write(`${line}\n`);
  let p: Parsed;
  try {
    const r = parse(argv);
    if (r === 'help') {
      out(MICROSOFT_SIGNIN_USAGE);
      return SIGNIN_EXIT.OK;
    }
    p = r;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`mailferry signin: ${e.message}`);
    err(MICROSOFT_SIGNIN_USAGE);
    return SIGNIN_EXIT.USAGE;
  }
  const { target } = p;
  const common = { ...target, ...(io.refreshTokens ? { refreshTokens: io.refreshTokens } : {}), ...(io.signal ? { signal: io.signal } : {}) };
  const timeoutMs = io.timeoutMs ?? DEFAULT_SIGNIN_TIMEOUT_MS;
  try {
    let tokens: TokenSet;
    if (p.device) {
      tokens = await signInWithDeviceCode({
        ...common,
        ...(io.secondMs !== undefined ? { secondMs: io.secondMs } : {}),
        show: (c) => {
          out(`To sign in, open ${c.verificationUri} in a browser on any device and enter the code ${c.userCode}`);
          out(`(sign in as ${target.user}; the code expires in ${describeDuration(Math.max(0, c.expiresAt - Date.now()))}). Waiting for the sign-in (Ctrl-C to cancel)...`);
        },
      });
    } else {
      const browser = !p.noBrowser && hasDisplay(io.env ?? process.env, io.platform ?? process.platform);
      tokens = await signInWithMicrosoftBrowser({
        ...common,
        timeoutMs,
        openUrl: async (url, { redirectUri }) => {
          const opened = browser && (await (io.openBrowser ?? openInSystemBrowser)(url));
          out(opened ? 'Opening your browser to sign in with Microsoft. If it does not open, open this URL in a browser on this computer:' : 'Open this URL in a browser on this computer:');
          out('');
          out(`  ${url}`);
          out('');
          out(`At the end Microsoft sends the browser to ${redirectUri}, which only this computer can reach. Without a browser here, use --device-code instead.`);
          out(`Waiting up to ${describeDuration(timeoutMs)} for the sign-in to finish (Ctrl-C to cancel)...`);
        },
      });
    }
    const who = signedInAs(tokens.accessToken);
    if (who && who.toLowerCase() !== target.user.toLowerCase()) {
      out(`Note: Microsoft signed in ${who}, not ${target.user}. If that is another account (a browser still signed in as an administrator), run this again and pick ${target.user}.`);
    }
    out(`Signed in as ${target.user}; the refresh token is in the OS keychain.`);
    out(`In the job file: ${jobHint(target)}`);
    return SIGNIN_EXIT.OK;
  } catch (e) {
    if (!isMailferryError(e)) throw e;
    err(formatErrorLine(e));
    return e.code === 'CANCELLED' ? SIGNIN_EXIT.CANCELLED : SIGNIN_EXIT.FAILED;
  }
}
