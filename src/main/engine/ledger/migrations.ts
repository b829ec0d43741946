import type Database from 'better-sqlite3';

/**
 * Numbered schema migrations. Each runs once, in order, inside a transaction; PRAGMA user_version holds
 * the number of the last one applied. Never edit a released migration: add a new one.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE folders (
        mailbox      TEXT NOT NULL,
        source_path  TEXT NOT NULL,
        uidvalidity  INTEGER NOT NULL,
        uidnext      INTEGER NOT NULL,
        messages     INTEGER NOT NULL,
        target_path  TEXT,
        updated_at   INTEGER NOT NULL,
        PRIMARY KEY (mailbox, source_path)
      );
      -- One row per source message copy (a message in three labels is three rows).
      -- state: pending = intent recorded before APPEND (in doubt until reconciled),
      --        done = appended (dest_uid from APPENDUID), present = found already on the destination,
      --        skipped = deliberately not copied (e.g. an All Mail copy of a labelled message),
      --        failed = refused for this message; retried on the next run.
      CREATE TABLE messages (
        mailbox          TEXT NOT NULL,
        source_path      TEXT NOT NULL,
        uidvalidity      INTEGER NOT NULL,
        uid              INTEGER NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('pending','done','present','skipped','failed')),
        target_path      TEXT,
        msg_key          TEXT,
        size             INTEGER,
        internal_date    INTEGER,
        sha256           TEXT,
        dest_uidvalidity INTEGER,
        dest_uid         INTEGER,
        reason           TEXT,
        updated_at       INTEGER NOT NULL,
        PRIMARY KEY (mailbox, source_path, uidvalidity, uid)
      );
      -- A destination message is claimed by at most one source row.
      CREATE UNIQUE INDEX messages_dest_claim ON messages (mailbox, target_path, dest_uidvalidity, dest_uid)
        WHERE dest_uid IS NOT NULL;
      CREATE INDEX messages_by_key ON messages (mailbox, source_path, msg_key);
    `,
  },
  {
    version: 2,
    sql: `
      -- One row per mailbox per run: the history the report and the desktop app show.
      CREATE TABLE runs (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        mailbox      TEXT NOT NULL,
        started_at   INTEGER NOT NULL,
        finished_at  INTEGER NOT NULL,
        state        TEXT NOT NULL,
        copied       INTEGER NOT NULL,
        present      INTEGER NOT NULL,
        failed       INTEGER NOT NULL,
        bytes        INTEGER NOT NULL,
        error_code   TEXT
      );
      CREATE INDEX runs_by_mailbox ON runs (mailbox, started_at);
    `,
  },
  {
    version: 3,
    sql: `
      -- The content fingerprint (message-identity.ts) of what an APPEND sent: in-doubt copies are told
      -- apart from look-alikes on the destination without downloading the source again. (sha256, the raw
      -- hash of version 1, is no longer written.)
      ALTER TABLE messages ADD COLUMN fingerprint TEXT;
      -- Archived mail is decided by identity now, not by counting keys.
      DROP INDEX IF EXISTS messages_by_key;
    `,
  },
  {
    version: 4,
    sql: `
      -- The delta brings flag changes made on the source (read, starred, answered, keywords) to the copies:
      -- the source's flags as last brought over (sorted, space-separated; NULL before this version)...
      ALTER TABLE messages ADD COLUMN src_flags TEXT;
      -- ...and, per folder, the HIGHESTMODSEQ (CONDSTORE) up to which they are (64-bit, kept as text).
      ALTER TABLE folders ADD COLUMN modseq TEXT;
    `,
  },
  {
    version: 5,
    sql: `
      -- Where each mailbox is copied from and to, for the client report: host, user and how it signs in
      -- (never a secret), as the latest run or verify saw them.
      CREATE TABLE mailbox_endpoints (
        mailbox           TEXT PRIMARY KEY,
        source_host       TEXT NOT NULL,
        source_user       TEXT NOT NULL,
        source_auth       TEXT NOT NULL,
        destination_host  TEXT NOT NULL,
        destination_user  TEXT NOT NULL,
        destination_auth  TEXT NOT NULL,
        updated_at        INTEGER NOT NULL
      );
      -- One row per verify of a mailbox: the verdict, per-folder counts (JSON: source, target, expected,
      -- onDestination, missing, extra) and what the destination changed on store (JSON sentences).
      CREATE TABLE verifications (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        mailbox      TEXT NOT NULL,
        verified_at  INTEGER NOT NULL,
        complete     INTEGER NOT NULL CHECK (complete IN (0, 1)),
        folders      TEXT NOT NULL,
        changes      TEXT NOT NULL
      );
      CREATE INDEX verifications_by_mailbox ON verifications (mailbox, verified_at);
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Applies pending migrations; returns the version before migrating. */
export function migrate(db: Database.Database): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return from;
}
