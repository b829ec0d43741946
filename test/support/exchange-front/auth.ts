/**
 * Exchange Online's sign-in: XOAUTH2 only (password sign-in is off). Whether a bearer token is good is the
 * test's call, through one small hook, so the Microsoft identity fake (or a plain Map) can issue tokens.
 */

/**
 * What a token is worth for the mailbox it is presented for:
 * - 'ok': signs in (the session lives until `sessionLifetimeMs`, if set);
 * - { expiresAt }: signs in until then (epoch ms), then `* BYE Session invalidated - AccessTokenExpired`;
 * - 'bad': `NO AUTHENTICATE failed.` (unknown, expired, or a token for another audience such as Graph);
 * - 'other-user': accepted, then every command `BAD User is authenticated but not connected.` (a token of
 *   another account, or one without permission on this mailbox).
 */
export type TokenVerdict = 'ok' | 'bad' | 'other-user' | { expiresAt: number };

export type TokenCheck = (user: string, token: string) => TokenVerdict | Promise<TokenVerdict>;

/** The simple form of the hook: token -> the mailbox it was issued for (and when it expires, epoch ms). */
export type TokenTable = ReadonlyMap<string, string | { user: string; expiresAt: number }>;

export function tokenCheck(tokens: TokenCheck | TokenTable): TokenCheck {
  if (typeof tokens === 'function') return tokens;
  return (user, token) => {
    const grant = tokens.get(token);
    if (grant === undefined) return 'bad';
    const issued = typeof grant === 'string' ? { user: grant } : grant;
    if (issued.user.toLowerCase() !== user.toLowerCase()) return 'other-user';
    if (!('expiresAt' in issued)) return 'ok';
    return issued.expiresAt > Date.now() ? { expiresAt: issued.expiresAt } : 'bad';
  };
}

/** `base64("user=" + mailbox + "\x01auth=Bearer " + token + "\x01\x01")`, or undefined if it is not that. */
export function decodeXoauth2(b64: string): { user: string; token: string } | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) return undefined;
  const m = /^user=([^\x01]+)\x01auth=Bearer ([^\x01]+)\x01\x01$/.exec(Buffer.from(b64, 'base64').toString('utf8'));
  return m ? { user: m[1]!, token: m[2]! } : undefined;
}

/** The session's end: the sooner of the token's expiry and the fixed session lifetime (undefined: never). */
export function sessionDeadline(verdict: TokenVerdict, lifetimeMs: number | undefined, now: number): number | undefined {
  const fromToken = typeof verdict === 'object' ? verdict.expiresAt : Infinity;
  const deadline = Math.min(fromToken, lifetimeMs === undefined ? Infinity : now + lifetimeMs);
  return deadline === Infinity ? undefined : deadline;
}
