import type Database from 'better-sqlite3';

/** The rows a finished copy is in, for the queries that filter on it. */
export const FINISHED = ['done', 'present', 'skipped'] as const;

/** Every statement of the ledger, prepared once per open database. */
export function prepare(db: Database.Database) {
  return {
    getFolder: db.prepare('SELECT * FROM folders WHERE mailbox = ? AND source_path = ?'),
    putFolder: db.prepare(
      `INSERT INTO folders (mailbox, source_path, uidvalidity, uidnext, messages, target_path, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (mailbox, source_path) DO UPDATE SET uidvalidity = excluded.uidvalidity,
         uidnext = excluded.uidnext, messages = excluded.messages, target_path = excluded.target_path,
         updated_at = excluded.updated_at`,
    ),
    finishedUids: db.prepare(
      `SELECT uid FROM messages WHERE mailbox = ? AND source_path = ? AND uidvalidity = ?
       AND state IN (${FINISHED.map((s) => `'${s}'`).join(',')})`,
    ),
    countFinished: db.prepare(
      `SELECT COUNT(*) FROM messages WHERE mailbox = ? AND source_path = ? AND uidvalidity = ?
       AND state IN (${FINISHED.map((s) => `'${s}'`).join(',')})`,
    ).pluck(),
    putModseq: db.prepare('UPDATE folders SET modseq = ?, updated_at = ? WHERE mailbox = ? AND source_path = ?'),
    copies: db.prepare(
      `SELECT uid, src_flags, target_path, dest_uidvalidity, dest_uid FROM messages WHERE mailbox = ? AND source_path = ?
       AND uidvalidity = ? AND state IN ('done','present') AND dest_uid IS NOT NULL AND target_path IS NOT NULL`,
    ),
    setSrcFlags: db.prepare('UPDATE messages SET src_flags = ? WHERE mailbox = ? AND source_path = ? AND uidvalidity = ? AND uid = ?'),
    forget: db.prepare('DELETE FROM messages WHERE mailbox = ? AND source_path = ? AND uidvalidity = ? AND uid = ?'),
    failedUids: db.prepare(`SELECT uid FROM messages WHERE mailbox = ? AND source_path = ? AND uidvalidity = ? AND state = 'failed'`),
    pending: db.prepare(`SELECT uid, fingerprint FROM messages WHERE mailbox = ? AND source_path = ? AND uidvalidity = ? AND state = 'pending'`),
    forgetPending: db.prepare(`DELETE FROM messages WHERE mailbox = ? AND source_path = ? AND uidvalidity = ? AND uid = ? AND state = 'pending'`),
    claimed: db.prepare(
      'SELECT dest_uid FROM messages WHERE mailbox = ? AND target_path = ? AND dest_uidvalidity = ? AND dest_uid IS NOT NULL',
    ),
    upsert: db.prepare(
      `INSERT INTO messages (mailbox, source_path, uidvalidity, uid, state, target_path, msg_key, size, internal_date,
         fingerprint, dest_uidvalidity, dest_uid, reason, updated_at, src_flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (mailbox, source_path, uidvalidity, uid) DO UPDATE SET state = excluded.state,
         target_path = excluded.target_path, msg_key = excluded.msg_key, size = excluded.size,
         internal_date = excluded.internal_date, fingerprint = COALESCE(excluded.fingerprint, messages.fingerprint),
         dest_uidvalidity = excluded.dest_uidvalidity, dest_uid = excluded.dest_uid, reason = excluded.reason,
         updated_at = excluded.updated_at, src_flags = COALESCE(excluded.src_flags, messages.src_flags)`,
    ),
    setDest: db.prepare(
      `UPDATE messages SET state = ?, dest_uidvalidity = ?, dest_uid = ?, reason = ?, updated_at = ?
       WHERE mailbox = ? AND source_path = ? AND uidvalidity = ? AND uid = ?`,
    ),
    insertRun: db.prepare(
      `INSERT INTO runs (mailbox, started_at, finished_at, state, copied, present, failed, bytes, error_code)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    dropOther: db.prepare('DELETE FROM messages WHERE mailbox = ? AND source_path = ? AND uidvalidity != ?'),
  };
}
