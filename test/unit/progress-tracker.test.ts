import { describe, expect, it, vi } from 'vitest';
import { ProgressTracker } from '../../src/main/engine/run/progress-tracker.js';
import type { MailboxProgress } from '../../src/shared/progress.js';

describe('ProgressTracker', () => {
  it('sends state changes at once and batches counter changes to one per interval', async () => {
    vi.useFakeTimers();
    try {
      const seen: MailboxProgress[] = [];
      const t = new ProgressTracker('m', (p) => seen.push(p), 250);
      t.setState('copying');
      expect(seen.map((s) => s.state)).toEqual(['copying']);
      t.addFolder({ source: 'INBOX', target: 'INBOX', role: 'inbox', sourceCount: 3 });
      t.plan('INBOX', 3, 300);
      for (let i = 0; i < 3; i++) t.count('INBOX', 'copied', 1, 100);
      expect(seen).toHaveLength(1); // 4 changes inside the interval: none sent yet
      await vi.advanceTimersByTimeAsync(300);
      expect(seen).toHaveLength(2);
      expect(seen[1]).toMatchObject({ planned: 3, copied: 3, bytesCopied: 300 });
      expect(seen[1]!.folders[0]).toMatchObject({ copied: 3, bytesCopied: 100 * 3 });
      t.setState('done');
      expect(seen.at(-1)).toMatchObject({ state: 'done', etaSeconds: 0 });
      expect(seen.at(-1)!.finishedAt).not.toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('carries the reason and the time of the next attempt while retrying', () => {
    const t = new ProgressTracker('m');
    t.setState('retrying', { code: 'CONNECTION_LOST', message: 'lost', hint: 'wait', retryable: true }, 12345);
    expect(t.snapshot()).toMatchObject({ state: 'retrying', reason: { code: 'CONNECTION_LOST', message: 'lost', hint: 'wait' }, nextAttemptAt: 12345 });
    t.setState('copying');
    expect(t.snapshot().reason).toBeUndefined();
    expect(t.snapshot().nextAttemptAt).toBeUndefined();
  });

  it('hands out copies, so a listener cannot change the tracker', () => {
    const t = new ProgressTracker('m');
    t.addFolder({ source: 'A', target: 'A', role: 'label', sourceCount: 1 });
    const snap = t.snapshot();
    snap.folders[0]!.copied = 99;
    expect(t.snapshot().folders[0]!.copied).toBe(0);
  });
});
