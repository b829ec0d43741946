/**
 * A JSON Web Token signed RS256 (RFC 7515/7519), as both assertion grants Mailferry sends need one: a
 * Microsoft app's certificate assertion (microsoft/client-assertion.ts) and a Google service account's
 * delegation grant (service-account/assertion.ts). Node's crypto signs it: RSASSA-PKCS1-v1_5 with SHA-256
 * over "base64url(header).base64url(claims)", unpadded base64url throughout, as both providers require.
 */
import { sign, type KeyObject } from 'node:crypto';

const part = (o: object) => Buffer.from(JSON.stringify(o), 'utf8').toString('base64url');

/** `header` gets alg RS256 and typ JWT; the caller adds what names the key (kid, x5t). */
export function signJwtRs256(header: Record<string, string>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${part({ alg: 'RS256', typ: 'JWT', ...header })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input, 'ascii'), key).toString('base64url')}`;
}

