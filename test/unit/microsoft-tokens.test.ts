/** Delegated Microsoft tokens over time: rotation, the renewal margin, and a refused refresh token (fake clock, scripted endpoint, in-memory store). */
import { describe, expect, it } from 'vitest';
import { MicrosoftUserTokens } from '../../src/main/engine/oauth/microsoft/token-providers.js';
import { memoryRefreshTokens } from '../../src/main/engine/oauth/token-store.js';
import { rejection } from '../support/rejection.js';

const TARGET = { host: 'outlook.office365.com', user: 'ann@contoso.com', clientId: '4a1aa1d5-c567-49d0-ad0b-cd957a47f842', tenant: 'organizations', authority: 'https://login.example.test' };
const invalidGrant = { error: 'invalid_grant', error_description: 'AADSTS70000: Provided grant is invalid or malformed.', error_codes: [70000] };

/** A token endpoint that rotates: each live refresh token works once and is replaced. */
function rotatingEndpoint(live: Set<string>) {
  let n = 0;
  const used: string[] = [];
  const f = async (_u: string | URL | Request, init?: RequestInit) => {
    const rt = new URLSearchParams(String(init?.body)).get('refresh_token')!;
    used.push(rt);
    if (!live.delete(rt)) return new Response(JSON.stringify(invalidGrant), { status: 400 });
    const next = `rt-${++n}`;
    live.add(next);
    return new Response(JSON.stringify({ access_token: `at-${n}`, refresh_token: next, expires_in: 3599, token_type: 'Bearer' }), { status: 200 });
  };
  return Object.assign(f as typeof fetch, { used });
}

function setup(first = 'rt-0') {
  let t = 1_700_000_000_000;
  const store = memoryRefreshTokens();
  store.set(TARGET.host, TARGET.user, first);
  const live = new Set([first]);
  const fetch = rotatingEndpoint(live);
  const tokens = new MicrosoftUserTokens(TARGET, { refreshTokens: store, fetch, now: () => t });
  return { tokens, store, live, fetch, advance: (ms: number) => (t += ms) };
}

describe('MicrosoftUserTokens', () => {
  it('stores each rotated refresh token and renews 10 minutes before expiry', async () => {
    const s = setup();
    expect((await s.tokens.getToken()).accessToken).toBe('at-1');
    expect(s.store.get(TARGET.host, TARGET.user)).toBe('rt-1');
    s.advance(3599_000 - 10 * 60_000 - 1000);
    expect(await s.tokens.get()).toBe('at-1');
    s.advance(2000);
    expect(await s.tokens.get()).toBe('at-2');
    expect(s.fetch.used).toEqual(['rt-0', 'rt-1']);
    expect(s.store.get(TARGET.host, TARGET.user)).toBe('rt-2');
  });

  it('shares one refresh among parallel connections (a rotated token is used once)', async () => {
    const s = setup();
    expect(new Set(await Promise.all([s.tokens.get(), s.tokens.get(), s.tokens.get()]))).toEqual(new Set(['at-1']));
    expect(s.fetch.used).toEqual(['rt-0']);
  });

  it('tries the newer refresh token another process stored, instead of asking to sign in again', async () => {
    const s = setup();
    await s.tokens.get(); // rt-1 stored
    // Another Mailferry process refreshed with rt-1 meanwhile: the keychain now holds its successor.
    s.live.delete('rt-1');
    s.live.add('rt-other');
    s.tokens.invalidate();
    s.store.set(TARGET.host, TARGET.user, 'rt-1');
    const refresh = s.tokens.get();
    s.store.set(TARGET.host, TARGET.user, 'rt-other'); // written before our answer comes back
    expect(await refresh).toBe('at-2');
    expect(s.fetch.used.slice(-2)).toEqual(['rt-1', 'rt-other']);
  });

  it('remembers a refused refresh token: later connections fail at once, until a new sign-in', async () => {
    const s = setup('rt-dead');
    s.live.clear();
    const err = await rejection(s.tokens.get());
    expect(err.code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(err.hint).toContain('npx mailferry signin outlook.office365.com ann@contoso.com --provider microsoft --tenant organizations');
    expect((await rejection(s.tokens.get())).code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(s.fetch.used).toEqual(['rt-dead']);
    s.live.add('rt-new');
    s.store.set(TARGET.host, TARGET.user, 'rt-new');
    expect(await s.tokens.get()).toMatch(/^at-/);
  });
});
