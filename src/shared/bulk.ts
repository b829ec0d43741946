/**
 * The calls for many mailboxes at once (contract.ts re-exports them): importing a batch file, testing every
 * mailbox, verifying, exporting the client report. Plain data. A batch file's passwords never appear here:
 * main reads the file itself and says only where each password comes from.
 */
import type { AppError, EndpointSettings, Finding, MicrosoftAuth, Security } from './contract.js';

/** A batch file chosen in main's file dialog: the window names it by this id, never by a path it made up. */
export interface ImportFile {
  fileId: string;
  /** The file's name, to show. */
  name: string;
}

/** What a row that does not name a server takes (the command line's --source-host...). */
export interface ImportServer {
  host?: string;
  port?: number;
  security?: Security;
}

export interface ImportDefaults {
  /** With serviceAccount: every row's Gmail side signs in with that service account (a row's password is refused). */
  source: ImportServer & { serviceAccount?: string };
  /** With provider 'microsoft': Microsoft 365 / Outlook.com (the app's sign-in; app-only access unless auth says oauth2). */
  destination: ImportServer & { provider?: 'microsoft'; tenant?: string; oauthClientId?: string; auth?: MicrosoftAuth };
}

/** Where a side's secret comes from: the file's password, one already stored in the keychain, or none yet. */
export type CredentialSource = 'file' | 'stored' | 'missing';

/** One line of the file: the mailbox it becomes, or why it cannot. */
export interface ImportRow {
  line: number;
  /** Absent when the line has a problem. */
  mailbox?: {
    source: EndpointSettings;
    destination: EndpointSettings;
    /** Received-date window and folder patterns from the file, as the mailbox keeps them. */
    since?: string;
    before?: string;
    include?: string[];
    exclude: string[];
  };
  credentials?: { source: CredentialSource; destination: CredentialSource };
  /** The mailbox of the list with the same Gmail and destination accounts: not added twice, its passwords updated. */
  existing?: string;
  /** Why the line cannot be imported, in the window's words (as the command line says it; never a password). */
  problem?: string;
  /** Things of the line Mailferry ignores on purpose (an imapsync option it does anyway). */
  notes?: string[];
}

export interface ImportPreview {
  /** Names this preview for importMailboxes; main keeps the file's passwords in memory until then (15 min at most). */
  previewId: string;
  name: string;
  /** The file's format in words ("a MigrationWiz user list"). */
  format: string;
  /** Every line that is a mailbox or has a problem, in the file's order. */
  rows: ImportRow[];
}

export interface ImportResult {
  /** Ids of the mailboxes added. */
  added: string[];
  /** Ids of mailboxes already in the list whose passwords the file replaced. */
  updated: string[];
  /** Passwords put in the keychain. */
  passwordsStored: number;
  /** The lines not imported, with why. */
  problems: ImportRow[];
}

/** The latest connection test of a mailbox (Test, Test all), shown in its row and its detail view. */
export interface MailboxCheck {
  state: 'testing' | 'ready' | 'not-ready';
  /** When it was started or finished (epoch ms). */
  at: number;
  /** Why it could not be tested, in the window's words ("Gmail: ...", "Destination: ..."): a failed sign-in. */
  problems: AppError[];
  /** What would stop the migration, each with what to do: Start warns while there is one. */
  blockers: Finding[];
  /** What to know before starting, each with what to do. */
  warnings: Finding[];
  folderCount?: number;
  /** Bytes Gmail must send, when the test could size the mailbox. */
  totalBytes?: number;
  /** Whole days Gmail's daily download limit makes that take. */
  gmailDays?: number;
  /** When the mailbox was started anyway, after Start showed these blockers: it does not ask again. */
  startedAnyway?: number;
}

/** The latest verify of a mailbox: both sides compared folder by folder (recorded in the ledger for the report). */
export interface MailboxVerification {
  state: 'verifying' | 'complete' | 'incomplete' | 'not-verified';
  at: number;
  /** Messages expected on the destination and not found there; found there with no Gmail counterpart. */
  missing: number;
  extra: number;
  folders: number;
  /** Why it could not be compared ('not-verified'); an earlier verdict in the report stands. */
  error?: AppError;
  /** What the destination changed in the copies, in words. */
  changes: string[];
}

export type ReportFormat = 'html' | 'json' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'json', 'csv'];

export interface ReportSaved {
  /** Where it was written (the place chosen in the save dialog). */
  file: string;
  mailboxes: number;
}
