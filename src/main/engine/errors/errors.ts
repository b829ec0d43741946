/**
 * One error shape for the whole engine: a stable code, a sentence for the user, a hint saying what to do,
 * and whether retrying can help. Everything that reaches a user (CLI line, report, IPC) is a MailferryError.
 */
export type ErrorCode =
  // job file and local state
  | 'JOB_INVALID'
  | 'STATE_DIR_UNWRITABLE'
  | 'LEDGER_DAMAGED'
  | 'LEDGER_TOO_NEW'
  | 'LEDGER_MISSING'
  | 'SECRET_MISSING'
  | 'KEYCHAIN_UNAVAILABLE'
  | 'MAILBOX_IN_USE'
  | 'TAKEOUT_DAMAGED'
  // connecting and signing in
  | 'HOST_NOT_FOUND'
  | 'CONNECTION_REFUSED'
  | 'HOST_UNREACHABLE'
  | 'TIMEOUT'
  | 'TLS_CERTIFICATE'
  | 'TLS_HANDSHAKE'
  | 'STARTTLS_UNAVAILABLE'
  | 'PLAINTEXT_REFUSED'
  | 'AUTH_FAILED'
  | 'APP_PASSWORD_REQUIRED'
  | 'WEB_LOGIN_REQUIRED'
  | 'IMAP_DISABLED_ACCOUNT'
  | 'IMAP_DISABLED_DOMAIN'
  | 'OAUTH_SIGN_IN_AGAIN'
  // Microsoft identity platform: the app registration, its secret or certificate, consent, multi-factor
  | 'OAUTH_APP_SETUP'
  | 'OAUTH_APP_CREDENTIAL'
  | 'OAUTH_CONSENT_REQUIRED'
  | 'OAUTH_MFA_REQUIRED'
  // a signed grant (Google service account) refused for this computer's wrong clock
  | 'CLOCK_SKEW'
  | 'TOO_MANY_CONNECTIONS'
  // during a run
  | 'CONNECTION_LOST'
  | 'CONNECTION_STALLED'
  | 'SESSION_EXPIRED'
  | 'THROTTLED'
  | 'SOURCE_OVER_QUOTA'
  | 'DEST_OVER_QUOTA'
  | 'MESSAGE_TOO_BIG'
  | 'FOLDER_REFUSED'
  | 'MESSAGE_REFUSED'
  | 'FOLDER_MISSING'
  | 'UIDPLUS_MISSING'
  | 'CANCELLED'
  | 'INTERNAL';

export interface ErrorInfo {
  code: ErrorCode;
  /** One sentence saying what happened, in the user's words. */
  message: string;
  /** What the user can do about it; absent when there is nothing to do. */
  hint?: string;
  /** True when trying again later (same settings) may succeed. */
  retryable: boolean;
  /** Facts for the report: host, folder, server reply... Never secrets. */
  details?: Record<string, string | number | boolean | undefined>;
}

export class MailferryError extends Error implements ErrorInfo {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly retryable: boolean;
  readonly details?: ErrorInfo['details'];

  constructor(info: ErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.name = 'MailferryError';
    this.code = info.code;
    if (info.hint !== undefined) this.hint = info.hint;
    this.retryable = info.retryable;
    if (info.details !== undefined) this.details = info.details;
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.hint !== undefined) info.hint = this.hint;
    if (this.details !== undefined) info.details = this.details;
    return info;
  }
}

export function isMailferryError(err: unknown): err is MailferryError {
  return err instanceof MailferryError;
}

/** A single line for a terminal: "message — hint". */
export function formatErrorLine(err: Pick<ErrorInfo, 'message' | 'hint'>): string {
  return err.hint ? `${err.message} ${err.hint}` : err.message;
}
