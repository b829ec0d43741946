/** A Google service account's key file, the signed delegation grant (JWT) and the tokens it buys. */
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import { parseServiceAccountKey, serializeServiceAccountKey } from '../../src/main/engine/oauth/service-account/key-file.js';
import { delegationGrant, JWT_BEARER_GRANT, ServiceAccountTokens } from '../../src/main/engine/oauth/service-account/tokens.js';
import { jwtParts } from '../support/fake-google-jwt.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEY_FILE = {
  type: 'service_account', project_id: 'acme-migration', private_key_id: '3f2a9c0d4e5b6a7f8091a2b3c4d5e6f708192a3b', private_key: PEM,
  client_email: 'mailferry@acme-migration.iam.gserviceaccount.com', client_id: '104938572615243987261', token_uri: 'https://oauth2.googleapis.com/token',
};
const text = (o: object) => JSON.stringify(o);
const key = parseServiceAccountKey(text(KEY_FILE), 'The file KEY.json');
const NOW = Date.UTC(2026, 11, 1, 9, 0, 0);

function refusal(fn: () => unknown): MailferryError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MailferryError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('the key file', () => {
  it('reads what Google Cloud console downloads', () => {
    expect(key).toMatchObject({ clientEmail: KEY_FILE.client_email, clientId: KEY_FILE.client_id, privateKeyId: KEY_FILE.private_key_id, tokenUri: KEY_FILE.token_uri, projectId: 'acme-migration' });
    expect(key.key.asymmetricKeyType).toBe('rsa');
    // What the keychain keeps reads back as the same key.
    const again = parseServiceAccountKey(serializeServiceAccountKey(key), 'stored');
    expect(again).toMatchObject({ clientEmail: key.clientEmail, clientId: key.clientId, privateKeyId: key.privateKeyId, tokenUri: key.tokenUri });
    expect(again.key.export({ type: 'pkcs8', format: 'pem' })).toBe(PEM);
  });

  it.each([
    ['not JSON', '{"type": "service_account",', 'is not JSON'],
    ["an OAuth client's file", text({ installed: { client_id: 'x.apps.googleusercontent.com', client_secret: 'GOCSPX-abc' } }), "is an OAuth client's file (client_secret.json)"],
    ['another type', text({ ...KEY_FILE, type: 'authorized_user' }), '"type" is "authorized_user", not "service_account"'],
    ['missing fields', text({ type: 'service_account', client_email: KEY_FILE.client_email }), 'lacks client_id, private_key_id, private_key'],
    ['a client ID that is no number', text({ ...KEY_FILE, client_id: 'mailferry' }), 'has no numeric "client_id"'],
    ["a token_uri that is not Google's", text({ ...KEY_FILE, token_uri: 'https://collector.example.net/token' }), 'names a "token_uri" that is not Google\'s'],
    ['a damaged key', text({ ...KEY_FILE, private_key: PEM.replace(/\n/g, ' ') }), 'is not a readable PEM key'],
    ['an EC key', text({ ...KEY_FILE, private_key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }), 'holds a ec key'],
  ])('refuses %s, without quoting the file', (_name, file, message) => {
    const err = refusal(() => parseServiceAccountKey(file, 'The file KEY.json'));
    expect(err.code).toBe('OAUTH_APP_CREDENTIAL');
    expect(err.message).toContain(message);
    expect(err.hint).toContain('IAM & Admin > Service accounts');
    expect(JSON.stringify(err.toInfo())).not.toMatch(/BEGIN PRIVATE KEY|GOCSPX|collector/);
  });

  it('takes an older key\'s token_uri and a loopback one (tests), and defaults a missing one to Google\'s', () => {
    expect(parseServiceAccountKey(text({ ...KEY_FILE, token_uri: 'https://accounts.google.com/o/oauth2/token' }), 'k').tokenUri).toBe('https://accounts.google.com/o/oauth2/token');
    expect(parseServiceAccountKey(text({ ...KEY_FILE, token_uri: 'http://127.0.0.1:4321/token' }), 'k').tokenUri).toBe('http://127.0.0.1:4321/token');
    const { token_uri: _unused, ...noUri } = KEY_FILE;
    expect(parseServiceAccountKey(text(noUri), 'k').tokenUri).toBe('https://oauth2.googleapis.com/token');
  });
});

describe('the delegation grant', () => {
  it('is RS256 over header.claims, verifiable with the public half, naming the key and the user', () => {
    const jwt = delegationGrant(key, 'ann@acme.example', NOW);
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/); // base64url, no padding
    const { header, claims, input, signature } = jwtParts(jwt);
    expect(verify('sha256', Buffer.from(input), publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from(input), createPublicKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' })), signature)).toBe(false);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: KEY_FILE.private_key_id });
    expect(claims).toEqual({
      iss: KEY_FILE.client_email, scope: 'https://mail.google.com/', aud: 'https://oauth2.googleapis.com/token', sub: 'ann@acme.example',
      iat: NOW / 1000, exp: NOW / 1000 + 3600,
    });
  });
});

/** A token endpoint in a function: answers in turn, records what was sent. */
function endpoint(...answers: Array<{ status: number; body: object }>) {
  const sent: URLSearchParams[] = [];
  const fetch = (async (_url: URL, init: RequestInit) => {
    sent.push(new URLSearchParams(String(init.body)));
    const a = answers.shift()!;
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

describe('tokens for one mailbox', () => {
  it('sends a fresh grant per token and renews before the token runs out', async () => {
    let now = NOW;
    const e = endpoint({ status: 200, body: { access_token: 'ya29.one', expires_in: 3599, token_type: 'Bearer' } }, { status: 200, body: { access_token: 'ya29.two', expires_in: 3599 } });
    const tokens = new ServiceAccountTokens(key, 'ann@acme.example', { fetch: e.fetch, now: () => now });
    expect(await tokens.getToken()).toEqual({ accessToken: 'ya29.one', expiresAt: NOW + 3599_000 });
    now += 50 * 60_000;
    expect(await tokens.get()).toBe('ya29.one'); // 9 minutes left: still handed out
    now += 5 * 60_000;
    expect(await tokens.get()).toBe('ya29.two'); // within the 5-minute margin: renewed
    expect(e.sent.map((p) => p.get('grant_type'))).toEqual([JWT_BEARER_GRANT, JWT_BEARER_GRANT]);
    expect(e.sent.map((p) => jwtParts(p.get('assertion')!).claims['iat'])).toEqual([NOW / 1000, (NOW + 55 * 60_000) / 1000]);
    expect([...e.sent[0]!.keys()].sort()).toEqual(['assertion', 'grant_type']);
  });

  it('turns a refusal into the classified error, never repeating the grant', async () => {
    const e = endpoint({ status: 401, body: { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' } });
    const err = await new ServiceAccountTokens(key, 'ann@acme.example', { fetch: e.fetch, now: () => NOW }).get().catch((x: unknown) => x as MailferryError);
    expect(err).toMatchObject({ code: 'OAUTH_CONSENT_REQUIRED', retryable: false });
    expect(JSON.stringify((err as MailferryError).toInfo())).not.toContain(e.sent[0]!.get('assertion')!.slice(-40));
  });
});
