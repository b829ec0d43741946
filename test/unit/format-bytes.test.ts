import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/shared/format-bytes.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KB'],
    [4300, '4.2 KB'],
    [10 * 1024, '10 KB'],
    [138 * 1024 * 1024, '138 MB'],
    [1.5 * 1024 ** 3, '1.5 GB'],
    [5000 * 1024 ** 4, '5000 TB'],
  ])('%d -> %s', (n, s) => expect(formatBytes(n)).toBe(s));
});
