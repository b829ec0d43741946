/**
 * The ledger, reports and logs hold a client's addresses, folder names, Message-IDs and subjects: only the
 * user may read them. Folders are made 0700 and files 0600 on macOS and Linux (an existing folder is
 * tightened, with a note); on Windows the profile's per-user ACL already does this.
 */
import fs from 'node:fs';
import path from 'node:path';

const POSIX = process.platform !== 'win32';

/** Creates `dir` (and missing parents) private, or tightens it. Returns a note when it was readable by others. */
export function privateDir(dir: string): string | undefined {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    // Node's recursive mkdir answers ENOENT on a read-only file system: ask again without it for the real reason.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync(path.dirname(dir))) throw err;
    fs.mkdirSync(dir, { mode: 0o700 });
  }
  if (!POSIX) return undefined;
  const mode = fs.statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  fs.chmodSync(dir, mode & 0o700);
  return `The folder ${dir} was readable by other accounts on this computer (mode ${mode.toString(8)}); it is now private to you (700), as it holds records of the client's mail.`;
}

/** Makes an existing file private, or creates it empty and private. */
export function privateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  if (POSIX && (fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
}

/** Writes a report or log file that only this user can read (also when it already existed with a wider mode). */
export function writePrivateFile(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  privateFile(file);
  fs.writeFileSync(file, data);
}
