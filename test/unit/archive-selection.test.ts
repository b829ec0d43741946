import { describe, expect, it } from 'vitest';
import { countKeys, coveredByAllMail, matchByKey, selectArchived } from '../../src/main/engine/archive-selection.js';
import type { MessageMeta } from '../../src/main/engine/folder-scan.js';

const meta = (uid: number, key: string): MessageMeta => ({ uid, key, size: 10, internalDate: new Date(0), flags: [], messageId: null });

describe('selectArchived', () => {
  it('keeps only All Mail copies not accounted for by other folders', () => {
    // a: in three labels (three copies in All Mail on a copy-per-folder server); b: archived; c: twin of an INBOX message plus one archived twin
    const allMail = [meta(1, 'a'), meta(2, 'a'), meta(3, 'a'), meta(4, 'b'), meta(5, 'c'), meta(6, 'c')];
    const elsewhere = new Map([['a', 3], ['c', 1]]);
    const r = selectArchived(allMail, elsewhere, new Map(), allMail);
    expect(r.archived.map((m) => m.uid)).toEqual([4, 5]);
    expect(r.notArchived.map((m) => m.uid)).toEqual([1, 2, 3, 6]);
  });

  it('subtracts copies finished in earlier runs and picks among new candidates only', () => {
    const allMail = [meta(1, 'b'), meta(2, 'b'), meta(7, 'b')];
    const r = selectArchived(allMail, new Map(), new Map([['b', 2]]), [meta(7, 'b')]);
    expect(r.archived.map((m) => m.uid)).toEqual([7]);
    const none = selectArchived(allMail, new Map([['b', 1]]), new Map([['b', 2]]), [meta(7, 'b')]);
    expect(none.archived).toEqual([]);
  });

  it('counts keys as a multiset', () => {
    expect([...countKeys([meta(1, 'x'), meta(2, 'x'), meta(3, 'y')])]).toEqual([['x', 2], ['y', 1]]);
  });
});

describe('matchByKey', () => {
  it('lets each destination message satisfy one source message', () => {
    const src = [meta(1, 'dup'), meta(2, 'dup'), meta(3, 'solo'), meta(4, 'new')];
    const dst = [meta(10, 'dup'), meta(11, 'solo'), meta(12, 'other')];
    const r = matchByKey(src, dst);
    expect(r.found.map((f) => [f.meta.uid, f.destUid])).toEqual([[1, 10], [3, 11]]);
    expect(r.missing.map((m) => m.uid)).toEqual([2, 4]);
  });
});

describe('coveredByAllMail', () => {
  const f = (path: string, specialUse?: string, flags: string[] = []) => ({ path, delimiter: '/', flags, ...(specialUse ? { specialUse } : {}) });
  const m = (source: string, role: 'label' | 'view' | 'excluded' | 'archive' | 'special') => ({ source, role, target: null, targetExists: false });
  it.each([
    ['a label', f('Work'), m('Work', 'label'), true],
    ['an excluded label (its mail is labelled, not archived)', f('Work'), m('Work', 'excluded'), true],
    ['Sent', f('[Gmail]/Sent Mail', '\\Sent'), m('[Gmail]/Sent Mail', 'special'), true],
    ['Trash', f('[Gmail]/Bin', '\\Trash'), m('[Gmail]/Bin', 'special'), false],
    ['Spam', f('[Gmail]/Spam', '\\Junk'), m('[Gmail]/Spam', 'special'), false],
    ['All Mail itself', f('[Gmail]/All Mail', '\\All'), m('[Gmail]/All Mail', 'archive'), false],
    ['Starred', f('[Gmail]/Starred', '\\Flagged'), m('[Gmail]/Starred', 'view'), false],
    ['a \\Noselect parent', f('[Gmail]', undefined, ['\\Noselect']), undefined, false],
  ])('%s', (_n, folder, mapping, covered) => expect(coveredByAllMail(folder, mapping)).toBe(covered));
});
