/**
 * PKCE (RFC 7636) and the `state` parameter of the authorization code flow.
 *
 * The code verifier is 32 random bytes in base64url (43 characters, the shortest the RFC allows, with
 * 256 bits of entropy); the challenge is base64url(SHA-256(verifier)) without padding (method S256).
 * `state` is 16 random bytes in base64url: it ties the browser's redirect to this sign-in, so a page
 * that makes the browser call our loopback address cannot slip in a code of its own.
 */
import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636 section 4.1: unreserved characters only, 43 to 128 of them. */
const VERIFIER_SHAPE = /^[A-Za-z0-9._~-]{43,128}$/;

export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

export function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

export function isValidCodeVerifier(verifier: string): boolean {
  return VERIFIER_SHAPE.test(verifier);
}

/** A new code verifier: `bytes` random bytes (32 to 96) in base64url, so 43 to 128 characters. */
export function createCodeVerifier(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 32 || bytes > 96) throw new RangeError('a code verifier needs 32 to 96 random bytes');
  return base64url(randomBytes(bytes));
}

/** The S256 challenge of a verifier: base64url(SHA-256(ASCII(verifier))), no padding. */
export function codeChallengeS256(verifier: string): string {
  if (!isValidCodeVerifier(verifier)) throw new RangeError('not a valid PKCE code verifier (43-128 unreserved characters)');
  return base64url(createHash('sha256').update(verifier, 'ascii').digest());
}

export function createPkce(): Pkce {
  const verifier = createCodeVerifier();
  return { verifier, challenge: codeChallengeS256(verifier), method: 'S256' };
}

/** A random `state` value (16 bytes, base64url). */
export function createState(): string {
  return base64url(randomBytes(16));
}
