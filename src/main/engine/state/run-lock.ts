/**
 * One run per mailbox at a time. A run holds two locks for each mailbox it copies, both in the user's lock
 * folder (so nothing is written into a state folder before the run has signed in):
 *   - one per state folder and mailbox id: two runs of the same job (a cron job and a manual run, a double
 *     click) would both write the same ledger rows;
 *   - one per destination account (host, port, user): two jobs with different state folders (a second job
 *     file, the app and a scripted CLI run) would each copy every message.
 * A second run is refused before it connects, with who holds the mailbox. The locks are kernel locks
 * (file-lock.ts), so a run that died never blocks the next one.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MailferryError, type ErrorInfo } from '../errors/errors.js';
import { FileLock, thisProcess, type LockHolder } from './file-lock.js';
import type { Endpoint, MailboxJob } from '../job/job.js';

/**
 * The per-user lock folder, the same for every program of this user (the app, a terminal, cron): built
 * from the home folder only, because session variables (XDG_RUNTIME_DIR...) differ between them.
 * MAILFERRY_LOCK_DIR overrides it (tests, or several users sharing one account on purpose).
 */
export function userLockDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform, home = os.homedir()): string {
  if (env['MAILFERRY_LOCK_DIR']) return path.resolve(env['MAILFERRY_LOCK_DIR']);
  if (platform === 'win32') return path.join(env['LOCALAPPDATA'] ?? path.join(home, 'AppData', 'Local'), 'Mailferry', 'locks');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Mailferry', 'locks');
  return path.join(home, '.local', 'state', 'mailferry', 'locks');
}

/** The lock files of one mailbox: its rows in this state folder, and its destination account. */
export function lockFiles(mb: MailboxJob, stateDir: string, lockDir = userLockDir()): { state: string; destination: string } {
  return {
    state: path.join(lockDir, `state-${digest(`${canonicalPath(stateDir)}\n${mb.id.normalize('NFC').toLowerCase()}`)}.lock`),
    destination: path.join(lockDir, `destination-${digest(accountKey(mb.destination))}.lock`),
  };
}

/** Host names and user names are compared without case: the same account spelled twice is one account. */
function accountKey(e: Endpoint): string {
  return `${e.host.trim().toLowerCase().replace(/\.$/, '')}:${e.port}:${e.user.trim().toLowerCase()}`;
}

/** One spelling per folder: symbolic links resolved where the folder exists already. */
function canonicalPath(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 24);
}

export class MailboxLock {
  readonly #locks: FileLock[];

  private constructor(locks: FileLock[]) {
    this.#locks = locks;
  }

  /**
   * Takes both locks of a mailbox or throws MAILBOX_IN_USE naming the holder. `by` says what this run is,
   * for a later refusal of someone else ("mailferry migrate job.json", "Mailferry desktop app").
   */
  static acquire(mb: MailboxJob, stateDir: string, by: string, lockDir = userLockDir()): MailboxLock {
    const files = lockFiles(mb, stateDir, lockDir);
    const holder = thisProcess(by, stateDir, mb.id);
    const taken: FileLock[] = [];
    try {
      for (const [what, file] of [['state', files.state], ['destination', files.destination]] as const) {
        const r = tryLock(file, lockDir, holder);
        if ('heldBy' in r) throw new MailferryError(inUse(mb, what, r.heldBy));
        taken.push(r.lock);
      }
    } catch (err) {
      for (const l of taken) l.release();
      throw err;
    }
    return new MailboxLock(taken);
  }

  release(): void {
    for (const l of this.#locks.reverse()) l.release();
  }
}

/** Who else holds this mailbox now (for the app, before it offers Start), or null when it is free. */
export function mailboxHolder(mb: MailboxJob, stateDir: string, lockDir = userLockDir()): ErrorInfo | null {
  const files = lockFiles(mb, stateDir, lockDir);
  for (const [what, file] of [['state', files.state], ['destination', files.destination]] as const) {
    const p = FileLock.probe(file);
    if (p.held) return inUse(mb, what, p.by);
  }
  return null;
}

/** Takes one lock; a lock folder that cannot hold it is reported like the ledger's own folder problems. */
function tryLock(file: string, dir: string, holder: LockHolder): ReturnType<typeof FileLock.tryAcquire> {
  try {
    return FileLock.tryAcquire(file, holder);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const code = errno === 'SQLITE_FULL' || errno === 'ENOSPC' ? 'the disk is full' : errno;
    throw new MailferryError(
      {
        code: 'STATE_DIR_UNWRITABLE',
        message: `The lock folder ${dir} cannot be written (${code}).`,
        hint: 'Fix its permissions and free disk space (or point MAILFERRY_LOCK_DIR at a writable folder), then run again.',
        retryable: false,
        details: { file },
      },
      { cause: err },
    );
  }
}

/** The refusal: what is held, by which process, since when, with which job or state folder. */
export function inUse(mb: MailboxJob, what: 'state' | 'destination', h: LockHolder | null): ErrorInfo {
  const d = mb.destination;
  const subject =
    what === 'state'
      ? `Mailbox ${mb.id} is in use by another Mailferry run`
      : `The destination account ${d.user} on ${d.host}:${d.port} is being written by another Mailferry run`;
  const who = h
    ? ` (${h.by}, process ${h.pid}${h.hostname !== os.hostname() ? ` on ${h.hostname}` : ''}, since ${h.since.replace('T', ' ').slice(0, 19)} UTC, state folder ${h.stateDir})`
    : ' (it is just starting)';
  return {
    code: 'MAILBOX_IN_USE',
    message: `${subject}${who}.`,
    hint: 'Wait for that run to finish, or stop it (Ctrl-C in its terminal, Pause in the app), then run again: two runs at once would copy every message twice.',
    retryable: false,
    details: { mailbox: mb.id, ...(h ? { holderPid: h.pid, holderSince: h.since, holder: h.by, holderStateDir: h.stateDir } : {}) },
  };
}
