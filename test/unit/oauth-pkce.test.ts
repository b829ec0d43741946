import { describe, expect, it } from 'vitest';
import {
  buildAuthorizationUrl,
  checkEndpointUrl,
  GMAIL_IMAP_SCOPE,
  GOOGLE_ENDPOINTS,
  signinCommandLine,
} from '../../src/main/engine/oauth/google-endpoints.js';
import { codeChallengeS256, createCodeVerifier, createPkce, createState, isValidCodeVerifier } from '../../src/main/engine/oauth/pkce.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';

describe('PKCE (RFC 7636)', () => {
  // Appendix B: the 32 octets, the verifier they encode to, and the S256 challenge.
  const octets = [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121];
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  const hash = [19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120, 173, 109, 241, 68, 86, 110, 225, 137, 74, 203, 112, 249, 195];

  it('matches the appendix B vector', () => {
    expect(Buffer.from(octets).toString('base64url')).toBe(verifier);
    expect(codeChallengeS256(verifier)).toBe(challenge);
    expect([...Buffer.from(challenge, 'base64url')]).toEqual(hash);
  });

  it('makes 43-character verifiers of unreserved characters from fresh randomness', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const v = createCodeVerifier();
      expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(isValidCodeVerifier(v)).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(50);
    expect(createCodeVerifier(96)).toHaveLength(128);
    expect(() => createCodeVerifier(31)).toThrow(RangeError);
    expect(() => createCodeVerifier(97)).toThrow(RangeError);
  });

  it('refuses verifiers the RFC does not allow', () => {
    expect(isValidCodeVerifier('a'.repeat(42))).toBe(false);
    expect(isValidCodeVerifier('a'.repeat(129))).toBe(false);
    expect(isValidCodeVerifier(`${'a'.repeat(42)}+`)).toBe(false);
    expect(isValidCodeVerifier(`${'a'.repeat(40)}.~_-`)).toBe(true);
    expect(() => codeChallengeS256('short')).toThrow(RangeError);
  });

  it('pairs a verifier with its S256 challenge, and makes random states', () => {
    const p = createPkce();
    expect(p.method).toBe('S256');
    expect(p.challenge).toBe(codeChallengeS256(p.verifier));
    expect(p.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/); // no padding
    const a = createState();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(createState()).not.toBe(a);
  });
});

describe('authorization URL', () => {
  it("carries everything Google needs for a refresh token and PKCE", () => {
    const url = new URL(
      buildAuthorizationUrl({
        authorizationEndpoint: GOOGLE_ENDPOINTS.authorizationEndpoint,
        clientId: 'id-1.apps.googleusercontent.com',
        redirectUri: 'http://127.0.0.1:49152',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        state: 'st4te',
        loginHint: 'alice@gmail.com',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'id-1.apps.googleusercontent.com',
      redirect_uri: 'http://127.0.0.1:49152',
      scope: GMAIL_IMAP_SCOPE,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'st4te',
      access_type: 'offline',
      prompt: 'consent',
      login_hint: 'alice@gmail.com',
    });
    expect(GMAIL_IMAP_SCOPE).toBe('https://mail.google.com/');
    expect(GOOGLE_ENDPOINTS.tokenEndpoint).toBe('https://oauth2.googleapis.com/token');
  });

  it('accepts https anywhere and plain http only on loopback', () => {
    expect(checkEndpointUrl('https://oauth2.googleapis.com/token', 'token endpoint').host).toBe('oauth2.googleapis.com');
    expect(checkEndpointUrl('http://127.0.0.1:8080/token', 'token endpoint').port).toBe('8080');
    for (const bad of ['http://oauth2.googleapis.com/token', 'ftp://127.0.0.1/x', 'not a url']) {
      const err = (() => {
        try {
          checkEndpointUrl(bad, 'token endpoint');
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(MailferryError);
      expect((err as MailferryError).code).toBe('JOB_INVALID');
    }
  });

  it('names the exact sign-in command, quoted for a shell', () => {
    expect(signinCommandLine('imap.gmail.com', 'alice@gmail.com', 'id-1.apps.googleusercontent.com')).toBe(
      'npx mailferry signin imap.gmail.com alice@gmail.com --client-id id-1.apps.googleusercontent.com',
    );
    expect(signinCommandLine('imap.gmail.com', "o'neil@x.com")).toBe(`npx mailferry signin imap.gmail.com 'o'\\''neil@x.com' --client-id CLIENT_ID`);
  });
});
