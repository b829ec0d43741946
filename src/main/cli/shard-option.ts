/**
 * `--shard I/N` of `test`, `migrate` and `verify`: this process takes one Nth of the file's mailboxes
 * (engine/batch/shard.ts says which), with a state folder of its own. `--shard auto/N` takes I from
 * JOB_COMPLETION_INDEX, which Kubernetes sets in each pod of an Indexed Job (docs/scale.md).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { selectShard, type Shard } from '../engine/batch/shard.js';
import { UsageError } from './args.js';
import type { JobSource } from './job-source.js';

export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

export function addShardOption(cmd: Command): Command {
  return cmd.option('--shard <I/N>', `only shard I of N of the mailboxes (I from 0 to N-1; auto/N: I from ${COMPLETION_INDEX_ENV})`);
}

/** "2/4" or "auto/4" (with the index from the environment); a usage error (exit 2) otherwise. */
export function parseShard(spec: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^\s*(\d+|auto)\s*\/\s*(\d+)\s*$/i.exec(spec);
  if (!m) throw new UsageError(`--shard takes I/N (0/4, 1/4 ... 3/4) or auto/N (got "${spec}")`);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new UsageError(`--shard ${spec}: N must be 1 or more`);
  let index = m[1]!;
  if (index.toLowerCase() === 'auto') {
    const value = env[COMPLETION_INDEX_ENV]?.trim();
    if (value === undefined || !/^\d+$/.test(value)) {
      throw new UsageError(`--shard auto/${count} takes the shard from ${COMPLETION_INDEX_ENV}, which is ${value === undefined ? 'not set' : `"${value}"`} (Kubernetes sets it in the pods of an Indexed Job; elsewhere give --shard I/${count})`);
    }
    index = value;
  }
  if (Number(index) >= count) throw new UsageError(`--shard ${index}/${count}: the shard is 0 to ${count - 1}`);
  return { index: Number(index), count };
}

/**
 * The shard's mailboxes of a job or batch file. A batch row that could not be read has no mailbox, so no
 * shard: shard 0 reports it (and fails for it), so a mistake in the file fails one pod, not N.
 */
export function applyShard(source: JobSource, shard: Shard): JobSource {
  const { job, picked } = selectShard(source.job, shard);
  if (!source.batch) return { ...source, job };
  const lines = picked.map((i) => source.batch!.lines[i]!);
  return { ...source, job, batch: { ...source.batch, job, lines, problems: shard.index === 0 ? source.batch.problems : [] } };
}

/** migrate's and verify's state folder: --state as given, else .mailferry/ beside the file (shard-I-of-N/ in it). */
export function stateDirFor(file: string, state: string | undefined, shard: Shard | undefined): string {
  if (state !== undefined) return path.resolve(state);
  const base = path.join(path.dirname(path.resolve(file)), '.mailferry');
  return shard ? path.join(base, `shard-${shard.index}-of-${shard.count}`) : base;
}

/** What this shard takes, printed first; with the state folder for the commands that keep one. */
export function shardLine(whole: JobSource, mine: JobSource, shard: Shard, state?: { dir: string; given: boolean }): string {
  const total = whole.job.mailboxes.length;
  const out = [`Shard ${shard.index} of 0-${shard.count - 1}: ${mine.job.mailboxes.length} of the file's ${total} mailbox${total === 1 ? '' : 'es'} (chosen by source user).`];
  if (state) out.push(`State folder: ${state.dir}${state.given ? ' (--state)' : ' (this shard\'s own; --state to choose another)'}.`);
  const unread = whole.batch?.problems.length ?? 0;
  if (unread > 0 && shard.index !== 0) out.push(`The file's ${unread} unreadable line${unread === 1 ? ' is' : 's are'} reported by shard 0.`);
  return out.join(' ');
}
