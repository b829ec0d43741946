/**
 * What a failure means and what to do, for the client report. The ledger keeps a refused message's reason
 * as "CODE: sentence" (the engine's words at the time) but not the hint that came with it, and a run's
 * stop only as its code: these are the engine's hints for those codes (classify-error.ts,
 * append-errors.ts), said for someone who did not watch the run.
 */
const HINTS: Record<string, string> = {
  MESSAGE_TOO_BIG: 'The new server does not accept messages this large. The message is still in Gmail; save or forward it by hand if it is needed.',
  MESSAGE_REFUSED: 'The new server refused this message; the others were copied. It is still in Gmail; running the migration again retries it.',
  FOLDER_REFUSED: 'The new server refused to create this folder, so its messages were not copied. Renaming the label in Gmail (or leaving it out) and running again fixes it.',
  FOLDER_MISSING: 'The folder disappeared from the new server during the copy; running the migration again copies these messages.',
  DEST_OVER_QUOTA: 'The new mailbox is full. Free space or raise its quota, then run the migration again; what was copied stays copied.',
  SOURCE_OVER_QUOTA: "Gmail's daily download limit was reached; the migration continues by itself once Google lifts it (within 24 hours).",
  AUTH_FAILED: 'A server refused the sign-in. Store the password (for Gmail, an app password) again, then run the migration again.',
  APP_PASSWORD_REQUIRED: 'Gmail wants an app password for this account, not the Google password.',
  WEB_LOGIN_REQUIRED: 'Google wants the account owner to sign in to Gmail once in a browser, then run the migration again.',
  IMAP_DISABLED_ACCOUNT: "IMAP is off in this Gmail account's settings: turn it on, then run the migration again.",
  IMAP_DISABLED_DOMAIN: 'The Workspace administrator has not allowed IMAP: allow it in the Admin console, then run the migration again.',
  OAUTH_SIGN_IN_AGAIN: "The sign-in with Google or Microsoft has expired: sign in again ('mailferry signin'), then run the migration again.",
  MAILBOX_IN_USE: 'Another Mailferry run was copying this mailbox at the time; nothing was changed by this one.',
  CANCELLED: 'The run was stopped on request; running the migration again continues where it stopped.',
};

const GENERAL = 'Running the migration again continues where it stopped; nothing is copied twice.';

/** The reason's code ("MESSAGE_TOO_BIG: ...") and its sentence; a reason without a code keeps its text. */
export function splitReason(reason: string | null): { code: string | null; text: string } {
  const m = /^([A-Z][A-Z_]+): (.*)$/s.exec(reason ?? '');
  return m ? { code: m[1]!, text: m[2]! } : { code: null, text: reason ?? 'No reason was recorded.' };
}

/** What to do about a failure with this code, in plain words. */
export function hintFor(code: string | null): string {
  return (code && HINTS[code]) || GENERAL;
}
