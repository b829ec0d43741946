import { describe, expect, it } from 'vitest';
import { AccountThrottle, suggestedBackoffMs } from '../../src/main/engine/connect/account-throttle.js';

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

  it("holds every connection of the mailbox until Exchange's suggested backoff has passed", async () => {
    let now = 1_000;
    const t = new AccountThrottle(100, 1000, () => now);
    t.onServerLine('A9 BAD Request is throttled. Suggested Backoff Time: 4000 milliseconds');
    expect(t.count).toBe(1);
    expect(t.holdMs).toBe(4000);
    t.onServerLine('A3 BAD Request is throttled. Suggested Backoff Time: 1000 milliseconds');
    expect(t.holdMs).toBe(4000); // the longest asked for wins
    now += 3000;
    expect(t.holdMs).toBe(1000);
    now += 1000;
    expect(t.holdMs).toBe(0);
    await t.hold(); // nothing left to wait
    t.succeeded();
    expect(t.delayMs).toBe(100); // and the pace slows down like after Gmail's [THROTTLED]
  });

  it.each([
    ['A9 BAD Request is throttled. Suggested Backoff Time: 178755 milliseconds', 178755],
    ['BAD Request is throttled. Suggested Backoff Time: 5 seconds', 5000],
    ['A2 OK Success [THROTTLED]', undefined],
  ])('%j -> %s ms', (line, ms) => expect(suggestedBackoffMs(line)).toBe(ms));
});
