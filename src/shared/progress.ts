/**
 * Progress as the engine reports it and every front end (CLI, desktop window) shows it.
 * Plain data only: no Node, DOM or Electron types, so main, preload and renderer can all import it.
 */
export type MailboxState =
  | 'queued'
  | 'connecting'
  | 'planning'
  | 'copying'
  | 'retrying'
  | 'waiting-quota'
  | 'paused'
  | 'done'
  | 'failed'
  | 'cancelled';

export type FolderRole = 'inbox' | 'special' | 'label' | 'archive' | 'view' | 'noselect' | 'excluded';

export interface FolderProgress {
  source: string;
  target: string | null;
  role: FolderRole;
  /** Messages in the source folder when planned. */
  sourceCount: number;
  /** Messages this run intends to copy. */
  planned: number;
  copied: number;
  /** Found on the destination already (earlier run or another tool). */
  present: number;
  /** Deliberately not copied (All Mail copies of labelled mail, views). */
  skipped: number;
  failed: number;
  bytesCopied: number;
  done: boolean;
}

export interface ErrorSummary {
  code: string;
  message: string;
  hint?: string;
}

export interface MailboxProgress {
  id: string;
  state: MailboxState;
  /** Why the mailbox is in this state (retrying, waiting, failed). */
  reason?: ErrorSummary;
  /** When the next attempt happens (epoch ms), for retrying and waiting-quota. */
  nextAttemptAt?: number;
  folders: FolderProgress[];
  planned: number;
  copied: number;
  present: number;
  failed: number;
  /** Replies in which Gmail asked to slow down ([THROTTLED]). */
  throttledReplies: number;
  /** Connections dropped because the server stopped answering (options.stallTimeoutSeconds); each retried. */
  stalledConnections: number;
  bytesPlanned: number;
  bytesCopied: number;
  /** Messages per second over the recent window. */
  rate: number;
  /** Bytes per second over the recent window. */
  byteRate: number;
  /** Seconds left at the current rate, or null when unknown. */
  etaSeconds: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export type ProgressListener = (snapshot: MailboxProgress) => void;

/** A message a run could not copy, as the report and the window list it. */
export interface FailureRecord {
  folder: string;
  target: string | null;
  uid: number;
  size: number;
  date: string;
  subject: string;
  code: string;
  reason: string;
}
