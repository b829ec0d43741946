/**
 * Reads a few copies back after a run and says what the destination changed in them
 * (destination-changes.ts). The sample is kept in memory while copying rather than downloaded again
 * from the source afterwards: the bytes pass through anyway, so keeping a few costs no second download
 * from Gmail (whose downloads count against a daily quota, at Gmail's round trips per folder), and it lets
 * the sample favour the messages a server is likely to change (no final line ending, raw 8-bit headers,
 * lone CR/LF, NUL) without scanning the destination for them.
 *
 * Bounds (SAMPLE_LIMITS): 3 messages per folder and reason, 12 per reason, messages of at most 256 KB,
 * 2 MB held in all, at most 8 folders; the readback is one EXAMINE and one UID FETCH per sampled folder
 * on the destination connections the run already has (measured: 10-55 ms on loopback, about 0.3 s at
 * 50 ms round trips, for 36 messages in 4 folders). A run that copied nothing samples nothing and reads
 * nothing back; a destination without APPENDUID gives no UIDs to read back, so nothing is said.
 */
import type { ImapFlow } from 'imapflow';
import type { AppendOutcome } from '../copy/destination-writer.js';
import { hasBareLineEnds, hasEightBitHeader, lacksFinalLineEnding, StoredChangeTally, type TraitChange } from './destination-changes.js';
import { serverFamily } from '../servers/server-profiles.js';
import type { MailboxContext } from '../run/mailbox-context.js';
import { toUidSet } from '../plan/uid-set.js';

export const SAMPLE_LIMITS = {
  /** Messages kept per destination folder for each reason (a trait, or 'any'). */
  perFolder: 3,
  /** Messages kept per reason over the whole mailbox. */
  perReason: 12,
  /** Folders read back (each costs an EXAMINE and a FETCH: about 4 round trips). */
  folders: 8,
  messageBytes: 256 * 1024,
  totalBytes: 2 * 1024 * 1024,
  /** Bytes scanned for lone CR/LF and NUL (whole-message scans) before those reasons stop being looked for. */
  scanBytes: 32 * 1024 * 1024,
};

type Reason = TraitChange | 'any';

interface Sample {
  uid: number;
  uidValidity: number | undefined;
  raw: Buffer;
}

/** Copies kept while appending, per destination folder and reason, within SAMPLE_LIMITS. */
export class StoredSampler {
  readonly #folders = new Map<string, Map<Reason, Sample[]>>();
  readonly #perReason = new Map<Reason, number>();
  #bytes = 0;
  #scanLeft = SAMPLE_LIMITS.scanBytes;

  /** Considers one message the destination stored under `uid` in `target`; keeps a copy if it adds to the sample. */
  offer(target: string, uid: number, uidValidity: number | undefined, raw: Buffer): void {
    if (raw.length > SAMPLE_LIMITS.messageBytes || this.#bytes + raw.length > SAMPLE_LIMITS.totalBytes) return;
    let folder = this.#folders.get(target);
    if (!folder && this.#folders.size >= SAMPLE_LIMITS.folders) return;
    folder ??= new Map();
    const reason = this.#reason(folder, raw);
    if (!reason) return;
    const list = folder.get(reason) ?? [];
    list.push({ uid, uidValidity, raw: Buffer.from(raw) }); // a copy: never pins a larger buffer
    folder.set(reason, list);
    this.#folders.set(target, folder);
    this.#perReason.set(reason, (this.#perReason.get(reason) ?? 0) + 1);
    this.#bytes += raw.length;
  }

  /** The first reason with room that this message fits; checks only what could still be kept. */
  #reason(folder: Map<Reason, Sample[]>, raw: Buffer): Reason | undefined {
    const room = (r: Reason) => (folder.get(r)?.length ?? 0) < SAMPLE_LIMITS.perFolder && (this.#perReason.get(r) ?? 0) < SAMPLE_LIMITS.perReason;
    if (room('final-line-ending') && lacksFinalLineEnding(raw)) return 'final-line-ending';
    if (room('eight-bit-header') && hasEightBitHeader(raw)) return 'eight-bit-header';
    if ((room('bare-line-ends') || room('nul-bytes')) && this.#scanLeft >= raw.length) {
      this.#scanLeft -= raw.length;
      if (room('nul-bytes') && raw.includes(0)) return 'nul-bytes';
      if (room('bare-line-ends') && hasBareLineEnds(raw)) return 'bare-line-ends';
    }
    return room('any') ? 'any' : undefined;
  }

  get size(): number {
    return [...this.#folders.values()].reduce((s, f) => s + [...f.values()].reduce((t, l) => t + l.length, 0), 0);
  }

  get bytes(): number {
    return this.#bytes;
  }

  folders(): Array<{ target: string; samples: Sample[] }> {
    return [...this.#folders].map(([target, f]) => ({ target, samples: [...f.values()].flat().sort((a, b) => a.uid - b.uid) }));
  }
}

/** One sampler per mailbox run: keyed by its tracker, which outlives the per-attempt contexts. */
const samplers = new WeakMap<object, StoredSampler>();

/** Called for each message the destination answered with a UID (copy-unit.ts's record()). */
export function sampleStored(ctx: MailboxContext, target: string, outcome: AppendOutcome, raw: Buffer): void {
  if (!outcome.ok || outcome.uid === undefined || ctx.dryRun) return;
  let sampler = samplers.get(ctx.tracker);
  if (!sampler) samplers.set(ctx.tracker, (sampler = new StoredSampler()));
  sampler.offer(target, outcome.uid, outcome.uidValidity, raw);
}

/**
 * After the copy: reads the sampled copies back and adds one note per kind of change the destination
 * made. Never fails the run: a folder that cannot be read back is left out.
 */
export async function noteDestinationChanges(ctx: MailboxContext): Promise<void> {
  const sampler = samplers.get(ctx.tracker);
  if (!sampler || sampler.size === 0) return;
  samplers.delete(ctx.tracker);
  const tally = new StoredChangeTally();
  let family: ReturnType<typeof serverFamily>;
  await Promise.allSettled(
    sampler.folders().map(({ target, samples }) =>
      ctx.destination.use(async (dst) => {
        family ??= serverFamily(dst);
        const uidValidity = samples[0]!.uidValidity;
        const same = samples.filter((s) => s.uidValidity === uidValidity);
        const stored = await fetchRaw(dst, target, same.map((s) => s.uid), uidValidity);
        for (const s of same) {
          const got = stored.get(s.uid);
          if (got) tally.add(target, s.raw, got);
        }
      }, ctx.signal),
    ),
  );
  ctx.notes.push(...tally.notes(family));
}

/**
 * The bytes of some messages of a folder by UID (BODY.PEEK[]: nothing is marked read). With
 * `uidValidity`, a folder renumbered since gives nothing rather than other messages.
 */
export async function fetchRaw(client: ImapFlow, path: string, uids: number[], uidValidity?: number): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  if (uids.length === 0) return out;
  const lock = await client.getMailboxLock(path, { readOnly: true });
  try {
    if (uidValidity !== undefined && client.mailbox && Number(client.mailbox.uidValidity) !== uidValidity) return out;
    for await (const m of client.fetch(toUidSet(uids), { uid: true, source: true }, { uid: true })) {
      if (m.source) out.set(m.uid, m.source);
    }
  } finally {
    lock.release();
  }
  return out;
}
