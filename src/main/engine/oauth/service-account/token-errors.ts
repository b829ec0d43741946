/**
 * Google's answers to a service account's delegation grant, each as one cause (the message) and the exact
 * fix (the hint). Google answers JSON `{"error": ..., "error_description": ...}`; its documented table
 * (developers.google.com/identity/protocols/oauth2/service-account, "JWT error codes") is the source:
 *
 *   unauthorized_client  "Client is unauthorized to retrieve access tokens using this method, or client not
 *                        authorized for any of the scopes requested." / "Unauthorized client or scope in request."
 *                        -> no delegation for this client ID and scope (or it was entered by e-mail, not ID)
 *   access_denied        a requested scope is not in the delegation
 *   admin_policy_enforced  the domain's API access controls block the client
 *   invalid_grant        "Invalid email or User ID" / "Not a valid email": no such active user in the domain
 *                        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable
 *                        timeframe...": this computer's clock
 *                        "Invalid JWT Signature.": the key was deleted, disabled or expired
 *                        "... account not found": the service account was deleted
 *   disabled_client      "The OAuth client was disabled.": the key or the account is disabled
 *   deleted_client, invalid_client, invalid_scope, org_internal
 *
 * The description goes into details only (first line, the assertion blanked out), never into the message.
 */
import type { ErrorCode } from '../../errors/errors.js';
import { MailferryError } from '../../errors/errors.js';
import { GMAIL_IMAP_SCOPE } from '../google-endpoints.js';
import { safeDescription, type FormReply } from '../token-http.js';
import { DELEGATION_PAGE, IMPORT_KEY_COMMAND } from './admin-steps.js';

/** Who asked for whom: named in every message. */
export interface GrantTarget {
  clientEmail: string;
  clientId: string;
  /** The mailbox the token was for (the JWT's sub). */
  user: string;
  /** When the grant was signed (epoch ms): named when Google says the clock is wrong. */
  now: number;
}

interface Row {
  code: ErrorCode;
  cause: (t: GrantTarget) => string;
  fix: (t: GrantTarget) => string;
}

const domainOf = (user: string) => (user.includes('@') ? user.slice(user.lastIndexOf('@') + 1) : 'the domain');
const grant = (t: GrantTarget) =>
  `A super administrator of ${domainOf(t.user)} opens ${DELEGATION_PAGE} > Add new, enters the client ID ${t.clientId} (the number, not the e-mail address) and the OAuth scope ${GMAIL_IMAP_SCOPE}, ` +
  'and clicks Authorize (an existing entry: Edit, and add the scope). Google applies it within minutes, at times up to 24 hours; then run again.';
const consoleKeys = (t: GrantTarget) => `Google Cloud console (console.cloud.google.com) > IAM & Admin > Service accounts > ${t.clientEmail}`;
const newKey = (t: GrantTarget) => `Create a new JSON key (${consoleKeys(t)} > Keys > Add key > Create new key > JSON) and import it with ${IMPORT_KEY_COMMAND}; then delete the file.`;

const NOT_GRANTED: Row = {
  code: 'OAUTH_CONSENT_REQUIRED',
  cause: (t) => `${domainOf(t.user)} has not given service account ${t.clientEmail} (client ID ${t.clientId}) domain-wide delegation for ${GMAIL_IMAP_SCOPE}, or the grant was removed`,
  fix: grant,
};

const BY_ERROR: Record<string, Row> = {
  unauthorized_client: NOT_GRANTED,
  access_denied: {
    code: 'OAUTH_CONSENT_REQUIRED',
    cause: (t) => `the domain-wide delegation of client ID ${t.clientId} does not include the scope ${GMAIL_IMAP_SCOPE}`,
    fix: (t) => `${grant(t)} Also check that Gmail is not restricted under API controls > Manage Google services.`,
  },
  admin_policy_enforced: {
    code: 'OAUTH_CONSENT_REQUIRED',
    cause: (t) => `the API access controls of ${domainOf(t.user)} block client ID ${t.clientId} from Gmail`,
    fix: (t) => `An administrator marks the app Trusted: Admin console > Security > Access and data control > API controls > Manage third-party app access > Configure new app > client ID ${t.clientId} > Trusted. ${grant(t)}`,
  },
  disabled_client: {
    code: 'OAUTH_APP_CREDENTIAL',
    cause: (t) => `service account ${t.clientEmail} or the key Mailferry holds for it is disabled`,
    fix: (t) => `Enable the account and its key in ${consoleKeys(t)} (the account's Details and Keys tabs), or ${newKey(t).replace(/^C/, 'c')}`,
  },
  deleted_client: {
    code: 'OAUTH_APP_CREDENTIAL',
    cause: (t) => `service account ${t.clientEmail} was deleted`,
    fix: () => 'Undelete it within 30 days (IAM & Admin > Service accounts), or create a new service account and key (README, "Whole Workspace domain"), grant its client ID domain-wide delegation, import the key and name it in the job.',
  },
  invalid_client: {
    code: 'OAUTH_APP_CREDENTIAL',
    cause: (t) => `Google did not accept the credentials of service account ${t.clientEmail}`,
    fix: newKey,
  },
  invalid_scope: {
    code: 'OAUTH_APP_SETUP',
    cause: () => `Google refused the scope ${GMAIL_IMAP_SCOPE}`,
    fix: (t) => `Check that the key was downloaded from Google Cloud for ${t.clientEmail}; if it was, this is on Google's side: run again later.`,
  },
  org_internal: {
    code: 'AUTH_FAILED',
    cause: (t) => `service account ${t.clientEmail} may act only for users of its own Google Cloud organisation, and ${t.user} is not one`,
    fix: () => "Use a service account created in the Google Cloud organisation that belongs to the user's Workspace domain.",
  },
};

/** invalid_grant says several things; the description tells which. */
const INVALID_GRANT: Array<[RegExp, Row]> = [
  [/invalid email or user id|not a valid email/i, {
    code: 'AUTH_FAILED',
    cause: (t) => `Google knows no active user ${t.user} that service account ${t.clientEmail} may act for: a typo, a suspended or deleted user, an alias or group instead of the primary address, or an address outside the domain`,
    fix: (t) => `Give the user's primary address in the job ("user"); unsuspend the user in Admin console > Directory > Users; a service account reaches only users of ${domainOf(t.user)} (never @gmail.com accounts).`,
  }],
  [/short-lived|reasonable timeframe|\biat\b|\bexp\b/i, {
    code: 'CLOCK_SKEW',
    cause: (t) => `Google refused the time in Mailferry's request: this computer's clock is wrong (it says ${new Date(t.now).toISOString().slice(0, 19)}Z)`,
    fix: () => 'Set the clock right, preferably automatically (Linux: timedatectl set-ntp true; macOS and Windows: "Set time automatically" in the date settings), then run again.',
  }],
  [/invalid jwt signature/i, {
    code: 'OAUTH_APP_CREDENTIAL',
    cause: (t) => `Google did not accept the key Mailferry holds for service account ${t.clientEmail}: it was deleted, disabled or has expired, or it belongs to another account`,
    fix: newKey,
  }],
  [/account not found/i, BY_ERROR['deleted_client']!],
];

/** The MailferryError of a failed grant. `sent`: the assertion, never to be repeated. */
export function serviceAccountError(reply: FormReply, t: GrantTarget, sent: readonly string[] = []): MailferryError {
  const { status, json } = reply;
  const error = typeof json?.['error'] === 'string' ? json['error'] : undefined;
  const description = safeDescription(json?.['error_description'], sent);
  const details = { serviceAccount: t.clientEmail, clientId: t.clientId, user: t.user, status, ...(error ? { oauthError: error } : {}), ...(description ? { reason: description } : {}) };
  const row = error === 'invalid_grant' ? INVALID_GRANT.find(([re]) => re.test(description ?? ''))?.[1] : error ? BY_ERROR[error] : undefined;
  if (row) return new MailferryError({ code: row.code, message: `Google Workspace delegation: ${row.cause(t)} (${error}).`, hint: row.fix(t), retryable: false, details });
  if (status === 429) {
    return new MailferryError({ code: 'THROTTLED', message: "Google's sign-in service asked Mailferry to slow down.", hint: 'Nothing to do: Mailferry waits and tries again.', retryable: true, details });
  }
  if (status >= 500 || !error) {
    // A 5xx, or not the JSON of a token endpoint (a proxy's or a Wi-Fi sign-in page).
    return new MailferryError({
      code: 'HOST_UNREACHABLE',
      message: `Google's sign-in service gave no usable answer (HTTP ${status}).`,
      hint: 'Check the internet connection (a proxy or a Wi-Fi sign-in page can cause this); Mailferry tries again.',
      retryable: true,
      details,
    });
  }
  return new MailferryError({
    code: 'AUTH_FAILED',
    message: `Google Workspace delegation: Google refused an access token for ${t.user} to service account ${t.clientEmail} (${error}).`,
    hint: `Check the service account in ${consoleKeys(t)} and its domain-wide delegation in ${DELEGATION_PAGE} (client ID ${t.clientId}, scope ${GMAIL_IMAP_SCOPE}).`,
    retryable: false,
    details,
  });
}
