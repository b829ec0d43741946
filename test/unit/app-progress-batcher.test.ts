import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressBatcher } from '../../src/main/app/progress-batcher.js';

interface Item {
  id: string;
  n: number;
}

let batches: Item[][];
let batcher: ProgressBatcher<Item>;

beforeEach(() => {
  vi.useFakeTimers();
  batches = [];
  batcher = new ProgressBatcher<Item>({ intervalMs: 250, key: (i) => i.id, emit: (b) => batches.push(b), now: () => Date.now() });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ProgressBatcher', () => {
  it('sends the first update on the next tick, not 250 ms later', () => {
    batcher.push({ id: 'a', n: 1 });
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(batches).toEqual([[{ id: 'a', n: 1 }]]);
  });

  it('sends at most four batches a second however many updates arrive, each key once with its latest value', () => {
    for (let t = 0; t < 1000; t += 2) {
      batcher.push({ id: 'a', n: t });
      batcher.push({ id: 'b', n: t });
      vi.advanceTimersByTime(2);
    }
    vi.advanceTimersByTime(250);
    // 500 updates per mailbox in one second: the first at once, then one batch per 250 ms.
    expect(batches.length).toBeLessThanOrEqual(5);
    expect(batches.length).toBeGreaterThanOrEqual(4);
    for (const b of batches) expect(b.map((i) => i.id)).toEqual(['a', 'b']);
    expect(batches.at(-1)).toEqual([
      { id: 'a', n: 998 },
      { id: 'b', n: 998 },
    ]);
  });

  it('keeps the interval between batches', () => {
    const times: number[] = [];
    batcher = new ProgressBatcher<Item>({ intervalMs: 250, key: (i) => i.id, emit: () => times.push(Date.now()) });
    for (let i = 0; i < 200; i++) {
      batcher.push({ id: 'a', n: i });
      vi.advanceTimersByTime(10);
    }
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(250);
  });

  it('sends nothing when nothing changed, and flush sends what is pending at once', () => {
    vi.advanceTimersByTime(5000);
    expect(batches).toEqual([]);
    batcher.push({ id: 'a', n: 1 });
    vi.advanceTimersByTime(0);
    batcher.push({ id: 'a', n: 2 });
    expect(batcher.pendingCount).toBe(1);
    batcher.flush();
    expect(batches).toEqual([[{ id: 'a', n: 1 }], [{ id: 'a', n: 2 }]]);
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(2);
  });

  it('close sends the rest and ignores later updates', () => {
    batcher.push({ id: 'a', n: 1 });
    batcher.close();
    batcher.push({ id: 'a', n: 2 });
    vi.advanceTimersByTime(1000);
    expect(batches).toEqual([[{ id: 'a', n: 1 }]]);
  });
});
