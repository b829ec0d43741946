import { describe, expect, it } from 'vitest';
import { ByteBudget } from '../../src/main/engine/copy/byte-budget.js';
import { backoffDelay } from '../../src/main/engine/connect/backoff.js';

describe('ByteBudget', () => {
  it('blocks above the limit and admits waiters in order as bytes are released', async () => {
    const b = new ByteBudget(100);
    await b.acquire(60);
    const order: string[] = [];
    const w1 = b.acquire(50).then(() => order.push('w1'));
    const w2 = b.acquire(10).then(() => order.push('w2'));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]); // w2 would fit, but must not overtake w1
    b.release(60);
    await Promise.all([w1, w2]);
    expect(order).toEqual(['w1', 'w2']);
    expect(b.used).toBe(60);
    expect(b.peak).toBe(60);
  });

  it('admits a message bigger than the whole budget when nothing else is held', async () => {
    const b = new ByteBudget(10);
    await b.acquire(1000);
    expect(b.used).toBe(1000);
  });

  it('rejects a waiter when its signal aborts', async () => {
    const b = new ByteBudget(10);
    await b.acquire(10);
    const ac = new AbortController();
    const p = b.acquire(5, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    b.release(10);
    expect(b.used).toBe(0);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially within [ceiling/2, ceiling] and is capped', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelay(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(20, 1000, 60_000, () => 0)).toBe(30_000);
  });
});
