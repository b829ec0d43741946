/**
 * Large messages never held whole: the source serves them in pieces (partial FETCH BODY.PEEK[]<offset.n>,
 * one piece fetched ahead while the last is written), written as they come into one APPEND literal of the
 * size the source announced (RFC822.SIZE). Memory per message is two pieces, whatever its size.
 *
 * Exactly once: the ledger's intent (with the content fingerprint, hashed as the pieces pass) is recorded
 * just before the last piece goes out. Until then the literal is unfinished and the destination cannot
 * have stored anything; a run that dies earlier leaves nothing to reconcile.
 *
 * A message shorter or longer than announced cannot be streamed into a literal of that size: the literal
 * is abandoned with its connection (nothing stored) and the message goes whole on the next attempt.
 *
 * The same message under further labels is copied on the destination (UID COPY, RFC 4315) from the copy
 * just stored, not downloaded again; without a destination UID or with other flags it is streamed again.
 */
import type { ImapFlow } from 'imapflow';
import { MailferryError } from '../errors/errors.js';
import { copyFlags, keeps } from '../plan/keywords.js';
import { facts, ref, type FolderWork } from '../plan/mailbox-plan.js';
import { FingerprintStream } from '../plan/message-identity.js';
import type { MailboxContext } from '../run/mailbox-context.js';
import { onSide } from '../errors/side-errors.js';
import type { AppendGuard } from './append-batch.js';
import { recordOutcome } from './append-batch.js';
import type { CopyItem } from './copy-unit.js';
import type { FastWriter } from './imap-append/multi-writer.js';

/** Messages from this size on are streamed. Below it a message is fetched whole, in batches. */
export const STREAM_FROM_BYTES = 4 * 1024 * 1024;
/** Bytes per partial FETCH: a round trip per piece, two pieces in memory per streamed message. */
const PIECE_BYTES = 2 * 1024 * 1024;
/** The subject a failure is listed with comes from this much of the message's start. */
const HEAD_BYTES = 64 * 1024;

/** The source served more or fewer bytes than its RFC822.SIZE. */
export class SizeMismatch extends MailferryError {
  constructor(folder: string, uid: number, size: number, got: string) {
    super({
      code: 'INTERNAL', retryable: true,
      message: `Message ${uid} in "${folder}" is ${got} than the ${size} bytes the source announced; it is copied whole instead.`,
    });
  }
}

type Entry = CopyItem['entries'][number];

/** Copies one large item to every folder it belongs in. */
export async function copyLargeItem(ctx: MailboxContext, from: FolderWork, it: CopyItem, src: ImapFlow, writer: FastWriter, guard: AppendGuard): Promise<void> {
  const fetched = { folder: from.mapping.source, uid: it.uid };
  let stored: { target: string; uid: number; flags: string[]; fingerprint: string } | undefined;
  for (const e of it.entries) {
    const flags = copyFlags(e.meta, ctx.options.labelsAsKeywords).filter((f) => keeps(e.work.permanentFlags, f));
    if (stored && sameFlags(stored.flags, flags) && (await copyOnDestination(ctx, e, stored))) continue;
    const done = await streamEntry(ctx, e, fetched, flags, src, writer, guard);
    if (done && !stored) stored = { ...done, flags };
  }
}

/** One streamed APPEND. Returns where it was stored when the destination said (APPENDUID). */
async function streamEntry(
  ctx: MailboxContext, e: Entry, fetched: { folder: string; uid: number }, flags: string[], src: ImapFlow, writer: FastWriter, guard: AppendGuard,
): Promise<{ target: string; uid: number; fingerprint: string } | undefined> {
  const { source, target } = e.work.mapping;
  const r = ref(ctx, source, e.work.status, e.meta.uid);
  let sourceError: unknown;
  let fingerprint = '';
  let head: Buffer = Buffer.alloc(0);
  const pieces = async function* (): AsyncGenerator<Buffer> {
    try {
      for await (const piece of sourcePieces(ctx, src, fetched.folder, fetched.uid, e.meta.size, (fp) => {
        fingerprint = fp;
        ctx.ledger.recordIntents([{ ref: r, facts: facts(target, e.meta), fingerprint: fp }]);
      })) {
        if (head.length === 0) head = Buffer.from(piece.subarray(0, HEAD_BYTES));
        yield piece;
      }
    } catch (err) {
      sourceError = err;
      throw err;
    }
  };
  let outcome;
  try {
    outcome = await writer.appendStream(target, { size: e.meta.size, stream: pieces(), flags, internalDate: e.meta.internalDate });
  } catch (err) {
    if (sourceError instanceof SizeMismatch) guard.streamFailed(`${fetched.folder}\u0000${fetched.uid}`);
    throw sourceError ?? err;
  }
  ctx.throttle.succeeded();
  // Refused before any byte went (too big for the server): the failure is still listed with its subject.
  if (!outcome.ok && head.length === 0) head = await subjectHeader(ctx, src, fetched.uid);
  recordOutcome(ctx, e.work, e.meta, outcome, { size: e.meta.size, head });
  return outcome.ok && outcome.uid ? { target, uid: outcome.uid, fingerprint } : undefined;
}

async function subjectHeader(ctx: MailboxContext, src: ImapFlow, uid: number): Promise<Buffer> {
  const msg = await onSide(ctx.job, 'source', () => src.fetchOne(String(uid), { headers: ['subject'] }, { uid: true }));
  return (msg && msg.headers) || Buffer.alloc(0);
}

/**
 * The message's bytes, piece by piece, validated against `size`: the last request asks one byte more, so a
 * longer message shows. `beforeLast` gets the content fingerprint before the last piece is handed out.
 */
async function* sourcePieces(
  ctx: MailboxContext, src: ImapFlow, folder: string, uid: number, size: number, beforeLast: (fingerprint: string) => void,
): AsyncGenerator<Buffer> {
  const fp = new FingerprintStream();
  const fetchPiece = async (start: number): Promise<{ data: Buffer; held: number }> => {
    const want = Math.min(PIECE_BYTES, size - start);
    const ask = start + want >= size ? want + 1 : want;
    await ctx.budget.acquire(ask, ctx.signal);
    try {
      const msg = await onSide(ctx.job, 'source', () => src.fetchOne(String(uid), { source: { start, maxLength: ask } }, { uid: true }));
      const data = (msg && msg.source) || Buffer.alloc(0);
      if (data.length > want) throw new SizeMismatch(folder, uid, size, 'longer');
      if (data.length < want) throw new SizeMismatch(folder, uid, size, 'shorter');
      await ctx.bandwidth.take(data.length, ctx.signal);
      return { data, held: ask };
    } catch (err) {
      ctx.budget.release(ask);
      throw err;
    }
  };
  let offset = 0;
  let next: Promise<{ data: Buffer; held: number }> | undefined = fetchPiece(0);
  try {
    while (next) {
      const piece = await next;
      next = undefined;
      offset += piece.data.length;
      fp.update(piece.data);
      if (offset < size) {
        next = fetchPiece(offset);
        next.catch(() => {}); // observed at the next turn (or in finally when the consumer stops first)
      } else {
        beforeLast(fp.digest());
      }
      try {
        yield piece.data;
      } finally {
        ctx.budget.release(piece.held);
      }
    }
  } finally {
    if (next) await next.then((p) => ctx.budget.release(p.held), () => {});
  }
}

/**
 * UID COPY on the destination from the copy just stored into this entry's folder. False when the server
 * refused (the entry is then streamed); a lost connection throws, leaving the entry in doubt for the ledger.
 */
async function copyOnDestination(ctx: MailboxContext, e: Entry, stored: { target: string; uid: number; fingerprint: string }): Promise<boolean> {
  const { source, target } = e.work.mapping;
  const r = ref(ctx, source, e.work.status, e.meta.uid);
  ctx.ledger.recordIntents([{ ref: r, facts: facts(target, e.meta), fingerprint: stored.fingerprint }]);
  const copied = await ctx.destination.use((dst) => onSide(ctx.job, 'destination', async () => {
    if (!dst.capabilities.has('UIDPLUS')) return false;
    const lock = await dst.getMailboxLock(stored.target);
    try {
      const res = await dst.messageCopy(String(stored.uid), target, { uid: true });
      // imapflow answers false for a refusal and for a lost connection alike: only the first may be retried another way.
      if (!res && !dst.usable) throw new MailferryError({ code: 'CONNECTION_LOST', message: 'The destination connection was lost during COPY.', retryable: true });
      return res;
    } finally {
      lock.release();
    }
  }), ctx.signal);
  if (!copied) return false;
  const uid = copied.uidMap?.get(stored.uid);
  recordOutcome(ctx, e.work, e.meta, uid ? { ok: true, uid, uidValidity: Number(copied.uidValidity) } : { ok: true }, { size: e.meta.size, head: Buffer.alloc(0) });
  return true;
}

function sameFlags(a: string[], b: string[]): boolean {
  const key = (l: string[]) => l.map((f) => f.toLowerCase()).sort().join(' ');
  return key(a) === key(b);
}
