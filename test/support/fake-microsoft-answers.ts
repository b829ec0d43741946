/**
 * What the fake Microsoft identity endpoint (fake-microsoft-identity.ts) answers: errors in Microsoft's
 * JSON shape with their AADSTS codes, JWT-shaped access tokens (unsigned: only their claims matter here,
 * as Mailferry reads the audience and Dovecot asks the fake's introspection endpoint), and the check of a
 * certificate client assertion as Microsoft does it (RS256 signature, x5t#S256, aud, iss, sub, exp, jti).
 */
import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** The AADSTS codes the fake can answer, with Microsoft's `error`, HTTP status and description. */
export const AADSTS: Record<number, { error: string; status: number; text: string }> = {
  700016: { error: 'unauthorized_client', status: 400, text: "Application with identifier '{client}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant." },
  7000218: { error: 'invalid_client', status: 401, text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." },
  700025: { error: 'invalid_client', status: 401, text: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented." },
  7000215: { error: 'invalid_client', status: 401, text: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client}'." },
  700027: { error: 'invalid_client', status: 401, text: 'Client assertion failed signature validation.' },
  65001: { error: 'invalid_grant', status: 400, text: "The user or administrator has not consented to use the application with ID '{client}' named 'Mailferry'. Send an interactive authorization request for this user and resource." },
  50076: { error: 'invalid_grant', status: 400, text: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000002-0000-0ff1-ce00-000000000000'." },
  70011: { error: 'invalid_scope', status: 400, text: "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid." },
  70000: { error: 'invalid_grant', status: 400, text: 'Provided grant is invalid or malformed.' },
  54005: { error: 'invalid_grant', status: 400, text: 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.' },
  501481: { error: 'invalid_grant', status: 400, text: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.' },
  70016: { error: 'authorization_pending', status: 400, text: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.' },
  70019: { error: 'expired_token', status: 400, text: 'Verification code expired.' },
  50011: { error: 'invalid_request', status: 400, text: "The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application '{client}'." },
};

/** Microsoft's error answer for an AADSTS code (`error` overridable: slow_down, authorization_declined...). */
export function aadAnswer(code: number, vars: Record<string, string> = {}, error?: string): Answer {
  const row = AADSTS[code];
  if (!row) throw new Error(`the fake has no AADSTS${code}`);
  const text = row.text.replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? '');
  const trace = randomBytes(16).toString('hex');
  const correlation = randomBytes(16).toString('hex');
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  return {
    status: row.status,
    body: {
      error: error ?? row.error,
      error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: trace,
      correlation_id: correlation,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A JWT-shaped token with these claims (signature: random bytes; nobody here verifies it). */
export function fakeJwt(claims: Record<string, unknown>): string {
  return `${b64({ typ: 'JWT', alg: 'RS256' })}.${b64({ ...claims, uti: randomBytes(9).toString('base64url') })}.${randomBytes(32).toString('base64url')}`;
}

export interface AssertionCheck {
  certificatePem: string;
  clientId: string;
  tokenEndpoint: string;
  /** jti values already used (replays are refused); the check adds this one. */
  seen: Set<string>;
}

/** Why a client assertion is refused (as Microsoft would), or undefined when it is good. */
export function assertionProblem(assertion: string, c: AssertionCheck): string | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3) return 'not a JWT';
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as Record<string, unknown>;
  } catch {
    return 'header or claims are not JSON';
  }
  const cert = new X509Certificate(c.certificatePem);
  const thumb = (alg: string) => createHash(alg).update(cert.raw).digest('base64url');
  if (header['alg'] !== 'RS256') return `alg ${String(header['alg'])}`;
  if (header['x5t#S256'] !== thumb('sha256')) return 'x5t#S256 is not the registered certificate';
  if (header['x5t'] !== thumb('sha1')) return 'x5t is not the registered certificate';
  if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), cert.publicKey, Buffer.from(parts[2]!, 'base64url'))) return 'signature';
  const now = Date.now() / 1000;
  if (claims['aud'] !== c.tokenEndpoint) return `aud ${String(claims['aud'])}`;
  if (claims['iss'] !== c.clientId || claims['sub'] !== c.clientId) return 'iss/sub';
  const exp = Number(claims['exp']);
  if (!(exp > now) || exp - now > 600 + 5) return 'exp (in the past, or more than 10 minutes ahead)';
  if (Number(claims['nbf']) > now + 60) return 'nbf in the future';
  const jti = claims['jti'];
  if (typeof jti !== 'string' || jti === '' || c.seen.has(jti)) return 'jti missing or replayed';
  c.seen.add(jti);
  return undefined;
}
