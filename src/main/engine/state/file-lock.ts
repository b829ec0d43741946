/**
 * An exclusive lock that the operating system holds for this process and releases when the process ends,
 * however it ends (exit, crash, kill -9, power cut): a dead run never blocks the next one.
 *
 * The lock is SQLite's own file lock on a tiny database (better-sqlite3 is already a dependency, ships
 * prebuilt for every platform, and is unpacked from the app's asar): POSIX fcntl locks on macOS and Linux,
 * LockFileEx on Windows, both released by the kernel with the process. SQLite also keeps two connections of
 * one process apart, so the desktop app, which runs several mailboxes in one process, is covered too.
 *
 * Who holds a lock is written next to it (FILE.json, mode 0600) for the refusal message; the lock itself
 * is what counts, so a stale holder file of a dead process is never believed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { privateDir, privateFile } from './private-files.js';

/** What a refusal tells the user about the run that holds the lock. No secrets. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  since: string;
  /** The command or program that holds it ("mailferry migrate /path/job.json", "Mailferry desktop app"). */
  by: string;
  stateDir: string;
  mailbox: string;
}

/** Long enough to step past another process's momentary probe, short enough to refuse "at once". */
const WAIT_MS = 300;

export class FileLock {
  readonly file: string;
  #db: Database.Database | undefined;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.#db = db;
  }

  /** Takes the lock, or says who holds it (null holder: held, but by a run that has not said who it is yet). */
  static tryAcquire(file: string, holder: LockHolder): { lock: FileLock } | { heldBy: LockHolder | null } {
    privateDir(path.dirname(file));
    privateFile(file);
    const db = new Database(file, { timeout: WAIT_MS });
    try {
      // Exclusive locking mode: the lock taken by BEGIN EXCLUSIVE stays until the connection closes.
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      db.close();
      if (isBusy(err)) return { heldBy: readHolder(file) };
      throw err;
    }
    writeHolder(file, holder);
    return { lock: new FileLock(file, db) };
  }

  /** Whether another connection holds the lock now, and who; never takes it for longer than a read. */
  static probe(file: string): { held: false } | { held: true; by: LockHolder | null } {
    if (!fs.existsSync(file)) return { held: false };
    const db = new Database(file, { timeout: 0, readonly: true, fileMustExist: true });
    try {
      db.exec('BEGIN');
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      db.exec('COMMIT');
      return { held: false };
    } catch (err) {
      if (isBusy(err)) return { held: true, by: readHolder(file) };
      throw err;
    } finally {
      db.close();
    }
  }

  /** Releases the lock (idempotent). The holder file goes first, so it never describes the next holder. */
  release(): void {
    if (!this.#db) return;
    fs.rmSync(holderFile(this.file), { force: true });
    this.#db.close();
    this.#db = undefined;
  }
}

/** The holder record for this process. */
export function thisProcess(by: string, stateDir: string, mailbox: string): LockHolder {
  return { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString(), by, stateDir, mailbox };
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function holderFile(lockFile: string): string {
  return `${lockFile}.json`;
}

function writeHolder(lockFile: string, holder: LockHolder): void {
  const file = holderFile(lockFile);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(holder), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function readHolder(lockFile: string): LockHolder | null {
  try {
    const h = JSON.parse(fs.readFileSync(holderFile(lockFile), 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.since === 'string' ? (h as LockHolder) : null;
  } catch {
    return null;
  }
}
