/**
 * A fake Microsoft identity platform v2.0 on 127.0.0.1 (nothing here talks to Microsoft), for one tenant:
 *
 *   GET  /{tenant}/oauth2/v2.0/authorize    checks client, loopback redirect (localhost or 127.0.0.1, any
 *        port), S256 challenge, the IMAP scope and state; "the user approves" at once: 302 to
 *        redirect_uri?code&state (with denyNext(): ?error=access_denied).
 *   POST /{tenant}/oauth2/v2.0/devicecode   device_code, user_code, verification_uri, expires_in, interval.
 *   POST /{tenant}/oauth2/v2.0/token        authorization_code (PKCE checked, single use), refresh_token
 *        (rotated: the old one stops working), device_code (answers scripted with scriptDevice()),
 *        client_credentials (the app's secret, or a certificate assertion verified like Microsoft does).
 *        A public client that sends a secret gets AADSTS700025, a disallowed device flow AADSTS7000218...
 *   POST /introspect                         for Dovecot's oauth2 passdb: {"active", "email"}.
 *
 * failNext(code) answers the next token request with Microsoft's JSON for that AADSTS code.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { aadAnswer, assertionProblem, fakeJwt, type Answer } from './fake-microsoft-answers.js';

export const DELEGATED_SCOPE = 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access';
export const APP_SCOPE = 'https://outlook.office365.com/.default';

export interface FakeMicrosoftOptions {
  /** Seconds; Microsoft's are 3599 or so. */
  accessTokenLifetime?: number;
  allowPublicClientFlows?: boolean;
  /** The app's registered certificate (PEM), for client assertions. */
  appCertificatePem?: string;
  /** device code: seconds between polls and lifetime. */
  deviceInterval?: number;
  deviceExpiresIn?: number;
}

export type DeviceStep = 'authorization_pending' | 'slow_down' | 'authorization_declined' | 'expired_token' | 'approve';

export interface IssuedToken {
  user: string;
  expiresAt: number;
  app: boolean;
}

export interface FakeMicrosoftIdentity {
  authority: string;
  tenant: string;
  /** The public client (delegated sign-in) and the confidential app (app-only) with its secret. */
  clientId: string;
  appClientId: string;
  appSecret: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  authorizeRequests: Array<Record<string, string>>;
  tokenRequests: Array<{ params: Record<string, string>; status: number; body: Record<string, unknown>; at: number }>;
  accessTokens: Map<string, IssuedToken>;
  /** Refresh tokens that still work -> user. */
  refreshTokens: Map<string, string>;
  options: FakeMicrosoftOptions;
  failNext(code: number, error?: string): void;
  denyNext(): void;
  /** The account the "browser" is signed in as at the next authorization (default: the login_hint). */
  browserUserNext(user: string): void;
  /** Answers of the polls of the next device code, in order; then it keeps answering authorization_pending. */
  scriptDevice(steps: DeviceStep[], user: string): void;
  close(): Promise<void>;
}

const s256 = (v: string) => createHash('sha256').update(v, 'ascii').digest('base64url');
const rnd = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;
const guid = () => { const h = randomBytes(16).toString('hex'); return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`; };
const hasImapScope = (scope: string | undefined) => {
  const parts = (scope ?? '').split(' ');
  return parts.includes('https://outlook.office.com/IMAP.AccessAsUser.All') && parts.includes('offline_access') && !/graph\.microsoft\.com/.test(scope ?? '');
};

function send(res: ServerResponse, a: Answer | { status: number; html: string }): void {
  const text = 'html' in a ? a.html : JSON.stringify(a.body);
  res.writeHead(a.status, { 'Content-Type': 'html' in a ? 'text/html' : 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(data))));
    req.on('error', reject);
  });
}

export async function startFakeMicrosoftIdentity(options: FakeMicrosoftOptions = {}): Promise<FakeMicrosoftIdentity> {
  const tenant = guid();
  const codes = new Map<string, { challenge: string; redirectUri: string; user: string }>();
  const devices = new Map<string, { steps: DeviceStep[]; user: string }>();
  const seenJti = new Set<string>();
  let failure: Answer | undefined;
  let deny = false;
  let browserUser: string | undefined;
  let deviceScript: { steps: DeviceStep[]; user: string } | undefined;
  const o = options;

  const ok = (user: string, app: boolean): Answer => {
    const lifetime = o.accessTokenLifetime ?? 3599;
    const access = fakeJwt(app ? { aud: 'https://outlook.office365.com', roles: ['IMAP.AccessAsApp'], appid: fake.appClientId, tid: tenant } : { aud: 'https://outlook.office.com', scp: 'IMAP.AccessAsUser.All', upn: user, tid: tenant });
    fake.accessTokens.set(access, { user, app, expiresAt: Date.now() + lifetime * 1000 });
    const body: Record<string, unknown> = { token_type: 'Bearer', scope: app ? APP_SCOPE : 'https://outlook.office.com/IMAP.AccessAsUser.All', expires_in: lifetime, ext_expires_in: lifetime, access_token: access };
    if (!app) {
      body['refresh_token'] = rnd('0.AAAA-fake-refresh-');
      fake.refreshTokens.set(body['refresh_token'] as string, user);
    }
    return { status: 200, body };
  };

  function delegated(p: Record<string, string>, vars: Record<string, string>): Answer {
    if (p['client_secret'] !== undefined || p['client_assertion'] !== undefined) return aadAnswer(700025, vars);
    if (p['grant_type'] === 'authorization_code') {
      if (!hasImapScope(p['scope'])) return aadAnswer(70011, vars);
      const c = codes.get(p['code'] ?? '');
      codes.delete(p['code'] ?? '');
      if (!c || p['redirect_uri'] !== c.redirectUri) return aadAnswer(54005, vars);
      if (s256(p['code_verifier'] ?? '') !== c.challenge) return aadAnswer(501481, vars);
      return ok(c.user, false);
    }
    if (p['grant_type'] === 'refresh_token') {
      if (!hasImapScope(p['scope'])) return aadAnswer(70011, vars);
      const user = fake.refreshTokens.get(p['refresh_token'] ?? '');
      if (user === undefined) return aadAnswer(70000, vars);
      fake.refreshTokens.delete(p['refresh_token']!); // rotation: the old one is used up
      return ok(user, false);
    }
    // device code
    if (o.allowPublicClientFlows === false) return aadAnswer(7000218, vars);
    const d = devices.get(p['device_code'] ?? '');
    if (!d) return { status: 400, body: { error: 'bad_verification_code', error_description: 'AADSTS70000: The provided value for the device_code is not valid.', error_codes: [70000] } };
    const step = d.steps.shift() ?? 'authorization_pending';
    if (step === 'approve') {
      devices.delete(p['device_code']!);
      return ok(d.user, false);
    }
    if (step === 'expired_token') return aadAnswer(70019, vars);
    if (step === 'authorization_declined') return aadAnswer(70000, vars, 'authorization_declined');
    return aadAnswer(70016, vars, step);
  }

  function app(p: Record<string, string>, vars: Record<string, string>, tokenEndpoint: string): Answer {
    if (p['scope'] !== APP_SCOPE) return aadAnswer(70011, vars);
    if (p['client_secret'] !== undefined) return p['client_secret'] === fake.appSecret ? ok('', true) : aadAnswer(7000215, vars);
    if (p['client_assertion'] === undefined || p['client_assertion_type'] !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return aadAnswer(7000218, vars);
    if (!o.appCertificatePem) return aadAnswer(700027, vars);
    const problem = assertionProblem(p['client_assertion'], { certificatePem: o.appCertificatePem, clientId: fake.appClientId, tokenEndpoint, seen: seenJti });
    return problem ? aadAnswer(700027, vars) : ok('', true);
  }

  function token(t: string, p: Record<string, string>): Answer {
    const vars = { client: p['client_id'] ?? '', tenant: t };
    if (failure) {
      const f = failure;
      failure = undefined;
      return f;
    }
    if (p['grant_type'] === 'client_credentials') {
      if (p['client_id'] === fake.clientId && (p['client_secret'] || p['client_assertion'])) return aadAnswer(700025, vars);
      if (p['client_id'] !== fake.appClientId) return aadAnswer(700016, vars);
      return app(p, vars, `${origin}/${t}/oauth2/v2.0/token`);
    }
    if (p['client_id'] !== fake.clientId) return aadAnswer(700016, vars);
    if (!['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'].includes(p['grant_type'] ?? '')) {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'AADSTS70003: The app requested an unsupported grant type.', error_codes: [70003] } };
    }
    return delegated(p, vars);
  }

  function authorize(t: string, url: URL, res: ServerResponse): void {
    const p = Object.fromEntries(url.searchParams);
    fake.authorizeRequests.push(p);
    const vars = { client: p['client_id'] ?? '', tenant: t, redirect: p['redirect_uri'] ?? '' };
    // Microsoft shows errors about the request itself on its own page, not at the redirect.
    const page = (code: number) => send(res, { status: 400, html: `<h1>Sign in</h1><p>${String(aadAnswer(code, vars).body['error_description'])}</p>` });
    if (p['client_id'] !== fake.clientId) return page(700016);
    if (!/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/?$/.test(p['redirect_uri'] ?? '')) return page(50011);
    if (p['response_type'] !== 'code' || p['code_challenge_method'] !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(p['code_challenge'] ?? '') || !p['state']) {
      return send(res, { status: 400, html: '<p>AADSTS900144: The request body must contain a required parameter.</p>' });
    }
    const redirect = new URL(p['redirect_uri']!);
    redirect.searchParams.set('state', p['state']);
    if (!hasImapScope(p['scope'])) {
      redirect.searchParams.set('error', 'invalid_scope');
      redirect.searchParams.set('error_description', String(aadAnswer(70011, vars).body['error_description']));
    } else if (deny) {
      deny = false;
      redirect.searchParams.set('error', 'access_denied');
      redirect.searchParams.set('error_description', 'AADSTS65004: User declined to consent to access the app.');
    } else {
      const code = rnd('1.AQ-fake-code-');
      codes.set(code, { challenge: p['code_challenge']!, redirectUri: p['redirect_uri']!, user: browserUser ?? p['login_hint'] ?? 'someone@contoso.com' });
      browserUser = undefined;
      redirect.searchParams.set('code', code);
    }
    res.writeHead(302, { Location: redirect.toString() });
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token|devicecode)$/.exec(url.pathname);
    const t = m ? decodeURIComponent(m[1]!) : '';
    if (m && ![tenant, 'common', 'organizations', 'consumers'].includes(t)) return send(res, { status: 400, body: { error: 'invalid_request', error_description: `AADSTS90002: Tenant '${t}' not found.`, error_codes: [90002] } });
    if (req.method === 'GET' && m?.[2] === 'authorize') return authorize(t, url, res);
    if (req.method === 'POST' && m?.[2] === 'token') {
      const p = await readBody(req);
      const a = token(t, p);
      fake.tokenRequests.push({ params: p, status: a.status, body: a.body, at: Date.now() });
      return send(res, a);
    }
    if (req.method === 'POST' && m?.[2] === 'devicecode') {
      const p = await readBody(req);
      if (p['client_id'] !== fake.clientId) return send(res, aadAnswer(700016, { client: p['client_id'] ?? '', tenant: t }));
      if (!hasImapScope(p['scope'])) return send(res, aadAnswer(70011));
      const deviceCode = rnd('DAQABAAEAAAD-fake-device-');
      const userCode = randomBytes(5).toString('hex').toUpperCase().slice(0, 9);
      devices.set(deviceCode, deviceScript ?? { steps: ['approve'], user: 'someone@contoso.com' });
      deviceScript = undefined;
      const verificationUri = `${origin}/devicelogin`;
      return send(res, { status: 200, body: { device_code: deviceCode, user_code: userCode, verification_uri: verificationUri, expires_in: o.deviceExpiresIn ?? 900, interval: o.deviceInterval ?? 5, message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.` } });
    }
    if (req.method === 'POST' && url.pathname === '/introspect') {
      const p = await readBody(req);
      const issued = fake.accessTokens.get(p['token'] ?? '');
      const active = issued !== undefined && !issued.app && issued.expiresAt > Date.now();
      return send(res, { status: 200, body: active ? { active: true, email: issued.user, exp: Math.floor(issued.expiresAt / 1000) } : { active: false } });
    }
    send(res, { status: 404, body: { error: 'not_found' } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, { status: 500, body: { error: 'server_error', error_description: String(err) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeMicrosoftIdentity = {
    authority: origin,
    tenant,
    clientId: guid(),
    appClientId: guid(),
    appSecret: `Fk8Q~${randomBytes(20).toString('base64url')}`,
    tokenEndpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
    introspectionEndpoint: `${origin}/introspect`,
    authorizeRequests: [],
    tokenRequests: [],
    accessTokens: new Map(),
    refreshTokens: new Map(),
    options: o,
    failNext: (code, error) => void (failure = aadAnswer(code, { client: 'the-app', tenant }, error)),
    denyNext: () => void (deny = true),
    browserUserNext: (user) => void (browserUser = user),
    scriptDevice: (steps, user) => void (deviceScript = { steps: [...steps], user }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}

/** A test "browser": loads the authorization URL and follows the redirect to Mailferry's loopback address. */
export async function approveInBrowser(authUrl: string): Promise<{ status: number; page: string; location?: string }> {
  const first = await fetch(authUrl, { redirect: 'manual' });
  const location = first.headers.get('location') ?? undefined;
  const page = await first.text();
  if (first.status !== 302 || !location) return { status: first.status, page };
  const second = await fetch(location, { redirect: 'manual' });
  return { status: second.status, page: await second.text(), location };
}
