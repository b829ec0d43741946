/**
 * Which links the window may open in the user's browser: https only, a real host name, no credentials in
 * the URL, nothing that looks like a local or internal address. Everything else (file:, javascript:,
 * custom schemes that launch other programs, http:) is refused. Pure: no Electron here.
 */

const MAX_URL_LENGTH = 2048;

/** The normalised URL to open, or null when it must not be opened. */
export function safeExternalUrl(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) return null;
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.port !== '') return null;
  const host = url.hostname.toLowerCase();
  // A public DNS name with a dot: no IP literals, no "localhost", no single-label intranet names.
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(host)) return null;
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return null;
  return url.toString();
}

/** Where Google's sign-in page lives: the only page signInWithGoogle opens. */
export const GOOGLE_ACCOUNTS_HOST = 'accounts.google.com';

/** The authorization URL to open for Sign in with Google, or null unless it is https on accounts.google.com. */
export function googleAuthorizationUrl(raw: string): string | null {
  const safe = safeExternalUrl(raw);
  if (safe === null) return null;
  const url = new URL(safe);
  return url.hostname === GOOGLE_ACCOUNTS_HOST ? safe : null;
}

/**
 * Microsoft's sign-in services (Microsoft Entra ID): the global one and the national clouds' (Azure
 * Government; Azure operated by 21Vianet, under both of its names). The only authorities the app signs in at
 * by default: a refresh token or an app's secret is only ever sent to one of them.
 */
export const MICROSOFT_AUTHORITIES: readonly string[] = Object.freeze([
  'https://login.microsoftonline.com',
  'https://login.microsoftonline.us',
  'https://login.partner.microsoftonline.cn',
  'https://login.chinacloudapi.cn',
]);

/**
 * The authorization URL to open for Sign in with Microsoft, or null unless it is the authorize page of the
 * configured authority (which the caller has already found in its list): same origin, no credentials,
 * path /{tenant}/oauth2/v2.0/authorize.
 */
export function microsoftAuthorizationUrl(raw: string, authority: string): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH || /[\s\u0000-\u001f\u007f]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.origin !== new URL(authority).origin || url.username !== '' || url.password !== '') return null;
  return /^\/[^/]+\/oauth2\/v2\.0\/authorize$/.test(url.pathname) ? url.toString() : null;
}
