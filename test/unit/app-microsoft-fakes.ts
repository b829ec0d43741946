/**
 * The desktop app's services with Microsoft's flows injected (the real flows are the engine's, covered by
 * its own OAuth tests): a browser sign-in that "opens" a URL and stores a refresh token, an app-token request
 * that accepts or refuses, keychain stores as maps, and platform hooks that record.
 */
import type { AppCertificateStore } from '../../src/main/app/microsoft-sign-in.js';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import type { MailboxJob } from '../../src/main/engine/job/job.js';
import type { BrowserSigninOptions } from '../../src/main/engine/oauth/microsoft/signin.js';
import type { AppProof, MicrosoftClientOptions } from '../../src/main/engine/oauth/microsoft/token-client.js';
import { memoryClientSecrets, memoryRefreshTokens } from '../../src/main/engine/oauth/token-store.js';
import type { StoredCertificate } from '../../src/main/engine/oauth/microsoft/app-credentials.js';
import type { Method, Result } from '../../src/shared/contract.js';
import { fakeJwt } from '../support/fake-microsoft-answers.js';
import { fakeRun, idlePlatform, memorySecrets, okReport, tempDir } from './app-fakes.js';

export const APP_ID = '4a1aa1d5-c567-49d0-ad0b-cd957a47f842';
export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const AUTHORIZE = `https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=${APP_ID}&redirect_uri=http%3A%2F%2Flocalhost%3A4444`;

export function memoryCertificates(): AppCertificateStore & { entries: Map<string, StoredCertificate> } {
  const entries = new Map<string, StoredCertificate>();
  return { entries, get: (id) => entries.get(id) ?? null, set: (id, c) => void entries.set(id, c), delete: (id) => entries.delete(id) };
}

export function microsoftApp() {
  const h = {
    tokens: memoryRefreshTokens(),
    appSecrets: memoryClientSecrets(),
    appCertificates: memoryCertificates(),
    secrets: memorySecrets(),
    opened: [] as string[],
    copied: [] as string[],
    flows: [] as BrowserSigninOptions[],
    appRequests: [] as Array<{ target: MicrosoftClientOptions; proof: AppProof }>,
    tested: [] as MailboxJob[],
    /** The page the fake flow asks to open. */
    urlToOpen: AUTHORIZE,
    /** The access token the sign-in ends with: by default a work account's JWT naming the mailbox's user. */
    tokenFor: (user: string): string => fakeJwt({ aud: 'https://outlook.office.com', upn: user }),
    /** What the fake flow does once the page is "open": store a token (default), or throw. */
    behaviour: async (o: BrowserSigninOptions): Promise<void> => o.refreshTokens!.set(o.host, o.user, 'refresh-1'),
    /** What Microsoft answers a client-credentials request: a token (default), or throw. */
    appBehaviour: async (_t: MicrosoftClientOptions, _p: AppProof): Promise<void> => {},
    services: undefined as unknown as AppServices,
    call: (method: Method, request?: unknown): Promise<Result<unknown>> => h.services.handlers[method](request),
  };
  h.services = createAppServices({
    dataDir: tempDir(),
    version: '1',
    secrets: h.secrets,
    run: fakeRun().run,
    connectionTest: async (mb) => {
      h.tested.push(mb);
      return okReport(mb.id);
    },
    platform: { ...idlePlatform, openExternal: async (u) => void h.opened.push(u), copyText: async (t) => void h.copied.push(t) },
    microsoftSignIn: {
      refreshTokens: h.tokens,
      appSecrets: h.appSecrets,
      appCertificates: h.appCertificates,
      timeoutMs: 1234,
      signIn: async (o) => {
        h.flows.push(o);
        await o.openUrl(h.urlToOpen, { redirectUri: 'http://localhost:4444' });
        await h.behaviour(o);
        return { accessToken: h.tokenFor(o.user), expiresAt: Date.now() + 3_600_000, refreshToken: 'refresh-1', tokenType: 'Bearer' };
      },
      requestAppToken: async (target, proof) => {
        h.appRequests.push({ target, proof });
        await h.appBehaviour(target, proof);
        return { accessToken: 'app-access', expiresAt: Date.now() + 3_600_000, tokenType: 'Bearer' };
      },
    },
  });
  return h;
}

export type MicrosoftApp = ReturnType<typeof microsoftApp>;
