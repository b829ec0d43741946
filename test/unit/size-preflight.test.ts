import { describe, expect, it } from 'vitest';
import { oversizeWarning, sizeLimitOf } from '../../src/main/engine/preflight/size-preflight.js';

const microsoft = { bytes: 35 * 1024 * 1024, name: "Microsoft 365's default limit of 35 MB", fix: 'Raise it.' };

describe('sizeLimitOf', () => {
  it.each([
    ['an APPENDLIMIT wins', 2_000_000, microsoft, 2_000_000],
    ["Cyrus's 4294967295 means none: the provider's default applies", 4294967295, microsoft, microsoft.bytes],
    ['no APPENDLIMIT: the provider default', false, microsoft, microsoft.bytes],
    ['neither', false, undefined, undefined],
  ])('%s', (_n, appendLimit, provider, bytes) => expect(sizeLimitOf(appendLimit, provider)?.bytes).toBe(bytes));
});

describe('oversizeWarning', () => {
  it('names the messages (ten at most), the limit and the fix', () => {
    const list = Array.from({ length: 12 }, (_, i) => ({ folder: 'INBOX', size: 40 * 1048576, subject: `big ${i}` }));
    const w = oversizeWarning(list, microsoft);
    expect(w).toMatch(/^12 messages are larger than Microsoft 365's default limit of 35 MB and would be refused: INBOX: "big 0" \(40(\.0)? MB\)/);
    expect(w).toContain('"big 9"');
    expect(w).not.toContain('"big 10"');
    expect(w).toMatch(/and 2 more\. Raise it\.$/);
  });
});
