import type Database from 'better-sqlite3';

/** Where a mailbox is copied from or to, as the client report names it: never a secret, only who and where. */
export interface EndpointRecord {
  host: string;
  user: string;
  /** How it signs in ('password', 'oauth2', 'oauth2-app'): the report reminds to revoke app passwords. */
  auth: string;
}

export interface MailboxEndpoints {
  source: EndpointRecord;
  destination: EndpointRecord;
}

/** One folder of a verify: its counts, not the messages (the verify output lists those). */
export interface VerifiedFolder {
  source: string;
  target: string;
  /** Messages that should be on the destination. */
  expected: number;
  /** Messages the destination folder holds. */
  onDestination: number;
  missing: number;
  extra: number;
}

export interface VerificationRecord {
  mailbox: string;
  verifiedAt: number;
  complete: boolean;
  folders: VerifiedFolder[];
  /** What the destination changed in what it stored, in words (verify's change notes). */
  changes: string[];
}

export interface RunRow {
  startedAt: number;
  finishedAt: number;
  state: string;
  copied: number;
  present: number;
  failed: number;
  bytes: number;
  errorCode: string | null;
}

export interface FolderRow {
  sourcePath: string;
  targetPath: string | null;
  /** Messages in the source folder when it was last planned. */
  messages: number;
}

/** Message rows of one source folder counted by state; `onDestination` counts one per destination message. */
export interface FolderCounts {
  sourcePath: string;
  targetPath: string | null;
  onDestination: number;
  bytesOnDestination: number;
  /** done, present and skipped rows: nothing more to do for them. */
  finished: number;
  skipped: number;
  failed: number;
  pending: number;
  /** Rows with a known size (refused ones left out), for estimating the size of what is not recorded yet. */
  sized: number;
  sizedBytes: number;
}

export interface FailedRow {
  sourcePath: string;
  targetPath: string | null;
  uid: number;
  size: number | null;
  internalDate: number | null;
  reason: string | null;
}

type Write = <T>(fn: () => T) => T;

/**
 * What the ledger keeps beyond the copy itself, for the client report and verify: where each mailbox goes
 * (recorded when a run or a verify starts), verify's verdicts, and the report's reads over all runs.
 * Owned by Ledger (ledger.history), which hands it its database and its storage-error wrapper.
 */
export class LedgerHistory {
  readonly #stmt: ReturnType<typeof prepare>;
  readonly #write: Write;

  constructor(db: Database.Database, write: Write) {
    this.#stmt = prepare(db);
    this.#write = write;
  }

  /**
   * Records where a mailbox is copied from and to. Takes a job's mailbox as it is and picks host, user and
   * sign-in method only, so no password field or token can reach the ledger through here.
   */
  recordEndpoints(mb: { id: string; source: EndpointLike; destination: EndpointLike }): void {
    const s = pick(mb.source);
    const d = pick(mb.destination);
    this.#write(() => this.#stmt.putEndpoints.run(mb.id, s.host, s.user, s.auth, d.host, d.user, d.auth, Date.now()));
  }

  endpoints(mailbox: string): MailboxEndpoints | undefined {
    const r = this.#stmt.getEndpoints.get(mailbox) as Record<string, string> | undefined;
    if (!r) return undefined;
    return {
      source: { host: r.source_host!, user: r.source_user!, auth: r.source_auth! },
      destination: { host: r.destination_host!, user: r.destination_user!, auth: r.destination_auth! },
    };
  }

  recordVerification(v: VerificationRecord): void {
    this.#write(() => this.#stmt.insertVerification.run(v.mailbox, v.verifiedAt, v.complete ? 1 : 0, JSON.stringify(v.folders), JSON.stringify(v.changes)));
  }

  /** The mailbox's most recent verdict. */
  latestVerification(mailbox: string): VerificationRecord | undefined {
    const r = this.#stmt.latestVerification.get(mailbox) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    return { mailbox, verifiedAt: r.verified_at as number, complete: r.complete === 1, folders: JSON.parse(r.folders as string), changes: JSON.parse(r.changes as string) };
  }

  /** Every mailbox the ledger knows anything about, by name. */
  mailboxes(): string[] {
    return (this.#stmt.mailboxes.all() as { mailbox: string }[]).map((r) => r.mailbox);
  }

  runs(mailbox: string): RunRow[] {
    return (this.#stmt.runs.all(mailbox) as Array<Record<string, unknown>>).map((r) => ({
      startedAt: r.started_at as number,
      finishedAt: r.finished_at as number,
      state: r.state as string,
      copied: r.copied as number,
      present: r.present as number,
      failed: r.failed as number,
      bytes: r.bytes as number,
      errorCode: (r.error_code as string | null) ?? null,
    }));
  }

  /** The source folders with a checkpoint (planned at least once). */
  folders(mailbox: string): FolderRow[] {
    return (this.#stmt.folders.all(mailbox) as Array<Record<string, unknown>>).map((r) => ({
      sourcePath: r.source_path as string,
      targetPath: (r.target_path as string | null) ?? null,
      messages: r.messages as number,
    }));
  }

  /** Per source folder, its message rows by state (all runs together: rows are per message, not per run). */
  folderCounts(mailbox: string): FolderCounts[] {
    const out = new Map<string, FolderCounts>();
    for (const r of this.#stmt.counts.all(mailbox) as Array<Record<string, unknown>>) {
      const path = r.source_path as string;
      const c = out.get(path) ?? { sourcePath: path, targetPath: null, onDestination: 0, bytesOnDestination: 0, finished: 0, skipped: 0, failed: 0, pending: 0, sized: 0, sizedBytes: 0 };
      const [state, n, bytes] = [r.state as string, r.n as number, r.bytes as number];
      c.targetPath ??= (r.target_path as string | null) ?? null;
      // A done row is one APPEND even without APPENDUID; a present row counts when it claims a destination
      // message (the unique claim index makes that one row per destination message).
      if (state === 'done' || (state === 'present' && r.has_dest === 1)) {
        c.onDestination += n;
        c.bytesOnDestination += bytes;
      }
      if (state === 'done' || state === 'present' || state === 'skipped') c.finished += n;
      if (state === 'skipped') c.skipped += n;
      if (state === 'failed') c.failed += n;
      if (state === 'pending') c.pending += n;
      // Refused messages are often the outsized ones: they would skew the estimate of what is left.
      if (state !== 'failed') {
        c.sized += r.sized as number;
        c.sizedBytes += bytes;
      }
      out.set(path, c);
    }
    return [...out.values()];
  }

  /** Messages the destination refused (state failed), with the reason recorded, by folder and UID. */
  failures(mailbox: string): FailedRow[] {
    return (this.#stmt.failures.all(mailbox) as Array<Record<string, unknown>>).map((r) => ({
      sourcePath: r.source_path as string,
      targetPath: (r.target_path as string | null) ?? null,
      uid: r.uid as number,
      size: (r.size as number | null) ?? null,
      internalDate: (r.internal_date as number | null) ?? null,
      reason: (r.reason as string | null) ?? null,
    }));
  }
}

interface EndpointLike {
  host: string;
  user: string;
  auth?: string;
}

function pick(e: EndpointLike): EndpointRecord {
  return { host: e.host, user: e.user, auth: e.auth ?? 'password' };
}

function prepare(db: Database.Database) {
  return {
    putEndpoints: db.prepare(
      `INSERT INTO mailbox_endpoints (mailbox, source_host, source_user, source_auth, destination_host, destination_user, destination_auth, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (mailbox) DO UPDATE SET source_host = excluded.source_host, source_user = excluded.source_user,
         source_auth = excluded.source_auth, destination_host = excluded.destination_host,
         destination_user = excluded.destination_user, destination_auth = excluded.destination_auth, updated_at = excluded.updated_at`,
    ),
    getEndpoints: db.prepare('SELECT * FROM mailbox_endpoints WHERE mailbox = ?'),
    insertVerification: db.prepare('INSERT INTO verifications (mailbox, verified_at, complete, folders, changes) VALUES (?, ?, ?, ?, ?)'),
    latestVerification: db.prepare('SELECT * FROM verifications WHERE mailbox = ? ORDER BY verified_at DESC, id DESC LIMIT 1'),
    mailboxes: db.prepare(
      `SELECT mailbox FROM runs UNION SELECT mailbox FROM mailbox_endpoints UNION SELECT mailbox FROM verifications
       UNION SELECT mailbox FROM folders ORDER BY mailbox COLLATE NOCASE`,
    ),
    runs: db.prepare('SELECT * FROM runs WHERE mailbox = ? ORDER BY started_at, id'),
    folders: db.prepare('SELECT source_path, target_path, messages FROM folders WHERE mailbox = ? ORDER BY source_path'),
    counts: db.prepare(
      `SELECT source_path, MAX(target_path) AS target_path, state, dest_uid IS NOT NULL AS has_dest, COUNT(*) AS n,
         COUNT(size) AS sized, COALESCE(SUM(size), 0) AS bytes
       FROM messages WHERE mailbox = ? GROUP BY source_path, state, has_dest`,
    ),
    failures: db.prepare(
      `SELECT source_path, target_path, uid, size, internal_date, reason FROM messages
       WHERE mailbox = ? AND state = 'failed' ORDER BY source_path, uid`,
    ),
  };
}
