import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/main/engine/copy/rate-limiter.js';

describe('RateLimiter', () => {
  it('lets bytes through at the cap after a one-second burst', async () => {
    const r = new RateLimiter(100_000);
    const started = Date.now();
    for (let i = 0; i < 25; i++) await r.take(10_000); // 250 KB at 100 KB/s, 100 KB of it burst
    const s = (Date.now() - started) / 1000;
    expect(s).toBeGreaterThanOrEqual(1.3);
    expect(s).toBeLessThan(2.5);
  });

  it('has no cap at 0, and a new rate applies to the next take', async () => {
    const r = new RateLimiter(0);
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) await r.take(1e9);
    expect(Date.now() - t0).toBeLessThan(50);
    r.setRate(1_000_000);
    const t1 = Date.now();
    await r.take(2_000_000); // bigger than a second's worth: goes once full, then the next waits
    await r.take(500_000);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(1400);
  });

  it('stops waiting when aborted', async () => {
    const r = new RateLimiter(1000);
    await r.take(1000);
    const ac = new AbortController();
    const p = r.take(1000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});
