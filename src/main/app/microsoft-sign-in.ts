/**
 * Microsoft 365 / Outlook.com for the window, behind a small service so unit tests can inject the flows:
 *
 * - Sign in with Microsoft (delegated): the engine's browser flow (auth code + PKCE, loopback redirect),
 *   with only the configured authority's authorize page opened; the refresh token goes to the keychain once
 *   the account is checked to be the mailbox's (a browser still signed in as an administrator would
 *   otherwise store the administrator's sign-in).
 * - Whole organisation (app-only): the app's client secret or certificate is checked with Microsoft (an app
 *   token is asked for) and only then stored in the keychain under the client ID, as the CLI's
 *   `secrets set-app-secret` / `import-app-certificate` do.
 *
 * Tokens and secrets are only ever sent to an authority in `authorities` (Microsoft's own by default).
 */
import { readFileSync, statSync } from 'node:fs';
import { appCertificates, appSecrets, type StoredCertificate } from '../engine/oauth/microsoft/app-credentials.js';
import { parseAppCertificate, type AppCertificate } from '../engine/oauth/microsoft/client-assertion.js';
import { MICROSOFT_AUTHORITY, normalizeAuthority, signedInAs, type SigninTarget } from '../engine/oauth/microsoft/endpoints.js';
import { signInWithMicrosoftBrowser } from '../engine/oauth/microsoft/signin.js';
import { requestAppToken } from '../engine/oauth/microsoft/token-client.js';
import { keychainRefreshTokens, type ClientSecretStore, type RefreshTokenStore } from '../engine/oauth/token-store.js';
import {
  MICROSOFT_IMAP_HOST,
  type MicrosoftAppCredentialRequest,
  type MicrosoftCredentialState,
  type MicrosoftSignInRequest,
} from '../../shared/contract.js';
import { fail, timeoutForTheForm } from './app-error.js';
import { MICROSOFT_AUTHORITIES, microsoftAuthorizationUrl } from './external-url.js';
import { DEFAULT_SIGN_IN_TIMEOUT_MS } from './google-sign-in.js';

export interface AppCertificateStore {
  get(clientId: string): StoredCertificate | null;
  set(clientId: string, c: StoredCertificate): void;
  delete(clientId: string): boolean;
}

export interface MicrosoftSignInService {
  /** The browser flow (the engine's signInWithMicrosoftBrowser by default). */
  signIn: typeof signInWithMicrosoftBrowser;
  /** Asks for an app-only token: how a secret or certificate is checked before it is stored. */
  requestAppToken: typeof requestAppToken;
  refreshTokens: RefreshTokenStore;
  appSecrets: ClientSecretStore;
  appCertificates: AppCertificateStore;
  /** How long to wait for the browser; default 5 minutes. */
  timeoutMs: number;
  /** The sign-in services (origins) the app uses at all; default Microsoft's. Only tests add one (their fake). */
  authorities: readonly string[];
}

export function microsoftSignInService(o: Partial<MicrosoftSignInService> = {}): MicrosoftSignInService {
  return {
    signIn: o.signIn ?? signInWithMicrosoftBrowser,
    requestAppToken: o.requestAppToken ?? requestAppToken,
    refreshTokens: o.refreshTokens ?? keychainRefreshTokens,
    appSecrets: o.appSecrets ?? appSecrets,
    appCertificates: o.appCertificates ?? appCertificates,
    timeoutMs: o.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS,
    authorities: (o.authorities ?? MICROSOFT_AUTHORITIES).map((a) => normalizeAuthority(a)),
  };
}

/** A PEM file with a certificate and its key is a few KB; anything this big is not one. */
const MAX_PEM_BYTES = 1024 * 1024;

/** The certificate and key in one PEM file (the key unencrypted: the keychain is what protects it). */
function readCertificate(file: string): AppCertificate {
  let pem: string;
  try {
    if (statSync(file).size > MAX_PEM_BYTES) fail('OAUTH_APP_CREDENTIAL', `${file} is too big to be a PEM certificate file.`, 'Choose the PEM file with the app’s certificate and its private key.');
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!code) throw err;
    fail('OAUTH_APP_CREDENTIAL', `Could not read ${file} (${code}).`, 'Choose the file again.');
  }
  return parseAppCertificate(pem, pem);
}

export function createMicrosoftSignIn(service: MicrosoftSignInService, openExternal: (url: string) => Promise<void>) {
  let pending: AbortController | undefined;

  /** The normalised authority, refused unless it is one of the service's. */
  const allowedAuthority = (authority?: string): string => {
    const a = normalizeAuthority(authority);
    if (service.authorities.includes(a)) return a;
    return fail(
      'AUTHORITY_REFUSED',
      `Mailferry signs in to Microsoft only at Microsoft’s own sign-in service, not at ${a}.`,
      `Leave the sign-in authority empty (${MICROSOFT_AUTHORITY}), or give a national cloud’s: ${MICROSOFT_AUTHORITIES.slice(1).join(', ')}.`,
    );
  };

  const appCredential = (clientId?: string): MicrosoftCredentialState['appCredential'] => {
    if (clientId === undefined) return null;
    if (service.appCertificates.get(clientId)) return 'certificate';
    return service.appSecrets.get(clientId) ? 'secret' : 'none';
  };

  const state = ({ address, host, clientId }: { address: string; host?: string; clientId?: string }): MicrosoftCredentialState => ({
    signedIn: service.refreshTokens.get(host ?? MICROSOFT_IMAP_HOST, address) !== null,
    appCredential: appCredential(clientId),
  });

  const target = (r: { address: string; host?: string; clientId: string; tenant: string; authority?: string }): SigninTarget => ({
    host: r.host ?? MICROSOFT_IMAP_HOST,
    user: r.address,
    clientId: r.clientId,
    tenant: r.tenant,
    authority: allowedAuthority(r.authority),
  });

  return {
    allowedAuthority,
    state,

    async signIn(request: MicrosoftSignInRequest): Promise<MicrosoftCredentialState> {
      const t = target(request);
      // A second click (the first browser tab closed, say) replaces the sign-in that is waiting.
      pending?.abort();
      const controller = new AbortController();
      pending = controller;
      let refreshToken: string | undefined;
      let accessToken: string;
      try {
        ({ accessToken } = await service.signIn({
          ...t,
          timeoutMs: service.timeoutMs,
          signal: controller.signal,
          // Held here until the account is checked below.
          refreshTokens: { get: () => null, set: (_h, _u, token) => void (refreshToken = token), delete: () => false },
          openUrl: async (url) => {
            const safe = microsoftAuthorizationUrl(url, t.authority) ?? fail('URL_REFUSED', `Mailferry opens only the sign-in page of ${t.authority}.`);
            await openExternal(safe);
          },
        }));
      } catch (err) {
        throw timeoutForTheForm(err, 'Sign in with Microsoft');
      } finally {
        if (pending === controller) pending = undefined;
      }
      const who = signedInAs(accessToken);
      if (who !== undefined && who.toLowerCase() !== t.user.toLowerCase()) {
        fail(
          'OAUTH_WRONG_ACCOUNT',
          `Microsoft signed in ${who}, not ${t.user}, so nothing was stored.`,
          `Click Sign in with Microsoft again and choose ${t.user} on Microsoft’s page (a browser still signed in as another account, an administrator’s say, offers that one first).`,
        );
      }
      if (refreshToken === undefined) fail('OAUTH_APP_SETUP', `Microsoft signed ${t.user} in without a refresh token, so Mailferry could not stay signed in.`);
      service.refreshTokens.set(t.host, t.user, refreshToken);
      return state(request);
    },

    async storeAppCredential(request: MicrosoftAppCredentialRequest): Promise<MicrosoftCredentialState> {
      const { clientId, clientSecret, certificateFile } = request;
      if ((clientSecret === undefined) === (certificateFile === undefined)) {
        fail('INVALID_REQUEST', 'Enter the client secret’s Value, or choose a certificate file: one of the two.');
      }
      const t = target(request);
      const certificate = certificateFile !== undefined ? readCertificate(certificateFile) : undefined;
      await service.requestAppToken(t, certificate ? { certificate } : { clientSecret: clientSecret! });
      // Stored only once Microsoft accepted it (a Secret ID pasted for the Value is never kept), and alone:
      // the engine prefers a certificate, so an older one would silently win over a new secret.
      if (certificate) {
        service.appCertificates.set(clientId, { certificate: certificate.certificatePem, privateKey: certificate.key.export({ type: 'pkcs8', format: 'pem' }).toString() });
        service.appSecrets.delete(clientId);
      } else {
        service.appSecrets.set(clientId, clientSecret!);
        service.appCertificates.delete(clientId);
      }
      return state(request);
    },
  };
}
