/**
 * What a connection test finds before anything is copied (the engine's preflight), as the window shows it
 * (contract.ts re-exports it): blockers apart from warnings, each a finding with what to do. Plain data.
 */
import type { AppError, MailboxCheck, Selection } from './contract.js';
import type { TakeoutFile } from './google-source.js';

/**
 * One finding: `message` says what is wrong, `hint` what to do. `code` names its kind: HIDDEN_LABELS,
 * HIDDEN_FOLDER, FOLDER_SIZE_LIMIT, FOLDER_SHORT, QUOTA, MESSAGE_SIZE, FOLDER_RENAMED, CONNECTIONS, KEYWORDS,
 * USERNAME, GMAIL_DAYS, TEST_STOPPED, or OTHER.
 */
export type Finding = AppError;

/** A Gmail account of the test and the connections Mailferry may hold to it (Gmail allows 15 for every client). */
export interface GmailConnections {
  side: 'source' | 'destination';
  user: string;
  upTo: number;
  limit: number;
  /** Mailboxes of the test that use this account on that side. */
  mailboxes: number;
}

export interface Preflight {
  /** What stops the migration unless fixed first: Start warns while the latest test has one. */
  blockers: Finding[];
  /** What to know: the migration goes ahead, but something will not come across as it is. */
  warnings: Finding[];
  /**
   * What Gmail must send and the whole days its 2,500 MB a day download limit makes that take; `fromSample`:
   * the size is estimated from that many newest messages (Gmail gives no folder sizes). Null when unknown or
   * when the source is a Takeout export (no Gmail limit).
   */
  estimate: { totalBytes: number; gmailDays: number; fromSample?: number } | null;
  connections: GmailConnections[];
}

/**
 * Start and Resume. Main refuses (code PREFLIGHT_BLOCKERS) a mailbox whose latest test found a blocker unless
 * `despiteBlockers` says the user saw them and chose to go ahead.
 */
export interface StartRequest extends Selection {
  despiteBlockers?: boolean;
}

export const PREFLIGHT_BLOCKERS = 'PREFLIGHT_BLOCKERS';

/** Blockers Start should still show: found by the latest test, and not started past since (main and window agree). */
export function pendingBlockers(check: MailboxCheck | null | undefined): Finding[] {
  if (!check || check.state !== 'not-ready' || check.startedAnyway !== undefined) return [];
  return check.blockers ?? []; // a check kept by an older version may have none
}

/** One side of a connection test (Test connection, the mapping step). */
export interface SideCheck {
  ok: boolean;
  error?: AppError;
  folderCount: number;
  /** Capabilities that change how Mailferry works with this server (MULTIAPPEND, X-GM-EXT-1...). */
  notable: Record<string, boolean | number>;
  quota?: { usedBytes: number; limitBytes: number };
  /** The source is a Takeout export: the file that was opened. */
  takeout?: Omit<TakeoutFile, 'path'>;
}

/** A mailbox's connection test: both sign-ins, and what the preflight found. */
export interface ConnectionCheck {
  source: SideCheck;
  destination: SideCheck;
  preflight: Preflight;
}

