import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MailferryError } from '../errors/errors.js';
import { LedgerHistory } from './history.js';
import { LATEST_VERSION, migrate } from './migrations.js';
import { privateDir, privateFile } from '../state/private-files.js';
import { prepare } from './statements.js';

export type MessageState = 'pending' | 'done' | 'present' | 'skipped' | 'failed';

export interface FolderCheckpoint {
  mailbox: string;
  sourcePath: string;
  uidValidity: number;
  uidNext: number;
  messages: number;
  targetPath: string | null;
  /** The source folder's HIGHESTMODSEQ when its flags were last brought over (CONDSTORE), as text. */
  modseq?: string | null;
}

/** A message on the destination as the ledger knows it, for bringing flag changes (and deletions) over. */
export interface CopyRow {
  uid: number;
  /** The source's flags as last brought to the copy (null: not known yet, from before flags were kept). */
  srcFlags: string[] | null;
  targetPath: string;
  destUidValidity: number;
  destUid: number;
}

/** Identity of one source message copy. */
export interface SourceRef {
  mailbox: string;
  sourcePath: string;
  uidValidity: number;
  uid: number;
}

export interface MessageFacts {
  targetPath: string | null;
  key: string;
  size: number;
  internalDate: number;
  /** The source's flags when copied or found (without \Recent), the base of later flag changes. */
  flags?: string[];
}

export interface RunRecord {
  mailbox: string;
  startedAt: number;
  finishedAt: number;
  state: string;
  copied: number;
  present: number;
  failed: number;
  bytes: number;
  errorCode?: string;
}


/**
 * The SQLite ledger: the one module that owns the state database. WAL mode, small transactions, never a
 * transaction held across network I/O. synchronous=NORMAL is enough: a lost last commit after power loss
 * leaves an APPEND unrecorded, and the destination index finds that message on the next run.
 */
export class Ledger {
  readonly file: string;
  /** Set when opening had to make the state folder private (it was readable by other accounts). */
  privacyNote: string | undefined;
  readonly #db: Database.Database;
  readonly #stmt: ReturnType<typeof prepare>;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.#db = db;
    this.#stmt = prepare(db);
  }

  /**
   * A ledger for a dry run: the real one when it exists (a dry run never writes to it), else an empty
   * in-memory one, so a dry run leaves no state folder behind.
   */
  static openForDryRun(stateDir: string): Ledger {
    const file = path.join(stateDir, 'mailferry.sqlite');
    if (fs.existsSync(file)) return Ledger.open(stateDir);
    const db = new Database(':memory:');
    migrate(db);
    return new Ledger(':memory:', db);
  }

  /** Opens (creating or migrating) the ledger in stateDir. Errors are MailferryErrors a user can act on. */
  static open(stateDir: string): Ledger {
    const file = path.join(stateDir, 'mailferry.sqlite');
    let privacyNote: string | undefined;
    try {
      privacyNote = privateDir(stateDir);
      fs.accessSync(stateDir, fs.constants.W_OK);
      // SQLite gives its -wal and -shm files the mode of the database file: 0600 for all three.
      for (const f of [file, `${file}-wal`, `${file}-shm`]) if (f === file || fs.existsSync(f)) privateFile(f);
    } catch (err) {
      throw new MailferryError(
        {
          code: 'STATE_DIR_UNWRITABLE',
          message: `The state folder ${stateDir} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
          hint: 'Choose a writable folder with --state, or fix its permissions and free disk space.',
          retryable: false,
          details: { stateDir },
        },
        { cause: err },
      );
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      const quick = db.pragma('quick_check', { simple: true });
      // The first finding is enough for the user; the full list goes to whoever restores the file.
      if (quick !== 'ok') throw new Error(`integrity check: ${String(quick).split('\n').find((l) => !l.startsWith('***')) ?? 'failed'}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > LATEST_VERSION) {
        db.close();
        throw new MailferryError({
          code: 'LEDGER_TOO_NEW',
          message: `The state file ${file} was written by a newer Mailferry (schema ${version}, this one knows ${LATEST_VERSION}).`,
          hint: 'Update Mailferry, or point --state at another folder (that would start a new ledger; the destination check still prevents duplicates).',
          retryable: false,
        });
      }
      migrate(db);
      const ledger = new Ledger(file, db);
      ledger.privacyNote = privacyNote;
      return ledger;
    } catch (err) {
      db?.open && db.close();
      if (err instanceof MailferryError) throw err;
      if (isStorageError(err)) throw unwritable(file, err);
      throw new MailferryError(
        {
          code: 'LEDGER_DAMAGED',
          message: `The state file ${file} is damaged (${(err as Error).message}).`,
          hint: 'Restore it from a backup, or move it aside and run again: the destination is checked message by message, so nothing is copied twice.',
          retryable: false,
        },
        { cause: err },
      );
    }
  }

  /** Runs a write; a full disk or lost permission becomes STATE_DIR_UNWRITABLE, not an unexpected error. */
  #write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (isStorageError(err)) throw unwritable(this.file, err);
      throw err;
    }
  }

  /** Several writes in one transaction: one commit for a batch's outcomes instead of one per message. */
  together<T>(fn: () => T): T {
    return this.#write(this.#db.transaction(fn));
  }

  #history: LedgerHistory | undefined;

  /** Where mailboxes go, verify's verdicts and the client report's reads (history.ts), on this database. */
  get history(): LedgerHistory {
    return (this.#history ??= new LedgerHistory(this.#db, (fn) => this.#write(fn)));
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  getFolder(mailbox: string, sourcePath: string): FolderCheckpoint | undefined {
    const r = this.#stmt.getFolder.get(mailbox, sourcePath) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    return {
      mailbox,
      sourcePath,
      uidValidity: r.uidvalidity as number,
      uidNext: r.uidnext as number,
      messages: r.messages as number,
      targetPath: (r.target_path as string | null) ?? null,
      modseq: (r.modseq as string | null) ?? null,
    };
  }

  /** Records the HIGHESTMODSEQ up to which the folder's flag changes are on the destination. */
  putModseq(mailbox: string, sourcePath: string, modseq: string | null): void {
    this.#write(() => this.#stmt.putModseq.run(modseq, Date.now(), mailbox, sourcePath));
  }

  /** The copies of a folder's messages on the destination (copied or found there, with a destination UID). */
  copies(mailbox: string, sourcePath: string, uidValidity: number): Map<number, CopyRow> {
    const rows = this.#stmt.copies.all(mailbox, sourcePath, uidValidity) as Array<Record<string, unknown>>;
    return new Map(rows.map((r) => [r.uid as number, {
      uid: r.uid as number,
      srcFlags: r.src_flags === null ? null : flagList(r.src_flags as string),
      targetPath: r.target_path as string,
      destUidValidity: r.dest_uidvalidity as number,
      destUid: r.dest_uid as number,
    }]));
  }

  /** The source flags now on the copies (after a flag change was brought over); one transaction. */
  setSrcFlags(mailbox: string, sourcePath: string, uidValidity: number, rows: Array<{ uid: number; flags: string[] }>): void {
    this.#write(this.#db.transaction(() => {
      for (const r of rows) this.#stmt.setSrcFlags.run(flagText(r.flags), mailbox, sourcePath, uidValidity, r.uid);
    }));
  }

  /** Forgets messages deleted on the source and on the destination (--delete-missing); one transaction. */
  forget(mailbox: string, sourcePath: string, uidValidity: number, uids: number[]): void {
    this.#write(this.#db.transaction(() => {
      for (const uid of uids) this.#stmt.forget.run(mailbox, sourcePath, uidValidity, uid);
    }));
  }

  putFolder(cp: FolderCheckpoint): void {
    this.#write(() => this.#stmt.putFolder.run(cp.mailbox, cp.sourcePath, cp.uidValidity, cp.uidNext, cp.messages, cp.targetPath, Date.now()));
  }

  /** UIDs the destination refused (state failed), for --retry-failed. */
  failedUids(mailbox: string, sourcePath: string, uidValidity: number): Set<number> {
    const rows = this.#stmt.failedUids.all(mailbox, sourcePath, uidValidity) as { uid: number }[];
    return new Set(rows.map((r) => r.uid));
  }

  /** UIDs that need nothing more (copied, found present, or deliberately skipped). */
  finishedUids(mailbox: string, sourcePath: string, uidValidity: number): Set<number> {
    const rows = this.#stmt.finishedUids.all(mailbox, sourcePath, uidValidity) as { uid: number }[];
    return new Set(rows.map((r) => r.uid));
  }

  /** How many messages need nothing more: finishedUids().size without building the set (a re-run's check). */
  countFinished(mailbox: string, sourcePath: string, uidValidity: number): number {
    return this.#stmt.countFinished.get(mailbox, sourcePath, uidValidity) as number;
  }

  /**
   * Messages whose APPEND was started but not confirmed (in doubt until reconciled), with the content
   * fingerprint of what was sent (null for rows of older versions).
   */
  pending(mailbox: string, sourcePath: string, uidValidity: number): Map<number, string | null> {
    const rows = this.#stmt.pending.all(mailbox, sourcePath, uidValidity) as { uid: number; fingerprint: string | null }[];
    return new Map(rows.map((r) => [r.uid, r.fingerprint]));
  }

  /** Drops in-doubt rows that reconciliation showed are not on the destination: they are plain to-do again. */
  forgetPending(mailbox: string, sourcePath: string, uidValidity: number, uids: number[]): void {
    this.#write(this.#db.transaction(() => {
      for (const uid of uids) this.#stmt.forgetPending.run(mailbox, sourcePath, uidValidity, uid);
    }));
  }

  /** Destination UIDs already claimed by some ledger row, so reconciliation never matches them twice. */
  claimedDestUids(mailbox: string, targetPath: string, destUidValidity: number): Set<number> {
    const rows = this.#stmt.claimed.all(mailbox, targetPath, destUidValidity) as { dest_uid: number }[];
    return new Set(rows.map((r) => r.dest_uid));
  }

  /** Records the intent to append a batch, just before its APPEND is sent; one transaction. */
  recordIntents(rows: Array<{ ref: SourceRef; facts: MessageFacts; fingerprint: string }>): void {
    const now = Date.now();
    this.#write(this.#db.transaction(() => {
      for (const { ref, facts, fingerprint } of rows) {
        this.#stmt.upsert.run(
          ref.mailbox, ref.sourcePath, ref.uidValidity, ref.uid, 'pending', facts.targetPath, facts.key, facts.size,
          facts.internalDate, fingerprint, null, null, null, now, flagText(facts.flags),
        );
      }
    }));
  }

  markDone(ref: SourceRef, destUidValidity: number | null, destUid: number | null): void {
    this.#write(() => this.#stmt.setDest.run('done', destUidValidity, destUid, null, Date.now(), ref.mailbox, ref.sourcePath, ref.uidValidity, ref.uid));
  }

  /** Many rows at once (found on the destination, or skipped); one transaction. */
  recordFinished(
    rows: Array<{ ref: SourceRef; facts: MessageFacts; state: 'present' | 'skipped'; destUidValidity?: number; destUid?: number; reason?: string }>,
  ): void {
    const now = Date.now();
    this.#write(this.#db.transaction(() => {
      for (const r of rows) {
        this.#stmt.upsert.run(
          r.ref.mailbox, r.ref.sourcePath, r.ref.uidValidity, r.ref.uid, r.state, r.facts.targetPath, r.facts.key,
          r.facts.size, r.facts.internalDate, null, r.destUidValidity ?? null, r.destUid ?? null, r.reason ?? null, now, flagText(r.facts.flags),
        );
      }
    }));
  }

  markFailed(ref: SourceRef, facts: MessageFacts, reason: string): void {
    this.#write(() => this.#stmt.upsert.run(
      ref.mailbox, ref.sourcePath, ref.uidValidity, ref.uid, 'failed', facts.targetPath, facts.key, facts.size,
      facts.internalDate, null, null, null, reason, Date.now(), flagText(facts.flags),
    ));
  }

  /** Appends one mailbox's outcome of a run to the history. */
  recordRun(r: RunRecord): void {
    this.#write(() => this.#stmt.insertRun.run(r.mailbox, r.startedAt, r.finishedAt, r.state, r.copied, r.present, r.failed, r.bytes, r.errorCode ?? null));
  }

  /**
   * Forgets rows of a folder under any other UIDVALIDITY: those UIDs mean nothing any more. Their destination
   * claims are released too, so the destination index re-matches those messages as "already there".
   */
  dropOtherUidValidities(mailbox: string, sourcePath: string, keep: number): number {
    return this.#write(() => this.#stmt.dropOther.run(mailbox, sourcePath, keep).changes);
  }
}

/** SQLite's "cannot write here" families: read-only, cannot open, disk full, I/O (e.g. SQLITE_IOERR_SHMSIZE). */
function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(READONLY|CANTOPEN|FULL|IOERR)/.test(code);
}

function unwritable(file: string, err: unknown): MailferryError {
  const code = (err as { code?: string }).code ?? 'error';
  return new MailferryError(
    {
      code: 'STATE_DIR_UNWRITABLE',
      message: `The state file ${file} cannot be written (${code === 'SQLITE_FULL' ? 'the disk is full' : code}).`,
      hint: 'Free disk space or fix the folder permissions, then run again; nothing was lost.',
      retryable: false,
    },
    { cause: err },
  );
}

/** Flags as one sorted, space-separated text (the order a server gives them in means nothing). */
function flagText(flags: readonly string[] | undefined): string | null {
  return flags ? [...new Set(flags.filter((f) => f.toLowerCase() !== '\\recent'))].sort().join(' ') : null;
}

function flagList(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}
