import { describe, expect, it } from 'vitest';
import { coveredByAllMail, gmailArchiveRule, indexCovered, selectArchived } from '../../src/main/engine/plan/archive-selection.js';
import { refKey, type FolderRef, type MessageMeta } from '../../src/main/engine/plan/folder-scan.js';

const meta = (uid: number, key: string, size = 10): MessageMeta => ({ uid, key, headerKey: key, size, internalDate: new Date(0), flags: [], messageId: null });
const ALL = '[Gmail]/All Mail';

/** Fingerprints from a table of folder/uid -> content; records what was asked for. */
function fingerprints(table: Record<string, string>) {
  const asked: string[] = [];
  const fn = async (refs: FolderRef[]) => {
    asked.push(...refs.map((r) => `${r.folder}:${r.uid}`));
    return new Map(refs.filter((r) => table[`${r.folder}:${r.uid}`]).map((r) => [refKey(r), table[`${r.folder}:${r.uid}`]!]));
  };
  return { fn, asked };
}

describe('selectArchived (servers without Gmail labels)', () => {
  it('archives exactly the identities no covered folder holds, all twins included, without downloading anything', async () => {
    // a: in three labels (three All Mail entries); b: archived; t: byte-identical twins, both archived; i: twins both in INBOX
    const allMail = [meta(1, 'a'), meta(2, 'a'), meta(3, 'a'), meta(4, 'b'), meta(5, 't'), meta(6, 't'), meta(7, 'i'), meta(8, 'i')];
    const covered = indexCovered([
      { folder: 'Work', metas: [meta(1, 'a')] }, { folder: 'Home', metas: [meta(1, 'a')] }, { folder: 'Travel', metas: [meta(9, 'a')] },
      { folder: 'INBOX', metas: [meta(3, 'i'), meta(4, 'i')] },
    ]);
    const fp = fingerprints({});
    const r = await selectArchived(allMail, { folder: ALL, metas: allMail }, covered, fp.fn);
    expect(r.archived.map((m) => m.uid)).toEqual([4, 5, 6]);
    expect(r.notArchived.map((m) => m.uid)).toEqual([1, 2, 3, 7, 8]);
    expect(fp.asked).toEqual([]);
  });

  it('a message listed twice in All Mail (Inbox and a hidden store) is not archived', async () => {
    const allMail = [meta(1, 'x'), meta(2, 'x')];
    const fp = fingerprints({ [`${ALL}:1`]: 'X', [`${ALL}:2`]: 'X', 'INBOX:5': 'X' });
    const r = await selectArchived(allMail, { folder: ALL, metas: allMail }, indexCovered([{ folder: 'INBOX', metas: [meta(5, 'x')] }]), fp.fn);
    expect(r.archived).toEqual([]);
    expect(fp.asked.sort()).toEqual(['INBOX:5', `${ALL}:1`, `${ALL}:2`]);
  });

  it('a different message sharing the identity of a labelled one is archived (fingerprints decide)', async () => {
    const allMail = [meta(1, 'x'), meta(2, 'x')];
    const fp = fingerprints({ [`${ALL}:1`]: 'LABELLED', [`${ALL}:2`]: 'OTHER', 'Work:5': 'LABELLED' });
    const r = await selectArchived(allMail, { folder: ALL, metas: allMail }, indexCovered([{ folder: 'Work', metas: [meta(5, 'x')] }]), fp.fn);
    expect(r.archived.map((m) => m.uid)).toEqual([2]);
    expect(r.notArchived.map((m) => m.uid)).toEqual([1]);
  });

  it('size is part of the identity on one server: a same-key message of another size is a different message', async () => {
    const allMail = [meta(1, 'x', 10), meta(2, 'x', 99)];
    const fp = fingerprints({});
    const r = await selectArchived(allMail, { folder: ALL, metas: allMail }, indexCovered([{ folder: 'INBOX', metas: [meta(5, 'x', 10)] }]), fp.fn);
    expect(r.archived.map((m) => m.uid)).toEqual([2]);
    expect(fp.asked).toEqual([]);
  });

  it('decides only for the candidates it is given (earlier runs finished the rest)', async () => {
    const allMail = [meta(1, 'b'), meta(2, 'c')];
    const r = await selectArchived([meta(2, 'c')], { folder: ALL, metas: allMail }, indexCovered([]), fingerprints({}).fn);
    expect(r.archived.map((m) => m.uid)).toEqual([2]);
  });
});

describe('gmailArchiveRule', () => {
  const f = (path: string, specialUse?: string, flags: string[] = []) => ({ path, delimiter: '/', flags, ...(specialUse ? { specialUse } : {}) });
  const folders = [f('INBOX'), f('Work'), f('Old'), f('[Gmail]/Sent Mail', '\\Sent'), f('[Gmail]/Drafts', '\\Drafts'), f('[Gmail]/Starred', '\\Flagged'), f('[Gmail]/Important'), f('[Gmail]/All Mail', '\\All')];
  const mappings = [
    { source: 'Old', role: 'excluded' as const, target: null, targetExists: false },
    { source: '[Gmail]/Starred', role: 'view' as const, target: null, targetExists: false },
    { source: '[Gmail]/Important', role: 'view' as const, target: null, targetExists: false },
    { source: '[Gmail]/All Mail', role: 'archive' as const, target: 'Archive', targetExists: true },
  ];
  const archived = gmailArchiveRule(folders, mappings);
  it.each([
    [[], true],
    [['\\Important', '\\Starred'], true],
    [['\\Inbox'], false],
    [['\\Sent'], false],
    [['\\Draft'], false],
    [['Work'], false],
    [['Old'], false], // excluded label: labelled, not archived
    [['Hidden from IMAP'], true], // no folder holds it: Archive rather than nowhere
    [['\\Important', 'Hidden from IMAP'], true],
  ])('%j -> archived %s', (labels, expected) => expect(archived(labels)).toBe(expected));
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
