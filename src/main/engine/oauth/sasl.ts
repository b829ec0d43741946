/**
 * The SASL messages that carry an OAuth access token to an IMAP server, and imapflow's auth option.
 *
 * imapflow 2.10 (dist/cjs/commands/authenticate.js) signs in with `auth: { user, accessToken }`: it picks
 * OAUTHBEARER when the server advertises AUTH=OAUTHBEARER, else XOAUTH2 (AUTH=XOAUTH2 or AUTH=XOAUTH);
 * `loginMethod` plays no part for tokens. It sends the initial response inline with SASL-IR, else after
 * the first continuation, and on a failure challenge (`+ <base64 JSON>`) answers the breaker and puts
 * the decoded JSON on the error as `oauthError` (classify-error.ts turns that into OAUTH_SIGN_IN_AGAIN).
 * Gmail advertises both; the strings below are for code that writes IMAP itself (the raw APPEND writer).
 */

/** RFC 7628 allows no control characters in a value; one would end the field and start a forged one. */
function assertSaslValue(value: string, what: string): void {
  if (value === '' || /[\x00-\x1f\x7f]/.test(value)) throw new TypeError(`the ${what} is empty or contains control characters`);
}

/** GS2 saslname escaping (RFC 5801 section 4): "=" as =3D, "," as =2C. */
function gs2Escape(value: string): string {
  return value.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** XOAUTH2 (Google): "user=" user ^A "auth=Bearer " token ^A ^A, before base64. */
export function xoauth2Payload(user: string, accessToken: string): string {
  assertSaslValue(user, 'user name');
  assertSaslValue(accessToken, 'access token');
  return `user=${user}\x01auth=Bearer ${accessToken}\x01\x01`;
}

/** The base64 initial response of `AUTHENTICATE XOAUTH2`. */
export function xoauth2InitialResponse(user: string, accessToken: string): string {
  return Buffer.from(xoauth2Payload(user, accessToken), 'utf8').toString('base64');
}

export interface OAuthBearerParams {
  user: string;
  accessToken: string;
  /** The server's host name as the client connected to it, and the port. */
  host: string;
  port: number;
}

/** OAUTHBEARER (RFC 7628): "n,a=" user "," ^A "host=" host ^A "port=" port ^A "auth=Bearer " token ^A ^A. */
export function oauthBearerPayload(p: OAuthBearerParams): string {
  assertSaslValue(p.user, 'user name');
  assertSaslValue(p.accessToken, 'access token');
  assertSaslValue(p.host, 'host');
  if (!Number.isInteger(p.port) || p.port <= 0 || p.port > 65535) throw new TypeError('the port is not a TCP port');
  return `n,a=${gs2Escape(p.user)},\x01host=${p.host}\x01port=${p.port}\x01auth=Bearer ${p.accessToken}\x01\x01`;
}

/** The base64 initial response of `AUTHENTICATE OAUTHBEARER`. */
export function oauthBearerInitialResponse(p: OAuthBearerParams): string {
  return Buffer.from(oauthBearerPayload(p), 'utf8').toString('base64');
}

/**
 * After a failed OAuth AUTHENTICATE the server sends `+ <base64 JSON>` and waits: the client answers an
 * empty line (XOAUTH2) or "AQ==" (base64 of ^A, OAUTHBEARER, RFC 7628 section 3.2.3), then a tagged NO follows.
 */
export const XOAUTH2_ERROR_ACK = '';
export const OAUTHBEARER_ERROR_ACK = 'AQ==';

/** The `auth` option of ImapFlow for a token (user exactly as in the job). */
export interface ImapOAuth {
  user: string;
  accessToken: string;
}

export function imapflowOAuth(user: string, accessToken: string): ImapOAuth {
  assertSaslValue(user, 'user name');
  assertSaslValue(accessToken, 'access token');
  return { user, accessToken };
}
