import { describe, expect, it } from 'vitest';
import { mergeProgress } from '../../src/main/app/progress-merge.js';
import { byteFraction, folderCounts, messageFraction } from '../../src/shared/progress-view.js';
import type { FolderProgress } from '../../src/shared/progress.js';
import { progress } from './app-fakes.js';

const folder = (source: string, f: Partial<FolderProgress> = {}): FolderProgress => ({
  source, target: source, role: 'label', sourceCount: 10, planned: 0, copied: 0, present: 0, skipped: 0, failed: 0, bytesCopied: 0, done: false, ...f,
});

describe('mergeProgress (pause and resume as one migration)', () => {
  const paused = progress('a', {
    state: 'cancelled', planned: 100, copied: 40, present: 5, failed: 2, bytesPlanned: 1000, bytesCopied: 400, throttledReplies: 1, stalledConnections: 2, startedAt: 111,
    folders: [folder('INBOX', { planned: 60, copied: 40, present: 5, bytesCopied: 400, failed: 2 }), folder('Work', { planned: 40 })],
  });

  it('is the run itself when there is nothing before it', () => {
    const cur = progress('a', { copied: 3 });
    expect(mergeProgress(null, cur)).toBe(cur);
  });

  it('adds copied, already-there, bytes, throttles and stalls; failures are the latest run’s (they are retried)', () => {
    const cur = progress('a', {
      state: 'copying', planned: 58, copied: 8, present: 1, failed: 1, bytesPlanned: 580, bytesCopied: 80, throttledReplies: 2, stalledConnections: 1, startedAt: 999, rate: 5,
      folders: [folder('INBOX', { planned: 18, copied: 8, present: 1, failed: 1, bytesCopied: 80 }), folder('Work', { planned: 40 }), folder('New', { planned: 0, done: true })],
    });
    const m = mergeProgress(paused, cur);
    expect(m).toMatchObject({ state: 'copying', planned: 98, copied: 48, present: 6, failed: 1, bytesPlanned: 980, bytesCopied: 480, throttledReplies: 3, stalledConnections: 3, startedAt: 111, rate: 5 });
    expect(m.folders.map((f) => [f.source, f.planned, f.copied, f.present, f.failed])).toEqual([
      ['INBOX', 58, 48, 6, 1],
      ['Work', 40, 0, 0, 0],
      ['New', 0, 0, 0, 0],
    ]);
    expect(messageFraction(m)).toBeCloseTo(49 / 98);
  });

  it('does not jump to 100% (or back to 0%) while the resumed run is still planning', () => {
    for (const state of ['queued', 'connecting', 'planning'] as const) {
      const m = mergeProgress(paused, progress('a', { state, planned: 0, copied: 0, folders: [] }));
      expect(m.planned).toBe(100);
      expect(m.copied).toBe(40);
      expect(messageFraction(m)).toBeCloseTo(0.4);
      expect(m.folders).toHaveLength(2);
    }
  });

  it('reaches exactly 100% when the resumed run finishes', () => {
    const done = progress('a', { state: 'done', planned: 58, copied: 58, bytesPlanned: 600, bytesCopied: 600, folders: [] });
    const m = mergeProgress(paused, done);
    expect(m.copied).toBe(98);
    expect(m.planned).toBe(98);
    expect(messageFraction(m)).toBe(1);
    expect(byteFraction(m)).toBe(1);
  });
});

describe('progress-view', () => {
  it('counts folders that are copied at all', () => {
    const p = progress('a', { folders: [folder('INBOX', { done: true }), folder('Work'), { ...folder('[Gmail]/Starred'), target: null, done: true }] });
    expect(folderCounts(p)).toEqual({ done: 1, total: 2 });
  });
  it('a finished mailbox with nothing to copy is complete', () => {
    expect(messageFraction(progress('a', { state: 'done' }))).toBe(1);
    expect(messageFraction(progress('a', { state: 'copying' }))).toBe(0);
  });
});
