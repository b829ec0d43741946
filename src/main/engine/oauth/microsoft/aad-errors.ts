/**
 * Microsoft's token-endpoint errors, each as one cause (the message) and one fix (the hint). Microsoft
 * answers JSON: `{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret
 * provided...\r\nTrace ID: ...", "error_codes": [7000215], "trace_id": ..., "correlation_id": ...}`.
 * The AADSTS number says more than `error` (65001 and 50076 both come as invalid_grant), so it decides
 * first. The description goes into details only, first line only, with every value Mailferry sent
 * (secret, assertion, refresh token, code) blanked out, and never into the message.
 */
import type { ErrorCode } from '../../errors/errors.js';
import { MailferryError } from '../../errors/errors.js';
import { safeDescription, type FormReply } from '../token-http.js';
import { microsoftSigninLine, type MicrosoftFlow, type SigninTarget } from './endpoints.js';

/** What failed, for the wording: a code or refresh-token redemption, a device-code step, or app-only. */
export type Step = 'code' | 'refresh' | 'device' | 'app';

export interface ErrorTarget extends SigninTarget {
  flow: MicrosoftFlow;
}

interface Row {
  code: ErrorCode;
  cause: (t: ErrorTarget, step: Step) => string;
  fix: (t: ErrorTarget, step: Step) => string;
}

const setAppSecret = (t: ErrorTarget) => `npx mailferry secrets set-app-secret ${t.clientId}`;
const signInAgain = (t: ErrorTarget) => `Sign in again: ${microsoftSigninLine(t)}`;
const entra = (t: ErrorTarget) => `Microsoft Entra admin center, App registrations > ${t.clientId}`;

const CONSENT_FIX = (t: ErrorTarget) =>
  t.flow === 'app'
    ? `An administrator adds the application permission IMAP.AccessAsApp (${entra(t)} > API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions) and clicks "Grant admin consent".`
    : `${signInAgain(t)} and accept the request; where users may not consent, an administrator clicks "Grant admin consent" under ${entra(t)} > API permissions (IMAP.AccessAsUser.All of Office 365 Exchange Online).`;

const MFA: Row = {
  code: 'OAUTH_MFA_REQUIRED',
  cause: (t) => `Microsoft requires multi-factor authentication for ${t.user}, which Mailferry cannot answer without a browser`,
  fix: (t) => `Sign in again in the browser (not with --device-code), where Microsoft asks for the second factor: ${microsoftSigninLine(t)}`,
};

/** By AADSTS number. */
const BY_AADSTS: Record<number, Row> = {
  700016: {
    code: 'OAUTH_APP_SETUP',
    cause: (t) => `Microsoft does not know the application ${t.clientId} in the directory "${t.tenant}"`,
    fix: () =>
      'Check "oauthClientId" (the Application (client) ID on the app registration\'s Overview page) and "tenant" (its Directory (tenant) ID, ' +
      'or "organizations"/"common" for an app open to other organisations; "consumers" for Outlook.com needs an app that allows personal Microsoft accounts).',
  },
  7000218: {
    code: 'OAUTH_APP_SETUP',
    cause: (t) => `the app registration ${t.clientId} does not allow public client flows, so Microsoft wants a client secret that a user sign-in does not have`,
    fix: (t) => `Set "Allow public client flows" to Yes under ${entra(t)} > Authentication > Advanced settings, then sign in again.`,
  },
  700025: {
    code: 'OAUTH_APP_SETUP',
    cause: (t) => `app ${t.clientId} is registered as a public client, and Microsoft refuses a client secret or certificate from a public client`,
    fix: (t) =>
      `App-only access ("auth": "oauth2-app") needs a confidential app: under ${entra(t)} > Authentication set "Allow public client flows" to No, ` +
      'or register a separate app for app-only access; a user sign-in ("auth": "oauth2") needs no secret.',
  },
  7000215: {
    code: 'OAUTH_APP_CREDENTIAL',
    cause: (t) => `Microsoft refused the client secret of app ${t.clientId}`,
    fix: (t) => `Copy the secret's Value (not its Secret ID) from ${entra(t)} > Certificates & secrets and store it again with ${setAppSecret(t)} (or in the variable named by "clientSecretEnv").`,
  },
  7000222: {
    code: 'OAUTH_APP_CREDENTIAL',
    cause: (t) => `the client secret of app ${t.clientId} has expired`,
    fix: (t) => `Create a new client secret under ${entra(t)} > Certificates & secrets and store its Value with ${setAppSecret(t)}.`,
  },
  700027: {
    code: 'OAUTH_APP_CREDENTIAL',
    cause: (t) => `Microsoft refused the certificate of app ${t.clientId} (not registered for the app, expired, or this computer's clock is wrong)`,
    fix: (t) => `Upload the certificate (not its key) under ${entra(t)} > Certificates & secrets > Certificates, check the clock, and import the same one with npx mailferry secrets import-app-certificate ${t.clientId} CERT.pem KEY.pem.`,
  },
  65001: { code: 'OAUTH_CONSENT_REQUIRED', cause: (t) => `nobody has consented to app ${t.clientId} using IMAP${t.flow === 'app' ? ' for the organisation' : ` for ${t.user}`}`, fix: CONSENT_FIX },
  50076: MFA,
  50079: MFA,
  50011: {
    code: 'OAUTH_APP_SETUP',
    cause: (t) => `the redirect URI http://localhost is not registered for app ${t.clientId}`,
    fix: (t) => `Under ${entra(t)} > Authentication add the platform "Mobile and desktop applications" with the redirect URI http://localhost (Microsoft ignores the port), then sign in again.`,
  },
};

/** By OAuth `error`, when the AADSTS number is missing or not in the table. */
const BY_ERROR: Record<string, Row> = {
  invalid_scope: {
    code: 'OAUTH_APP_SETUP',
    cause: (t) => `Microsoft refused the IMAP permission Mailferry asks app ${t.clientId} for`,
    fix: (t) =>
      t.flow === 'app'
        ? 'App-only access asks for https://outlook.office365.com/.default: the app needs the application permission IMAP.AccessAsApp of Office 365 Exchange Online, with admin consent.'
        : `Add the delegated permission IMAP.AccessAsUser.All of Office 365 Exchange Online under ${entra(t)} > API permissions, then sign in again (Outlook.com: "tenant" "consumers" or "common", and an app that allows personal accounts).`,
  },
  invalid_grant: {
    code: 'OAUTH_SIGN_IN_AGAIN',
    cause: (t, step) =>
      step === 'refresh'
        ? `Microsoft no longer accepts Mailferry's sign-in for ${t.user} (revoked, password changed, or unused for 90 days)`
        : `Microsoft did not accept the sign-in code for ${t.user}`,
    fix: (t) => `${signInAgain(t)}.`,
  },
  invalid_client: {
    code: 'OAUTH_APP_CREDENTIAL',
    cause: (t) => `Microsoft refused the client credentials of app ${t.clientId}`,
    fix: (t) => `Check the app's client secret or certificate under ${entra(t)} > Certificates & secrets and store it again.`,
  },
  unauthorized_client: {
    code: 'OAUTH_APP_SETUP',
    cause: (t) => `app ${t.clientId} may not use this kind of sign-in in "${t.tenant}"`,
    fix: (t) => `Check "oauthClientId", "tenant" and the supported account types of the app under ${entra(t)} > Authentication.`,
  },
  consent_required: { code: 'OAUTH_CONSENT_REQUIRED', cause: (t) => `nobody has consented to app ${t.clientId} using IMAP`, fix: CONSENT_FIX },
  expired_token: {
    code: 'TIMEOUT',
    cause: () => 'the device code expired before the sign-in was completed',
    fix: (t) => `Run ${microsoftSigninLine(t)} --device-code again and finish the sign-in within the time shown.`,
  },
  authorization_declined: {
    code: 'CANCELLED',
    cause: (t) => `the sign-in of ${t.user} was declined on Microsoft's page`,
    fix: (t) => `Run ${microsoftSigninLine(t)} --device-code again and accept the request.`,
  },
  bad_verification_code: {
    code: 'OAUTH_SIGN_IN_AGAIN',
    cause: () => 'Microsoft did not recognise the device code',
    fix: (t) => `Run ${microsoftSigninLine(t)} --device-code again.`,
  },
  access_denied: {
    code: 'CANCELLED',
    cause: (t) => `access was not granted in the browser for ${t.user}`,
    fix: (t) => `${signInAgain(t)} and accept the request (IMAP access to the mailbox, and staying signed in).`,
  },
};

/** The AADSTS number of an answer: the first of error_codes, else the one the description starts with. */
export function aadstsOf(json: Record<string, unknown> | undefined): number | undefined {
  const codes = json?.['error_codes'];
  if (Array.isArray(codes) && typeof codes[0] === 'number') return codes[0];
  const m = /^AADSTS(\d+)/.exec(typeof json?.['error_description'] === 'string' ? json['error_description'] : '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The MailferryError of a failed token-endpoint answer (or of an `error=` in the browser's redirect).
 * `sent`: the secret values of the request, never to be repeated.
 */
export function microsoftError(reply: FormReply, t: ErrorTarget, step: Step, sent: readonly string[] = []): MailferryError {
  const { status, json } = reply;
  const error = typeof json?.['error'] === 'string' ? json['error'] : undefined;
  const aadsts = aadstsOf(json);
  const details = {
    clientId: t.clientId, tenant: t.tenant, host: t.host, user: t.user, status,
    ...(error ? { oauthError: error } : {}),
    ...(aadsts !== undefined ? { aadsts: `AADSTS${aadsts}` } : {}),
    ...(typeof json?.['trace_id'] === 'string' ? { traceId: json['trace_id'] } : {}),
    ...(typeof json?.['correlation_id'] === 'string' ? { correlationId: json['correlation_id'] } : {}),
    ...(safeDescription(json?.['error_description'], sent) ? { reason: safeDescription(json?.['error_description'], sent) } : {}),
  };
  const code = aadsts !== undefined ? ` (AADSTS${aadsts})` : error ? ` (${error})` : '';
  const row = (aadsts !== undefined ? BY_AADSTS[aadsts] : undefined) ?? (error ? BY_ERROR[error] : undefined);
  if (row) {
    return new MailferryError({ code: row.code, message: `Microsoft sign-in: ${row.cause(t, step)}${code}.`, hint: row.fix(t, step), retryable: false, details });
  }
  if (status === 429) {
    return new MailferryError({ code: 'THROTTLED', message: "Microsoft's sign-in service asked Mailferry to slow down.", hint: 'Nothing to do: Mailferry waits and tries again.', retryable: true, details });
  }
  if (status >= 500 || !error) {
    // A 5xx, or not the JSON of a token endpoint (a proxy's or a Wi-Fi sign-in page).
    return new MailferryError({
      code: 'HOST_UNREACHABLE',
      message: `Microsoft's sign-in service gave no usable answer (HTTP ${status}).`,
      hint: 'Check the internet connection (a proxy or a Wi-Fi sign-in page can cause this); Mailferry tries again.',
      retryable: true,
      details,
    });
  }
  const fix = t.flow === 'app' ? `Check the app registration under ${entra(t)}.` : `${signInAgain(t)}.`;
  return new MailferryError({ code: 'AUTH_FAILED', message: `Microsoft sign-in: refused for ${t.flow === 'app' ? `app ${t.clientId}` : t.user}${code}.`, hint: fix, retryable: false, details });
}
