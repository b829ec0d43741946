/**
 * A Google Takeout export of a test corpus, as Takeout writes it (mboxrd, CRLF lines):
 *
 *   From 1655321234567890123@xxx Wed Jan 08 20:41:08 +0000 2020      <- the message's internal date
 *   X-GM-THRID: 1655321234567890000
 *   X-Gmail-Labels: Inbox,Opened,Category Updates,Work/Projects
 *   <the message, a body line "From ..." written ">From ...", ">From" as ">>From">
 *   <empty line>
 *
 * Placements become Takeout's label names (INBOX "Inbox", sent "Sent", drafts "Drafts", trash "Trash",
 * spam "Spam", archived "Archived", user labels as they are, a name holding a comma in quotes, some
 * non-ASCII ones as encoded words); \Seen "Opened" (else "Unread"), \Flagged "Starred", $Important
 * "Important"; Gmail's tabs ("Category ...") on some; an archived message marked Important only.
 * Packed as the .mbox itself, a .tgz or a .zip (Takeout/Mail/All mail Including Spam and Trash.mbox).
 *
 * prepareTakeoutCorpus gives a corpus the cases an export must get right (messages without a final line
 * ending, body lines starting with "From " and ">From "), the same for the IMAP seed and the export;
 * takeoutView is what an import of it must leave on the destination (expectedDestination's input).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';
import { encodeWords, type CorpusMessage } from './corpus.js';

export const MBOX_NAME = 'Takeout/Mail/All mail Including Spam and Trash.mbox';
const SYSTEM: Record<string, string> = { sent: 'Sent', drafts: 'Drafts', trash: 'Trash', spam: 'Spam', archived: 'Archived' };
const TABS = ['Category Updates', 'Category Promotions', 'Category Social', 'Category Forums'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const CRLF = '\r\n';

const hashOf = (raw: Buffer) => createHash('sha256').update(raw).digest();

/**
 * The corpus with the export's hard cases, chosen by content (byte-identical twins stay twins): about one
 * message in 13 loses its final CRLF, one in 11 gets body lines "From ..." and ">From ..." (mboxrd quoting),
 * one in 29 of the labelled ones also the label "Clients, old" (quoted by Takeout).
 */
export function prepareTakeoutCorpus(corpus: readonly CorpusMessage[]): CorpusMessage[] {
  return corpus.map((m) => {
    if (m.tags.includes('empty-body')) return m;
    const h = hashOf(m.raw);
    const tags: string[] = [];
    let raw = m.raw;
    let placement = m.placement;
    if (h[1]! % 11 === 1) {
      raw = Buffer.concat([raw, Buffer.from(`From the desk of ${m.index}: a line mbox must quote${CRLF}>From an old quote${CRLF}>>From deeper${CRLF}`)]);
      tags.push('from-lines');
    }
    if (h[0]! % 13 === 0) {
      raw = raw.subarray(0, raw.length - 2);
      tags.push('no-final-crlf');
    }
    if (!m.placement.system && h[2]! % 29 === 3) {
      placement = { labels: [...m.placement.labels, 'Clients, old'] }; // Takeout quotes a label holding a comma
      tags.push('comma-label');
    }
    return tags.length === 0 ? m : { ...m, raw, placement, tags: [...m.tags, ...tags] };
  });
}

/** What an import of these messages leaves on the destination: a final CRLF always, read/starred/draft only. */
export function takeoutView(corpus: readonly CorpusMessage[]): CorpusMessage[] {
  return corpus.map((m) => ({
    ...m,
    raw: m.raw.subarray(m.raw.length - 2).toString('latin1') === CRLF ? m.raw : Buffer.concat([m.raw, Buffer.from(CRLF)]),
    flags: m.flags.filter((f) => ['\\Seen', '\\Flagged'].includes(f)).concat(m.placement.system === 'drafts' ? ['\\Draft'] : []),
  }));
}

/** Takeout's X-Gmail-Labels names for a corpus message. */
export function takeoutLabels(m: CorpusMessage): string[] {
  const names = m.placement.labels.map((l) => (l === 'INBOX' ? 'Inbox' : l));
  if (m.placement.system) names.push(SYSTEM[m.placement.system]!);
  if (m.flags.includes('$Important') || (m.placement.system === 'archived' && m.index % 4 === 0)) names.push('Important');
  if (m.flags.includes('\\Flagged')) names.push('Starred');
  names.push(m.flags.includes('\\Seen') ? 'Opened' : 'Unread');
  if (m.placement.labels.includes('INBOX') || m.placement.system === 'archived') names.push(TABS[m.index % TABS.length]!);
  return names;
}

/** One message as Takeout writes it into the mbox, with these Takeout label names. */
export function mboxEntry(m: Pick<CorpusMessage, 'index' | 'internalDate' | 'raw'>, labelNames: string[]): Buffer {
  const d = m.internalDate;
  const p = (n: number) => String(n).padStart(2, '0');
  const from = `From ${1_600_000_000_000_000_000n + BigInt(m.index)}@xxx ${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 ${d.getUTCFullYear()}`;
  const labels = labelNames.map((l) => (l.includes(',') ? `"${l}"` : /[^\x20-\x7e]/.test(l) && m.index % 2 === 0 ? encodeWords(l, 'Q').join(' ') : l));
  const quoted = m.raw.toString('latin1').replace(/^(>*From )/gm, '>$1');
  const ending = quoted.endsWith(CRLF) ? '' : CRLF; // an mbox line always ends: the final CRLF it could not keep
  return Buffer.concat([
    Buffer.from(`${from}${CRLF}X-GM-THRID: ${1_600_000_000_000_000_000n + BigInt(m.index % 50)}${CRLF}X-Gmail-Labels: ${labels.join(',')}${CRLF}`, 'utf8'),
    Buffer.from(quoted + ending + CRLF, 'latin1'),
  ]);
}

/** A chat transcript as Takeout stores it: a message labelled "Chat", which an import leaves out. */
export function chatEntry(index: number, internalDate: Date): Buffer {
  const raw = Buffer.from(`From: alice@example.com${CRLF}Subject: Chat with Bob${CRLF}Message-ID: <chat-${index}@example.com>${CRLF}${CRLF}hi${CRLF}`);
  return mboxEntry({ index, internalDate, raw }, ['Chat', 'Opened']);
}

/** Writes the export's mbox, streamed (a big corpus is never one buffer); `chats` transcripts go in the middle. */
export async function writeTakeoutMbox(file: string, messages: readonly CorpusMessage[], chats = 0): Promise<number> {
  const out = createWriteStream(file);
  const at = Math.floor(messages.length / 2);
  for (let i = 0; i < messages.length; i++) {
    if (i === at) for (let c = 0; c < chats; c++) if (!out.write(chatEntry(900_000 + c, messages[i]!.internalDate))) await once(out, 'drain');
    if (!out.write(mboxEntry(messages[i]!, takeoutLabels(messages[i]!)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return (await stat(file)).size;
}

/** The mbox packed as Takeout's .tgz, next to a file Takeout also puts in the archive. */
export async function packTgz(mboxFile: string, outFile: string, level = 6): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip({ level }), createWriteStream(outFile));
  pack.entry({ name: 'Takeout/archive_browser.html' }, '<html>Takeout</html>');
  const { size } = await stat(mboxFile);
  const entry = pack.entry({ name: MBOX_NAME, size });
  await pipeline(createReadStream(mboxFile), entry);
  pack.finalize();
  await done;
}

/** The mbox packed as Takeout's .zip. */
export async function packZip(mboxFile: string, outFile: string): Promise<void> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from('<html>Takeout</html>'), 'Takeout/archive_browser.html');
  zip.addReadStream(createReadStream(mboxFile), MBOX_NAME);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(outFile));
}
