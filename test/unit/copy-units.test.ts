import { describe, expect, it } from 'vitest';
import { buildUnits, foldersOf } from '../../src/main/engine/copy/copy-units.js';
import type { MessageMeta } from '../../src/main/engine/plan/folder-scan.js';
import type { FolderWork } from '../../src/main/engine/plan/mailbox-plan.js';

const meta = (uid: number, gmailId?: string, size = 10): MessageMeta => ({
  uid, size, internalDate: new Date(0), flags: [], key: `k${uid}`, headerKey: `h${uid}`, messageId: null, ...(gmailId ? { gmailId } : {}),
});
const work = (source: string, todo: MessageMeta[]): FolderWork => ({
  mapping: { source, target: source, role: 'label', targetExists: true },
  status: { uidValidity: 1, uidNext: 100, messages: todo.length },
  todo,
  permanentFlags: null,
});

describe('buildUnits', () => {
  it('downloads a message with several labels once, from the first folder that has it, into every folder', () => {
    const inbox = work('INBOX', [meta(1, 'g1'), meta(2, 'g2')]);
    const work1 = work('Work', [meta(7, 'g1'), meta(8, 'g3')]);
    const all = work('[Gmail]/All Mail', [meta(50, 'g4')]);
    const units = buildUnits([inbox, work1, all]);
    expect(units.map((u) => [u.from.mapping.source, u.items.map((it) => [it.uid, it.entries.map((e) => `${e.work.mapping.source}:${e.meta.uid}`)])])).toEqual([
      ['INBOX', [[1, ['INBOX:1', 'Work:7']], [2, ['INBOX:2']]]],
      ['Work', [[8, ['Work:8']]]],
      ['[Gmail]/All Mail', [[50, ['[Gmail]/All Mail:50']]]],
    ]);
    expect([...foldersOf(units[0]!)].map((w) => w.mapping.source)).toEqual(['INBOX', 'Work']);
  });

  it('without Gmail ids every message is its own item, and big folders are split', () => {
    const big = work('INBOX', Array.from({ length: 1200 }, (_, i) => meta(i + 1)));
    const units = buildUnits([big]);
    expect(units.map((u) => u.items.length)).toEqual([500, 500, 200]);
    expect(units.every((u) => u.items.every((it) => it.entries.length === 1))).toBe(true);
  });

  it('keeps a unit under 64 MB of bodies', () => {
    const units = buildUnits([work('A', [meta(1, undefined, 40e6), meta(2, undefined, 40e6), meta(3, undefined, 1)])]);
    expect(units.map((u) => u.items.map((it) => it.uid))).toEqual([[1], [2, 3]]);
  });
});
