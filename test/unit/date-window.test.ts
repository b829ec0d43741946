import { describe, expect, it } from 'vitest';
import { combine, describeWindow, inWindow, parseDate } from '../../src/main/engine/job/date-window.js';
import { parseJob } from '../../src/main/engine/job/job.js';

describe('received-date windows', () => {
  it.each([
    ['2024-06-01', '2024-06-01T00:00:00.000Z'],
    ['2024-06-01T08:00:00+02:00', '2024-06-01T06:00:00.000Z'],
    ['2024-06-01T08:00Z', '2024-06-01T08:00:00.000Z'],
    ['2024-02-30', undefined],
    ['June 1st', undefined],
    ['2024-6-1', undefined],
  ])('parseDate(%j)', (v, iso) => expect(parseDate(v)?.toISOString()).toBe(iso));

  it('since counts from its instant, before up to it: the same date splits a mailbox exactly in two', () => {
    const d = parseDate('2024-06-01')!;
    const at = new Date(d.getTime());
    const justBefore = new Date(d.getTime() - 1000);
    expect(inWindow(at, { before: d })).toBe(false);
    expect(inWindow(at, { since: d })).toBe(true);
    expect(inWindow(justBefore, { before: d })).toBe(true);
    expect(inWindow(justBefore, { since: d })).toBe(false);
    expect(inWindow(at, undefined)).toBe(true);
  });

  it('combines to the narrowest window and says it in words', () => {
    const w = combine({ since: parseDate('2020-01-01')! }, { since: parseDate('2021-01-01')!, before: parseDate('2024-01-01')! }, undefined)!;
    expect(describeWindow(w)).toBe('received from 2021-01-01 until before 2024-01-01');
    expect(combine(undefined, {})).toBeUndefined();
  });

  it('job files take "since"/"before" per mailbox and for the job, and refuse nonsense with the field path', () => {
    const mb = { source: { host: 'imap.gmail.com', user: 'a@gmail.com' }, destination: { host: 'mail.example.net', user: 'a@example.net' } };
    const job = parseJob({ mailboxes: [{ ...mb, before: '2024-01-01' }], options: { since: '2015-01-01', deleteMissing: true } }, '/');
    expect(job.mailboxes[0]!.received?.before?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(job.options.received?.since?.toISOString()).toBe('2015-01-01T00:00:00.000Z');
    expect(job.options.deleteMissing).toBe(true);
    expect(() => parseJob({ mailboxes: [{ ...mb, since: 'yesterday' }] }, '/')).toThrow(/mailboxes\[0\]\.since: must be a date like "2024-06-01"/);
    expect(() => parseJob({ mailboxes: [mb], options: { since: '2024-01-01', before: '2023-01-01' } }, '/')).toThrow(/options\.since: must come before "before"/);
  });
});
