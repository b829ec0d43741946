import { AuthenticationFailure, createImapError } from 'imapflow/lib/errors.js';
import { parser } from 'imapflow/lib/handler/imap-handler.js';
import { getErrorText, getStatusCode, getTextValues } from 'imapflow/lib/tools.js';
import { describe, expect, it } from 'vitest';
import { classifyError, classifyServerText, type ErrorContext, isThrottledLine } from '../../src/main/engine/errors/classify-error.js';
import type { ErrorCode, ErrorInfo } from '../../src/main/engine/errors/errors.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import { stallError } from '../../src/main/engine/connect/stall-watch.js';

const gmail: ErrorContext = { side: 'source', host: 'imap.gmail.com', port: 993, user: 'alice@example.org', phase: 'login' };
const dest: ErrorContext = { side: 'destination', host: 'mail.example.com', port: 993, user: 'alice@example.com', folder: 'Work', phase: 'append' };
const PASSWORD = 'hunter2-app-pw';

interface Row {
  name: string;
  ctx: ErrorContext;
  code: ErrorCode;
  retryable: boolean;
  /** Words the message or hint must contain (case-sensitive). */
  words?: string[];
}

/** Every text must name the side's server, and no text may hold the password. */
function check(info: ErrorInfo, row: Row): void {
  expect(info.code).toBe(row.code);
  expect(info.retryable).toBe(row.retryable);
  const all = `${info.message} ${info.hint ?? ''}`;
  for (const w of row.words ?? []) expect(all).toContain(w);
  if (row.code !== 'CANCELLED') expect(info.message).toContain(`${row.ctx.host}:${row.ctx.port}`);
  expect(JSON.stringify(info)).not.toContain(PASSWORD);
  expect(info.details).toMatchObject({ side: row.ctx.side, host: row.ctx.host, port: row.ctx.port });
}

// Every server line of gmail-imap-facts.md, exactly as written there.
const factLines: Array<Row & { line: string }> = [
  { name: 'wrong password', line: 'NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)', ctx: gmail, code: 'AUTH_FAILED', retryable: false, words: ['Gmail (imap.gmail.com:993)', 'app password', 'no spaces', 'full email address', 'myaccount.google.com/apppasswords'] },
  { name: 'app password needed', line: 'NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)', ctx: gmail, code: 'APP_PASSWORD_REQUIRED', retryable: false, words: ['https://myaccount.google.com/apppasswords', '2-Step Verification', '`npx mailferry secrets set imap.gmail.com alice@example.org`'] },
  { name: 'browser sign-in', line: 'NO [ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)', ctx: gmail, code: 'WEB_LOGIN_REQUIRED', retryable: false, words: ['web browser', 'then run the job again', 'https://support.google.com/mail/accounts/answer/78754'] },
  { name: 'WEBALERT', line: '* NO [WEBALERT https://accounts.google.com/...] Web login required.', ctx: gmail, code: 'WEB_LOGIN_REQUIRED', retryable: false, words: ['https://accounts.google.com/...'] },
  { name: 'IMAP off for the account', line: '[ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page and enable your account for IMAP access. (Failure)', ctx: gmail, code: 'IMAP_DISABLED_ACCOUNT', retryable: false, words: ['Settings > See all settings > Forwarding and POP/IMAP > Enable IMAP'] },
  { name: 'IMAP off for the domain', line: '[ALERT] IMAP access is disabled for your domain. Please contact your domain administrator for questions about this feature. (Failure)', ctx: gmail, code: 'IMAP_DISABLED_DOMAIN', retryable: false, words: ['example.org', 'Admin console > Apps > Google Workspace > Gmail > End User Access > POP and IMAP access'] },
  { name: 'too many connections', line: 'NO [ALERT] Too many simultaneous connections. (Failure)', ctx: gmail, code: 'TOO_MANY_CONNECTIONS', retryable: true, words: ['15 per account', 'not the problem', 'connectionsPerAccount'] },
  { name: 'throttled', line: 'A2 OK Success [THROTTLED]', ctx: { ...gmail, phase: 'fetch' }, code: 'THROTTLED', retryable: true, words: ['slow down'] },
  { name: 'daily quota (BYE)', line: '* BYE [OVERQUOTA] Account exceeded command or bandwidth limits.', ctx: { ...gmail, phase: 'fetch' }, code: 'SOURCE_OVER_QUOTA', retryable: true, words: ['resumes automatically', '24 hours'] },
  { name: 'daily quota (login)', line: 'NO [ALERT] Account exceeded command or bandwidth limits. (Failure)', ctx: gmail, code: 'SOURCE_OVER_QUOTA', retryable: true, words: ['pauses'] },
  { name: 'session expiry', line: '* BYE Session expired, please login again.', ctx: { ...gmail, phase: 'fetch' }, code: 'SESSION_EXPIRED', retryable: true, words: ['signs in again'] },
  { name: 'APPEND too large (Gmail as destination)', line: 'BAD [TOOBIG] Message too large. ...', ctx: dest, code: 'MESSAGE_TOO_BIG', retryable: false, words: ['"Work"', 'report', 'size'] },
  {
    name: 'XOAUTH2 challenge', line: `+ ${Buffer.from('{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}').toString('base64')}`,
    ctx: gmail, code: 'OAUTH_SIGN_IN_AGAIN', retryable: false, words: ['Sign in with Google again'],
  },
];

// Lines from other servers (Dovecot, Microsoft 365) and the destination side.
const otherLines: Array<Row & { line: string }> = [
  { name: 'destination storage quota', line: 'A5 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)', ctx: dest, code: 'DEST_OVER_QUOTA', retryable: false, words: ['The destination server', 'Free space'] },
  { name: 'destination quota without a code', line: 'A5 NO Quota exceeded', ctx: dest, code: 'DEST_OVER_QUOTA', retryable: false },
  { name: 'Microsoft destination refuses a delegated token', line: 'A1 NO AUTHENTICATE failed.', ctx: { ...dest, phase: 'login', auth: 'oauth2' }, code: 'AUTH_FAILED', retryable: false, words: ['Sign in again as alice@example.com', '--provider microsoft'] },
  { name: 'Microsoft destination refuses the app-only token', line: 'A1 NO AUTHENTICATE failed.', ctx: { ...dest, phase: 'login', auth: 'oauth2-app' }, code: 'AUTH_FAILED', retryable: false, words: ['exchange-permissions'] },
  { name: 'Exchange: message over the mailbox limit', line: 'A7 NO Maximum size of appendable message has been exceeded.', ctx: { ...dest, phase: 'append' }, code: 'MESSAGE_TOO_BIG', retryable: false, words: ['Set-Mailbox <mailbox> -MaxReceiveSize 150MB'] },
  { name: 'Exchange catch-all on APPEND', line: 'A8 BAD Command Argument Error. 11', ctx: { ...dest, phase: 'append' }, code: 'MESSAGE_REFUSED', retryable: false, words: ['keyword it does not keep', 'free space'] },
  { name: 'Exchange: token of another user', line: 'A3 BAD User is authenticated but not connected.', ctx: { ...dest, phase: 'other' }, code: 'AUTH_FAILED', retryable: false, words: ['another account', 'Add-MailboxPermission'] },
  { name: 'Exchange: token expired mid-session', line: '* BYE Session invalidated - AccessTokenExpired', ctx: { ...dest, phase: 'append' }, code: 'SESSION_EXPIRED', retryable: true, words: ['token expired'] },
  { name: 'Exchange throttling', line: 'A4 BAD Request is throttled. Suggested Backoff Time: 4000 milliseconds', ctx: { ...dest, phase: 'append' }, code: 'THROTTLED', retryable: true },
  { name: 'Courier full mailbox (no [OVERQUOTA])', line: 'A5 NO [ALERT] You exceeded your mail quota.', ctx: { ...dest, phase: 'append' }, code: 'DEST_OVER_QUOTA', retryable: false, words: ['over its storage quota'] },
  { name: 'Cyrus full mailbox', line: 'A5 NO Over quota', ctx: { ...dest, phase: 'append' }, code: 'DEST_OVER_QUOTA', retryable: false },
  { name: 'destination bandwidth limit', line: '* BYE [OVERQUOTA] Account exceeded command or bandwidth limits.', ctx: dest, code: 'DEST_OVER_QUOTA', retryable: true, words: ['resumes it later'] },
  { name: 'TOOBIG with NO', line: 'A6 NO [TOOBIG] Message too large', ctx: dest, code: 'MESSAGE_TOO_BIG', retryable: false },
  { name: 'CREATE refused', line: 'A7 NO [CANNOT] Invalid mailbox name', ctx: { ...dest, phase: 'create' }, code: 'FOLDER_REFUSED', retryable: false, words: ['"Work"', 'Invalid mailbox name', 'exclude'] },
  { name: 'APPEND refused', line: 'A8 NO Message rejected: virus found', ctx: dest, code: 'MESSAGE_REFUSED', retryable: false, words: ['virus found'] },
  { name: 'APPEND to a missing folder', line: 'A8 NO [TRYCREATE] Mailbox does not exist', ctx: dest, code: 'FOLDER_MISSING', retryable: false },
  { name: 'Dovecot connection cap', line: '* BYE Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)', ctx: { ...dest, phase: 'connect' }, code: 'TOO_MANY_CONNECTIONS', retryable: true },
  { name: 'Microsoft 365 throttling', line: 'A1 BAD Request is throttled. Suggested Backoff Time: 92415 milliseconds', ctx: dest, code: 'THROTTLED', retryable: true },
  { name: 'temporary auth failure is not a wrong password', line: 'A1 NO [UNAVAILABLE] Temporary authentication failure.', ctx: { ...dest, phase: 'login' }, code: 'INTERNAL', retryable: true, words: ['temporary'] },
  { name: 'plain-text login refused', line: 'A1 NO [PRIVACYREQUIRED] Plaintext authentication disallowed', ctx: { ...dest, phase: 'login' }, code: 'PLAINTEXT_REFUSED', retryable: false, words: ['"security": "tls"'] },
  { name: 'destination wrong password: generic wording', line: 'A1 NO [AUTHENTICATIONFAILED] Authentication failed.', ctx: { ...dest, phase: 'login' }, code: 'AUTH_FAILED', retryable: false, words: ['The destination server mail.example.com:993', 'npx mailferry secrets set mail.example.com alice@example.com'] },
  { name: 'an unknown login NO is an auth failure', line: 'A1 NO Login failed', ctx: { ...dest, phase: 'login' }, code: 'AUTH_FAILED', retryable: false },
  { name: 'any other BYE is a lost connection', line: '* BYE Server shutting down', ctx: dest, code: 'CONNECTION_LOST', retryable: true, words: ['Server shutting down'] },
  { name: 'a non-Google source says "the source server"', line: '* BYE Session expired, please login again.', ctx: { side: 'source', host: '127.0.0.1', port: 1143 }, code: 'SESSION_EXPIRED', retryable: true, words: ['The source server 127.0.0.1:1143'] },
];

describe('classifyServerText', () => {
  it.each([...factLines, ...otherLines])('$name: $line', (row) => check(classifyServerText(row.line, row.ctx), row));

  it('does not call a Gmail-only code "Gmail" on the destination', () => {
    const info = classifyServerText('NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)', { ...dest, phase: 'login' });
    expect(info.hint).not.toContain('app password');
    expect(info.message).not.toContain('Gmail');
  });
});

describe('isThrottledLine', () => {
  it.each([
    ['A2 OK Success [THROTTLED]', true],
    ['A2 OK Success [THROTTLED]\r\n', true],
    ['A17 OK FETCH completed (Success) [THROTTLED]', true],
    ['A2 OK Success', false],
    ['* 3 FETCH (BODY[] {12}', false],
    ['* OK [THROTTLED-ISH] no', false],
    ['A9 BAD Request is throttled. Suggested Backoff Time: 4000 milliseconds', true],
    ['* 4 FETCH (BODY[] {30}', false],
  ])('%j -> %s', (line, want) => expect(isThrottledLine(line)).toBe(want));
});

/** A tagged NO/BAD as imapflow rejects it: settleRequest(), then login.ts or enhanceCommandError(). */
async function taggedError(line: string, executed: string, opts: { login?: boolean; oauthError?: unknown } = {}): Promise<Error> {
  const parsed = await parser(Buffer.from(line));
  const err = new Error('Command failed') as Error & Record<string, unknown>;
  err.response = parsed;
  err.responseStatus = (parsed.command ?? '').toUpperCase();
  err.executedCommand = executed;
  const txt = getTextValues(parsed.attributes).map((v) => v.trim()).join(' ');
  if (txt) err.responseText = txt;
  const code = getStatusCode(parsed);
  if (code) err.serverResponseCode = code;
  if (opts.login) err.authenticationFailed = true;
  err.response = await getErrorText(parsed);
  if (opts.oauthError) err.oauthError = opts.oauthError;
  return err;
}

/** An untagged BYE as imapflow reports it: the text without its code in `reason`. */
async function byeError(line: string, beforeGreeting = false): Promise<Error> {
  const reason = getTextValues((await parser(Buffer.from(line))).attributes).map((v) => v.trim()).join(' ');
  return beforeGreeting
    ? createImapError('Unexpected close', 'ClosedAfterConnectText', { reason })
    : createImapError('Connection not available', 'NoConnection', { reason, rejectedFrom: 'pendingRequest', command: 'UID FETCH', response: false });
}

const login = `A1 LOGIN "alice@example.org" "(* value hidden *)"`;
const append = 'A9 APPEND Work (\\Seen) "01-Jan-2024 00:00:00 +0000" "(* 18B literal *)"';

const imapflowRows: Array<Row & { make: () => Promise<unknown> | unknown }> = [
  { name: 'LOGIN NO AUTHENTICATIONFAILED', make: () => taggedError('A1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)', login, { login: true }), ctx: gmail, code: 'AUTH_FAILED', retryable: false },
  { name: 'LOGIN NO too many connections, authenticationFailed set', make: () => taggedError('A1 NO [ALERT] Too many simultaneous connections. (Failure)', login, { login: true }), ctx: gmail, code: 'TOO_MANY_CONNECTIONS', retryable: true },
  { name: 'LOGIN NO app password', make: () => taggedError('A1 NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)', login, { login: true }), ctx: gmail, code: 'APP_PASSWORD_REQUIRED', retryable: false },
  { name: 'LOGIN NO over quota', make: () => taggedError('A1 NO [ALERT] Account exceeded command or bandwidth limits. (Failure)', login, { login: true }), ctx: gmail, code: 'SOURCE_OVER_QUOTA', retryable: true },
  { name: 'LOGIN NO IMAP disabled', make: () => taggedError('A1 NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page and enable your account for IMAP access. (Failure)', login, { login: true }), ctx: gmail, code: 'IMAP_DISABLED_ACCOUNT', retryable: false },
  { name: 'LOGIN NO without a code', make: () => taggedError('A1 NO Login failed.', login, { login: true }), ctx: { ...dest, phase: 'connect' }, code: 'AUTH_FAILED', retryable: false },
  { name: 'password in a command text never leaks', make: () => taggedError('A1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)', `A1 LOGIN "alice" "${PASSWORD}"`, { login: true }), ctx: gmail, code: 'AUTH_FAILED', retryable: false },
  {
    name: 'XOAUTH2 failure', ctx: gmail, code: 'OAUTH_SIGN_IN_AGAIN', retryable: false,
    make: () => taggedError('A1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)', 'A1 AUTHENTICATE XOAUTH2', { login: true, oauthError: { status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' } }),
  },
  {
    name: 'XOAUTH2 failure with a service account', ctx: { ...gmail, auth: 'service-account' }, code: 'AUTH_FAILED', retryable: false, words: ["refused the service account's access token", 'Domain-wide delegation', 'https://mail.google.com/', 'POP and IMAP access'],
    make: () => taggedError('A1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)', 'A1 AUTHENTICATE XOAUTH2', { login: true, oauthError: { status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' } }),
  },
  { name: 'service account: Gmail refuses the token at LOGIN', make: () => taggedError('A1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)', login, { login: true }), ctx: { ...gmail, auth: 'service-account' }, code: 'AUTH_FAILED', retryable: false, words: ['Domain-wide delegation'] },
  { name: 'BYE session expired mid-fetch', make: () => byeError('* BYE Session expired, please login again.'), ctx: { ...gmail, phase: 'fetch' }, code: 'SESSION_EXPIRED', retryable: true },
  { name: 'BYE [OVERQUOTA] mid-fetch (code stripped by imapflow)', make: () => byeError('* BYE [OVERQUOTA] Account exceeded command or bandwidth limits.'), ctx: { ...gmail, phase: 'fetch' }, code: 'SOURCE_OVER_QUOTA', retryable: true },
  { name: 'BYE [OVERQUOTA] as the greeting', make: () => byeError('* BYE [OVERQUOTA] Account exceeded command or bandwidth limits.', true), ctx: { ...gmail, phase: 'connect' }, code: 'SOURCE_OVER_QUOTA', retryable: true },
  { name: 'BYE too many connections as the greeting', make: () => byeError('* BYE Too many simultaneous connections.', true), ctx: { ...gmail, phase: 'connect' }, code: 'TOO_MANY_CONNECTIONS', retryable: true },
  { name: 'NoConnection without a reason', make: () => createImapError('Connection not available', 'NoConnection', { rejectedFrom: 'pendingRequest', command: 'SELECT', response: false }), ctx: { ...gmail, phase: 'select' }, code: 'CONNECTION_LOST', retryable: true, words: ['reconnects'] },
  { name: 'closed before the greeting', make: () => createImapError('Unexpected close', 'ClosedAfterConnectText'), ctx: { ...dest, phase: 'connect' }, code: 'CONNECTION_LOST', retryable: true, words: ['"security": "tls"'] },
  { name: 'EConnectionClosed', make: () => createImapError('Connection closed', 'EConnectionClosed', { rejectedFrom: 'execNoSocket', command: 'APPEND' }), ctx: dest, code: 'CONNECTION_LOST', retryable: true },
  { name: 'parser error', make: () => createImapError('Unexpected char at position 3', 'ParserError5' as 'ParserError'), ctx: dest, code: 'CONNECTION_LOST', retryable: true, words: ['could not read'] },
  { name: 'APPEND NO OVERQUOTA', make: () => taggedError('A9 NO [OVERQUOTA] Quota exceeded (mailbox for user is full) (0.001 + 0.000 secs).', append), ctx: dest, code: 'DEST_OVER_QUOTA', retryable: false },
  { name: 'APPEND BAD TOOBIG', make: () => taggedError('A9 BAD [TOOBIG] Message too large. https://support.google.com/mail/answer/6584#limit', append), ctx: dest, code: 'MESSAGE_TOO_BIG', retryable: false },
  {
    name: 'APPENDLIMIT checked by imapflow', ctx: dest, code: 'MESSAGE_TOO_BIG', retryable: false, words: ['10.0 MB'],
    make: () => Object.assign(new Error('Message content too big for APPENDLIMIT=10485760'), { serverResponseCode: 'APPENDLIMIT' }),
  },
  { name: 'APPEND NO other', make: () => taggedError('A9 NO [CANNOT] Message contains invalid header', append), ctx: dest, code: 'MESSAGE_REFUSED', retryable: false, words: ['invalid header'] },
  { name: 'CREATE NO', make: () => taggedError('A3 NO [CANNOT] Invalid mailbox name', 'A3 CREATE "a*b"'), ctx: { ...dest, folder: 'a*b', phase: 'create' }, code: 'FOLDER_REFUSED', retryable: false, words: ['"a*b"'] },
  {
    name: 'SELECT NO NONEXISTENT', ctx: { ...dest, phase: 'select' }, code: 'FOLDER_MISSING', retryable: false,
    make: async () => Object.assign(await taggedError("A5 NO [NONEXISTENT] Mailbox doesn't exist", 'A5 SELECT Work'), { mailboxMissing: true }),
  },
  {
    name: 'ETHROTTLE (Microsoft 365)', ctx: dest, code: 'THROTTLED', retryable: true,
    make: async () => Object.assign(await taggedError('A4 BAD Request is throttled. Suggested Backoff Time: 92415 milliseconds', append), { code: 'ETHROTTLE', throttleReset: 92415 }),
  },
  { name: 'socket timeout: the server stopped answering', make: () => createImapError('Socket timeout', 'ETIMEOUT'), ctx: { ...gmail, phase: 'fetch' }, code: 'CONNECTION_STALLED', retryable: true, words: ['stopped answering', 'reconnects'] },
  { name: 'connect deadline', make: () => createImapError('Failed to establish connection in required time', 'CONNECT_TIMEOUT', { details: { connectionTimeout: 90000 } }), ctx: { ...gmail, phase: 'connect' }, code: 'TIMEOUT', retryable: true },
  {
    name: 'no greeting on a plain connection', ctx: { ...dest, port: 993, phase: 'connect' }, code: 'TIMEOUT', retryable: true, words: ['"security": "tls"'],
    make: () => createImapError('Failed to receive greeting from server in required time. Maybe should use TLS?', 'GREETING_TIMEOUT', { details: { greetingTimeout: 16000 } }),
  },
  { name: 'LOGINDISABLED', make: () => new AuthenticationFailure('Login is disabled'), ctx: { ...dest, phase: 'connect' }, code: 'PLAINTEXT_REFUSED', retryable: false },
  { name: 'STARTTLS required but not offered', make: () => Object.assign(new Error('Server does not support STARTTLS'), { tlsFailed: true }), ctx: { ...dest, port: 143, phase: 'connect' }, code: 'STARTTLS_UNAVAILABLE', retryable: false },
  {
    name: 'proxy wrapper keeps the Node error as _err', ctx: { ...dest, phase: 'connect' }, code: 'CONNECTION_REFUSED', retryable: false,
    make: () => Object.assign(new Error('Failed to setup proxy connection'), { code: 'ECONNREFUSED', _err: nodeError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:993') }),
  },
];

function nodeError(code: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

// What the stall watches raise (stall-watch.ts), from both clients and from imap-connect.ts's reading of imapflow's timers.
const stallRows: Array<Row & { make: () => unknown }> = [
  {
    name: 'a command got nothing back', ctx: { ...dest, phase: 'append' }, code: 'CONNECTION_STALLED', retryable: true,
    words: ['The destination server mail.example.com:993 stopped answering during the APPEND command: nothing came back for 60 s', 'reconnects', '"stallTimeoutSeconds"'],
    make: () => stallError({ stallMs: 60_000, during: 'the APPEND command', heard: true }),
  },
  {
    name: 'sign-in went quiet after LOGIN', ctx: gmail, code: 'CONNECTION_STALLED', retryable: true, words: ['Gmail (imap.gmail.com:993) stopped answering during sign-in: nothing came back for 2.5 s'],
    make: () => stallError({ stallMs: 2500, during: 'sign-in', heard: true, plain: false }),
  },
  {
    name: 'a TLS handshake that stopped (imapflow marks it tlsFailed)', ctx: { ...dest, phase: 'connect' }, code: 'CONNECTION_STALLED', retryable: true, words: ['during the TLS handshake'],
    make: () => Object.assign(stallError({ stallMs: 10_000, during: 'the TLS handshake', heard: true }), { tlsFailed: true }),
  },
  {
    name: 'not a word after accepting, in plain text: maybe a TLS port', ctx: { ...dest, port: 993, phase: 'connect' }, code: 'TIMEOUT', retryable: true,
    words: ['accepted the connection but said nothing for 60 s', '"security": "tls"'],
    make: () => stallError({ stallMs: 60_000, during: 'the greeting', heard: false, plain: true }),
  },
  {
    name: 'not a word after accepting, over TLS', ctx: { ...dest, phase: 'connect' }, code: 'TIMEOUT', retryable: true, words: ['said nothing', 'firewall'],
    make: () => stallError({ stallMs: 60_000, during: 'the TLS handshake', heard: false }),
  },
];

const nodeRows: Array<Row & { make: () => unknown }> = [
  { name: 'ENOTFOUND', make: () => nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND imap.gmial.com', { syscall: 'getaddrinfo', errno: -3008 }), ctx: { ...gmail, host: 'imap.gmial.com', phase: 'connect' }, code: 'HOST_NOT_FOUND', retryable: false, words: ['"imap.gmial.com"', 'imap.gmail.com'] },
  { name: 'EAI_AGAIN', make: () => nodeError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN imap.gmail.com'), ctx: { ...gmail, phase: 'connect' }, code: 'HOST_NOT_FOUND', retryable: true },
  { name: 'ECONNREFUSED', make: () => nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', { errno: -111, syscall: 'connect' }), ctx: { ...dest, phase: 'connect' }, code: 'CONNECTION_REFUSED', retryable: false, words: ['"port"'] },
  { name: 'ECONNRESET', make: () => nodeError('ECONNRESET', 'read ECONNRESET'), ctx: { ...gmail, phase: 'fetch' }, code: 'CONNECTION_LOST', retryable: true },
  { name: 'EPIPE', make: () => nodeError('EPIPE', 'write EPIPE'), ctx: dest, code: 'CONNECTION_LOST', retryable: true },
  { name: 'EHOSTUNREACH', make: () => nodeError('EHOSTUNREACH', 'connect EHOSTUNREACH 10.1.1.1:993'), ctx: { ...dest, phase: 'connect' }, code: 'HOST_UNREACHABLE', retryable: true },
  { name: 'ENETUNREACH', make: () => nodeError('ENETUNREACH', 'connect ENETUNREACH'), ctx: { ...dest, phase: 'connect' }, code: 'HOST_UNREACHABLE', retryable: true },
  { name: 'ETIMEDOUT', make: () => nodeError('ETIMEDOUT', 'connect ETIMEDOUT 142.250.0.1:993'), ctx: { ...gmail, phase: 'connect' }, code: 'TIMEOUT', retryable: true },
  { name: 'self-signed', make: () => nodeError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), ctx: { ...dest, phase: 'connect' }, code: 'TLS_CERTIFICATE', retryable: false, words: ['self-signed', 'PEM', '"mailboxes[].destination.ca"'] },
  { name: 'self-signed in chain', make: () => nodeError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), ctx: { ...dest, phase: 'connect' }, code: 'TLS_CERTIFICATE', retryable: false, words: ['PEM'] },
  { name: 'leaf not verifiable', make: () => nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), ctx: { ...dest, phase: 'connect' }, code: 'TLS_CERTIFICATE', retryable: false, words: ['destination.ca"'] },
  { name: 'issuer unknown', make: () => nodeError('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate'), ctx: { ...dest, phase: 'connect' }, code: 'TLS_CERTIFICATE', retryable: false, words: ['destination.ca"'] },
  { name: 'expired', make: () => nodeError('CERT_HAS_EXPIRED', 'certificate has expired'), ctx: { ...dest, phase: 'connect' }, code: 'TLS_CERTIFICATE', retryable: false, words: ['expired'] },
  {
    name: 'host name mismatch (its reason is not a BYE)', ctx: { ...dest, phase: 'connect' }, code: 'TLS_CERTIFICATE', retryable: false, words: ['another host name', "not cert's CN: example.com"],
    make: () => nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: Host: mail.example.com. is not cert's CN: example.com", { reason: "Host: mail.example.com. is not cert's CN: example.com", host: 'mail.example.com' }),
  },
  {
    name: 'TLS spoken to a plain port', ctx: { ...dest, port: 143, phase: 'connect' }, code: 'TLS_HANDSHAKE', retryable: false, words: ['plain text', '"starttls"'],
    make: () => nodeError('ERR_SSL_WRONG_VERSION_NUMBER', '40ED296B3E7F0000:error:0A00010B:SSL routines:tls_validate_record_header:wrong version number:../deps/openssl/openssl/ssl/record/methods/tlsany_meth.c:77:\n', { library: 'SSL routines', reason: 'wrong version number' }),
  },
  { name: 'old TLS only', make: () => nodeError('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'tlsv1 alert protocol version'), ctx: { ...dest, phase: 'connect' }, code: 'TLS_HANDSHAKE', retryable: false, words: ['TLS 1.2'] },
  { name: 'STARTTLS upgrade failure carries tlsFailed', make: () => nodeError('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established', { tlsFailed: true }), ctx: { ...dest, port: 143, phase: 'connect' }, code: 'TLS_HANDSHAKE', retryable: true },
];

describe('classifyError', () => {
  it.each(imapflowRows)('imapflow: $name', async (row) => check(classifyError(await row.make(), row.ctx), row));
  it.each(nodeRows)('node: $name', (row) => check(classifyError(row.make(), row.ctx), row));
  it.each(stallRows)('stall: $name', (row) => check(classifyError(row.make(), row.ctx), row));

  it('a stall says how long and during what in the details', () => {
    const info = classifyError(stallError({ stallMs: 3000, during: 'sign-in', heard: true }), gmail);
    expect(info.details).toMatchObject({ waitedSeconds: 3, during: 'sign-in', errorCode: 'ESTALLED' });
  });

  it('passes a MailferryError through unchanged', () => {
    const info: ErrorInfo = { code: 'LEDGER_DAMAGED', message: 'x', retryable: false };
    expect(classifyError(new MailferryError(info), gmail)).toEqual(info);
  });

  it('an abort is a cancellation', () => {
    const abort = new DOMException('This operation was aborted', 'AbortError');
    expect(classifyError(abort, gmail)).toMatchObject({ code: 'CANCELLED', retryable: false });
  });

  it('anything else is INTERNAL with what is known', () => {
    const info = classifyError('boom', { ...dest, phase: 'other' });
    expect(info).toMatchObject({ code: 'INTERNAL', retryable: false, details: { folder: 'Work', phase: 'other' } });
    expect(info.message).toContain('boom');
  });

  it('keeps the server reply and the low-level code in details for the report', async () => {
    const info = classifyError(await taggedError('A9 NO [OVERQUOTA] Quota exceeded', append), dest);
    expect(info.details).toMatchObject({ serverResponse: 'A9 NO [OVERQUOTA] Quota exceeded', user: 'alice@example.com', folder: 'Work' });
    expect(classifyError(nodeError('ECONNRESET', 'read ECONNRESET'), dest).details).toMatchObject({ errorCode: 'ECONNRESET' });
  });
});
