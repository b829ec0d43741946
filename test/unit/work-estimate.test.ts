import { describe, expect, it } from 'vitest';
import { estimateWork, PACE_WINDOW_MS, recentPace } from '../../src/main/engine/report/work-estimate.js';

const DAY = 86_400_000;
const MB = 1024 * 1024;
const run = (startDay: number, endDay: number, bytes: number) => ({ startedAt: startDay * DAY, finishedAt: endDay * DAY, bytes });

describe('recentPace', () => {
  it.each([
    ['no runs', [], null],
    ['runs that copied nothing', [run(0, 1, 0)], null],
    ['one run of an hour: counted as a day', [run(0, 1 / 24, 500 * MB)], 500 * MB],
    ['two days, 1,000 MB each', [run(0, 1, 1000 * MB), run(1, 2, 1000 * MB)], 1000 * MB],
    ['a pause between runs slows the pace', [run(0, 1, 1000 * MB), run(3, 4, 1000 * MB)], 500 * MB],
    ['runs older than a week before the last are left out', [run(0, 1, 9000 * MB), run(20, 21, 700 * MB)], 700 * MB],
    ['a run that started before the week is measured whole', [run(0, 10, 7000 * MB)], 700 * MB],
  ])('%s', (_name, runs, expected) => {
    const pace = recentPace(runs);
    if (expected === null) expect(pace).toBeNull();
    else expect(pace).toBeCloseTo(expected, 0);
  });

  it('measures over at most a week', () => {
    expect(PACE_WINDOW_MS).toBe(7 * DAY);
  });
});

describe('estimateWork', () => {
  it('nothing left: 0 bytes, 0 days, whatever the pace', () => {
    expect(estimateWork({ messagesToCopy: 0, averageSize: null, runs: [] })).toEqual({ bytesToCopy: 0, gmailLimitDays: 0, recentBytesPerDay: null, daysAtRecentPace: 0 });
  });

  it('sizes unknown: no byte or day figures', () => {
    expect(estimateWork({ messagesToCopy: 10, averageSize: null, runs: [] })).toEqual({ bytesToCopy: null, gmailLimitDays: null, recentBytesPerDay: null, daysAtRecentPace: null });
  });

  it("Gmail's 2,500 MB a day sets the floor; the recent pace says how long at that speed", () => {
    // 10,000 messages of 1 MB: 10,000 MB, 4 days at Gmail's limit; 1,000 MB a day lately: 10 days.
    const e = estimateWork({ messagesToCopy: 10_000, averageSize: MB, runs: [run(0, 1, 1000 * MB), run(1, 2, 1000 * MB)] });
    expect(e).toEqual({ bytesToCopy: 10_000 * MB, gmailLimitDays: 4, recentBytesPerDay: 1000 * MB, daysAtRecentPace: 10 });
  });

  it('a little left is still a day, not zero', () => {
    expect(estimateWork({ messagesToCopy: 1, averageSize: 5000, runs: [run(0, 1, 5000)] })).toMatchObject({ gmailLimitDays: 1, daysAtRecentPace: 1 });
  });
});
