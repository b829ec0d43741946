/**
 * The mapping step before a mailbox starts (contract.ts re-exports it): which folder goes where, the label
 * policy, and the pre-stage / delta choices (received-date window, deleting what Gmail deleted). Plain data.
 */
import type { TakeoutFile } from './google-source.js';
import type { Finding } from './preflight.js';
import type { FolderRole } from './progress.js';

/**
 * How Gmail labels become folders (the engine's JobOptions.labelPolicy): 'folder-per-label' (a message with
 * three labels lands in three folders) or 'one-copy' (each message once; needs Gmail's X-GM-EXT-1).
 */
export type LabelPolicy = 'folder-per-label' | 'one-copy';
export const LABEL_POLICIES: readonly LabelPolicy[] = ['folder-per-label', 'one-copy'];
export const DEFAULT_LABEL_POLICY: LabelPolicy = 'folder-per-label';

export interface MappingRow {
  source: string;
  /** Destination folder, or null when the folder is not copied (a view like Starred, a \Noselect parent). */
  target: string | null;
  role: FolderRole | string;
  messages: number;
  sizeBytes: number | null;
  note?: string;
  /** Copied in the next run (false when the user excluded it). */
  included: boolean;
  /** Whether the include/exclude toggle applies to this row. */
  toggleable: boolean;
}

export interface LabelPolicyInfo {
  id: LabelPolicy;
  /** The choice in a few words: "A folder per label". */
  title: string;
  /** What it does, in one parenthesis: "a message with three labels lands in three folders". */
  summary: string;
  /** The longer explanation. */
  description: string;
}

export interface MappingPreview {
  mailbox: string;
  rows: MappingRow[];
  /** The choices, in the order shown. */
  labelPolicies: LabelPolicyInfo[];
  /** The mailbox's current choice. */
  labelPolicy: LabelPolicy;
  labelsAsKeywords: boolean;
  /** Only mail received from this day on ("YYYY-MM-DD", midnight UTC), or null for no lower bound. */
  since: string | null;
  /** Only mail received before this day ("YYYY-MM-DD"), or null: a pre-stage copies the old mail first. */
  before: string | null;
  /** Delete on the destination the copies whose message was deleted in Gmail since it was copied. */
  deleteMissing: boolean;
  /** Whether the source offers Gmail's labels (X-GM-EXT-1): 'one-copy' and label keywords need them. */
  gmailLabels: boolean;
  /** Bytes Gmail must send and how many days its daily download limit makes that take, when known. */
  estimate: { totalBytes: number; gmailDailyLimitDays: number } | null;
  /** What the test found that would stop the migration, each with what to do (Start asks first while there is one). */
  blockers: Finding[];
  /** What will not come across as it is (e.g. a destination that keeps no keywords), each with what to do. */
  warnings: Finding[];
  /**
   * The source is a Takeout export: its folders are its labels, read when the migration starts (a pass over
   * the whole file), so `rows` is empty and no folder can be left out here.
   */
  takeout?: Omit<TakeoutFile, 'path'>;
}

/**
 * The mapping step's choices (setExclusions). A field left out keeps the saved choice; a date given as ""
 * removes that bound.
 */
export interface MappingChoice {
  id: string;
  /** Source folder names not to copy. */
  exclude: string[];
  labelPolicy?: LabelPolicy;
  labelsAsKeywords?: boolean;
  /** "YYYY-MM-DD" or "" (no lower bound). */
  since?: string;
  /** "YYYY-MM-DD" or "" (no upper bound). */
  before?: string;
  deleteMissing?: boolean;
}
