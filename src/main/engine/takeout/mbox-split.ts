/**
 * Splits an mbox byte stream into its messages, holding one message at a time (never the file): tens of GB
 * stream through in flat memory.
 *
 * Google Takeout writes mboxrd (a body line "From ..." is stored as ">From ...", so an unquoted "From " line
 * is always a separator). A message starts at a "From " line at the start of the file or after an empty
 * line; the empty line belongs to the separator (mbox-message.ts removes it). Lines may end in CRLF
 * (Takeout) or LF (other writers).
 *
 * A damaged file is refused with where: a file that does not start with "From " is no mbox; a "message"
 * over MAX_MESSAGE_BYTES means the separators are gone; a file whose last line has no line ending was cut
 * short (every message in an mbox ends with one), and that last message is never handed out.
 */
import { MailferryError } from '../errors/errors.js';
import { takeoutDamaged } from './takeout-errors.js';

export interface MboxEntry {
  /** 1-based position in the file: stable for one file (not across exports). */
  ordinal: number;
  /** Byte offset of its "From " line in the mbox. */
  offset: number;
  /** The message as stored: its "From " line to the next message's, separator included. */
  bytes: Buffer;
}

/** Gmail takes messages up to about 50 MB; base64 and quoting cannot make one this big. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

const SEPARATOR = Buffer.from('\nFrom ');
const FROM = Buffer.from('From ');
const LF = 0x0a;
const CR = 0x0d;
/** Bytes kept from the previous chunk: a separator split across chunks, plus the empty line before it. */
const CARRY = SEPARATOR.length + 2;

/**
 * Yields the messages of an mbox read as a stream of chunks. `where` names the file in errors ("the
 * Takeout file x.mbox", "x.mbox in takeout.tgz").
 */
export async function* splitMbox(chunks: AsyncIterable<Buffer>, where: string, maxMessageBytes = MAX_MESSAGE_BYTES): AsyncGenerator<MboxEntry> {
  let parts: Buffer[] = [];
  let held = 0;
  let start = 0;
  let pos = 0;
  let ordinal = 0;
  let carry = Buffer.alloc(0);
  let checked = false;

  const source = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await source.next();
      } catch (err) {
        throw whileReading(err, ordinal + 1, start);
      }
      if (next.done) break;
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
      if (chunk.length === 0) continue;
      if (!checked && pos + chunk.length >= FROM.length) {
        if (!Buffer.concat([...parts, chunk]).subarray(0, FROM.length).equals(FROM)) throw notMbox(where);
        checked = true;
      }
      const hay = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const base = pos - carry.length;
      let used = 0;
      for (let i = hay.indexOf(SEPARATOR); i >= 0; i = hay.indexOf(SEPARATOR, i + 1)) {
        if (i + SEPARATOR.length <= carry.length) continue; // seen with the previous chunk already
        const emptyBefore = hay[i - 1] === LF || (hay[i - 1] === CR && hay[i - 2] === LF);
        if (!emptyBefore) continue;
        const nextStart = base + i + 1; // where the next message's "From " line starts
        const cut = nextStart - pos;
        let bytes: Buffer;
        if (cut >= used) {
          parts.push(chunk.subarray(used, cut));
          bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
          parts = [];
          used = cut;
        } else {
          // The separator began in the previous chunk: the next message's first bytes are already held.
          const all = Buffer.concat(parts);
          bytes = all.subarray(0, all.length + cut);
          parts = [Buffer.from(all.subarray(all.length + cut))];
        }
        yield { ordinal: ++ordinal, offset: start, bytes };
        start = nextStart;
        held = parts.reduce((n, p) => n + p.length, 0);
      }
      if (used < chunk.length) parts.push(chunk.subarray(used));
      held += chunk.length - used;
      if (held > maxMessageBytes) {
        throw takeoutDamaged(
          `${where} holds a message of over ${Math.round(maxMessageBytes / 1048576)} MB (message ${ordinal + 1}, from byte ${start}): its message separators are missing, so it is not a readable mbox`,
          { offset: start, message: ordinal + 1 },
        );
      }
      carry = Buffer.from(hay.subarray(Math.max(0, hay.length - CARRY)));
      pos += chunk.length;
    }
  } finally {
    await source.return?.(undefined); // a consumer that stops early closes the file (and the archive reader)
  }

  if (pos === 0) throw takeoutDamaged(`${where} is empty`, { offset: 0, message: 0 });
  if (!checked) throw notMbox(where);
  const last = Buffer.concat(parts);
  if (last[last.length - 1] !== LF) {
    throw takeoutDamaged(
      `${where} ends in the middle of message ${ordinal + 1} (which starts at byte ${start} of ${pos}): the file is incomplete, as after an interrupted download or copy`,
      { offset: start, message: ordinal + 1, size: pos },
    );
  }
  yield { ordinal: ++ordinal, offset: start, bytes: last };
}

/** A read failure below (a cut archive) says which message it interrupted: none of it is handed out. */
function whileReading(err: unknown, message: number, offset: number): unknown {
  if (!(err instanceof MailferryError) || err.code !== 'TAKEOUT_DAMAGED') return err;
  const info = err.toInfo();
  return new MailferryError(
    { ...info, message: `${info.message.replace(/\.$/, '')}, while reading message ${message} (which starts at byte ${offset} of the mbox).`, details: { ...info.details, message, offset } },
    { cause: err },
  );
}

function notMbox(where: string) {
  return takeoutDamaged(`${where} is not an mbox file (it does not start with a "From " line)`, { offset: 0, message: 0 });
}
