import { describe, expect, it } from 'vitest';
import { chunkBy, toUidSet } from '../../src/main/engine/plan/uid-set.js';

describe('toUidSet', () => {
  it.each([
    [[1], '1'],
    [[3, 1, 2], '1:3'],
    [[1, 2, 3, 7, 9, 10], '1:3,7,9:10'],
    [[5, 5, 6], '5:6'],
    [[], ''],
  ])('%j -> %s', (uids, set) => expect(toUidSet(uids)).toBe(set));
});

describe('chunkBy', () => {
  it('splits by weight and count, never leaving an empty chunk', () => {
    expect(chunkBy([5, 5, 5, 20, 1], (n) => n, 10, 10)).toEqual([[5, 5], [5], [20], [1]]);
    expect(chunkBy([1, 1, 1, 1, 1], (n) => n, 100, 2)).toEqual([[1, 1], [1, 1], [1]]);
    expect(chunkBy([], (n: number) => n, 1, 1)).toEqual([]);
  });
});
