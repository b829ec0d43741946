import { MailferryError, type ErrorInfo } from '../errors/errors.js';

export interface AppendItem {
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

/** A message too big to hold whole: its bytes arrive while the APPEND is written; `size` must be exact. */
export interface StreamedAppendItem {
  size: number;
  stream: AsyncIterable<Buffer>;
  flags: string[];
  internalDate: Date;
}

export type AppendOutcome = { ok: true; uid?: number; uidValidity?: number } | { ok: false; error: ErrorInfo };

/**
 * Puts messages into one destination folder. A refusal of one message (too big, rejected) is an outcome;
 * a lost connection or a mailbox-wide refusal (over quota) throws, leaving the batch in doubt.
 * Implementations may pipeline or use MULTIAPPEND; callers only see per-message outcomes in order.
 * The engine's implementation is imap-append/multi-writer.ts.
 */
export interface DestinationWriter {
  append(folder: string, items: AppendItem[]): Promise<AppendOutcome[]>;
}

/**
 * Thrown when a call stops before every message has an outcome (the destination became full, the connection
 * was lost): `outcomes` holds what is known (stored with its UID, or refused), so the caller records those
 * before stopping; the rest (undefined) stay in doubt for the ledger.
 */
export class AppendStopped extends MailferryError {
  readonly outcomes: ReadonlyArray<AppendOutcome | undefined>;

  constructor(cause: MailferryError, outcomes: ReadonlyArray<AppendOutcome | undefined>) {
    super(cause.toInfo(), { cause });
    this.outcomes = outcomes;
  }
}
