import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchToJob } from '../../src/main/engine/batch/batch-job.js';
import type { BatchRow } from '../../src/main/engine/batch/batch-row.js';
import { selectShard, shardOf } from '../../src/main/engine/batch/shard.js';
import { DEFAULT_JOB_OPTIONS, type Job, type MailboxJob } from '../../src/main/engine/job/job.js';
import { applyShard, parseShard, shardLine, stateDirFor } from '../../src/main/cli/shard-option.js';
import type { JobSource } from '../../src/main/cli/job-source.js';
import { UsageError } from '../../src/main/cli/args.js';

const users = Array.from({ length: 10 }, (_, i) => `user${i}@example.com`);
const endpoint = (user: string) => ({ host: 'imap.gmail.com', port: 993, security: 'tls' as const, user });
const mailbox = (user: string, id = user): MailboxJob => ({ id, source: endpoint(user), destination: { ...endpoint(user), host: 'mail.example.net' } });
const jobOf = (list: string[]): Job => ({ mailboxes: list.map((u) => mailbox(u)), options: { ...DEFAULT_JOB_OPTIONS } });

/** Each shard's source users, for N shards of a job. */
function shards(job: Job, count: number): string[][] {
  return Array.from({ length: count }, (_, index) => selectShard(job, { index, count }).job.mailboxes.map((m) => m.source.user));
}

/** A seeded shuffle (Fisher-Yates with a linear congruential generator), so a failure can be replayed. */
function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('shards of a 10-mailbox batch', () => {
  it.each([1, 2, 3, 4, 10, 16])('%i shards cover every mailbox exactly once', (count) => {
    const all = shards(jobOf(users), count).flat();
    expect(all.sort()).toEqual([...users].sort());
  });

  it('are stable when the rows are shuffled, and when the mailbox comes from another file or id', () => {
    const reference = shards(jobOf(users), 4).map((s) => s.sort());
    for (const seed of [1, 2, 3, 42, 1234]) expect(shards(jobOf(shuffled(users, seed)), 4).map((s) => s.sort())).toEqual(reference);
    // The source user decides, in any case and with stray spaces; the mailbox's id does not.
    expect(shardOf(' USER3@Example.com ', 4)).toBe(shardOf('user3@example.com', 4));
    const renamed: Job = { mailboxes: [mailbox('user3@example.com', 'another id')], options: { ...DEFAULT_JOB_OPTIONS } };
    expect(selectShard(renamed, { index: shardOf('user3@example.com', 4), count: 4 }).job.mailboxes).toHaveLength(1);
  });

  it('spread 10 mailboxes over 4 shards (not all in one), and pin the hash (changing it would move every mailbox)', () => {
    const sizes = shards(jobOf(users), 4).map((s) => s.length);
    expect(Math.max(...sizes)).toBeLessThan(10);
    expect(users.map((u) => shardOf(u, 4))).toEqual([0, 1, 3, 3, 2, 3, 2, 3, 2, 3]);
  });

  it('keep the rows of one Gmail account together, so its connection cap holds across machines', () => {
    const job: Job = { mailboxes: [mailbox('ann@example.com', 'ann-inbox'), ...users.map((u) => mailbox(u)), mailbox('ann@example.com', 'ann-archive')], options: { ...DEFAULT_JOB_OPTIONS } };
    const holding = shards(job, 5).filter((s) => s.includes('ann@example.com'));
    expect(holding).toHaveLength(1);
    expect(holding[0]!.filter((u) => u === 'ann@example.com')).toHaveLength(2);
  });
});

describe('--shard', () => {
  it('reads I/N and auto/N (JOB_COMPLETION_INDEX)', () => {
    expect(parseShard('2/4', {})).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 0 / 1 ', {})).toEqual({ index: 0, count: 1 });
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
  });

  it.each([
    ['4/4', {}, /the shard is 0 to 3/],
    ['1/0', {}, /N must be 1 or more/],
    ['-1/4', {}, /takes I\/N/],
    ['1', {}, /takes I\/N/],
    ['auto/4', {}, /JOB_COMPLETION_INDEX, which is not set/],
    ['auto/4', { JOB_COMPLETION_INDEX: 'x' }, /which is "x"/],
    ['auto/4', { JOB_COMPLETION_INDEX: '7' }, /the shard is 0 to 3/],
  ] as const)('refuses %s with a usage error', (spec, env, message) => {
    expect(() => parseShard(spec, env)).toThrow(UsageError);
    expect(() => parseShard(spec, env)).toThrow(message);
  });

  it('gives each shard its own state folder unless --state is given', () => {
    expect(stateDirFor('/jobs/users.csv', undefined, { index: 1, count: 4 })).toBe(path.resolve('/jobs/.mailferry/shard-1-of-4'));
    expect(stateDirFor('/jobs/users.csv', undefined, undefined)).toBe(path.resolve('/jobs/.mailferry'));
    expect(stateDirFor('/jobs/users.csv', '/state/ledger', { index: 1, count: 4 })).toBe(path.resolve('/state/ledger'));
  });

  it("keeps a batch's lines with their mailboxes, and lets only shard 0 report the unread rows", () => {
    const rows: BatchRow[] = users.map((u, i) => ({ line: i + 2, source: { host: 'imap.gmail.com', user: u }, destination: { host: 'mail.example.net', user: u }, passwords: {}, notes: [] }));
    const batch = batchToJob(rows, [{ line: 20, message: 'needs 6 fields' }], { source: {}, destination: {} }, {}, '/jobs');
    const whole: JobSource = { job: batch.job, batch: { ...batch, format: 'test' }, credentials: {} };
    let seen = 0;
    for (let index = 0; index < 3; index++) {
      const mine = applyShard(whole, { index, count: 3 });
      mine.job.mailboxes.forEach((m, i) => expect(mine.batch!.lines[i]).toBe(users.indexOf(m.source.user) + 2));
      expect(mine.batch!.job).toBe(mine.job);
      expect(mine.batch!.problems).toHaveLength(index === 0 ? 1 : 0);
      if (index > 0) expect(shardLine(whole, mine, { index, count: 3 })).toContain('unreadable line is reported by shard 0');
      seen += mine.job.mailboxes.length;
    }
    expect(seen).toBe(10);
  });
});
