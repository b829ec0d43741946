/**
 * Sign in with Google for the window: the engine's browser flow (PKCE, loopback redirect on 127.0.0.1,
 * refresh token to the keychain) behind a small service, so the handler table can be given a fake flow in
 * unit tests. Only Google's authorization page is ever opened, and at most one sign-in waits at a time.
 */
import {
  keychainClientSecrets,
  keychainRefreshTokens,
  signInWithBrowser,
  type ClientSecretStore,
  type RefreshTokenStore,
} from '../engine/oauth/index.js';
import { GMAIL_IMAP_HOST, type GoogleSignInRequest, type GoogleSignInState } from '../../shared/contract.js';
import { fail, timeoutForTheForm } from './app-error.js';
import { googleAuthorizationUrl } from './external-url.js';

export interface GoogleSignInService {
  /** The browser flow (the engine's signInWithBrowser by default). */
  signIn: typeof signInWithBrowser;
  refreshTokens: RefreshTokenStore;
  clientSecrets: ClientSecretStore;
  /** How long to wait for the browser; default 5 minutes. */
  timeoutMs: number;
}

export const DEFAULT_SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export function googleSignInService(o: Partial<GoogleSignInService> = {}): GoogleSignInService {
  return {
    signIn: o.signIn ?? signInWithBrowser,
    refreshTokens: o.refreshTokens ?? keychainRefreshTokens,
    clientSecrets: o.clientSecrets ?? keychainClientSecrets,
    timeoutMs: o.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS,
  };
}

const CONSOLE_HINT = 'Google Cloud console › APIs & Services › Credentials shows it next to the client ID (an OAuth client ID of type Desktop app).';

export function createGoogleSignIn(service: GoogleSignInService, openExternal: (url: string) => Promise<void>) {
  let pending: AbortController | undefined;

  const state = (address: string, host: string, clientId?: string): GoogleSignInState => ({
    signedIn: service.refreshTokens.get(host, address) !== null,
    clientSecretStored: clientId === undefined ? null : service.clientSecrets.get(clientId) !== null,
  });

  return {
    state: ({ address, host, clientId }: { address: string; host?: string; clientId?: string }) => state(address, host ?? GMAIL_IMAP_HOST, clientId),

    async signIn({ address, clientId, clientSecret, host = GMAIL_IMAP_HOST }: GoogleSignInRequest): Promise<GoogleSignInState> {
      const secret =
        clientSecret ??
        service.clientSecrets.get(clientId) ??
        fail('CLIENT_SECRET_REQUIRED', `Enter the client secret of ${clientId}.`, CONSOLE_HINT);
      // A second click (the first browser tab closed, say) replaces the sign-in that is waiting.
      pending?.abort();
      const controller = new AbortController();
      pending = controller;
      try {
        await service.signIn({
          host,
          user: address,
          clientId,
          clientSecret: secret,
          timeoutMs: service.timeoutMs,
          signal: controller.signal,
          refreshTokens: service.refreshTokens,
          openUrl: async (url) => {
            const safe = googleAuthorizationUrl(url) ?? fail('URL_REFUSED', 'Mailferry opens only Google’s own sign-in page (https://accounts.google.com).');
            await openExternal(safe);
          },
        });
      } catch (err) {
        throw timeoutForTheForm(err, 'Sign in with Google');
      } finally {
        if (pending === controller) pending = undefined;
      }
      // Kept only once Google accepted it with a code: a mistyped secret is never stored.
      if (clientSecret !== undefined) service.clientSecrets.set(clientId, clientSecret);
      return state(address, host, clientId);
    },

    /** Stops a sign-in that waits for the browser (app quit). */
    cancel(): void {
      pending?.abort();
    },
  };
}
