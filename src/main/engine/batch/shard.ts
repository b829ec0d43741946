/**
 * One Nth of a job's mailboxes, so N machines (a Kubernetes Indexed Job: one pod per completion index) share
 * a batch. A mailbox's shard comes from a hash of its source user, never from its row: the same mailbox lands
 * in the same shard whatever the order of the rows or the file they are in, so each shard finds its own ledger
 * again on the next run; and every mailbox that reads one Gmail account lands in one shard, so the engine's
 * per-account connection cap (connect/account-slots.ts, one per process) still holds across machines.
 * Changing N moves mailboxes to other shards: their next run starts without their ledger (the destination
 * index still finds what is there, so nothing is copied twice, but it is slower).
 */
import { createHash } from 'node:crypto';
import type { Job } from '../job/job.js';

export interface Shard {
  /** 0 to count - 1, as Kubernetes numbers completion indexes. */
  index: number;
  count: number;
}

/** The shard of a source user (case and surrounding spaces ignored, as Gmail ignores them). */
export function shardOf(sourceUser: string, count: number): number {
  const digest = createHash('sha256').update(sourceUser.trim().toLowerCase()).digest();
  // 64 bits of the hash: any bias of the modulo is far below one mailbox for any real N.
  return Number(digest.readBigUInt64BE(0) % BigInt(count));
}

/** The job with only this shard's mailboxes, and their indexes in the whole job (to find their rows). */
export function selectShard(job: Job, shard: Shard): { job: Job; picked: number[] } {
  const picked = job.mailboxes.flatMap((mb, i) => (shardOf(mb.source.user, shard.count) === shard.index ? [i] : []));
  return { job: { ...job, mailboxes: picked.map((i) => job.mailboxes[i]!) }, picked };
}
