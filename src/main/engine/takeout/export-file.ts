/**
 * A Google Takeout export on disk: the .mbox itself, or the .tgz or .zip Takeout delivered it in, read as a
 * stream of the mbox's bytes. Nothing is unpacked to disk and no file is read whole.
 *
 * - .tgz: node:zlib's gunzip and tar-stream's extract, piped: back-pressure all the way, an entry of any
 *   size (tar-stream reads the pax and base-256 size fields a tar needs for files over 8 GiB, which a
 *   Takeout mbox often is). A cut file fails in gunzip (no trailer) or in the tar reader (entry too short).
 * - .zip: yauzl, which reads the central directory at the end of the file lazily (random access, no
 *   scan of the data) with ZIP64 for files over 4 GiB, then inflates the one entry as a stream and checks
 *   its size. A cut zip has no central directory: refused before anything is read.
 * The archive must hold exactly one .mbox (Takeout's "All mail Including Spam and Trash.mbox").
 *
 * The identity of a file (ledger UIDVALIDITY of its messages) is its size and a hash of its first and last
 * MiB: the same file keeps it wherever it is copied, a cut or different file does not.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { MailferryError } from '../errors/errors.js';
import { takeoutDamaged } from './takeout-errors.js';

export type ExportKind = 'mbox' | 'tgz' | 'zip';

export interface ExportFile {
  path: string;
  kind: ExportKind;
  size: number;
  /** 1 to 2^31-1, stable for the same bytes. */
  identity: number;
}

const CHUNK = 256 * 1024;
const EDGE = 1024 * 1024;
const FILE_HINT = 'Point "source.takeout" in the job file at the .mbox, .tgz or .zip file Takeout delivered, and check that it can be read.';
const EXPORT_HINT = 'At takeout.google.com, choose Mail with "All Mail data included" (one .mbox), as .tgz or .zip, and point "source.takeout" at that file.';
const isMbox = (name: string) => /\.mbox$/i.test(name) && !name.endsWith('/');

/** Reads what kind of export the file is and its identity; refuses anything else with what it is not. */
export async function openExport(path: string): Promise<ExportFile> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw takeoutDamaged(`The Takeout file ${path} cannot be read (${err.code ?? err.message})`, { file: path }, FILE_HINT);
  });
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(EDGE, size));
    await fh.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(EDGE, size));
    await fh.read(tail, 0, tail.length, size - tail.length);
    const hash = createHash('sha256').update(`${size}\n`).update(head).update(tail).digest();
    const identity = hash.readUInt32BE(0) >>> 1 || 1;
    const kind: ExportKind | undefined =
      head[0] === 0x1f && head[1] === 0x8b ? 'tgz' : head.subarray(0, 4).toString('latin1') === 'PK\x03\x04' ? 'zip' : head.subarray(0, 5).toString('latin1') === 'From ' ? 'mbox' : undefined;
    if (!kind) {
      throw takeoutDamaged(`${path} is not a Google Takeout export: neither an .mbox file nor the .tgz or .zip Takeout delivers (${size === 0 ? 'it is empty' : 'its first bytes say otherwise'})`, { file: path }, FILE_HINT);
    }
    return { path, kind, size, identity };
  } finally {
    await fh.close();
  }
}

/** How the export's mbox is named in messages: "x.mbox", or "All mail.mbox in takeout-001.tgz". */
export interface MboxStream {
  where: string;
  chunks: AsyncGenerator<Buffer>;
}

/** The mbox's bytes as a stream; errors are TAKEOUT_DAMAGED naming the file and the byte. */
export async function readMbox(file: ExportFile): Promise<MboxStream> {
  if (file.kind === 'mbox') return { where: `The Takeout file ${file.path}`, chunks: plain(file) };
  if (file.kind === 'zip') return zipMbox(file);
  return { where: `The mbox in ${file.path}`, chunks: tgzMbox(file) };
}

async function* plain(file: ExportFile): AsyncGenerator<Buffer> {
  try {
    for await (const c of createReadStream(file.path, { highWaterMark: CHUNK })) yield c as Buffer;
  } catch (err) {
    throw unreadable(file, err, undefined);
  }
}

async function* tgzMbox(file: ExportFile): AsyncGenerator<Buffer> {
  let read = 0;
  const input = createReadStream(file.path, { highWaterMark: CHUNK }).on('data', (c) => (read += c.length));
  const extract = tar.extract();
  // Inflated in chunks as big as the file's (zlib's default is 16 KiB): fewer, larger pieces to search.
  const piping = pipeline(input, createGunzip({ chunkSize: CHUNK }), extract).then(() => undefined, (err: unknown) => err);
  let found: string | undefined;
  try {
    for await (const entry of extract) {
      if (entry.header.type !== 'file' || !isMbox(entry.header.name)) {
        entry.resume(); // Takeout's other files (archive_browser.html, settings): skipped unread
        continue;
      }
      if (found) throw moreThanOne(file, [found, entry.header.name]);
      found = entry.header.name;
      for await (const c of entry) yield c as Buffer;
    }
    const failed = await piping;
    if (failed) throw failed;
  } catch (err) {
    throw unreadable(file, err, read);
  } finally {
    input.destroy();
  }
  if (!found) throw noMbox(file);
}

async function zipMbox(file: ExportFile): Promise<MboxStream> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file.path, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  } catch (err) {
    throw takeoutDamaged(
      `${file.path} is incomplete or damaged: its table of contents, at the end of a zip file, cannot be read (${(err as Error).message}); the download was probably cut short`,
      { file: file.path, size: file.size },
    );
  }
  const entries: yauzl.Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      if (isMbox(e.fileName)) entries.push(e);
      zip.readEntry();
    });
    zip.once('end', resolve);
    zip.once('error', reject);
    zip.readEntry();
  }).catch((err: unknown) => {
    zip.close();
    throw unreadable(file, err, undefined);
  });
  if (entries.length !== 1) {
    zip.close();
    throw entries.length === 0 ? noMbox(file) : moreThanOne(file, entries.map((e) => e.fileName));
  }
  const entry = entries[0]!;
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const c of await zip.openReadStreamPromise(entry)) yield c as Buffer;
    } catch (err) {
      throw unreadable(file, err, undefined);
    } finally {
      zip.close();
    }
  }
  return { where: `${basename(entry.fileName)} in ${file.path}`, chunks: chunks() };
}

/** A read, inflate or tar failure, in the user's words. */
function unreadable(file: ExportFile, err: unknown, compressedRead: number | undefined): unknown {
  if (err instanceof MailferryError) return err;
  const e = err as NodeJS.ErrnoException;
  const cut = e.code === 'Z_BUF_ERROR' || /unexpected end|premature close|too few bytes|end of data/i.test(e.message ?? '');
  const at = compressedRead !== undefined ? ` at byte ${compressedRead} of ${file.size}` : '';
  const what = cut
    ? `${file.path} is incomplete: it ends${at} before the export does (${e.message}), as after an interrupted download or copy`
    : e.code && /^E[A-Z]+$/.test(e.code)
      ? `${file.path} cannot be read (${e.code})`
      : `${file.path} is damaged${at} (${e.message})`;
  return takeoutDamaged(what, { file: file.path, size: file.size, ...(compressedRead !== undefined ? { offset: compressedRead } : {}) });
}

function noMbox(file: ExportFile): MailferryError {
  return takeoutDamaged(`${file.path} holds no .mbox file: it is not a Takeout export of Gmail`, { file: file.path }, EXPORT_HINT);
}

function moreThanOne(file: ExportFile, names: string[]): MailferryError {
  return takeoutDamaged(
    `${file.path} holds more than one .mbox file (${names.slice(0, 3).join(', ')}): Mailferry imports one export of all of Gmail, not label by label`,
    { file: file.path },
    EXPORT_HINT,
  );
}
