import { describe, expect, it } from 'vitest';
import { AccountThrottle } from '../../src/main/engine/account-throttle.js';

describe('AccountThrottle', () => {
  it('doubles the pause once per throttled batch up to the cap, and halves it after good batches', () => {
    const t = new AccountThrottle(100, 1000);
    expect(t.delayMs).toBe(0);
    t.onServerLine('A12 OK Success [THROTTLED]');
    t.onServerLine('A13 OK Success [THROTTLED]');
    expect(t.delayMs).toBe(0); // takes effect when the batch ends
    t.succeeded();
    expect(t.delayMs).toBe(100); // one step for the batch, however many lines said it
    for (let i = 0; i < 3; i++) {
      t.throttled();
      t.succeeded();
    }
    expect(t.delayMs).toBe(800);
    for (let i = 0; i < 5; i++) {
      t.throttled();
      t.succeeded();
    }
    expect(t.delayMs).toBe(1000);
    expect(t.count).toBe(10);
    t.succeeded();
    t.succeeded();
    expect(t.delayMs).toBe(1000); // not after one or two good batches
    t.succeeded();
    expect(t.delayMs).toBe(500);
    for (let i = 0; i < 12; i++) t.succeeded();
    expect(t.delayMs).toBe(0);
  });

  it('ignores ordinary replies', () => {
    const t = new AccountThrottle();
    t.onServerLine('A1 OK Success');
    t.onServerLine('* 3 FETCH (UID 7)');
    t.succeeded();
    expect(t.count).toBe(0);
    expect(t.delayMs).toBe(0);
  });
});
