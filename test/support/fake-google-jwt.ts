/**
 * A fake of Google's token endpoint for service accounts with domain-wide delegation, on 127.0.0.1 (nothing
 * here talks to Google), plus an introspection endpoint for Dovecot's oauth2 passdb.
 *
 *   POST /token       grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT, checked as Google
 *                     does: header alg RS256 and kid of a live key of the account, the RS256 signature against
 *                     that key's public half, iss = the account, aud = this endpoint, iat/exp a window of at
 *                     most an hour around now, sub an active user of the domain, the scope within the
 *                     domain's delegation. Answers access_token (expires_in: options.accessTokenLifetime) or
 *                     Google's errors (unauthorized_client, invalid_grant "Invalid email or User ID", "Invalid
 *                     JWT Signature.", "Invalid JWT: Token must be a short-lived token...", disabled_client).
 *   POST /introspect  token=... -> {"active": true, "email": user} while the token lives and the user is not suspended.
 *
 * Test controls: newKey() (a JSON key file the account accepts), revokeGrant() / grant(scopes) (the
 * administrator's delegation), suspend(user), deleteKey(kid), disableKey(kid), and a record of every token
 * request.
 */
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const MAIL_SCOPE = 'https://mail.google.com/';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const UNAUTHORIZED = { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' };
const BAD_SIGNATURE = { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' };
const BAD_TIME = { error: 'invalid_grant', error_description: "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim." };
const NO_USER = { error: 'invalid_grant', error_description: 'Invalid email or User ID' };
const DISABLED = { error: 'disabled_client', error_description: 'The OAuth client was disabled.' };

export interface TokenRequest {
  status: number;
  body: Record<string, unknown>;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

export interface FakeGoogleJwt {
  tokenEndpoint: string;
  introspectionEndpoint: string;
  clientEmail: string;
  clientId: string;
  options: { accessTokenLifetime: number };
  tokenRequests: TokenRequest[];
  accessTokens: Map<string, { user: string; expiresAt: number }>;
  /** A new key of the account, as Google Cloud console downloads it. */
  newKey(): { json: string; privateKeyId: string; privateKeyPem: string };
  grant(scopes?: string[]): void;
  revokeGrant(): void;
  suspend(user: string): void;
  deleteKey(kid: string): void;
  disableKey(kid: string): void;
  close(): Promise<void>;
}

/** Header and claims of a JWT, unverified, and what was signed. */
export function jwtParts(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown>; input: string; signature: Buffer } {
  const [h = '', c = '', s = ''] = jwt.split('.');
  const json = (p: string) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: json(h), claims: json(c), input: `${h}.${c}`, signature: Buffer.from(s, 'base64url') };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startFakeGoogleJwt(opts: { users: string[]; clientEmail?: string }): Promise<FakeGoogleJwt> {
  const users = new Set(opts.users);
  const suspended = new Set<string>();
  const keys = new Map<string, { publicKey: KeyObject; disabled: boolean }>();
  let scopes = new Set([MAIL_SCOPE]);
  let tokenEndpoint = '';

  function answer(form: URLSearchParams, record: TokenRequest): { status: number; body: Record<string, unknown> } {
    if (form.get('grant_type') !== JWT_BEARER) return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + (form.get('grant_type') ?? '') } };
    let parts: ReturnType<typeof jwtParts>;
    try {
      parts = jwtParts(form.get('assertion') ?? '');
    } catch {
      return { status: 400, body: BAD_SIGNATURE };
    }
    Object.assign(record, { header: parts.header, claims: parts.claims });
    const { header, claims } = parts;
    const key = keys.get(String(header['kid']));
    if (header['alg'] !== 'RS256' || !key || claims['iss'] !== fake.clientEmail) return { status: 400, body: BAD_SIGNATURE };
    if (key.disabled) return { status: 401, body: DISABLED };
    if (!verify('sha256', Buffer.from(parts.input, 'ascii'), key.publicKey, parts.signature)) return { status: 400, body: BAD_SIGNATURE };
    if (claims['aud'] !== tokenEndpoint) return { status: 400, body: { error: 'invalid_grant', error_description: `Invalid JWT: Failed audience check. The right audience is ${tokenEndpoint}` } };
    const now = Date.now() / 1000;
    const iat = Number(claims['iat']);
    const exp = Number(claims['exp']);
    if (!(iat <= now + 30 && exp > now && exp - iat <= 3600)) return { status: 400, body: BAD_TIME };
    const user = String(claims['sub']);
    if (!users.has(user) || suspended.has(user)) return { status: 400, body: NO_USER };
    const asked = String(claims['scope'] ?? '').split(' ');
    if (asked.some((s) => !scopes.has(s))) return { status: 401, body: UNAUTHORIZED };
    const token = `ya29.c.fake-${randomBytes(24).toString('base64url')}`;
    const lifetime = fake.options.accessTokenLifetime;
    fake.accessTokens.set(token, { user, expiresAt: Date.now() + lifetime * 1000 });
    return { status: 200, body: { access_token: token, expires_in: lifetime, token_type: 'Bearer' } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    if (req.method === 'POST' && req.url === '/token') {
      const record: TokenRequest = { status: 0, body: {} };
      const a = answer(form, record);
      fake.tokenRequests.push(Object.assign(record, a));
      return send(res, a.status, a.body);
    }
    if (req.method === 'POST' && req.url === '/introspect') {
      const issued = fake.accessTokens.get(form.get('token') ?? '');
      if (!issued || issued.expiresAt <= Date.now() || suspended.has(issued.user)) return send(res, 200, { active: false });
      return send(res, 200, { active: true, email: issued.user, scope: MAIL_SCOPE, exp: Math.floor(issued.expiresAt / 1000) });
    }
    send(res, 404, { error: 'not_found' });
  }

  const server = createServer((req, res) => void handle(req, res).catch((err) => send(res, 500, { error: 'server_error', error_description: String(err) })));
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenEndpoint = `${origin}/token`;

  const fake: FakeGoogleJwt = {
    tokenEndpoint,
    introspectionEndpoint: `${origin}/introspect`,
    clientEmail: opts.clientEmail ?? 'mailferry@migration-test.iam.gserviceaccount.com',
    clientId: '113355779911224466880',
    options: { accessTokenLifetime: 3599 },
    tokenRequests: [],
    accessTokens: new Map(),
    newKey() {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const privateKeyId = randomBytes(20).toString('hex');
      keys.set(privateKeyId, { publicKey, disabled: false });
      const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const json = JSON.stringify({
        type: 'service_account', project_id: 'migration-test', private_key_id: privateKeyId, private_key: privateKeyPem,
        client_email: fake.clientEmail, client_id: fake.clientId, auth_uri: 'https://accounts.google.com/o/oauth2/auth', token_uri: tokenEndpoint,
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs', universe_domain: 'googleapis.com',
      }, null, 2);
      return { json, privateKeyId, privateKeyPem };
    },
    grant: (s = [MAIL_SCOPE]) => void (scopes = new Set(s)),
    revokeGrant: () => void (scopes = new Set()),
    suspend: (user) => void suspended.add(user),
    deleteKey: (kid) => void keys.delete(kid),
    disableKey: (kid) => void (keys.get(kid)!.disabled = true),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}
