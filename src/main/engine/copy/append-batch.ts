/**
 * Appending one gathered batch into one destination folder, with the ledger kept exact around it:
 * intents first, then each answered APPEND recorded (also when the writer stops mid-batch), and two ways
 * a destination can make a batch fail that must not cost messages:
 *
 * - A batch that kills the connection without a reply (Cyrus crashes when a MULTIAPPEND crosses its
 *   keyword limit) is retried; after two such deaths the unit appends one message at a time, and a
 *   message that kills the connection twice on its own is failed and listed, so the rest goes through.
 * - A folder's keyword limit ("NO Too many user flags in mailbox"): the message is appended again without
 *   the keywords the folder does not hold yet, and the folder takes no new keywords from then on.
 */
import { AppendStopped, type AppendItem, type AppendOutcome, type DestinationWriter } from './destination-writer.js';
import { sampleStored } from '../report/destination-readback.js';
import { MailferryError } from '../errors/errors.js';
import { permanentFlagsOf, type MessageMeta } from '../plan/folder-scan.js';
import { keeps } from '../plan/keywords.js';
import { facts, ref, type FolderWork } from '../plan/mailbox-plan.js';
import type { MailboxContext } from '../run/mailbox-context.js';
import { contentFingerprint } from '../plan/message-identity.js';
import { onSide } from '../errors/side-errors.js';

export type Batch = Array<{ meta: MessageMeta; item: AppendItem }>;

/** Connection deaths without a reply, per unit, that switch it to one message at a time. */
const DEATHS_BEFORE_SINGLES = 2;
/** A message whose own APPEND killed the connection this often is failed instead of sent again. */
const DEATHS_PER_MESSAGE = 2;
const DIED = new Set(['CONNECTION_LOST', 'CONNECTION_STALLED', 'TIMEOUT']);
const KEYWORD_LIMIT = /too many user flags/i;
/** Folders whose keyword limit was already noted in the report. */
const limited = new WeakSet<FolderWork>();

/** What one unit learnt from batches that killed the destination connection; kept across its attempts. */
export class AppendGuard {
  #deaths = 0;
  readonly #killers = new Map<string, number>();
  readonly #whole = new Set<string>();

  /** Send one message per command from now on. */
  get singles(): boolean {
    return this.#deaths >= DEATHS_BEFORE_SINGLES;
  }

  /** The connection died with these messages in flight; one alone is a suspect. */
  died(inFlight: string[]): void {
    this.#deaths++;
    if (inFlight.length === 1) this.#killers.set(inFlight[0]!, (this.#killers.get(inFlight[0]!) ?? 0) + 1);
  }

  /** A streamed message did not match its announced size: it goes whole from now on (large-message.ts). */
  streamFailed(key: string): void {
    this.#whole.add(key);
  }

  whole(key: string): boolean {
    return this.#whole.has(key);
  }

  /** How often this message's own APPEND killed the connection. */
  kills(key: string): number {
    return this.#killers.get(key) ?? 0;
  }
}

export async function appendBatch(ctx: MailboxContext, work: FolderWork, writer: DestinationWriter, batch: Batch, guard: AppendGuard): Promise<void> {
  const { source, target } = work.mapping;
  const key = (b: Batch[number]) => `${source}\u0000${b.meta.uid}`;
  const culprits = batch.filter((b) => guard.kills(key(b)) >= DEATHS_PER_MESSAGE);
  if (culprits.length > 0) {
    const reason = `The destination server closed the connection each time this message was sent (${DEATHS_PER_MESSAGE} times), without an answer.`;
    record(ctx, work, culprits, culprits.map(() => ({ ok: false, error: { code: 'MESSAGE_REFUSED', message: reason, hint: 'The message is listed in the report; the others are copied.', retryable: false } })));
  }
  const send = batch.filter((b) => !culprits.includes(b));
  if (send.length === 0) return;
  ctx.ledger.recordIntents(send.map(({ meta, item }) => ({ ref: ref(ctx, source, work.status, meta.uid), facts: facts(target, meta), fingerprint: contentFingerprint(item.raw) })));
  for (const part of guard.singles ? send.map((b) => [b]) : [send]) {
    let outcomes: Array<AppendOutcome | undefined>;
    try {
      outcomes = [...(await writer.append(target, part.map((b) => b.item)))];
    } catch (err) {
      // Stopped mid-batch (destination full, connection lost): what was answered is recorded before stopping.
      const known = err instanceof AppendStopped ? [...err.outcomes] : [];
      record(ctx, work, part, known);
      if (err instanceof MailferryError && DIED.has(err.code)) guard.died(part.filter((_, i) => !known[i]).map(key));
      throw err;
    }
    ctx.throttle.succeeded();
    await withinKeywordLimit(ctx, work, writer, part, outcomes);
    record(ctx, work, part, outcomes);
  }
}

/**
 * Messages the folder refused for its keyword limit go again without the keywords it does not hold yet
 * (and, should that still be refused, with no keyword at all): never the message is lost for a keyword.
 */
async function withinKeywordLimit(ctx: MailboxContext, work: FolderWork, writer: DestinationWriter, part: Batch, outcomes: Array<AppendOutcome | undefined>): Promise<void> {
  const refused = (i: number) => {
    const o = outcomes[i];
    return !!o && !o.ok && KEYWORD_LIMIT.test(`${o.error.message} ${String(o.error.details?.['serverResponse'] ?? '')}`);
  };
  if (!part.some((_, i) => refused(i))) return;
  const held = await ctx.destination.use((dst) => onSide(ctx.job, 'destination', () => permanentFlagsOf(dst, work.mapping.target)), ctx.signal);
  // The folder is full: only the keywords it already holds from now on (\* would let new ones through).
  work.permanentFlags = (held ?? []).filter((f) => f !== '\\*');
  const kept = work.permanentFlags.filter((f) => !f.startsWith('\\')).length;
  if (!limited.has(work)) ctx.notes.push(
    `"${work.mapping.target}" on the destination holds at most ${kept} keywords (the server answered "Too many user flags in mailbox"): ` +
      'messages are copied there without the keywords past that limit.',
  );
  limited.add(work);
  for (const strip of [(f: string) => keeps(work.permanentFlags, f), (f: string) => f.startsWith('\\')]) {
    const again = part.flatMap((b, i) => (refused(i) ? [i] : []));
    if (again.length === 0) return;
    const retry = await writer.append(work.mapping.target, again.map((i) => ({ ...part[i]!.item, flags: part[i]!.item.flags.filter(strip) })));
    again.forEach((i, k) => (outcomes[i] = retry[k]));
  }
}

/** Records each answered APPEND: done with its destination UID, or failed with the reason. */
function record(ctx: MailboxContext, work: FolderWork, batch: Batch, outcomes: ReadonlyArray<AppendOutcome | undefined>): void {
  // One commit per batch (measured: a commit per message cost ~1.8 s of 13 s CPU on 10,000 messages).
  ctx.ledger.together(() => outcomes.forEach((o, i) => {
    if (!o) return;
    const { meta, item } = batch[i]!;
    recordOutcome(ctx, work, meta, o, { size: item.raw.length, head: item.raw, raw: item.raw });
  }));
}

/**
 * Records one answered APPEND (or destination COPY): done with its destination UID, or failed with the
 * reason. `head` holds at least the message's header (for the subject a failure is listed with); `raw`, the
 * whole message when it was held, lets a few stored copies be read back and compared after the run.
 */
export function recordOutcome(ctx: MailboxContext, work: FolderWork, meta: MessageMeta, o: AppendOutcome, body: { size: number; head: Buffer; raw?: Buffer }): void {
  const { source, target } = work.mapping;
  const r = ref(ctx, source, work.status, meta.uid);
  if (o.ok) {
    ctx.ledger.markDone(r, o.uidValidity ?? null, o.uid ?? null);
    ctx.tracker.count(source, 'copied', 1, body.size);
    if (body.raw) sampleStored(ctx, target, o, body.raw); // a few copies are read back after the run (destination-readback.ts)
    return;
  }
  ctx.ledger.markFailed(r, facts(target, meta), `${o.error.code}: ${o.error.message}`);
  const failure = {
    folder: source, target, uid: meta.uid, size: meta.size, date: meta.internalDate.toISOString(),
    subject: subjectOf(body.head), code: o.error.code, reason: o.error.message,
  };
  // A message is listed and counted once, with its last reason.
  const known = ctx.failures.findIndex((f) => f.folder === source && f.uid === meta.uid);
  if (known >= 0) ctx.failures[known] = failure;
  else {
    ctx.failures.push(failure);
    ctx.tracker.count(source, 'failed');
  }
}

function subjectOf(raw: Buffer): string {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const m = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(end >= 0 ? head.slice(0, end) : head);
  return (m?.[1] ?? '').replace(/\r?\n[ \t]+/g, ' ').slice(0, 200);
}
