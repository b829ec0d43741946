/**
 * Options, counters and Gmail's exact lines for the fake Gmail server (see index.ts for the overview).
 */
import type { FakeMessage, GmailLocale } from './store.js';

/** Lines exactly as Gmail sends them (tagged replies without their tag). See /work/shared/gmail-imap-facts.md. */
export const GMAIL_LINES = {
  greeting: '* OK Gimap ready for requests from 127.0.0.1',
  invalidCredentials: 'NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)',
  appPasswordRequired: 'NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)',
  webLoginRequired: 'NO [ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)',
  /** Untagged, sometimes sent before webLoginRequired. */
  webAlert: '* NO [WEBALERT https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=AKgnsbt] Web login required.',
  imapDisabled: 'NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page and enable your account for IMAP access. (Failure)',
  domainImapDisabled: 'NO [ALERT] IMAP access is disabled for your domain. Please contact your domain administrator for questions about this feature. (Failure)',
  tooManyConnections: 'NO [ALERT] Too many simultaneous connections. (Failure)',
  overQuotaLogin: 'NO [ALERT] Account exceeded command or bandwidth limits. (Failure)',
  sessionExpired: '* BYE Session expired, please login again.',
  overQuotaBye: '* BYE [OVERQUOTA] Account exceeded command or bandwidth limits.',
} as const;

/** The JSON Gmail puts (base64) in the `+` challenge after a bad XOAUTH2/OAUTHBEARER token. */
export const OAUTH_ERROR_JSON = '{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}';

export type AuthMechanism = 'LOGIN' | 'PLAIN' | 'XOAUTH2' | 'OAUTHBEARER';

export interface FakeGmailAccount {
  user: string;
  /** App password for LOGIN and AUTHENTICATE PLAIN (compared exactly). */
  password?: string;
  /** Access tokens accepted by XOAUTH2/OAUTHBEARER (unless checkToken is given). */
  tokens?: string[];
}

export interface LoginAttempt {
  user: string;
  mechanism: AuthMechanism;
  /** The password or token the client sent. */
  secret: string;
  /** Connection number (1-based, server-wide). */
  connection: number;
  /** Login attempt number (1-based, server-wide). */
  attempt: number;
}

/** A tagged reply without its tag (`NO [ALERT] ...`, or `OK ...` to let the login through), optionally after untagged lines. */
export type LoginReply = string | { untagged?: string[]; tagged: string };

export interface ByeAfter {
  /** Answer this many commands after login, then greet the next one with the BYE (0: the first command after login). */
  commands?: number;
  /** Send the BYE this long after login (between two FETCH responses if a FETCH is running). */
  ms?: number;
  /** How many connections in total get it (default: every one). */
  times?: number;
  /** Default GMAIL_LINES.sessionExpired. */
  line?: string;
}

export interface FakeGmailOptions {
  messages?: FakeMessage[];
  /** Folder names: 'en' [Gmail]/..., 'en-GB' [Gmail]/Bin, 'de' [Google Mail]/Gesendet ... Default 'en'. */
  locale?: GmailLocale;
  /** Default DEFAULT_ACCOUNTS. Every account sees the same messages. */
  accounts?: FakeGmailAccount[];
  /** Token check for XOAUTH2/OAUTHBEARER; default: the account's `tokens` list. */
  checkToken?: (user: string, token: string) => boolean | Promise<boolean>;
  /** AUTH= mechanisms advertised before login. Default Gmail's: XOAUTH2 PLAIN PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH. imapflow prefers OAUTHBEARER when offered. */
  authMechanisms?: string[];
  /** Advertise SASL-IR (default true). Without it imapflow sends the OAuth payload after a `+`. */
  saslIr?: boolean;
  /** Simultaneous logged-in connections per account (default 15, Gmail's); the next login gets tooManyConnections. */
  maxConnections?: number;
  /** Answer logins (LOGIN and AUTHENTICATE) with this instead of checking credentials; a function may return undefined for "check normally". */
  loginReply?: LoginReply | ((attempt: LoginAttempt) => LoginReply | undefined);
  byeAfter?: ByeAfter;
  /** Append " [THROTTLED]" to every n-th tagged OK (counted server-wide). */
  throttle?: { every: number };
  /**
   * Folder names (labels, or system folders such as "[Gmail]/All Mail") whose "Show in IMAP" setting is off:
   * LIST, STATUS and SELECT do not know them; X-GM-LABELS still names the labels, as Gmail's does.
   */
  hiddenFromImap?: string[];
  /**
   * Gmail's "Limit IMAP folders to contain no more than this many messages" (1000, 2000, 5000, 10000): every
   * folder, All Mail included, shows only its newest this many messages.
   */
  folderSizeLimit?: number;
  /** UIDVALIDITY per folder name (Unicode); others get 1, 2, 3 ... in folder order. */
  uidValidity?: Record<string, number>;
  /** Implicit TLS with a throw-away CA (`caFile` in the result). Default false (plain). */
  tls?: boolean;
  /** Advertise UTF8=ACCEPT; once a client ENABLEs it, names and labels travel as UTF-8 instead of modified UTF-7. */
  utf8Accept?: boolean;
  /** Capabilities to add to / remove from the post-login list. */
  capabilities?: { add?: string[]; remove?: string[] };
  /** QUOTA limit in KB (default 15 GB). */
  quotaKB?: number;
  /** Keep every server line (literals shown as {n}) in stats.lines. */
  transcript?: boolean;
}

export const DEFAULT_ACCOUNTS: readonly FakeGmailAccount[] = [
  { user: 'alice@example.com', password: 'abcdefghijklmnop', tokens: ['ya29.alice-good-token'] },
  { user: 'bob@example.com', password: 'qrstuvwxyzabcdef', tokens: ['ya29.bob-good-token'] },
];

export interface CommandRecord {
  connection: number;
  tag: string;
  /** Upper case, `UID FETCH` for the UID forms. */
  name: string;
  /** The rest of the line, credentials hidden, at most 300 characters. */
  args: string;
}

export interface FakeGmailStats {
  /** Connections accepted so far. */
  connections: number;
  /** Connections open now. */
  open: number;
  /** Successful logins. */
  logins: number;
  failedLogins: number;
  commands: CommandRecord[];
  /** Full bodies (BODY[], BODY.PEEK[], RFC822 without a partial range) sent, by X-GM-MSGID in decimal. */
  bodyFetches: Map<string, number>;
  /** Partial body fetches (BODY[]<a.b>) by X-GM-MSGID. */
  partialBodyFetches: Map<string, number>;
  /** Bytes of full bodies sent. */
  bodyBytes: number;
  /** Bytes of whole-message pieces sent (BODY[]<a.b>, as a large message is streamed). */
  partialBodyBytes: number;
  bytesSent: number;
  bytesReceived: number;
  /** Tagged OKs that got " [THROTTLED]". */
  throttled: number;
  /** BYEs sent by byeAfter. */
  byes: number;
  /** Every server line when `transcript` is on. */
  lines: string[];
}

export function newStats(): FakeGmailStats {
  return {
    connections: 0, open: 0, logins: 0, failedLogins: 0, commands: [], bodyFetches: new Map(), partialBodyFetches: new Map(),
    bodyBytes: 0, partialBodyBytes: 0, bytesSent: 0, bytesReceived: 0, throttled: 0, byes: 0, lines: [],
  };
}

export const DEFAULT_AUTH_MECHANISMS = ['XOAUTH2', 'PLAIN', 'PLAIN-CLIENTTOKEN', 'OAUTHBEARER', 'XOAUTH'];

/** Gmail's list before login (XYZZY and all). */
export function preAuthCapabilities(opts: FakeGmailOptions): string[] {
  const base = ['IMAP4rev1', 'UNSELECT', 'IDLE', 'NAMESPACE', 'QUOTA', 'ID', 'XLIST', 'CHILDREN', 'X-GM-EXT-1', 'XYZZY'];
  if (opts.saslIr !== false) base.push('SASL-IR');
  return [...base, ...(opts.authMechanisms ?? DEFAULT_AUTH_MECHANISMS).map((m) => `AUTH=${m}`)];
}

/**
 * Gmail's list after login, without what this server does not implement: COMPRESS=DEFLATE and
 * CONDSTORE are left out, UTF8=ACCEPT only with the option.
 */
export function postAuthCapabilities(opts: FakeGmailOptions): string[] {
  const caps = ['IMAP4rev1', 'UNSELECT', 'IDLE', 'NAMESPACE', 'QUOTA', 'ID', 'XLIST', 'CHILDREN', 'X-GM-EXT-1', 'UIDPLUS', 'ENABLE', 'MOVE',
    'ESEARCH', ...(opts.utf8Accept ? ['UTF8=ACCEPT'] : []), 'LIST-EXTENDED', 'LIST-STATUS', 'LITERAL-', 'SPECIAL-USE', 'APPENDLIMIT=35651584'];
  const remove = new Set((opts.capabilities?.remove ?? []).map((c) => c.toUpperCase()));
  return [...caps.filter((c) => !remove.has(c.toUpperCase())), ...(opts.capabilities?.add ?? [])];
}
