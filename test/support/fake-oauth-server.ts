/**
 * A fake Google OAuth 2.0 server on 127.0.0.1 for tests: authorization endpoint, token endpoint and a
 * token introspection endpoint (RFC 7662) for Dovecot's oauth2 passdb. Nothing here talks to Google.
 *
 *   GET  /authorize   checks the request like Google would (client, loopback redirect_uri, S256 challenge,
 *                     scope, access_type, prompt), records it, and redirects (302) to
 *                     redirect_uri?code=...&state=...&scope=... — or, with `denyNext`, ?error=access_denied.
 *   POST /token       grant_type=authorization_code: client id + secret, the one-time code, redirect_uri,
 *                     and base64url(sha256(code_verifier)) == the recorded code_challenge; answers
 *                     access_token (expires_in 3599), refresh_token, scope, token_type.
 *                     grant_type=refresh_token: a known, unrevoked refresh token -> a new access token.
 *                     Errors are Google's shape: HTTP 400/401 {"error": ..., "error_description": ...}.
 *   POST /introspect  token=<access token> -> {"active": true, "email": user, ...} or {"active": false}.
 *
 * Test controls: revokeAll() (the refresh and access tokens issued so far stop working: refreshes answer
 * invalid_grant "Token has been expired or revoked."; a new sign-in works again),
 * failNextToken(status, body), denyNext(), and records of every request (secrets included: it is a test server).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOAuthOptions {
  clientId?: string;
  clientSecret?: string;
  /** Seconds; Google's is 3599. */
  accessTokenLifetime?: number;
}

export interface AuthorizeRecord {
  params: Record<string, string>;
  code?: string;
}

export interface TokenRecord {
  params: Record<string, string>;
  status: number;
  body: Record<string, unknown>;
}

export interface IssuedAccessToken {
  token: string;
  user: string;
  expiresAt: number;
  scope: string;
}

export interface FakeOAuthServer {
  origin: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  clientId: string;
  clientSecret: string;
  authorizeRequests: AuthorizeRecord[];
  tokenRequests: TokenRecord[];
  introspections: Array<{ token: string; active: boolean }>;
  accessTokens: Map<string, IssuedAccessToken>;
  /** Refresh token -> user, for tokens not revoked. */
  refreshTokens: Map<string, string>;
  /** Revokes every token issued so far: refreshing one answers 400 invalid_grant, as after a revocation or the 7-day Testing expiry. */
  revokeAll(): void;
  /** The next token request gets this answer instead. */
  failNextToken(status: number, body: Record<string, unknown> | string): void;
  /** The next authorization request is declined by the "user" (error=access_denied). */
  denyNext(): void;
  /** Grants only these scopes at the next authorization (simulates an unticked box). */
  grantScopeNext(scope: string): void;
  close(): Promise<void>;
}

const REVOKED = { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: Record<string, unknown> | string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

const s256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest('base64url');
const token = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

export async function startFakeOAuthServer(opts: FakeOAuthOptions = {}): Promise<FakeOAuthServer> {
  const clientId = opts.clientId ?? 'fake-client-123.apps.googleusercontent.com';
  const clientSecret = opts.clientSecret ?? 'GOCSPX-fake-secret';
  const lifetime = opts.accessTokenLifetime ?? 3599;
  const codes = new Map<string, { challenge: string; redirectUri: string; user: string; scope: string }>();
  let nextFailure: { status: number; body: Record<string, unknown> | string } | undefined;
  let deny = false;
  let grantScope: string | undefined;

  const issueAccess = (user: string, scope: string) => {
    const t: IssuedAccessToken = { token: token('ya29.fake-'), user, scope, expiresAt: Date.now() + lifetime * 1000 };
    fake.accessTokens.set(t.token, t);
    return t;
  };

  async function authorize(url: URL, res: ServerResponse): Promise<void> {
    const p = Object.fromEntries(url.searchParams);
    const record: AuthorizeRecord = { params: p };
    fake.authorizeRequests.push(record);
    // Google shows errors about the request itself on its own page, not at the redirect.
    const problems: string[] = [];
    if (p['client_id'] !== clientId) problems.push('invalid_client: The OAuth client was not found.');
    if (p['response_type'] !== 'code') problems.push('unsupported_response_type');
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(p['redirect_uri'] ?? '')) problems.push('redirect_uri_mismatch');
    if (p['code_challenge_method'] !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(p['code_challenge'] ?? '')) problems.push('invalid_request: PKCE S256 required');
    if (!p['scope']) problems.push('invalid_request: Missing required parameter: scope');
    if (!p['state']) problems.push('invalid_request: no state');
    if (problems.length) return json(res, 400, `<h1>Error 400</h1><p>${problems.join('; ')}</p>`);
    const redirect = new URL(p['redirect_uri']!);
    redirect.searchParams.set('state', p['state']!);
    if (deny) {
      deny = false;
      redirect.searchParams.set('error', 'access_denied');
    } else {
      const code = token('4/0fake-code-');
      const scope = grantScope ?? p['scope']!;
      grantScope = undefined;
      codes.set(code, { challenge: p['code_challenge']!, redirectUri: p['redirect_uri']!, user: p['login_hint'] ?? 'someone@example.com', scope });
      record.code = code;
      redirect.searchParams.set('code', code);
      redirect.searchParams.set('scope', scope);
    }
    res.writeHead(302, { Location: redirect.toString() });
    res.end();
  }

  function tokenAnswer(p: Record<string, string>): { status: number; body: Record<string, unknown> | string } {
    if (nextFailure) {
      const f = nextFailure;
      nextFailure = undefined;
      return f;
    }
    if (p['client_id'] !== clientId || p['client_secret'] !== clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
    }
    if (p['grant_type'] === 'authorization_code') {
      const c = codes.get(p['code'] ?? '');
      if (!c) return { status: 400, body: { error: 'invalid_grant', error_description: 'Malformed auth code.' } };
      codes.delete(p['code']!); // one use only, even when the verifier is wrong
      if (p['redirect_uri'] !== c.redirectUri) return { status: 400, body: { error: 'redirect_uri_mismatch', error_description: 'Bad Request' } };
      if (!p['code_verifier']) return { status: 400, body: { error: 'invalid_request', error_description: 'code_verifier or verifier is not needed.' } };
      if (s256(p['code_verifier']) !== c.challenge) return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid code verifier.' } };
      const access = issueAccess(c.user, c.scope);
      const refresh = token('1//fake-refresh-');
      fake.refreshTokens.set(refresh, c.user);
      return { status: 200, body: { access_token: access.token, expires_in: lifetime, refresh_token: refresh, scope: c.scope, token_type: 'Bearer' } };
    }
    if (p['grant_type'] === 'refresh_token') {
      const user = fake.refreshTokens.get(p['refresh_token'] ?? '');
      if (user === undefined) return { status: 400, body: REVOKED };
      const access = issueAccess(user, 'https://mail.google.com/');
      return { status: 200, body: { access_token: access.token, expires_in: lifetime, scope: access.scope, token_type: 'Bearer' } };
    }
    return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + (p['grant_type'] ?? '') } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/authorize') return authorize(url, res);
    if (req.method === 'POST' && url.pathname === '/token') {
      const text = await readBody(req);
      const p = Object.fromEntries(new URLSearchParams(text));
      const ct = req.headers['content-type'] ?? '';
      const a = ct.startsWith('application/x-www-form-urlencoded') ? tokenAnswer(p) : { status: 400, body: { error: 'invalid_request', error_description: 'form body expected' } };
      fake.tokenRequests.push({ params: p, status: a.status, body: typeof a.body === 'string' ? { html: a.body } : a.body });
      return json(res, a.status, a.body);
    }
    if (req.method === 'POST' && url.pathname === '/introspect') {
      const text = await readBody(req);
      const t = new URLSearchParams(text).get('token') ?? (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      const issued = fake.accessTokens.get(t);
      const active = issued !== undefined && issued.expiresAt > Date.now();
      fake.introspections.push({ token: t, active });
      if (!active) return json(res, 200, { active: false });
      return json(res, 200, { active: true, email: issued.user, scope: issued.scope, client_id: clientId, exp: Math.floor(issued.expiresAt / 1000), token_type: 'Bearer' });
    }
    json(res, 404, { error: 'not_found' });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) json(res, 500, { error: 'server_error', error_description: String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeOAuthServer = {
    origin,
    authorizationEndpoint: `${origin}/authorize`,
    tokenEndpoint: `${origin}/token`,
    introspectionEndpoint: `${origin}/introspect`,
    clientId,
    clientSecret,
    authorizeRequests: [],
    tokenRequests: [],
    introspections: [],
    accessTokens: new Map(),
    refreshTokens: new Map(),
    revokeAll() {
      fake.refreshTokens.clear();
      fake.accessTokens.clear();
    },
    failNextToken(status, body) {
      nextFailure = { status, body };
    },
    denyNext() {
      deny = true;
    },
    grantScopeNext(scope) {
      grantScope = scope;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}

/**
 * A test "browser": loads the authorization URL, follows the fake server's redirect to the loopback
 * address like a browser would, and returns the final page. Google's consent screen is skipped.
 */
export async function fakeBrowser(authUrl: string): Promise<{ status: number; url: string; page: string; redirectedTo?: string }> {
  const first = await fetch(authUrl, { redirect: 'manual' });
  const location = first.headers.get('location');
  await first.text();
  if (first.status !== 302 || !location) return { status: first.status, url: authUrl, page: '' };
  const second = await fetch(location, { redirect: 'manual' });
  return { status: second.status, url: location, page: await second.text(), redirectedTo: location };
}

/**
 * Dovecot's oauth2 passdb (Dovecot 2.3) against this server's introspection endpoint: tokens are POSTed as
 * `token=...` and accepted when the answer has "active": true and "email" = the user signing in.
 * The settings file for `passdb { driver = oauth2; args = FILE }`.
 */
export function dovecotOAuth2Settings(introspectionUrl: string): string {
  return [
    'introspection_mode = post',
    `introspection_url = ${introspectionUrl}`,
    'force_introspection = yes',
    'username_attribute = email',
    'active_attribute = active',
    'active_value = true',
    '',
  ].join('\n');
}

/**
 * Turns on XOAUTH2 and OAUTHBEARER in a dovecot.conf rendered by test/support/dovecot-config.ts: adds the
 * mechanisms and an oauth2 passdb (for those mechanisms only) in front of the passwd-file one. Pure text
 * in, text out; the caller writes it and reloads Dovecot (SIGHUP to the master).
 */
export function withOAuth2Passdb(config: string, settingsFile: string, mechanisms: ReadonlyArray<'xoauth2' | 'oauthbearer'> = ['xoauth2', 'oauthbearer']): string {
  if (!/^auth_mechanisms = .*$/m.test(config) || !/^passdb \{$/m.test(config)) throw new Error('not a dovecot.conf from dovecot-config.ts');
  return config
    .replace(/^auth_mechanisms = (.*)$/m, (_l, mechs: string) => `auth_mechanisms = ${mechs} ${mechanisms.join(' ')}`)
    .replace(/^passdb \{$/m, `passdb {\n  driver = oauth2\n  mechanisms = ${mechanisms.join(' ')}\n  args = ${settingsFile}\n}\npassdb {`);
}
