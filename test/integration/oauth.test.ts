/**
 * Sign in with Google, end to end against a fake authorization server on 127.0.0.1 (no Google endpoint is
 * ever contacted) and a REAL Secret Service: run inside the private keyring session,
 *   bash scripts/with-keyring.sh npx vitest run test/integration/oauth.test.ts
 * A fake "browser" loads the authorization URL and follows the redirect back to Mailferry's loopback port.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { build } from 'esbuild';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError, classifyServerText, type ErrorContext } from '../../src/main/engine/errors/classify-error.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import { AccessTokenProvider } from '../../src/main/engine/oauth/access-token-provider.js';
import { codeChallengeS256, createPkce } from '../../src/main/engine/oauth/pkce.js';
import { oauthBearerInitialResponse, xoauth2InitialResponse, type ImapOAuth } from '../../src/main/engine/oauth/sasl.js';
import { signInWithBrowser } from '../../src/main/engine/oauth/signin-flow.js';
import { exchangeAuthorizationCode } from '../../src/main/engine/oauth/token-client.js';
import { keychainClientSecrets, keychainRefreshTokens, OAUTH_CLIENT_SERVICE, OAUTH_TOKEN_SERVICE } from '../../src/main/engine/oauth/token-store.js';
import { signinCommand, signoutCommand, SIGNIN_EXIT } from '../../src/main/cli/signin-command.js';
import { startDestination, type DovecotServer } from '../support/dovecot.js';
import { turnOnOAuth } from '../support/dovecot-xoauth2.js';
import { fakeBrowser, startFakeOAuthServer, type FakeOAuthServer } from '../support/fake-oauth-server.js';
import { rejection } from '../support/rejection.js';

const root = resolve(import.meta.dirname, '../..');
const run = `${process.pid}-${Date.now()}`;
const HOST = 'imap.gmail.com';
const user = (name: string) => `${name}-${run}@gmail.com`;

function requireKeyringSession(): void {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS || process.env.MAILFERRY_KEYRING_SESSION !== '1') {
    throw new Error(
      'The OAuth tests keep refresh tokens in a private Secret Service and refuse to touch a desktop keyring. ' +
        'Run them via: bash scripts/with-keyring.sh npx vitest run test/integration/oauth.test.ts',
    );
  }
}

function secretTool(service: string, account: string): string | null {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', service, 'username', account], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null; // exit 1: not found
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => !d.isDirectory()).map((d) => join(d.parentPath, d.name));
}

function sink(): PassThrough & { text: () => string } {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d) => (text += d));
  return Object.assign(s, { text: () => text });
}

function emptyInput(): PassThrough {
  return inputOf('');
}

/** Stdin holding these lines (the client secret, when the command asks for it). */
function inputOf(text: string): PassThrough {
  const s = new PassThrough();
  s.end(text);
  return s;
}

// The CLI command in a child process (bundled by esbuild, keyring addon external), as a user would run it.
const CLI = `
  import { signinCommand } from './src/main/cli/signin-command.ts';
  const [authorizationEndpoint, tokenEndpoint, ...argv] = process.argv.slice(2);
  process.exitCode = await signinCommand(argv, {
    input: process.stdin, output: process.stdout, errorOutput: process.stderr,
    endpoints: { authorizationEndpoint, tokenEndpoint },
  });
`;

let fake: FakeOAuthServer;
let work: string;
let cliFile: string;

beforeAll(async () => {
  requireKeyringSession();
  fake = await startFakeOAuthServer();
  work = mkdtempSync(join(tmpdir(), 'mailferry-oauth-test-'));
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
  const bundle = await build({
    stdin: { contents: CLI, resolveDir: root, sourcefile: 'signin-cli.ts', loader: 'ts' },
    bundle: true, platform: 'node', format: 'esm', target: 'node22', external: ['@napi-rs/keyring'], write: false, logLevel: 'silent',
  });
  cliFile = join(work, 'signin-cli.mjs');
  writeFileSync(cliFile, bundle.outputFiles[0]!.text);
});

afterAll(async () => {
  await fake?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs `mailferry signin` in a child with its own empty HOME and state dir; plays the browser when the URL appears. */
function signinInChild(argv: string[], stdin: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; browser?: Awaited<ReturnType<typeof fakeBrowser>> }>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cliFile, fake.authorizationEndpoint, fake.tokenEndpoint, ...argv], { env, cwd: env['MF_STATE_DIR'], stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let browsing: Promise<Awaited<ReturnType<typeof fakeBrowser>>> | undefined;
    child.stdout.on('data', (d) => {
      stdout += d;
      const url = /^ {2}(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)$/m.exec(stdout)?.[1];
      if (url && !browsing) browsing = fakeBrowser(url);
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', async (code) => resolvePromise({ code, stdout, stderr, browser: await browsing?.catch(() => undefined) }));
    child.stdin.end(stdin);
  });
}

// In order: later tests use alice's sign-in and the client secret stored by the first one.
describe('Sign in with Google (fake endpoints, real keychain)', () => {
  const alice = user('alice');

  it('signs in end to end through the CLI, headless: PKCE checked, refresh token in the keychain and nowhere else', async () => {
    const box = mkdtempSync(join(work, 'user-'));
    const home = join(box, 'home');
    const state = join(box, 'state');
    mkdirSync(home);
    mkdirSync(state);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_STATE_HOME: join(home, '.local/state'),
      XDG_DATA_HOME: join(home, '.local/share'),
      TMPDIR: join(box, 'tmp'),
      MF_STATE_DIR: state,
      // no DISPLAY: headless
    };
    mkdirSync(env.TMPDIR!);
    const before = { auth: fake.authorizeRequests.length, token: fake.tokenRequests.length };
    const r = await signinInChild([HOST, alice, '--client-id', fake.clientId], `${fake.clientSecret}\n`, env);

    expect(r.stderr).toBe('');
    expect(r.code).toBe(SIGNIN_EXIT.OK);
    expect(r.stdout).toContain('Open this URL in a browser on this computer:');
    expect(r.stdout).toMatch(/only this computer can reach/);
    expect(r.stdout).toContain(`Signed in as ${alice}; the refresh token is in the OS keychain.`);
    expect(r.browser?.status).toBe(200);
    expect(r.browser?.page).toContain('You can close this window');

    // What the "browser" brought to Google, and what Mailferry sent to the token endpoint.
    expect(fake.authorizeRequests.length).toBe(before.auth + 1);
    const auth = fake.authorizeRequests.at(-1)!.params;
    expect(auth).toMatchObject({
      client_id: fake.clientId, response_type: 'code', scope: 'https://mail.google.com/', code_challenge_method: 'S256',
      access_type: 'offline', prompt: 'consent', login_hint: alice,
    });
    expect(auth['redirect_uri']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(auth['state']).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(fake.tokenRequests.length).toBe(before.token + 1);
    const tok = fake.tokenRequests.at(-1)!;
    expect(tok.status).toBe(200);
    expect(tok.params).toMatchObject({ grant_type: 'authorization_code', client_id: fake.clientId, client_secret: fake.clientSecret, redirect_uri: auth['redirect_uri'] });
    expect(tok.params['code_verifier']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(codeChallengeS256(tok.params['code_verifier']!)).toBe(auth['code_challenge']);
    const refreshToken = tok.body['refresh_token'] as string;
    const accessToken = tok.body['access_token'] as string;

    // The loopback server is gone.
    const port = Number(new URL(auth['redirect_uri']!).port);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();

    // In the keychain (seen by secret-tool, i.e. really in the Secret Service)...
    expect(secretTool(OAUTH_TOKEN_SERVICE, `${alice}@${HOST}`)).toBe(refreshToken);
    expect(secretTool(OAUTH_CLIENT_SERVICE, fake.clientId)).toBe(fake.clientSecret);
    expect(keychainRefreshTokens.get(HOST, alice)).toBe(refreshToken);
    // ...and nowhere else: no file in HOME, the state dir or TMPDIR, and not in the output.
    expect(filesUnder(home)).toEqual([]);
    expect(filesUnder(state)).toEqual([]);
    expect(filesUnder(env.TMPDIR!)).toEqual([]);
    for (const s of [refreshToken, accessToken, fake.clientSecret]) expect(`${r.stdout}${r.stderr}`).not.toContain(s);
  });

  it('signs in again with a browser opener and the stored client secret (no prompt)', async () => {
    const out = sink();
    const opened: string[] = [];
    let browsed: Promise<unknown> | undefined;
    const code = await signinCommand([HOST, alice, '--client-id', fake.clientId], {
      input: emptyInput(), // a prompt would read nothing and fail
      output: out,
      env: { DISPLAY: ':0' },
      platform: 'linux',
      endpoints: { authorizationEndpoint: fake.authorizationEndpoint, tokenEndpoint: fake.tokenEndpoint },
      openBrowser: (url) => {
        opened.push(url);
        browsed = fakeBrowser(url);
        return true;
      },
    });
    await browsed;
    expect(out.text()).not.toContain('Client secret for');
    expect(out.text()).toContain('Opening your browser');
    expect(code).toBe(SIGNIN_EXIT.OK);
    expect(opened).toHaveLength(1);
    expect(keychainRefreshTokens.get(HOST, alice)).toBe(fake.tokenRequests.at(-1)!.body['refresh_token']);
  });

  it('refuses a wrong PKCE verifier (and the code is single-use)', async () => {
    const pkce = createPkce();
    const url = new URL(fake.authorizationEndpoint);
    const redirectUri = 'http://127.0.0.1:9'; // never contacted: the test reads the redirect itself
    Object.entries({ response_type: 'code', client_id: fake.clientId, redirect_uri: redirectUri, scope: 'https://mail.google.com/', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 's', login_hint: alice })
      .forEach(([k, v]) => url.searchParams.set(k, v));
    const res = await fetch(url, { redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const opts = { tokenEndpoint: fake.tokenEndpoint, clientId: fake.clientId, clientSecret: fake.clientSecret, host: HOST, user: alice };
    const wrong = createPkce().verifier;
    const err = await rejection(exchangeAuthorizationCode(opts, { code, codeVerifier: wrong, redirectUri }));
    expect(err.code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(err.message).toContain('Invalid code verifier');
    expect(fake.tokenRequests.at(-1)!.status).toBe(400);
    // The right verifier cannot rescue a code that was already presented.
    expect((await rejection(exchangeAuthorizationCode(opts, { code, codeVerifier: pkce.verifier, redirectUri }))).code).toBe('OAUTH_SIGN_IN_AGAIN');
  });

  it('gives each new connection a valid token, refreshing with the keychain refresh token', async () => {
    let t = Date.now();
    const provider = new AccessTokenProvider({ host: HOST, user: alice, clientId: fake.clientId, tokenEndpoint: fake.tokenEndpoint, now: () => t });
    const before = fake.tokenRequests.length;
    const first = await provider.imapAuth();
    expect(first.user).toBe(alice);
    expect(fake.tokenRequests.length).toBe(before + 1);
    expect(fake.tokenRequests.at(-1)!.params).toMatchObject({ grant_type: 'refresh_token', refresh_token: keychainRefreshTokens.get(HOST, alice)!, client_secret: fake.clientSecret });
    expect(fake.accessTokens.get(first.accessToken)?.user).toBe(alice);
    expect((await provider.imapAuth()).accessToken).toBe(first.accessToken); // plenty of time left
    t += 56 * 60_000; // under 5 minutes left
    const second = await provider.imapAuth();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(fake.tokenRequests.length).toBe(before + 2);
  });

  it('turns a revoked or expired sign-in (invalid_grant) into OAUTH_SIGN_IN_AGAIN with the command, and a new sign-in fixes it', async () => {
    const bob = user('bob');
    // Sign bob in (client secret already stored for this client).
    const out = sink();
    let browsed: Promise<unknown> | undefined;
    const endpoints = { authorizationEndpoint: fake.authorizationEndpoint, tokenEndpoint: fake.tokenEndpoint };
    const signin = () => signinCommand([HOST, bob, '--client-id', fake.clientId], {
      input: inputOf(`${fake.clientSecret}\n`), output: out, env: {}, platform: 'linux', endpoints,
      openBrowser: () => false,
    });
    // Headless: the URL is printed; play the browser from the output.
    const play = async () => {
      for (let i = 0; i < 200 && !/ {2}(http\S+authorize\S+)/.test(out.text()); i++) await new Promise((r) => setTimeout(r, 10));
      browsed = fakeBrowser(/ {2}(http\S+authorize\S+)/.exec(out.text())![1]!);
    };
    const [code] = await Promise.all([signin(), play()]);
    await browsed;
    expect(code).toBe(SIGNIN_EXIT.OK);

    const provider = new AccessTokenProvider({ host: HOST, user: bob, clientId: fake.clientId, tokenEndpoint: fake.tokenEndpoint });
    await provider.get();
    fake.revokeAll(); // the user removed access, or 7 days passed for an app in Testing
    provider.invalidate(); // e.g. the server refused the token
    const err = await rejection(provider.get());
    expect(err.code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('Token has been expired or revoked.');
    expect(err.hint).toContain(`Sign in again with: npx mailferry signin ${HOST} ${bob} --client-id ${fake.clientId}.`);
    expect(err.hint).toMatch(/Testing.*7 days.*publish/is);
    expect(fake.tokenRequests.at(-1)!.status).toBe(400);

    // Signing in again (as the hint says) heals the same provider without a restart.
    const out2 = out.text().length;
    const [code2] = await Promise.all([signin(), (async () => {
      for (let i = 0; i < 200 && !/ {2}(http\S+authorize\S+)/.test(out.text().slice(out2)); i++) await new Promise((r) => setTimeout(r, 10));
      browsed = fakeBrowser(/ {2}(http\S+authorize\S+)/.exec(out.text().slice(out2))![1]!);
    })()]);
    await browsed;
    expect(code2).toBe(SIGNIN_EXIT.OK);
    expect(fake.accessTokens.has(await provider.get())).toBe(true);
  });

  it('gives up after the timeout with a clear message, and cancels on request', async () => {
    const out = sink();
    const code = await signinCommand([HOST, user('slow'), '--client-id', fake.clientId, '--no-browser'], {
      input: inputOf(`${fake.clientSecret}\n`), output: out, timeoutMs: 300,
      endpoints: { authorizationEndpoint: fake.authorizationEndpoint, tokenEndpoint: fake.tokenEndpoint },
    });
    expect(code).toBe(SIGNIN_EXIT.FAILED);
    expect(out.text()).toContain('Waiting up to 300 ms for the sign-in to finish');
    expect(out.text()).toContain('The Google sign-in was not completed in the browser within 300 ms.');
    expect(out.text()).toMatch(/Run the command again and finish the sign-in in the browser/);
    expect(keychainRefreshTokens.get(HOST, user('slow'))).toBeNull();

    const ctl = new AbortController();
    const out2 = sink();
    const p = signinCommand([HOST, user('cancel'), '--client-id', fake.clientId, '--no-browser'], {
      input: inputOf(`${fake.clientSecret}\n`), output: out2, signal: ctl.signal,
      endpoints: { authorizationEndpoint: fake.authorizationEndpoint, tokenEndpoint: fake.tokenEndpoint },
    });
    setTimeout(() => ctl.abort(), 100);
    expect(await p).toBe(SIGNIN_EXIT.CANCELLED);
  });

  it('reports a declined consent and does not store a mistyped client secret', async () => {
    const carol = user('carol');
    const other = await startFakeOAuthServer({ clientId: 'other-client.apps.googleusercontent.com', clientSecret: 'right-secret' });
    try {
      const endpoints = { authorizationEndpoint: other.authorizationEndpoint, tokenEndpoint: other.tokenEndpoint };
      const io = (out: PassThrough, input: string) => {
        const inp = new PassThrough();
        inp.end(input);
        return { input: inp, output: out, env: { DISPLAY: ':0' }, platform: 'linux' as const, endpoints, openBrowser: (url: string) => (void fakeBrowser(url), true) };
      };
      other.denyNext();
      const o1 = sink();
      expect(await signinCommand([HOST, carol, '--client-id', other.clientId], io(o1, 'right-secret\n'))).toBe(SIGNIN_EXIT.CANCELLED);
      expect(o1.text()).toMatch(/Access was not granted/);

      const o2 = sink();
      expect(await signinCommand([HOST, carol, '--client-id', other.clientId], io(o2, 'wrong-secret\n'))).toBe(SIGNIN_EXIT.FAILED);
      expect(o2.text()).toMatch(/did not accept the OAuth client ID or client secret/);
      expect(o2.text()).toContain('--ask-client-secret');
      expect(keychainClientSecrets.get(other.clientId)).toBeNull();
      expect(keychainRefreshTokens.get(HOST, carol)).toBeNull();

      const o3 = sink();
      expect(await signinCommand([HOST, carol, '--client-id', other.clientId], io(o3, 'right-secret\n'))).toBe(SIGNIN_EXIT.OK);
      expect(keychainClientSecrets.get(other.clientId)).toBe('right-secret');
      keychainClientSecrets.delete(other.clientId);
      keychainRefreshTokens.delete(HOST, carol);
    } finally {
      await other.close();
    }
  });

  it('signs out: the refresh token is deleted, and a connection then says how to sign in', async () => {
    const out = sink();
    expect(await signoutCommand([HOST, alice], { input: emptyInput(), output: out })).toBe(SIGNIN_EXIT.OK);
    expect(out.text()).toContain(`Signed out ${alice} on ${HOST}: the refresh token was deleted from the OS keychain.`);
    expect(out.text()).toContain('https://myaccount.google.com/permissions');
    expect(secretTool(OAUTH_TOKEN_SERVICE, `${alice}@${HOST}`)).toBeNull();
    const err = await rejection(new AccessTokenProvider({ host: HOST, user: alice, clientId: fake.clientId, tokenEndpoint: fake.tokenEndpoint }).get());
    expect(err.code).toBe('SECRET_MISSING');
    expect(err.hint).toBe(`Run: npx mailferry signin ${HOST} ${alice} --client-id ${fake.clientId}`);
    const again = sink();
    expect(await signoutCommand([HOST, alice], { input: emptyInput(), output: again })).toBe(SIGNIN_EXIT.OK);
    expect(again.text()).toContain('nothing to delete');
  });

  it('answers usage errors without touching anything', async () => {
    const out = sink();
    expect(await signinCommand([HOST, alice], { input: emptyInput(), output: out })).toBe(SIGNIN_EXIT.USAGE);
    expect(out.text()).toContain('--client-id ID is needed');
    expect(await signinCommand([HOST, alice, '--client-id', 'x', '--client-secret', 'y'], { input: emptyInput(), output: out })).toBe(SIGNIN_EXIT.USAGE);
    expect(await signoutCommand([HOST], { input: emptyInput(), output: out })).toBe(SIGNIN_EXIT.USAGE);
  });
});

/** One raw `AUTHENTICATE MECH <initial response>` on a plaintext port: the server's lines up to the tagged reply. */
function rawAuthenticate(port: number, mech: 'XOAUTH2' | 'OAUTHBEARER', initial: string): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    const lines: string[] = [];
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to AUTHENTICATE ${mech}: ${lines.join(' | ')}`));
    }, 10_000);
    socket.setEncoding('utf8');
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        lines.push(line);
        if (lines.length === 1) socket.write(`a1 AUTHENTICATE ${mech} ${initial}\r\n`);
        else if (line.startsWith('+')) socket.write(mech === 'XOAUTH2' ? '\r\n' : 'AQ==\r\n'); // the error acknowledgement
        else if (line.startsWith('a1 ')) {
          clearTimeout(timer);
          socket.end('a2 LOGOUT\r\n');
          resolvePromise(lines);
        }
      }
    });
  });
}

describe("XOAUTH2 and OAUTHBEARER against Dovecot's oauth2 passdb (introspection on the fake server)", () => {
  const dora = `dora-${run}@example.com`;
  let server: DovecotServer;
  let provider: AccessTokenProvider;
  const ctx = (): ErrorContext => ({ side: 'source', host: '127.0.0.1', port: server.port, user: dora, phase: 'login' });

  /** How the engine opens a connection: a fresh token, imapflow, failures classified. */
  const open = async (auth: ImapOAuth): Promise<ImapFlow> => {
    const client = new ImapFlow({ ...server.imapOptions(dora, 'plain'), auth });
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (err) {
      client.close();
      throw new MailferryError(classifyError(err, ctx()), { cause: err });
    }
  };

  beforeAll(async () => {
    server = await startDestination({ users: [{ user: dora, password: 'dora-password' }] });
    // Sign dora in through the engine API (the browser plays along), so the fake knows her refresh token.
    const tokens = await signInWithBrowser({
      host: '127.0.0.1', user: dora, clientId: fake.clientId, clientSecret: fake.clientSecret,
      endpoints: { authorizationEndpoint: fake.authorizationEndpoint, tokenEndpoint: fake.tokenEndpoint },
      openUrl: (url) => void fakeBrowser(url),
    });
    provider = new AccessTokenProvider({ host: '127.0.0.1', user: dora, clientId: fake.clientId, tokenEndpoint: fake.tokenEndpoint, initial: tokens });

    // The oauth2 passdb for both mechanisms, as Gmail offers them.
    await turnOnOAuth(server, fake.introspectionEndpoint, { user: dora, accessToken: tokens.accessToken }, ['xoauth2', 'oauthbearer']);
  });

  afterAll(async () => {
    await server?.stop();
    try {
      keychainRefreshTokens.delete('127.0.0.1', dora);
    } catch {
      /* keyring gone */
    }
  });

  it("signs imapflow in with the provider's token (OAUTHBEARER, which Dovecot offers next to XOAUTH2)", async () => {
    const client = await provider.connect(open);
    try {
      expect(client.authenticated).toBeTruthy();
      expect(client.capabilities.has('IMAP4rev1')).toBe(true);
      const status = await client.status('INBOX', { messages: true });
      expect(status && status.messages).toBe(0);
    } finally {
      await client.logout();
    }
    expect(server.readLog()).toMatch(new RegExp(`Login: user=<${dora.replace(/[.+]/g, '\\$&')}>, method=OAUTHBEARER`));
    expect(fake.introspections.at(-1)).toMatchObject({ active: true });
  });

  it('signs in with our raw XOAUTH2 and OAUTHBEARER initial responses', async () => {
    const token = await provider.get();
    const x = await rawAuthenticate(server.port, 'XOAUTH2', xoauth2InitialResponse(dora, token));
    expect(x.at(-1)).toMatch(/^a1 OK/);
    const o = await rawAuthenticate(server.port, 'OAUTHBEARER', oauthBearerInitialResponse({ user: dora, accessToken: token, host: '127.0.0.1', port: server.port }));
    expect(o.at(-1)).toMatch(/^a1 OK/);
  });

  it('answers a refused token with the JSON challenge, which classifies as "sign in again"', async () => {
    const lines = await rawAuthenticate(server.port, 'XOAUTH2', xoauth2InitialResponse(dora, 'ya29.not-a-real-token'));
    const challenge = lines.find((l) => l.startsWith('+ '))!;
    expect(JSON.parse(Buffer.from(challenge.slice(2), 'base64').toString())).toMatchObject({ status: '401', schemes: expect.stringMatching(/bearer/i) }); // the shape Gmail uses too
    expect(lines.at(-1)).toMatch(/^a1 NO/);
    expect(classifyServerText(challenge, ctx()).code).toBe('OAUTH_SIGN_IN_AGAIN');
  });

  it('refreshes once when the server no longer accepts a token the provider still thought valid', async () => {
    const stale = new AccessTokenProvider({
      host: '127.0.0.1', user: dora, clientId: fake.clientId, tokenEndpoint: fake.tokenEndpoint,
      initial: { accessToken: 'ya29.revoked-early', expiresAt: Date.now() + 50 * 60_000, tokenType: 'Bearer' },
    });
    const tried: string[] = [];
    const client = await stale.connect((auth) => {
      tried.push(auth.accessToken);
      return open(auth);
    });
    await client.logout();
    expect(tried).toHaveLength(2);
    expect(tried[0]).toBe('ya29.revoked-early');
    expect(fake.accessTokens.has(tried[1]!)).toBe(true);
    expect(stale.refreshCount).toBe(1);
  });

  it('after the grant is revoked, a new connection ends in OAUTH_SIGN_IN_AGAIN naming the command', async () => {
    fake.revokeAll();
    const err = await rejection(provider.connect(open));
    expect(err.code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(err.hint).toContain(`npx mailferry signin 127.0.0.1 ${dora} --client-id ${fake.clientId}`);
    expect(err.hint).toMatch(/7 days/);
    expect(fake.tokenRequests.at(-1)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });
});
