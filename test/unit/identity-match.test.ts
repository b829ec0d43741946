import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/main/engine/plan/folder-scan.js';
import { matchMessages } from '../../src/main/engine/plan/identity-match.js';

const meta = (uid: number, key: string, size = 100, headerKey = key): MessageMeta => ({ uid, key, headerKey, size, internalDate: new Date(0), flags: [], messageId: null });

/** Fingerprint providers from uid -> content tables; they record what was downloaded. */
function fps(source: Record<number, string>, destination: Record<number, string>) {
  const asked = { source: [] as number[], destination: [] as number[] };
  const from = (table: Record<number, string>, log: number[]) => async (uids: number[]) => {
    log.push(...uids);
    return new Map(uids.filter((u) => table[u] !== undefined).map((u) => [u, table[u]!]));
  };
  return { opts: { source: from(source, asked.source), destination: from(destination, asked.destination) }, asked };
}

const pairs = (r: Awaited<ReturnType<typeof matchMessages>>) => r.found.map((f) => [f.meta.uid, f.destUid]);

describe('matchMessages', () => {
  it('one source and one destination message with a key and a plausible size match without downloading', async () => {
    const f = fps({}, {});
    const r = await matchMessages([meta(1, 'a'), meta(2, 'b'), meta(3, 'c')], [meta(10, 'a'), meta(11, 'b', 102), meta(12, 'z')], f.opts);
    expect(pairs(r)).toEqual([[1, 10], [2, 11]]);
    expect(r.found[1]!.sizeDelta).toBe(2); // Courier's final CRLF
    expect(r.missing.map((m) => m.uid)).toEqual([3]);
    expect(f.asked).toEqual({ source: [], destination: [] });
  });

  it('two different messages with the same Message-ID, date and size: the one on the destination is found, the other copied', async () => {
    // Source UID 1 (body B) comes first; the destination holds only body A's copy.
    const f = fps({ 1: 'B', 2: 'A' }, { 10: 'A' });
    const r = await matchMessages([meta(1, 'k'), meta(2, 'k')], [meta(10, 'k')], f.opts);
    expect(pairs(r)).toEqual([[2, 10]]);
    expect(r.missing.map((m) => m.uid)).toEqual([1]);
    expect(f.asked).toEqual({ source: [1, 2], destination: [10] });
  });

  it('byte-identical twins pair up one to one: two on each side both match; one copy on the destination leaves one to copy', async () => {
    const both = await matchMessages([meta(1, 't'), meta(2, 't')], [meta(10, 't'), meta(11, 't')], fps({ 1: 'T', 2: 'T' }, { 10: 'T', 11: 'T' }).opts);
    expect(pairs(both)).toEqual([[1, 10], [2, 11]]);
    const one = await matchMessages([meta(1, 't'), meta(2, 't')], [meta(10, 't')], fps({ 1: 'T', 2: 'T' }, { 10: 'T' }).opts);
    expect(one.found).toHaveLength(1);
    expect(one.missing).toHaveLength(1);
  });

  it('a size a server change does not explain is checked by fingerprint', async () => {
    const same = await matchMessages([meta(1, 'a', 100)], [meta(10, 'a', 107)], fps({ 1: 'A' }, { 10: 'A' }).opts); // bare LFs served as CRLF
    expect(pairs(same)).toEqual([[1, 10]]);
    const other = await matchMessages([meta(1, 'a', 100)], [meta(10, 'a', 150)], fps({ 1: 'A' }, { 10: 'EDITED' }).opts);
    expect(other.missing.map((m) => m.uid)).toEqual([1]);
  });

  it('a source message without Message-ID finds a copy to which the destination added one', async () => {
    const r = await matchMessages([meta(1, 'h:x')], [meta(10, 'id:<new@server>', 100, 'h:x')], fps({}, {}).opts);
    expect(pairs(r)).toEqual([[1, 10]]);
  });

  it('a destination message answers for one source message only, even when reachable by two keys', async () => {
    const r = await matchMessages([meta(1, 'id:<m>', 100, 'h:x'), meta(2, 'h:x')], [meta(10, 'id:<m>', 100, 'h:x')], fps({}, {}).opts);
    expect(pairs(r)).toEqual([[1, 10]]);
    expect(r.missing.map((m) => m.uid)).toEqual([2]);
  });
});

describe('matchMessages on a destination that rebuilds messages (Exchange)', () => {
  it('pairs by key alone: any size, no downloads, as many pairs as both sides have', async () => {
    const f = fps({ 1: 'A', 2: 'B' }, { 10: 'REBUILT' });
    const r = await matchMessages([meta(1, 'k', 100), meta(2, 'k', 100), meta(3, 'x', 50)], [meta(10, 'k', 180), meta(11, 'x', 75)], { ...f.opts, rebuilds: true });
    expect(pairs(r)).toEqual([[1, 10], [3, 11]]);
    expect(r.missing.map((m) => m.uid)).toEqual([2]);
    expect(f.asked).toEqual({ source: [], destination: [] });
  });
});
