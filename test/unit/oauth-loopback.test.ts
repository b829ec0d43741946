/** The one-shot loopback redirect server (a local HTTP server on 127.0.0.1; no browser, no network). */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLoopbackRedirect } from '../../src/main/engine/oauth/loopback-redirect.js';
import { rejection } from '../support/rejection.js';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('loopback redirect', () => {
  it('hands over the code for the right state, answers a closable page, and stops listening', async () => {
    const lb = await startLoopbackRedirect({ expectedState: 'S1' });
    expect(lb.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lb.port).toBeGreaterThan(0);
    const fav = await fetch(`${lb.redirectUri}/favicon.ico`);
    expect(fav.status).toBe(404);
    await fav.text();
    const res = await fetch(`${lb.redirectUri}/?state=S1&code=4%2Fabc&scope=https%3A%2F%2Fmail.google.com%2F`);
    expect(res.status).toBe(200);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res.text()).toContain('You can close this window');
    expect(await lb.code).toBe('4/abc');
    await lb.close();
    expect(await refused(lb.port)).toBe(true);
  });

  it('ends the sign-in when the state does not match', async () => {
    const lb = await startLoopbackRedirect({ expectedState: 'S1' });
    const res = await fetch(`${lb.redirectUri}/?state=EVIL&code=x`);
    expect(res.status).toBe(400);
    await res.text();
    const err = await rejection(lb.code);
    expect(err.code).toBe('OAUTH_SIGN_IN_AGAIN');
    expect(err.message).toMatch(/state/);
  });

  it('reports a declined consent as CANCELLED', async () => {
    const lb = await startLoopbackRedirect({ expectedState: 'S2' });
    const res = await fetch(`${lb.redirectUri}/?state=S2&error=access_denied`);
    expect(res.status).toBe(400);
    await res.text();
    const err = await rejection(lb.code);
    expect(err.code).toBe('CANCELLED');
    expect(err.message).toMatch(/not granted/);
  });

  it('times out with a clear error naming the redirect address', async () => {
    const lb = await startLoopbackRedirect({ expectedState: 'S3', timeoutMs: 150 });
    const err = await rejection(lb.code);
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toContain('not completed in the browser');
    expect(err.hint).toContain(lb.redirectUri);
    expect(err.hint).toMatch(/ssh -L/);
    await new Promise((r) => setTimeout(r, 20));
    expect(await refused(lb.port)).toBe(true);
  });

  it('stops on abort and on close()', async () => {
    const ctl = new AbortController();
    const lb = await startLoopbackRedirect({ expectedState: 'S4', signal: ctl.signal });
    ctl.abort();
    expect((await rejection(lb.code)).code).toBe('CANCELLED');
    const lb2 = await startLoopbackRedirect({ expectedState: 'S5' });
    await lb2.close();
    expect((await rejection(lb2.code)).code).toBe('CANCELLED');
    expect(await refused(lb2.port)).toBe(true);
  });
});
