/** The form's copy of a Microsoft 365 / Outlook.com destination's sign-in fields, and the conversions to the contract. */
import { MICROSOFT_IMAP_HOST, type EndpointSettings, type MicrosoftAuth } from '../../shared/contract.js';
import type { EndpointForm } from './endpoint-form.js';

export interface MicrosoftForm {
  auth: MicrosoftAuth;
  clientId: string;
  tenant: string;
  /** Empty for Microsoft's global sign-in service. */
  authority: string;
}

/** What main checks too: a GUID, as the Entra admin center shows it. */
export const GUID_FORM = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Work and school accounts sign in with "organizations" unless the app is for one tenant only. */
export const NEW_MICROSOFT: Readonly<MicrosoftForm> = Object.freeze({ auth: 'oauth2', clientId: '', tenant: 'organizations', authority: '' });

/** The saved sign-in fields, or null for a destination that is not Microsoft's. */
export function toMicrosoftForm(e: EndpointSettings | undefined): MicrosoftForm | null {
  if (e?.provider !== 'microsoft') return null;
  return { auth: e.auth === 'oauth2-app' ? 'oauth2-app' : 'oauth2', clientId: e.oauthClientId ?? '', tenant: e.tenant ?? '', authority: e.authority ?? '' };
}

/** The destination's Microsoft fields as the contract carries them. */
export function microsoftFields(m: MicrosoftForm): Pick<EndpointSettings, 'provider' | 'auth' | 'oauthClientId' | 'tenant' | 'authority'> {
  return {
    provider: 'microsoft',
    auth: m.auth,
    oauthClientId: m.clientId.trim(),
    tenant: m.tenant.trim(),
    ...(m.authority.trim() ? { authority: m.authority.trim() } : {}),
  };
}

/** Exchange Online's and Outlook.com's server: outlook.office365.com, port 993, TLS (the account stays). */
export function withMicrosoftServer(f: EndpointForm): EndpointForm {
  return { ...f, host: MICROSOFT_IMAP_HOST, port: '993', security: 'tls', ca: '' };
}

/** Who signs in where: the fields the sign-in calls share (MicrosoftSignInRequest's). */
export interface MicrosoftTarget {
  address: string;
  clientId: string;
  tenant: string;
  authority?: string;
  host?: string;
}

export function microsoftTarget(destination: EndpointForm, m: MicrosoftForm): MicrosoftTarget {
  const host = destination.host.trim();
  const authority = m.authority.trim();
  return { address: destination.user.trim(), clientId: m.clientId.trim(), tenant: m.tenant.trim(), ...(authority ? { authority } : {}), ...(host ? { host } : {}) };
}

/** Whether the sign-in buttons have what they need (main checks it all again). */
export function targetReady(t: MicrosoftTarget): boolean {
  return t.address.includes('@') && GUID_FORM.test(t.clientId) && t.tenant !== '';
}
