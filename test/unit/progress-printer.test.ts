import { describe, expect, it } from 'vitest';
import { render, total } from '../../src/main/cli/progress-printer.js';
import type { MailboxProgress } from '../../src/shared/progress.js';

const p = (id: string, state: MailboxProgress['state'], o: Partial<MailboxProgress> = {}): MailboxProgress => ({
  id, state, folders: [], planned: 100, copied: 0, present: 0, failed: 0, throttledReplies: 0, stalledConnections: 0, bytesPlanned: 1e6,
  bytesCopied: 0, rate: 0, byteRate: 0, etaSeconds: null, startedAt: null, finishedAt: null, ...o,
});

describe('CLI progress for many mailboxes', () => {
  const fifty = Array.from({ length: 50 }, (_, i) =>
    i < 3 ? p(`copying${i}@x`, 'copying', { copied: 10, bytesCopied: 1e5, rate: 5, byteRate: 5e4 })
      : i < 40 ? p(`done${i}@x`, 'done', { copied: 100, bytesCopied: 1e6 })
      : i < 48 ? p(`queued${i}@x`, 'queued') : p(`failed${i}@x`, 'failed', { reason: { code: 'AUTH_FAILED', message: 'wrong password' } }));

  it('shows the working mailboxes first, as many as the window holds, the rest counted, and a total line', () => {
    const lines = render(fifty, 12, 200).split('\n');
    expect(lines).toHaveLength(12);
    expect(lines.slice(0, 3).every((l) => l.startsWith('copying'))).toBe(true);
    expect(lines[3]).toMatch(/^queued/);
    expect(lines[10]).toBe('… and 40 more: 1 queued, 2 failed, 37 done');
    expect(lines[11]).toMatch(/^Total: 37\/50 mailboxes done, 3730\/5000 msgs, .* 15 msg\/s /);
  });

  it('one mailbox: its line alone; long lines are cut to the terminal width', () => {
    expect(render([fifty[0]!], 10, 40).split('\n')).toEqual(['copying0@x: copying 10% 10/100 msgs, 9…']);
  });

  it("names the days Gmail's limit still imposes on the mailbox with the most left", () => {
    const big = p('big@x', 'copying', { bytesPlanned: 6 * 2500 * 1024 * 1024, bytesCopied: 0 });
    expect(total([big, fifty[0]!])).toMatch(/Gmail's daily download limit makes it at least 6 days$/);
    expect(total(fifty)).not.toMatch(/days/);
  });
});
