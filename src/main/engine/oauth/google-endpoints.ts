/**
 * Google's OAuth 2.0 endpoints for installed apps, the Gmail IMAP scope, and the authorization URL.
 * Endpoints are parameters everywhere (tests point them at a fake server on 127.0.0.1); an endpoint must
 * be https, except on a loopback address, so a typo cannot send a client secret or a code in clear text.
 *
 * Google documents (developers.google.com/identity/protocols/oauth2/native-app):
 *   authorization  https://accounts.google.com/o/oauth2/v2/auth
 *   token          https://oauth2.googleapis.com/token   (POST form; JSON answers)
 * and for desktop clients still wants the client secret at the token endpoint, even with PKCE.
 */
import { shellWord } from '../connect/command-lines.js';
import { MailferryError } from '../errors/errors.js';

export const GOOGLE_AUTHORIZATION_ENDPOINT = 'https://accounts.google.com/o/oauth2/v2/auth';
export const GOOGLE_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token';
/** Full IMAP access; the only scope Gmail's IMAP server accepts. */
export const GMAIL_IMAP_SCOPE = 'https://mail.google.com/';
/** Where a user sees (and removes) the apps that can use their Google account. */
export const GOOGLE_PERMISSIONS_PAGE = 'https://myaccount.google.com/permissions';

export interface OAuthEndpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

export const GOOGLE_ENDPOINTS: Readonly<OAuthEndpoints> = Object.freeze({
  authorizationEndpoint: GOOGLE_AUTHORIZATION_ENDPOINT,
  tokenEndpoint: GOOGLE_TOKEN_ENDPOINT,
});

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Parses an endpoint URL; https only, plain http only for a loopback host. Throws JOB_INVALID. */
export function checkEndpointUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MailferryError({ code: 'JOB_INVALID', message: `The OAuth ${what} "${url}" is not a URL.`, retryable: false });
  }
  const loopback = LOOPBACK_HOSTS.has(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new MailferryError({
      code: 'JOB_INVALID',
      message: `The OAuth ${what} ${parsed.origin} is not https, so sign-in data would travel unencrypted.`,
      hint: 'Use an https URL (plain http is only accepted for 127.0.0.1).',
      retryable: false,
    });
  }
  return parsed;
}

export interface AuthorizationRequest {
  authorizationEndpoint: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string;
  /** The Google address: preselects the account in the browser. */
  loginHint?: string;
  /** Default GMAIL_IMAP_SCOPE. */
  scope?: string;
}

/**
 * The URL the browser opens. access_type=offline and prompt=consent make Google return a refresh
 * token every time (without prompt=consent it only does on the first consent for this client).
 */
export function buildAuthorizationUrl(req: AuthorizationRequest): string {
  const url = checkEndpointUrl(req.authorizationEndpoint, 'authorization endpoint');
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: req.clientId,
    redirect_uri: req.redirectUri,
    scope: req.scope ?? GMAIL_IMAP_SCOPE,
    code_challenge: req.codeChallenge,
    code_challenge_method: 'S256',
    state: req.state,
    access_type: 'offline',
    prompt: 'consent',
  };
  if (req.loginHint) params['login_hint'] = req.loginHint;
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}


/** The exact command that signs a user in again (shown in OAUTH_SIGN_IN_AGAIN and SECRET_MISSING hints). */
export function signinCommandLine(host: string, user: string, clientId?: string): string {
  return `npx mailferry signin ${shellWord(host)} ${shellWord(user)} --client-id ${clientId ? shellWord(clientId) : 'CLIENT_ID'}`;
}

