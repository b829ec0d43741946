/**
 * Sign in with Google through the handler table, with the browser flow injected (the real flow is the
 * engine's, covered by its own OAuth tests): validation, only Google's page opened, secrets to the keychain
 * stores and never back, errors in the window's words, and saved mailboxes that sign in with Google.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { signInForTheWindow } from '../../src/main/app/app-error.js';
import { googleAuthorizationUrl } from '../../src/main/app/external-url.js';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import { memoryClientSecrets, memoryRefreshTokens, type SignInOptions } from '../../src/main/engine/oauth/index.js';
import type { MailboxDraft, Method, Result } from '../../src/shared/contract.js';
import { fakeRun, idlePlatform, memorySecrets, okReport, tempDir } from './app-fakes.js';

const CLIENT = '1234-abc.apps.googleusercontent.com';
const AUTH_URL = `https://accounts.google.com/o/oauth2/v2/auth?client_id=${CLIENT}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4444%2F`;

let services: AppServices;
let tokens: ReturnType<typeof memoryRefreshTokens>;
let clientSecrets: ReturnType<typeof memoryClientSecrets>;
let opened: string[];
let flows: SignInOptions[];
/** What the fake flow does once the page is "open": store a token (default), or throw. */
let behaviour: (o: SignInOptions) => Promise<void>;
let urlToOpen: string;

beforeEach(() => {
  tokens = memoryRefreshTokens();
  clientSecrets = memoryClientSecrets();
  opened = [];
  flows = [];
  urlToOpen = AUTH_URL;
  behaviour = async (o) => o.refreshTokens!.set(o.host, o.user, 'refresh-1');
  services = createAppServices({
    dataDir: tempDir(),
    version: '1',
    secrets: memorySecrets(),
    run: fakeRun().run,
    connectionTest: async (mb) => okReport(mb.id),
    platform: { ...idlePlatform, openExternal: async (u) => void opened.push(u) },
    googleSignIn: {
      refreshTokens: tokens,
      clientSecrets,
      timeoutMs: 1234,
      signIn: async (o) => {
        flows.push(o);
        await o.openUrl(urlToOpen, { redirectUri: 'http://127.0.0.1:4444/' });
        await behaviour(o);
        return { accessToken: 'access-1', expiresAt: Date.now() + 3_600_000, refreshToken: 'refresh-1', tokenType: 'Bearer' };
      },
    },
  });
});

async function call(method: Method, request?: unknown): Promise<Result<unknown>> {
  return services.handlers[method](request);
}

async function refused(method: Method, request: unknown, code = 'INVALID_REQUEST'): Promise<string> {
  const r = await call(method, request);
  expect(r.ok, `${method} ${JSON.stringify(request)} should be refused`).toBe(false);
  if (r.ok) return '';
  expect(r.error.code).toBe(code);
  return `${r.error.message} ${r.error.hint ?? ''}`;
}

async function ok<T = unknown>(method: Method, request?: unknown): Promise<T> {
  const r = await call(method, request);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

describe('signInWithGoogle', () => {
  it('opens Google’s page, stores the refresh token and the client secret, and returns nothing secret', async () => {
    const r = await ok('signInWithGoogle', { address: 'ann@gmail.com', clientId: ` ${CLIENT} `, clientSecret: ' GOCSPX-secret ' });
    expect(r).toEqual({ signedIn: true, clientSecretStored: true });
    expect(JSON.stringify(r)).not.toMatch(/secret|refresh-1|access-1/);
    expect(opened).toEqual([AUTH_URL]);
    expect(flows[0]).toMatchObject({ host: 'imap.gmail.com', user: 'ann@gmail.com', clientId: CLIENT, clientSecret: 'GOCSPX-secret', timeoutMs: 1234 });
    expect(flows[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(tokens.get('imap.gmail.com', 'ann@gmail.com')).toBe('refresh-1');
    expect(clientSecrets.get(CLIENT)).toBe('GOCSPX-secret');

    // Later sign-ins with the same client use the stored secret.
    await ok('signInWithGoogle', { address: 'bob@gmail.com', clientId: CLIENT });
    expect(flows[1]!.clientSecret).toBe('GOCSPX-secret');
    expect(await ok('hasGoogleSignIn', { address: 'bob@gmail.com', clientId: CLIENT })).toEqual({ signedIn: true, clientSecretStored: true });
    expect(await ok('hasGoogleSignIn', { address: 'cat@gmail.com' })).toEqual({ signedIn: false, clientSecretStored: null });
    expect(await ok('hasGoogleSignIn', { address: 'ann@gmail.com', host: 'imap.example.org', clientId: '9-x.apps.googleusercontent.com' })).toEqual({
      signedIn: false,
      clientSecretStored: false,
    });
  });

  it('validates every field before anything opens', async () => {
    const good = { address: 'ann@gmail.com', clientId: CLIENT, clientSecret: 'GOCSPX-s' };
    await refused('signInWithGoogle', undefined);
    await refused('signInWithGoogle', { ...good, address: 'ann' });
    await refused('signInWithGoogle', { ...good, address: 'ann @gmail.com' });
    expect(await refused('signInWithGoogle', { ...good, clientId: '1234-abc' })).toMatch(/clientId: must be the client ID Google Cloud console shows/);
    await refused('signInWithGoogle', { ...good, clientId: 'x.apps.googleusercontent.com/evil' });
    const m = await refused('signInWithGoogle', { ...good, clientSecret: 'two words' });
    expect(m).not.toContain('two words'); // never echoed
    await refused('signInWithGoogle', { ...good, clientSecret: '' });
    await refused('signInWithGoogle', { ...good, host: 'https://imap.gmail.com/' });
    await refused('signInWithGoogle', { ...good, redirectUri: 'http://evil.example/' });
    await refused('hasGoogleSignIn', { address: 'ann@gmail.com', clientSecret: 'x' });
    await refused('hasGoogleSignIn', {});
    expect(flows).toEqual([]);
    expect(opened).toEqual([]);
  });

  it('asks for the client secret the first time a client ID is used', async () => {
    expect(await refused('signInWithGoogle', { address: 'ann@gmail.com', clientId: CLIENT }, 'CLIENT_SECRET_REQUIRED')).toMatch(/Credentials/);
    expect(flows).toEqual([]);
  });

  it('opens only https pages on accounts.google.com', async () => {
    for (const url of ['http://accounts.google.com/o/oauth2/v2/auth', 'https://accounts.google.com.evil.example/x', 'https://evil.example/', 'https://accounts.google.com:444/x', 'file:///etc/passwd']) {
      urlToOpen = url;
      await refused('signInWithGoogle', { address: 'ann@gmail.com', clientId: CLIENT, clientSecret: 'GOCSPX-s' }, 'URL_REFUSED');
    }
    expect(opened).toEqual([]);
    expect(clientSecrets.get(CLIENT)).toBeNull(); // a failed sign-in keeps no secret
    expect(googleAuthorizationUrl(AUTH_URL)).toBe(AUTH_URL);
  });

  it('turns the flow’s errors into the window’s words', async () => {
    behaviour = async () => {
      throw new MailferryError({ code: 'TIMEOUT', message: 'The Google sign-in was not completed in the browser within 5 minutes.', hint: 'Run the command again (ssh -L).', retryable: false });
    };
    const timeout = await call('signInWithGoogle', { address: 'ann@gmail.com', clientId: CLIENT, clientSecret: 'GOCSPX-s' });
    expect(timeout).toEqual({
      ok: false,
      error: { code: 'TIMEOUT', message: 'The Google sign-in was not completed in the browser within 5 minutes.', hint: 'Click Sign in with Google again and finish in the browser window that opens on this computer.' },
    });
    behaviour = async (o) => {
      throw new MailferryError({
        code: 'AUTH_FAILED',
        message: 'Google did not accept the OAuth client ID or client secret (invalid_client).',
        hint: `Check both in the Google Cloud console, then sign in again with npx mailferry signin ${o.host} ${o.user} --client-id ${o.clientId} --ask-client-secret.`,
        retryable: false,
      });
    };
    const bad = await call('signInWithGoogle', { address: 'ann@gmail.com', clientId: CLIENT, clientSecret: 'GOCSPX-wrong' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('AUTH_FAILED');
      expect(bad.error.hint).toBe('Check both in the Google Cloud console, then sign in with Google again in the mailbox’s settings (Edit).');
    }
    expect(clientSecrets.get(CLIENT)).toBeNull();
    expect(tokens.get('imap.gmail.com', 'ann@gmail.com')).toBeNull();
  });

  it('a second sign-in replaces the one still waiting for the browser', async () => {
    behaviour = (o) =>
      new Promise((resolve, reject) => {
        if (flows.length > 1) return resolve(o.refreshTokens!.set(o.host, o.user, 'refresh-2'));
        o.signal!.addEventListener('abort', () => reject(new MailferryError({ code: 'CANCELLED', message: 'The Google sign-in was cancelled.', retryable: false })));
      });
    const first = call('signInWithGoogle', { address: 'ann@gmail.com', clientId: CLIENT, clientSecret: 'GOCSPX-s' });
    await new Promise((r) => setTimeout(r, 0));
    const second = await call('signInWithGoogle', { address: 'ann@gmail.com', clientId: CLIENT, clientSecret: 'GOCSPX-s' });
    expect(second.ok).toBe(true);
    expect(await first).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(tokens.get('imap.gmail.com', 'ann@gmail.com')).toBe('refresh-2');
  });
});

describe('a mailbox that signs in with Google', () => {
  const draft = (over: Partial<MailboxDraft['source']> = {}): MailboxDraft => ({
    source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@gmail.com', auth: 'oauth2', oauthClientId: CLIENT, ...over },
    destination: { host: 'mail.example.net', port: 993, security: 'tls', user: 'ann@example.net' },
    destinationPassword: 'dest',
  });

  it('needs the sign-in first, takes no app password, and keeps the client ID (never a secret) in the settings', async () => {
    expect(await refused('saveMailbox', draft(), 'SIGN_IN_REQUIRED')).toMatch(/Sign in with Google as ann@gmail.com first/);
    await ok('signInWithGoogle', { address: 'ann@gmail.com', clientId: CLIENT, clientSecret: 'GOCSPX-s' });
    await refused('saveMailbox', { ...draft(), sourcePassword: 'abcd efgh ijkl mnop' }, 'INVALID_MAILBOX');
    const v = await ok<{ config: { id: string; source: unknown }; passwordsStored: { source: boolean } }>('saveMailbox', draft());
    expect(v.config.source).toEqual(draft().source);
    expect(v.passwordsStored.source).toBe(true);
    expect(JSON.stringify(services.store.mailboxes())).not.toContain('GOCSPX');

    await refused('saveMailbox', draft({ auth: 'token' as never }));
    await refused('saveMailbox', draft({ oauthClientId: 'not-a-client' }));
    // The destination's client ID is a Microsoft app's (a GUID): Sign in with Google is for the source.
    expect(await refused('saveMailbox', { ...draft(), destination: { ...draft().destination, auth: 'oauth2', oauthClientId: CLIENT } })).toMatch(
      /destination\.oauthClientId: must be the Application \(client\) ID/,
    );
    expect(await refused('saveMailbox', draft({ oauthClientId: undefined }), 'INVALID_MAILBOX')).toMatch(/Source OAuth client ID/);

    // Switching an existing mailbox to an app password needs one.
    const { auth: _a, oauthClientId: _c, ...plain } = draft().source;
    await refused('saveMailbox', { id: v.config.id, source: plain, destination: draft().destination }, 'PASSWORD_REQUIRED');

    await ok('removeMailbox', { id: v.config.id, forgetPasswords: true });
    expect(tokens.get('imap.gmail.com', 'ann@gmail.com')).toBeNull();
  });
});

describe('engine sign-in hints in the window', () => {
  it('point to the button instead of the command line', () => {
    const cmd = `npx mailferry signin imap.gmail.com a@b.c --client-id ${CLIENT}`;
    expect(signInForTheWindow(`Run: ${cmd} --ask-client-secret`)).toBe('Sign in with Google again in the mailbox’s settings (Edit)');
    expect(signInForTheWindow(`Sign in again with: ${cmd}. If this happens every 7 days, publish it.`)).toBe(
      'Sign in with Google again in the mailbox’s settings (Edit). If this happens every 7 days, publish it.',
    );
    expect(signInForTheWindow(`Remove Mailferry's access at https://myaccount.google.com/permissions and run ${cmd} again.`)).toBe(
      'Remove Mailferry\'s access at https://myaccount.google.com/permissions and sign in with Google again in the mailbox’s settings (Edit).',
    );
    expect(signInForTheWindow(`Use ${cmd}.`)).toBe('Use Sign in with Google in the mailbox’s settings (Edit).');
  });
});
