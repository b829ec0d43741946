/**
 * Microsoft identity platform v2.0 for IMAP (Microsoft 365 / Exchange Online and Outlook.com): the authority,
 * the tenant, the three endpoints, and the only two scopes Mailferry ever asks for.
 *
 *   {authority}/{tenant}/oauth2/v2.0/authorize | token | devicecode
 *
 * The scope decides the token's audience. Exchange's IMAP server takes only tokens for Exchange Online; a
 * token asked for with a Graph scope (https://graph.microsoft.com/...) has the wrong audience and IMAP
 * answers `NO AUTHENTICATE failed.`, which looks like a wrong password. So the scopes are constants,
 * checked again right before every request, and a token whose audience is readable is checked too.
 */
import { shellWord } from '../../connect/command-lines.js';
import { MailferryError } from '../../errors/errors.js';
import { checkEndpointUrl } from '../google-endpoints.js';

export const MICROSOFT_AUTHORITY = 'https://login.microsoftonline.com';
export const MICROSOFT_IMAP_HOST = 'outlook.office365.com';
/** Delegated (a user signs in): IMAP as that user, plus a refresh token. */
export const DELEGATED_IMAP_SCOPE = 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access';
/** App-only (client credentials): whatever application permissions (IMAP.AccessAsApp) the admin granted. */
export const APP_IMAP_SCOPE = 'https://outlook.office365.com/.default';
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export type MicrosoftFlow = 'delegated' | 'app';
export const TENANT_ALIASES = ['common', 'organizations', 'consumers'] as const;

/** Where a sign-in goes: the authority (no trailing slash) and the tenant. */
export interface MicrosoftTenant {
  authority: string;
  tenant: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/** "common", "organizations", "consumers", a directory (tenant) ID, or a domain such as contoso.onmicrosoft.com. */
export function isValidTenant(tenant: string): boolean {
  return (TENANT_ALIASES as readonly string[]).includes(tenant) || GUID.test(tenant) || DOMAIN.test(tenant);
}

/** Why an authority URL cannot be used (https only, plain http only on a loopback address), or undefined. */
export function authorityProblem(authority: string): string | undefined {
  let url: URL;
  try {
    url = checkEndpointUrl(authority, 'authority');
  } catch (err) {
    return err instanceof MailferryError ? err.message : String(err);
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username) return `The authority ${authority} must be an origin only, such as ${MICROSOFT_AUTHORITY}`;
  return undefined;
}

/** The authority as written in URLs: no trailing slash. */
export function normalizeAuthority(authority: string | undefined): string {
  return (authority ?? MICROSOFT_AUTHORITY).replace(/\/+$/, '');
}

export function microsoftEndpoint(t: MicrosoftTenant, which: 'authorize' | 'token' | 'devicecode'): URL {
  return checkEndpointUrl(`${normalizeAuthority(t.authority)}/${encodeURIComponent(t.tenant)}/oauth2/v2.0/${which}`, `${which} endpoint`);
}

/** The scope of a flow, refused if it ever names another resource than Exchange Online (a Graph scope). */
export function imapScope(flow: MicrosoftFlow): string {
  const scope = flow === 'app' ? APP_IMAP_SCOPE : DELEGATED_IMAP_SCOPE;
  assertImapScope(scope);
  return scope;
}

export function assertImapScope(scope: string): void {
  const resources = scope.split(/\s+/).filter((s) => s.includes('://'));
  const ok = resources.length === 1 && /^https:\/\/outlook\.office(365)?\.com\/(IMAP\.AccessAsUser\.All|\.default)$/.test(resources[0]!);
  if (!ok) throw new MailferryError({ code: 'INTERNAL', message: `Mailferry refused to ask Microsoft for the scope "${scope}": IMAP takes only Exchange Online tokens.`, retryable: false });
}

/** The claims of a JWT access token, or undefined for an opaque one (Outlook.com's are). Never verified: only read. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Exchange Online's audiences: its URLs, and its application ID. */
const EXCHANGE_AUDIENCE = /^(https:\/\/outlook\.office(365)?\.com\/?|00000002-0000-0ff1-ce00-000000000000)$/i;

/** Throws OAUTH_APP_SETUP when a readable token is meant for another API than Exchange Online (Graph, say). */
export function assertExchangeAudience(token: string, clientId: string): void {
  const aud = jwtClaims(token)?.['aud'];
  if (typeof aud !== 'string' || EXCHANGE_AUDIENCE.test(aud)) return;
  throw new MailferryError({
    code: 'OAUTH_APP_SETUP',
    message: `Microsoft issued a token for ${aud}, not for Exchange Online, so IMAP would refuse it.`,
    hint: `Give app ${clientId} the Office 365 Exchange Online permission (IMAP.AccessAsUser.All, or IMAP.AccessAsApp for app-only), not a Microsoft Graph one.`,
    retryable: false,
    details: { audience: aud, clientId },
  });
}

/** Who a token was issued to, when it says (work and school tokens do; Outlook.com's are opaque). */
export function signedInAs(token: string): string | undefined {
  const c = jwtClaims(token);
  for (const k of ['upn', 'preferred_username', 'unique_name', 'email']) if (typeof c?.[k] === 'string') return c[k] as string;
  return undefined;
}

export interface SigninTarget extends MicrosoftTenant {
  host: string;
  user: string;
  clientId: string;
}

/** The exact command that signs a user in again (hints of OAUTH_SIGN_IN_AGAIN, SECRET_MISSING, MFA). */
export function microsoftSigninLine(t: SigninTarget): string {
  const authority = normalizeAuthority(t.authority);
  return (
    `npx mailferry signin ${shellWord(t.host)} ${shellWord(t.user)} --provider microsoft --tenant ${shellWord(t.tenant)} --client-id ${shellWord(t.clientId)}` +
    (authority === MICROSOFT_AUTHORITY ? '' : ` --authority ${shellWord(authority)}`)
  );
}
