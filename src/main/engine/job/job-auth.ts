/**
 * The sign-in fields of an endpoint in JOB.json: "auth", "oauthClientId", for Microsoft 365 and
 * Outlook.com "provider", "tenant", "authority", "clientSecretEnv", and for a Workspace service account
 * "serviceAccount". Google's OAuth and service accounts stay source-only; Microsoft is a destination only
 * and takes IMAP only with OAuth (password sign-in is switched off there).
 */
import type { Checker } from './job-checker.js';
import type { Endpoint } from './job.js';
import { isServiceAccountRef } from '../oauth/service-account/key-file.js';
import { authorityProblem, isGuid, isValidTenant, MICROSOFT_IMAP_HOST, normalizeAuthority, TENANT_ALIASES } from '../oauth/microsoft/endpoints.js';

/** Host defaults per provider (port 993 and TLS are everyone's defaults already). */
export const PROVIDER_HOSTS = { microsoft: MICROSOFT_IMAP_HOST } as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const isSource = (path: string) => path.endsWith('.source');
/** got() of job-checker.ts, which imports this file (a copy rather than an import cycle). */
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v) : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));

/** "provider": only "microsoft", only on the destination. */
export function checkProvider(c: Checker, value: unknown, path: string): 'microsoft' | undefined {
  if (value === undefined) return undefined;
  if (value !== 'microsoft') c.add(`${path}.provider`, `must be "microsoft" (Microsoft 365 or Outlook.com), or left out (got ${show(value)})`);
  else if (isSource(path)) c.add(`${path}.provider`, '"microsoft" is for the destination; the source is a Google account');
  else return 'microsoft';
  return undefined;
}

/** Checks the sign-in fields and sets them on the endpoint. */
export function checkAuth(c: Checker, obj: Record<string, unknown>, path: string, endpoint: Endpoint): void {
  const source = isSource(path);
  const microsoft = endpoint.provider === 'microsoft';
  const auths = source ? ['password', 'oauth2', 'service-account'] : ['password', 'oauth2', 'oauth2-app'];
  const list = auths.map((a) => `"${a}"`).join(', ').replace(/, ([^,]+)$/, ' or $1');
  const auth = obj.auth;
  if (auth !== undefined && !auths.includes(auth as string)) {
    c.add(`${path}.auth`, `must be ${list} (got ${show(auth)})`);
  } else if (microsoft && (auth === undefined || auth === 'password')) {
    c.add(
      `${path}.auth`,
      'Microsoft 365 and Outlook.com take IMAP only with OAuth: set "auth": "oauth2" (a user signs in once with `npx mailferry signin ... --provider microsoft`) ' +
        'or "oauth2-app" (app-only access granted by the organisation\'s administrator)',
    );
  } else if (auth === 'password') {
    endpoint.auth = 'password';
  } else if (auth === 'oauth2' && source) {
    endpoint.auth = 'oauth2';
    const clientId = c.string(obj.oauthClientId, `${path}.oauthClientId`);
    if (clientId !== undefined) endpoint.oauthClientId = clientId;
  } else if (auth === 'service-account' && source) {
    endpoint.auth = 'service-account';
    checkServiceAccount(c, obj, path, endpoint);
  } else if (auth !== undefined && !microsoft) {
    c.add(`${path}.auth`, `"${auth as string}" on the destination is for Microsoft 365 and Outlook.com: add "provider": "microsoft" (Sign in with Google is for the Gmail source)`);
  } else if (auth !== undefined) {
    endpoint.auth = auth as 'oauth2' | 'oauth2-app';
    checkMicrosoft(c, obj, path, endpoint);
  }

  const oauth = obj.auth === 'oauth2' || (obj.auth === 'oauth2-app' && !source);
  if (obj.oauthClientId !== undefined && !oauth) c.add(`${path}.oauthClientId`, `is only used with "auth": "oauth2"${source ? '' : ' or "oauth2-app"'}`);
  for (const key of ['tenant', 'authority'] as const) {
    if (obj[key] !== undefined && !microsoft) c.add(`${path}.${key}`, 'is only used with "provider": "microsoft"');
  }
  if (obj.clientSecretEnv !== undefined && obj.auth !== 'oauth2-app') c.add(`${path}.clientSecretEnv`, 'is only used with "auth": "oauth2-app"');
  if (obj.serviceAccount !== undefined && endpoint.auth !== 'service-account') c.add(`${path}.serviceAccount`, 'is only used with "auth": "service-account" (on the source)');
  if (microsoft && obj.passwordEnv !== undefined) c.add(`${path}.passwordEnv`, 'Microsoft 365 and Outlook.com take no password over IMAP; remove it');
}

function checkMicrosoft(c: Checker, obj: Record<string, unknown>, path: string, endpoint: Endpoint): void {
  const app = endpoint.auth === 'oauth2-app';
  const clientId = c.string(obj.oauthClientId, `${path}.oauthClientId`);
  if (clientId !== undefined && !isGuid(clientId.trim())) {
    // Not echoed: a client secret pasted here by mistake must not end up in a terminal or a log.
    c.add(`${path}.oauthClientId`, 'must be the Application (client) ID of the app registration, a GUID such as 4a1aa1d5-c567-49d0-ad0b-cd957a47f842');
  } else if (clientId !== undefined) {
    endpoint.oauthClientId = clientId.trim();
  }

  const tenant = c.string(obj.tenant, `${path}.tenant`);
  if (tenant !== undefined && !isValidTenant(tenant.trim())) {
    c.add(`${path}.tenant`, `must be "organizations", "consumers" (Outlook.com), "common", or the tenant's ID or domain such as contoso.onmicrosoft.com (got ${show(tenant)})`);
  } else if (tenant !== undefined && app && (TENANT_ALIASES as readonly string[]).includes(tenant.trim())) {
    c.add(`${path}.tenant`, `app-only access signs in to one organisation: give its Directory (tenant) ID or domain, not "${tenant.trim()}"`);
  } else if (tenant !== undefined) {
    endpoint.tenant = tenant.trim();
  }

  if (obj.authority !== undefined) {
    const authority = c.string(obj.authority, `${path}.authority`);
    const problem = authority === undefined ? undefined : authorityProblem(authority.trim());
    if (problem) c.add(`${path}.authority`, `${problem.replace(/\.$/, '')} (https only; plain http only on 127.0.0.1 for tests)`);
    else if (authority !== undefined) endpoint.authority = normalizeAuthority(authority.trim());
  }

  if (obj.clientSecretEnv !== undefined && app) {
    if (typeof obj.clientSecretEnv === 'string' && ENV_NAME.test(obj.clientSecretEnv)) endpoint.clientSecretEnv = obj.clientSecretEnv;
    // Not echoed: the secret itself may have been pasted here.
    else c.add(`${path}.clientSecretEnv`, 'must be the NAME of an environment variable (letters, digits, _), e.g. "MAILFERRY_APP_SECRET", not the secret');
  }
}

/** A Workspace service account: which key (client e-mail or client ID), and only a Workspace user to act for. */
function checkServiceAccount(c: Checker, obj: Record<string, unknown>, path: string, endpoint: Endpoint): void {
  const ref = c.string(obj.serviceAccount, `${path}.serviceAccount`);
  // Not echoed: the key itself may have been pasted here.
  if (ref !== undefined && !isServiceAccountRef(ref.trim())) {
    c.add(`${path}.serviceAccount`, "must be the service account's client e-mail (name@project.iam.gserviceaccount.com) or its numeric client ID, as `mailferry secrets import-service-account` printed them");
  } else if (ref !== undefined) {
    endpoint.serviceAccount = ref.trim();
  }
  if (obj.passwordEnv !== undefined) c.add(`${path}.passwordEnv`, 'a service account signs in without the user\'s password; remove it');
  if (/@(gmail|googlemail)\.com$/i.test(endpoint.user)) {
    c.add(`${path}.user`, 'a service account reaches only the users of a Google Workspace domain; a personal @gmail.com account signs in with an app password or "auth": "oauth2"');
  }
}
