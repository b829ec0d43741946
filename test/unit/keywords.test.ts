import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/main/engine/plan/folder-scan.js';
import { copyFlags, droppedKeywords, keeps } from '../../src/main/engine/plan/keywords.js';

const meta = (flags: string[], labels?: string[]): MessageMeta => ({
  uid: 1, size: 1, internalDate: new Date(0), flags, key: 'k', headerKey: 'h', messageId: null, ...(labels ? { labels } : {}),
});

describe('keywords', () => {
  it('copies the source flags without \\Recent, plus the labels when asked', () => {
    expect(copyFlags(meta(['\\Seen', '\\Recent', '$Forwarded'], ['Work', '\\Inbox']), false)).toEqual(['\\Seen', '$Forwarded']);
    expect(copyFlags(meta(['\\Seen'], ['Work', '\\Inbox']), true)).toEqual(['\\Seen', 'Work']);
  });

  it.each([
    [null, '$Forwarded', true],
    [['\\Seen', '\\*'], 'anything', true],
    [['\\Seen', '\\Answered', '$MDNSent'], '$Forwarded', false],
    [['\\Seen', '\\Answered', '$MDNSent'], '$mdnsent', true],
    [['\\Seen'], '\\Flagged', true], // system flags are always sent
    [[], '$Junk', false],
  ])('PERMANENTFLAGS %j keeps %s: %s', (pf, flag, kept) => expect(keeps(pf, flag)).toBe(kept));

  it('lists what a folder would drop and how many messages carry it', () => {
    const metas = [meta(['\\Seen', '$Junk']), meta(['\\Seen']), meta(['custom_kw', '$MDNSent'])];
    const r = droppedKeywords(metas, false, ['\\Seen', '$MDNSent']);
    expect([...r.keywords].sort()).toEqual(['$Junk', 'custom_kw']);
    expect(r.messages).toBe(2);
    expect(droppedKeywords(metas, false, null).messages).toBe(0);
  });
});
