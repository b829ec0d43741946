/**
 * Turns any failure (an imapflow error, a Node socket/TLS error, a raw server line) into the engine's one error
 * shape, with a sentence and a hint the user can act on. Pure: a table of rules, tested row by row.
 *
 * How imapflow 2.10 shapes what it throws (read from its source, confirmed against a scripted server):
 * - a tagged NO/BAD: message 'Command failed', responseStatus 'NO'|'BAD', responseText (human text),
 *   serverResponseCode (the bracketed code, e.g. 'ALERT'), response (the whole line as a string), and at
 *   LOGIN/AUTHENTICATE authenticationFailed: true, even for Gmail's too-many-connections ALERT;
 * - an untagged BYE: code 'NoConnection' (or 'ClosedAfterConnectText'/'ClosedAfterConnectTLS' before the
 *   greeting) with `reason` = the BYE text without its bracketed code;
 * - APPENDLIMIT checked locally: serverResponseCode 'APPENDLIMIT', message 'Message content too big for APPENDLIMIT=N';
 * - socket, DNS and TLS errors pass through with Node's code; note Node's TLS errors carry a `reason` of their own;
 * - its socket timer: 'Socket timeout', code ETIMEOUT (imap-connect.ts turns it into a stall-watch.ts error).
 */
import { secretsSetCommand } from '../connect/command-lines.js';
import { type ErrorCode, type ErrorInfo, isMailferryError } from './errors.js';
import { isStallError, type StallFacts } from '../connect/stall-watch.js';
import { GMAIL_IMAP_SCOPE } from '../oauth/google-endpoints.js';
import { DELEGATION_PAGE, IMAP_SETTING } from '../oauth/service-account/admin-steps.js';

export interface ErrorContext {
  side: 'source' | 'destination';
  host: string;
  port: number;
  user?: string;
  folder?: string;
  phase?: 'connect' | 'login' | 'select' | 'fetch' | 'append' | 'create' | 'other';
  /** How the endpoint signs in (the hint for a refused sign-in depends on it); default a password. */
  auth?: 'password' | 'oauth2' | 'oauth2-app' | 'service-account';
}
type Ctx = ErrorContext;

/** What a failure says, read once from whatever shape it came in. */
interface Signals {
  /** NO, BAD, BYE or OK when a server reply is known. */
  status?: string;
  /** The bracketed response code, upper case: ALERT, AUTHENTICATIONFAILED, OVERQUOTA, TOOBIG, WEBALERT... */
  respCode?: string;
  /** The server's human text (without tag, status and response code). */
  text: string;
  /** The whole server line when known, for the report and for URLs in it. */
  line?: string;
  /** imapflow's code (NoConnection, ETIMEOUT...). */
  code?: string;
  /** A Node socket/DNS/TLS code found on the error or its causes, and that error's own `reason`. */
  netCode?: string;
  netReason?: string;
  message: string;
  name?: string;
  authFailed: boolean;
  tlsFailed: boolean;
  oauth: boolean;
  mailboxMissing: boolean;
  /** A connection that went quiet (stall-watch.ts), or imapflow's socket timer (nothing else known). */
  stall?: Partial<StallFacts>;
}

type Say = ((code: ErrorCode, message: string, hint: string | undefined, retryable: boolean, extra?: Record<string, string | number>) => ErrorInfo) & {
  gmail: boolean;
  label: string;
  Label: string;
  authHint: string;
};

/**
 * Gmail appends " [THROTTLED]" to a successful tagged reply (`A2 OK Success [THROTTLED]`); Exchange refuses the
 * command (`A2 BAD Request is throttled. Suggested Backoff Time: 4000 milliseconds`) and closes the connection.
 */
export function isThrottledLine(line: string): boolean {
  const l = line.trim();
  return /^\S+\s+(OK|NO|BAD)\b.*\[THROTTLED\]\s*$/i.test(l) || /^\S+\s+(NO|BAD)\s+Request is throttled\b/i.test(l);
}

export function classifyError(err: unknown, ctx: Ctx): ErrorInfo {
  if (isMailferryError(err)) return err.toInfo();
  const s = readError(err);
  return stallRule(s, ctx) ?? netRule(s, ctx) ?? textRule(s, ctx) ?? connectionRule(s, ctx) ?? fallback(s, ctx);
}

/** For a raw server line (or just its text), e.g. `* BYE [OVERQUOTA] Account exceeded command or bandwidth limits.` */
export function classifyServerText(text: string, ctx: Ctx): ErrorInfo {
  const s = readLine(text);
  return textRule(s, ctx) ?? fallback(s, ctx);
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN']);
const TIMEOUTS = new Set(['ETIMEDOUT', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT']);
const CERT = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED', 'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE', 'CERT_REJECTED', 'HOSTNAME_MISMATCH',
]);
const LOST = new Set([
  'NoConnection', 'EConnectionClosed', 'StateLogout', 'ClosedAfterConnectText', 'ClosedAfterConnectTLS', 'ECONNRESET', 'EPIPE',
  'ECONNABORTED', 'Z_BUF_ERROR', 'ERR_STREAM_PREMATURE_CLOSE', 'UnexpectedTag', 'MissingTag', 'InvalidResponse', 'COMPRESS_TRAILING_DATA',
]);
const SELF_SIGNED = /SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|CERT_UNTRUSTED/;

/**
 * Silence: once the server has said anything, a connection that stops answering is CONNECTION_STALLED
 * (retried on a new one). A server that accepted the connection and never said a word is TIMEOUT, as a
 * missing greeting always was: it may be a TLS port spoken to in plain text, which retrying cannot fix.
 */
function stallRule(s: Signals, ctx: Ctx): ErrorInfo | undefined {
  if (!s.stall) return undefined;
  const say = sayFor(ctx, s);
  const { stallMs, during, heard, plain } = s.stall;
  const secs = stallMs === undefined ? undefined : Number((stallMs / 1000).toFixed(1));
  const extra = { ...(secs === undefined ? {} : { waitedSeconds: secs }), ...(during ? { during } : {}) };
  if (heard === false) {
    const hint = plain
      ? `The server may expect TLS from the start: use "security": "tls" (port 993) for the ${ctx.side}.`
      : 'Check the network connection and firewall; Mailferry retries.';
    return say('TIMEOUT', `${say.Label} accepted the connection but said nothing${secs === undefined ? '' : ` for ${secs} s`}.`, hint, true, extra);
  }
  const waited = secs === undefined ? 'in time' : `for ${secs} s`;
  return say('CONNECTION_STALLED', `${say.Label} stopped answering${during ? ` during ${during}` : ''}: nothing came back ${waited}, so Mailferry dropped the connection.`,
    'Nothing to do: Mailferry reconnects and continues where it stopped. If it keeps happening, check the network (Wi-Fi, VPN, firewall); on a very slow link raise "stallTimeoutSeconds" in the job.',
    true, extra);
}

/** DNS, TCP and TLS: decided by Node's code, before any `reason` is mistaken for a server's BYE text. */
function netRule(s: Signals, ctx: Ctx): ErrorInfo | undefined {
  const say = sayFor(ctx, s);
  const code = s.netCode ?? '';
  if (!code && !s.tlsFailed) return undefined;
  if (!code && /STARTTLS/i.test(s.message)) {
    return say('STARTTLS_UNAVAILABLE', `${say.Label} does not offer STARTTLS, so the connection would not be encrypted.`, 'Use port 993 with "security": "tls" if the server offers it; plain text is only allowed to this computer.', false);
  }
  if (DNS.has(code)) {
    return say('HOST_NOT_FOUND', `The ${ctx.side} server ${ctx.host}:${ctx.port} could not be found: the name "${ctx.host}" does not resolve.`, code === 'EAI_AGAIN' ? 'The name server did not answer: check the internet connection; Mailferry retries.' : `Check the spelling of the ${ctx.side} "host" in the job (for Gmail: imap.gmail.com) and the internet connection.`, code === 'EAI_AGAIN');
  }
  if (code === 'ECONNREFUSED') {
    return say('CONNECTION_REFUSED', `${say.Label} refused the connection: nothing listens on port ${ctx.port}.`, `Check the ${ctx.side} "port" in the job (IMAP uses 993 with TLS, 143 with STARTTLS) and that the server is running.`, false);
  }
  if (UNREACHABLE.has(code)) {
    return say('HOST_UNREACHABLE', `${say.Label} cannot be reached from this computer (${code}).`, 'Check the network connection, VPN or firewall; Mailferry retries.', true);
  }
  if (TIMEOUTS.has(code)) {
    const plainGreeting = code === 'GREETING_TIMEOUT' && /use TLS/i.test(s.message);
    const hint = plainGreeting
      ? `The server may expect TLS from the start: use "security": "tls" (port 993) for the ${ctx.side}.`
      : 'Check the network connection and firewall; Mailferry retries.';
    return say('TIMEOUT', `${say.Label} did not answer in time${code === 'GREETING_TIMEOUT' ? ' (no greeting after connecting)' : ''}.`, hint, true);
  }
  if (CERT.has(code)) return certificate(code, s, ctx, say);
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO' || code.startsWith('ERR_TLS_') || s.tlsFailed) {
    const plainPort = /wrong version number|packet length too long|http request|unknown protocol/i.test(`${s.message} ${s.netReason}`);
    // A reset in the middle of the handshake may be the network rather than the setup: worth another try.
    const dropped = LOST.has(s.code ?? '');
    const hint = plainPort
      ? `Use port 993 with "security": "tls", or keep port ${ctx.port} with "security": "starttls".`
      : dropped
        ? 'Mailferry retries; if it keeps happening, check the port and "security" setting of the job.'
        : 'The server may only offer old TLS versions (Mailferry needs TLS 1.2 or newer) or a broken TLS setup; ask its administrator.';
    const message = plainPort ? `${say.Label} did not answer in TLS: port ${ctx.port} speaks plain text.` : `The secure (TLS) connection to ${say.label} could not be set up.`;
    return say('TLS_HANDSHAKE', message, hint, dropped, { tls: s.netReason || s.message });
  }
  return undefined;
}

function certificate(code: string, s: Signals, ctx: Ctx, say: Say): ErrorInfo {
  const field = `"mailboxes[].${ctx.side}.ca"`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    const when = code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet';
    return say('TLS_CERTIFICATE', `The certificate of ${say.label} ${when}, so the connection is not trusted.`, "Ask the server's administrator to renew it; check this computer's date and time too.", false, { certificate: code });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return say('TLS_CERTIFICATE', `The certificate of ${say.label} is for another host name, so the connection is not trusted.`, `Use the host name the certificate was issued for (${s.netReason || 'see the details'}) as the ${ctx.side} "host".`, false, { certificate: code });
  }
  const self = SELF_SIGNED.test(code);
  return say(
    'TLS_CERTIFICATE',
    `${say.Label} presented a ${self ? 'self-signed or privately issued' : 'rejected'} certificate, so the connection is not trusted.`,
    `If you trust this server, save its certificate (or its CA's) as a PEM file and set ${field} in the job to that file's path.`,
    false,
    { certificate: code },
  );
}

/** imapflow's connection codes once no server text explained them. */
function connectionRule(s: Signals, ctx: Ctx): ErrorInfo | undefined {
  const say = sayFor(ctx, s);
  const code = s.code ?? '';
  if (code === 'ABORT_ERR' || s.name === 'AbortError') return say('CANCELLED', 'The run was cancelled.', undefined, false);
  if (LOST.has(code) || code.startsWith('ParserError')) {
    const atConnect = code.startsWith('ClosedAfterConnect') && !s.text;
    const garbled = code.startsWith('ParserError') || code === 'InvalidResponse' || code.endsWith('Tag');
    const hint = atConnect
      ? `If port ${ctx.port} expects TLS from the start (usually 993), use "security": "tls"; else Mailferry retries.`
      : 'Mailferry reconnects and continues where it stopped.';
    const what = garbled ? 'sent a reply Mailferry could not read, so the connection was dropped' : 'closed the connection';
    return say('CONNECTION_LOST', `${say.Label} ${what}.`, hint, true);
  }
  if (/No password configured|Please configure the login/i.test(s.message)) {
    return say('SECRET_MISSING', `No password is available for ${ctx.user ?? 'this account'} on ${say.label}.`, `Store it with \`${secretsSetCommand(ctx.host, ctx.user ?? 'USER')}\`, or name an environment variable in "passwordEnv".`, false);
  }
  if (/Login is disabled/i.test(s.message)) {
    return say('PLAINTEXT_REFUSED', `${say.Label} refuses to sign in over an unencrypted connection.`, 'Use "security": "tls" (port 993) or "starttls" (port 143).', false);
  }
  return undefined;
}

function fallback(s: Signals, ctx: Ctx): ErrorInfo {
  const say = sayFor(ctx, s);
  const reply = s.text ? `: "${s.text}"` : s.message ? ` (${s.message.slice(0, 200)})` : '';
  if (s.status === 'BYE') return say('CONNECTION_LOST', `${say.Label} closed the connection${reply}.`, 'Mailferry reconnects and continues where it stopped.', true);
  if (s.respCode === 'UNAVAILABLE' || (ctx.phase === 'fetch' && s.status === 'NO')) {
    // No code fits a temporary server-side failure better; trying again later usually works.
    return say('INTERNAL', `${say.Label} reported a temporary failure${reply}.`, 'Mailferry retries later; if it keeps happening, the server administrator can tell why.', true);
  }
  if (s.authFailed || ((ctx.phase === 'login' || ctx.phase === 'connect') && (s.status === 'NO' || s.status === 'BAD'))) {
    return say('AUTH_FAILED', `${say.Label} refused to sign in ${ctx.user ?? 'the account'}${reply}.`, say.authHint, false);
  }
  return say('INTERNAL', `Unexpected failure on ${say.label}${ctx.folder ? ` in "${ctx.folder}"` : ''}${reply}.`, undefined, false);
}

const GOOGLE_HOST = /(^|\.)(gmail|googlemail|google)\.com\.?$/i;

/** Builds ErrorInfo with the side's wording ("Gmail (imap.gmail.com:993)" or "the destination server host:port"). */
export function sayFor(ctx: Ctx, s: Signals): Say {
  const gmail = ctx.side === 'source' && GOOGLE_HOST.test(ctx.host);
  const label = gmail ? `Gmail (${ctx.host}:${ctx.port})` : `the ${ctx.side} server ${ctx.host}:${ctx.port}`;
  const say = ((code: ErrorCode, message: string, hint: string | undefined, retryable: boolean, extra?: Record<string, string | number>) => {
    const info: ErrorInfo = { code, message, retryable, details: details(ctx, s, extra) };
    if (hint) info.hint = hint;
    return info;
  }) as Say;
  say.gmail = gmail;
  say.label = label;
  say.Label = label[0]!.toUpperCase() + label.slice(1);
  // The source is a Google account by definition (even behind a proxy or test host): give Google's guidance.
  say.authHint = ctx.auth === 'service-account'
    ? serviceAccountHint(ctx)
    : ctx.side === 'source'
    ? 'Use an app password (not the Google account password), with no spaces, and the full email address as the username. ' +
      `If the account has no "App passwords" page (myaccount.google.com/apppasswords), 2-Step Verification is off or the administrator blocks app passwords. Store the new one with \`${secretsSetCommand(ctx.host, ctx.user ?? 'USER')}\`.`
    : destinationAuthHint(ctx);
  return say;
}

/** Gmail refused a token a service account obtained: the grant, the user or IMAP, not a password. */
function serviceAccountHint(ctx: Ctx): string {
  return `Check the service account's domain-wide delegation (${DELEGATION_PAGE}: its client ID with the scope ${GMAIL_IMAP_SCOPE}), ` +
    `that ${ctx.user ?? 'the user'} is an active user of the domain, and that IMAP is on for it (${IMAP_SETTING}).`;
}

/** What to do when the destination refuses to sign in, by how it signs in. */
function destinationAuthHint(ctx: Ctx): string {
  const user = ctx.user ?? 'USER';
  if (ctx.auth === 'oauth2') {
    return `Sign in again as ${user} with \`npx mailferry signin ${ctx.host} ${user} --provider microsoft --tenant TENANT --client-id ID\` (the same tenant and client ID as before), ` +
      'in a browser signed in as that account, not as an administrator.';
  }
  if (ctx.auth === 'oauth2-app') {
    return 'The app may not have access to this mailbox yet (Exchange can take up to an hour to apply it): run `npx mailferry exchange-permissions JOB.json` and have an administrator paste its lines.';
  }
  return `Check the destination username (often the full email address) and password; store a new one with \`${secretsSetCommand(ctx.host, user)}\`.`;
}

function details(ctx: Ctx, s: Signals, extra?: Record<string, string | number>): NonNullable<ErrorInfo['details']> {
  const d: NonNullable<ErrorInfo['details']> = { side: ctx.side, host: ctx.host, port: ctx.port };
  if (ctx.user) d.user = ctx.user;
  if (ctx.folder) d.folder = ctx.folder;
  if (ctx.phase) d.phase = ctx.phase;
  if (s.line) d.serverResponse = s.line;
  else if (s.text) d.serverResponse = s.text;
  const low = s.netCode ?? s.code;
  if (low) d.errorCode = low;
  return { ...d, ...extra };
}

// Dovecot's [OVERQUOTA] code aside, servers say it in words: Cyrus "Over quota", Courier "You exceeded your mail quota."
const QUOTA = /\bover ?quota\b|quota (exceeded|reached)|exceed(s|ed)? (the |your )?(mail |storage |mailbox )?quota|mailbox (is )?full|no space left|insufficient storage/i;
const TOO_BIG = /too (large|big)|size limit|exceeds? (the )?(maximum|size)|maximum size .* exceeded/i;
/** Exchange Online's words for a message over the mailbox's limit (35 MB unless an admin raised it). */
const EXCHANGE_TOO_BIG = /maximum size of appendable message has been exceeded/i;

/** Decisions from what the server said: the order matters (a too-many-connections NO is not a bad password). */
function textRule(s: Signals, ctx: Ctx): ErrorInfo | undefined {
  if (!s.text && !s.respCode && !s.status && !s.oauth) return undefined;
  const say = sayFor(ctx, s);
  const t = s.text;
  const rc = s.respCode ?? '';
  const refused = s.status === 'NO' || s.status === 'BAD';
  const user = ctx.user ?? 'this account';
  const forUser = ctx.user ? ` for ${ctx.user}` : '';
  const inFolder = ctx.folder ? ` for "${ctx.folder}"` : '';
  const reply = t ? `: "${t}"` : '';
  if (s.code === 'ETHROTTLE' || rc === 'THROTTLED' || /\[THROTTLED\]|request is throttled/i.test(`${s.line ?? ''} ${t}`)) {
    return say('THROTTLED', `${say.Label} asked Mailferry to slow down${forUser}.`, 'Nothing to do: Mailferry backs off and keeps going.', true);
  }
  if (/too many simultaneous connections|maximum number of connections|too many (open )?connections/i.test(t)) {
    const cap = say.gmail ? ' (Gmail allows 15 per account, all mail apps together)' : '';
    return say('TOO_MANY_CONNECTIONS', `${say.Label} refused another connection${forUser}: too many are open at once${cap}. The password is not the problem.`,
      'Close other mail apps that use this account (phones included) or lower "connectionsPerAccount" in the job; Mailferry retries with fewer connections.', true);
  }
  const bandwidth = /exceeded command or bandwidth limits/i.test(t);
  if (bandwidth && ctx.side === 'destination') {
    return say('DEST_OVER_QUOTA', `${say.Label} exceeded its daily command or bandwidth limits${forUser}.`, 'Nothing to do: Mailferry pauses this mailbox and resumes it later (such limits reset within 24 hours).', true);
  }
  if (bandwidth || (rc === 'OVERQUOTA' && ctx.side === 'source')) {
    const limits = say.gmail ? "Gmail's command or bandwidth limits for the day" : "the server's command or bandwidth limits";
    return say('SOURCE_OVER_QUOTA', `${say.Label} paused ${user}: the account exceeded ${limits}.`,
      `Nothing to do: this mailbox pauses and resumes automatically later${say.gmail ? ' (Google lifts the limit within 24 hours; Workspace allows 2500 MB of IMAP downloads a day)' : ''}. What was copied stays copied.`, true);
  }
  if (/session expired|session invalidated|AccessTokenExpired/i.test(t)) {
    const why = say.gmail ? ' (Gmail sessions last about a day, or an hour with OAuth)' : /AccessTokenExpired/i.test(t) ? ' (its sign-in token expired)' : '';
    return say('SESSION_EXPIRED', `${say.Label} ended the session${why}; Mailferry signs in again and continues.`, undefined, true);
  }
  if (/application-specific password required/i.test(t)) {
    return say('APP_PASSWORD_REQUIRED', `${say.Label} requires an app password for ${user}: 2-Step Verification is on, so the Google account password does not work for IMAP.`,
      `Create an app password at https://myaccount.google.com/apppasswords and store it (the 16 letters, without spaces) with \`${secretsSetCommand(ctx.host, ctx.user ?? 'USER')}\`.`, false);
  }
  if (rc === 'WEBALERT' || /log ?in via your web browser|web login required/i.test(t)) {
    const url = /\[WEBALERT\s+(\S+?)\]/i.exec(s.line ?? '')?.[1] ?? 'https://mail.google.com';
    const help = /https:\/\/[^\s)]+/.exec(t)?.[0];
    return say('WEB_LOGIN_REQUIRED', `${say.Label} wants ${user} to sign in once in a web browser before it allows IMAP.`,
      `Sign in with this account at ${url}, complete any check Google asks for, then run the job again.${help ? ` Google's help: ${help}` : ''}`, false);
  }
  if (/not enabled for IMAP use/i.test(t)) {
    return say('IMAP_DISABLED_ACCOUNT', `${say.Label} says IMAP is turned off for ${user}.`, 'In Gmail: Settings > See all settings > Forwarding and POP/IMAP > Enable IMAP, save, then run the job again.', false);
  }
  if (/IMAP access is disabled for your domain/i.test(t)) {
    const domain = ctx.user?.includes('@') ? ctx.user.slice(ctx.user.lastIndexOf('@') + 1) : 'this domain';
    return say('IMAP_DISABLED_DOMAIN', `${say.Label} says the Google Workspace administrator has turned IMAP off for ${domain}.`,
      'Ask the administrator to turn it on: Admin console > Apps > Google Workspace > Gmail > End User Access > POP and IMAP access.', false);
  }
  if (rc === 'OVERQUOTA' || QUOTA.test(t)) {
    return say('DEST_OVER_QUOTA', `${say.Label} refused to store more${forUser}: the mailbox is over its storage quota.`,
      'Free space or raise the quota on the destination, then run the job again; what was copied stays copied and is not copied twice.', false);
  }
  if (rc === 'TOOBIG' || rc === 'APPENDLIMIT' || (refused && TOO_BIG.test(t))) {
    const limit = Number(/APPENDLIMIT=(\d+)/.exec(s.message)?.[1] ?? NaN);
    const size = Number.isFinite(limit) ? ` (its limit is ${(limit / 1048576).toFixed(1)} MB)` : '';
    const exchange = EXCHANGE_TOO_BIG.test(t)
      ? ' Microsoft 365 takes 35 MB unless an administrator raised it: `Set-Mailbox <mailbox> -MaxReceiveSize 150MB` (at most 150 MB), then run again.'
      : '';
    return say('MESSAGE_TOO_BIG', `${say.Label} refused a message${inFolder} as too large${size}.`,
      `Mailferry skips it and lists it in the report with its size and folder; save or forward it by hand if you need it.${exchange}`, false,
      Number.isFinite(limit) ? { limit } : undefined);
  }
  if (s.oauth || /invalid_grant/i.test(`${t} ${s.message}`)) {
    if (ctx.auth === 'service-account') return say('AUTH_FAILED', `${say.Label} refused the service account's access token for ${user}.`, say.authHint, false);
    return say('OAUTH_SIGN_IN_AGAIN', `${say.Label} no longer accepts Mailferry's sign-in for ${user}: the authorisation expired or was revoked.`, 'Sign in with Google again for this account in Mailferry.', false);
  }
  if (rc === 'PRIVACYREQUIRED') {
    return say('PLAINTEXT_REFUSED', `${say.Label} refuses to sign in over an unencrypted connection.`, 'Use "security": "tls" (port 993) or "starttls" (port 143).', false);
  }
  if (rc === 'AUTHENTICATIONFAILED' || rc === 'AUTHORIZATIONFAILED' || /invalid credentials/i.test(t)) {
    return say('AUTH_FAILED', `${say.Label} rejected the username or password for ${user}.`, say.authHint, false);
  }
  if (/user is authenticated but not connected/i.test(t)) {
    return say('AUTH_FAILED', `${say.Label} accepted the sign-in but cannot open the mailbox of ${user}: the token belongs to another account (a browser still signed in as someone else) or has no permission on this mailbox.`,
      `Sign in again as ${user} itself; with the whole-organisation (app-only) sign-in, give the app access to the mailbox: \`Add-MailboxPermission -Identity ${user} -User <service principal id> -AccessRights FullAccess\`.`, false);
  }
  if (/command argument error\. 11/i.test(t)) {
    // Exchange's catch-all: a keyword it does not keep, a line over about 10,000 characters, or a full mailbox.
    return say('MESSAGE_REFUSED', `${say.Label} refused a message${inFolder}${reply}: Exchange says this for a keyword it does not keep, a line over about 10,000 characters, or a full mailbox.`,
      'The message is listed in the report and the others are copied; if many are refused, check the mailbox\'s free space in Microsoft 365, then run again.', false);
  }
  if (refused && ctx.phase === 'create') {
    return say('FOLDER_REFUSED', `${say.Label} refused to create the folder "${ctx.folder ?? '?'}"${reply}.`,
      'Rename the label in Gmail, or leave it out with "folders": { "exclude": [...] } in the job; the other folders are copied.', false);
  }
  if (refused && ctx.phase === 'append' && rc !== 'TRYCREATE') {
    return say('MESSAGE_REFUSED', `${say.Label} refused a message${inFolder}${reply}.`, 'The message is listed in the report; the others are copied.', false);
  }
  if (s.mailboxMissing || rc === 'NONEXISTENT' || rc === 'TRYCREATE') {
    return say('FOLDER_MISSING', `The folder "${ctx.folder ?? '?'}" does not exist on ${say.label}.`, 'It may have been deleted or renamed since the run was planned; run the job again.', false);
  }
  return undefined;
}

const NET = (c: string) => DNS.has(c) || UNREACHABLE.has(c) || TIMEOUTS.has(c) || CERT.has(c) || c === 'ECONNREFUSED' || c === 'EPROTO' || /^ERR_(SSL|TLS)_/.test(c);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads an imapflow/Node error (or anything thrown) into Signals. */
function readError(err: unknown): Signals {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as Record<string, unknown>;
  const s: Signals = {
    text: '', message: str(e.message) ?? '', authFailed: e.authenticationFailed === true, tlsFailed: e.tlsFailed === true,
    oauth: e.oauthError !== undefined && e.oauthError !== false && e.oauthError !== null, mailboxMissing: e.mailboxMissing === true,
  };
  const code = str(e.code);
  if (code) s.code = code;
  if (isStallError(err)) s.stall = { stallMs: err.stallMs, during: err.during, heard: err.heard, plain: err.plain === true };
  else if (code === 'ETIMEOUT') s.stall = {};
  if (str(e.name)) s.name = e.name as string;
  // Proxy and deadline errors keep the original as _err; re-stamped ones as cause.
  let cur: Record<string, unknown> | undefined = e;
  for (let i = 0; cur && i < 5; i++) {
    const c = str(cur.code);
    if (c && NET(c)) {
      s.netCode = c;
      if (str(cur.reason)) s.netReason = cur.reason as string;
      break;
    }
    const next: unknown = cur.cause ?? cur._err;
    cur = typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : undefined;
  }
  const response = e.response;
  if (typeof response === 'string') Object.assign(s, pick(readLine(response), ['status', 'respCode', 'text', 'line']));
  else if (typeof response === 'object' && response !== null) Object.assign(s, pick(fromParsed(response as Record<string, unknown>), ['status', 'respCode', 'text']));
  if (str(e.responseStatus)) s.status = (e.responseStatus as string).toUpperCase();
  if (str(e.serverResponseCode)) s.respCode = (e.serverResponseCode as string).toUpperCase();
  if (str(e.responseText)) s.text = e.responseText as string;
  // imapflow's `reason` is the BYE text; Node's TLS errors have a `reason` too, which netCode already claimed.
  if (!s.text && !s.netCode && str(e.reason)) {
    s.text = e.reason as string;
    s.status ??= 'BYE';
  }
  return s;
}

/** A parsed response object (imapflow keeps one on a tagged BYE). */
function fromParsed(r: Record<string, unknown>): Partial<Signals> {
  const attrs = Array.isArray(r.attributes) ? (r.attributes as Array<Record<string, unknown>>) : [];
  const section = attrs[0]?.section as Array<{ value?: unknown }> | undefined;
  const out: Partial<Signals> = { text: attrs.filter((a) => a?.type === 'TEXT').map((a) => String(a.value ?? '').trim()).join(' ') };
  if (str(r.command)) out.status = (r.command as string).toUpperCase();
  if (section && typeof section[0]?.value === 'string') out.respCode = section[0].value.toUpperCase();
  return out;
}

const LINE = /^(?:(\S+)\s+)?(OK|NO|BAD|BYE|PREAUTH)(?:\s+|$)(?:\[([^\]]*)\]\s*)?(.*)$/s;

/** Reads `A2 NO [ALERT] text`, `* BYE text`, `[ALERT] text`, a bare text, or an XOAUTH2 `+ <base64 JSON>` challenge. */
function readLine(raw: string): Signals {
  const line = raw.replace(/\r?\n$/, '').trim();
  const s: Signals = { text: line, line, message: '', authFailed: false, tlsFailed: false, oauth: false, mailboxMissing: false };
  const challenge = /^\+\s+([A-Za-z0-9+/]+={0,2})$/.exec(line);
  if (challenge) {
    const json = Buffer.from(challenge[1]!, 'base64').toString('utf8');
    if (/^\{.*"status"/s.test(json)) Object.assign(s, { oauth: true, text: json });
    return s;
  }
  const m = LINE.exec(line) ?? /^()()\[([^\]]*)\]\s*(.*)$/s.exec(line);
  if (m) {
    if (m[2]) s.status = m[2].toUpperCase();
    if (m[3]) s.respCode = m[3].trim().split(/\s+/)[0]!.toUpperCase();
    s.text = m[4]!.trim();
  }
  return s;
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
