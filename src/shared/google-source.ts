/**
 * The Gmail side's other ways in (contract.ts re-exports them): a Google Workspace service account with
 * domain-wide delegation, whose JSON key main imports once into the OS keychain, and a Google Takeout export
 * read from a file instead of Gmail's IMAP server. Both files are chosen in main's dialogs: the window never
 * sees the key, and main reads no file the window names unless its own dialog gave it. Plain data.
 */

/** A service account whose key is in the keychain: what the form and the administrator need, never the key. */
export interface ServiceAccountInfo {
  /** name@project.iam.gserviceaccount.com: what a mailbox names it by (EndpointSettings.serviceAccount). */
  clientEmail: string;
  /** The numeric client ID ("Unique ID") the administrator enters for domain-wide delegation. */
  clientId: string;
}

/** After importing a key file: the account, the administrator's steps, and the file to offer to delete. */
export interface ServiceAccountImport {
  account: ServiceAccountInfo;
  /** What a super administrator of the domain does next, numbered (the engine's delegationSteps). */
  steps: string[];
  /** The one OAuth scope to grant, exactly. */
  scope: string;
  /** Names the key file for deleteKeyFile (main keeps its path); the window shows `fileName`. */
  fileId: string;
  fileName: string;
}

export type TakeoutKind = 'mbox' | 'tgz' | 'zip';

/**
 * A Google Takeout export chosen in main's dialog and checked to be one (its first bytes). The path goes back
 * into MailboxDraft.source.takeout: main accepts only a path its dialog gave, or the mailbox's saved one.
 */
export interface TakeoutFile {
  path: string;
  name: string;
  kind: TakeoutKind;
  sizeBytes: number;
}

/** The export a saved Takeout mailbox reads, as listed (a stat, no reading): null figures when it is gone. */
export interface TakeoutSourceView {
  name: string;
  kind: TakeoutKind | null;
  sizeBytes: number | null;
  /** Why it cannot be read now (moved, deleted), in words. */
  problem?: string;
}
