import { describe, expect, it } from 'vitest';
import { AccountThrottle } from '../../src/main/engine/account-throttle.js';

describe('AccountThrottle', () => {
  it('doubles the pause per throttled reply up to the cap, and shrinks it after successes', () => {
    const t = new AccountThrottle(100, 1000);
    expect(t.delayMs).toBe(0);
    t.onServerLine('A12 OK Success [THROTTLED]');
    expect(t.delayMs).toBe(100);
    t.onServerLine('A13 OK Success [THROTTLED]');
    t.onServerLine('A14 OK Success [THROTTLED]');
    expect(t.delayMs).toBe(400);
    for (let i = 0; i < 10; i++) t.throttled();
    expect(t.delayMs).toBe(1000);
    expect(t.count).toBe(13);
    t.succeeded();
    t.succeeded();
    expect(t.delayMs).toBe(1000); // not after one or two good batches
    t.succeeded();
    expect(t.delayMs).toBe(500);
    for (let i = 0; i < 10; i++) t.succeeded();
    expect(t.delayMs).toBe(0);
  });

  it('ignores ordinary replies', () => {
    const t = new AccountThrottle();
    t.onServerLine('A1 OK Success');
    t.onServerLine('* 3 FETCH (UID 7)');
    expect(t.count).toBe(0);
  });
});
