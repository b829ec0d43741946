/**
 * The one IPC contract between the desktop window and the main process. Main implements it (every input
 * validated there), the preload exposes it as `window.mailferry`, the renderer calls it, and the e2e
 * bridge serves the very same handler table over HTTP. Plain data only: no Node, DOM or Electron imports.
 *
 * Every call takes at most one argument (a plain object) and resolves to a Result: nothing crosses the
 * boundary as a thrown exception. Passwords and OAuth client secrets travel renderer -> main only
 * (saveMailbox, testConnection, signInWithGoogle, storeMicrosoftAppCredential) and are never sent back.
 */
import type { FailureRecord, FolderRole, MailboxProgress, MailboxState } from './progress.js';

import type { GoogleSignInRequest, GoogleSignInState, MicrosoftAppCredentialRequest, MicrosoftCredentialState, MicrosoftSignInRequest } from './sign-in.js';

export type { ErrorSummary, FolderProgress, FolderRole, MailboxProgress, MailboxState } from './progress.js';
export type { GoogleSignInRequest, GoogleSignInState, MicrosoftAppCredentialRequest, MicrosoftCredentialState, MicrosoftSignInRequest } from './sign-in.js';

/** An error as the window shows it: a stable code, one sentence, and what to do about it. */
export interface AppError {
  code: string;
  message: string;
  hint?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export type Security = 'tls' | 'starttls' | 'none';
export const SECURITIES: readonly Security[] = ['tls', 'starttls', 'none'];

/** How the Gmail side signs in: an app password, or Sign in with Google (OAuth 2.0). */
export type SourceAuth = 'password' | 'oauth2';
export const SOURCE_AUTHS: readonly SourceAuth[] = ['password', 'oauth2'];
export const GMAIL_IMAP_HOST = 'imap.gmail.com';

/**
 * How an endpoint signs in. The source: an app password or Sign in with Google ('oauth2'). The destination:
 * a password, or for Microsoft 365 / Outlook.com (provider 'microsoft', which takes no password) a user's
 * Sign in with Microsoft ('oauth2') or the organisation's app-only access ('oauth2-app').
 */
export type EndpointAuth = SourceAuth | 'oauth2-app';
export type MicrosoftAuth = 'oauth2' | 'oauth2-app';
export const MICROSOFT_AUTHS: readonly MicrosoftAuth[] = ['oauth2', 'oauth2-app'];
export const DESTINATION_AUTHS: readonly EndpointAuth[] = ['password', ...MICROSOFT_AUTHS];
/** Exchange Online's and Outlook.com's IMAP server (port 993, TLS). */
export const MICROSOFT_IMAP_HOST = 'outlook.office365.com';

/** A server and account, without its password (that lives in the OS keychain). */
export interface EndpointSettings {
  host: string;
  port: number;
  security: Security;
  user: string;
  /** Absolute path of a PEM file with an extra CA to trust (a self-signed server). */
  ca?: string;
  /** Default 'password'. See EndpointAuth: 'oauth2' is Google's on the source, Microsoft's on the destination. */
  auth?: EndpointAuth;
  /** With an OAuth auth: the user's own Google OAuth client ID, or the Microsoft app's Application (client) ID. */
  oauthClientId?: string;
  /** Destination only: Microsoft 365 or Outlook.com. */
  provider?: 'microsoft';
  /** Microsoft: "organizations" (work or school accounts), "consumers" (Outlook.com), "common", or the tenant's ID or domain. */
  tenant?: string;
  /** Microsoft: the sign-in service's origin when not https://login.microsoftonline.com (a national cloud). */
  authority?: string;
}

/**
 * How Gmail labels become folders (the engine's JobOptions.labelPolicy): 'folder-per-label' (a message with
 * three labels lands in three folders) or 'one-copy' (each message once; needs Gmail's X-GM-EXT-1).
 */
export type LabelPolicy = 'folder-per-label' | 'one-copy';
export const LABEL_POLICIES: readonly LabelPolicy[] = ['folder-per-label', 'one-copy'];
export const DEFAULT_LABEL_POLICY: LabelPolicy = 'folder-per-label';

/** A saved mailbox: what the app keeps in its settings file. No secrets. */
export interface MailboxConfig {
  /** Key in the ledger. Chosen by main (the source address, made unique) and never changed. */
  id: string;
  source: EndpointSettings;
  destination: EndpointSettings;
  /** Source folder names not to copy (set from the mapping preview). */
  exclude: string[];
  /** Chosen in the mapping preview; default 'folder-per-label'. */
  labelPolicy: LabelPolicy;
  /** Also keep every Gmail label as an IMAP keyword on the destination copy; default false. */
  labelsAsKeywords: boolean;
}

/**
 * The Add / Edit form. Without `id` a new mailbox is added; with `id` that mailbox is edited (its source
 * account and destination account stay the same: the ledger belongs to that pair). A password left out
 * keeps the stored one.
 */
export interface MailboxDraft {
  id?: string;
  source: EndpointSettings;
  destination: EndpointSettings;
  sourcePassword?: string;
  destinationPassword?: string;
}

/** The app's states: the engine's, plus 'idle' for a mailbox that never ran in this app. */
export type AppMailboxState = MailboxState | 'idle';

export interface MailboxStatus {
  id: string;
  state: AppMailboxState;
  /** Counters added up over every pause/resume of the current migration; null before the first run. */
  progress: MailboxProgress | null;
  /** The last problem in plain words (also while retrying or waiting). */
  lastError: AppError | null;
  /** When the next attempt happens (epoch ms) while retrying or waiting for a quota. */
  nextAttemptAt: number | null;
  /**
   * Another Mailferry run (the command line, another copy of the app) holds this mailbox or its destination
   * account: the engine's MAILBOX_IN_USE words, naming that run, and what to do. Start and Resume are refused
   * while it is set. Main re-checks every few seconds while the mailbox is not running here, and a change
   * arrives with the ordinary progress batches; null when nothing else holds it.
   */
  inUse: AppError | null;
}

export interface MailboxView {
  config: MailboxConfig;
  status: MailboxStatus;
  /**
   * Whether each side's secret is in the keychain (checked when listed): its password, or its sign-in
   * (Google's or Microsoft's refresh token), or for Microsoft app-only access the app's secret or certificate.
   */
  passwordsStored: { source: boolean; destination: boolean };
}

export interface SideCheck {
  ok: boolean;
  error?: AppError;
  folderCount: number;
  /** Capabilities that change how Mailferry works with this server (MULTIAPPEND, X-GM-EXT-1...). */
  notable: Record<string, boolean | number>;
  quota?: { usedBytes: number; limitBytes: number };
}

export interface ConnectionCheck {
  source: SideCheck;
  destination: SideCheck;
}

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
  /** Whether the source offers Gmail's labels (X-GM-EXT-1): 'one-copy' and label keywords need them. */
  gmailLabels: boolean;
  /** Bytes Gmail must send and how many days its daily download limit makes that take, when known. */
  estimate: { totalBytes: number; gmailDailyLimitDays: number } | null;
  /** What will not come across as it is, in words (e.g. a destination that keeps no keywords). */
  warnings: string[];
}

/** A message that could not be copied, with its reason. */
export type FailureView = FailureRecord;

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  at: number;
  level: LogLevel;
  message: string;
}

export interface MailboxDetail {
  view: MailboxView;
  /** Messages of the latest run that could not be copied, with the reason. */
  failures: FailureView[];
  /** Things worth knowing that are not failures (renamed folders, renumbered folders). */
  notes: string[];
  log: LogEntry[];
}

export interface Settings {
  /** Connections per account and side. Gmail allows 15 for all clients together. */
  connectionsPerAccount: number;
  /** How many mailboxes copy at the same time; the others wait in the queue. */
  parallelMailboxes: number;
  /** Upload cap in KB/s, 0 for none. Saved, but not enforced yet (the engine has no limiter). */
  bandwidthLimitKBps: number;
}

export const SETTINGS_LIMITS: Readonly<Record<keyof Settings, { min: number; max: number }>> = Object.freeze({
  connectionsPerAccount: { min: 1, max: 10 },
  parallelMailboxes: { min: 1, max: 10 },
  bandwidthLimitKBps: { min: 0, max: 10_000_000 },
});

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  connectionsPerAccount: 4,
  parallelMailboxes: 2,
  bandwidthLimitKBps: 0,
});

export interface AppInfo {
  version: string;
  /** Where the app keeps its settings file and the ledger. */
  dataDir: string;
  stateDir: string;
}

/** Which mailboxes a control call applies to: some ids, or every mailbox for which the action makes sense. */
export interface Selection {
  ids: string[] | 'all';
}

/** The request each call takes (`null` when it takes none). */
export interface Requests {
  getAppInfo: null;
  listMailboxes: null;
  saveMailbox: MailboxDraft;
  removeMailbox: { id: string; forgetPasswords: boolean };
  testConnection: MailboxDraft;
  previewMapping: { id: string };
  /** The mapping preview's choices: folders left out and, when given, the label policy. */
  setExclusions: { id: string; exclude: string[]; labelPolicy?: LabelPolicy; labelsAsKeywords?: boolean };
  start: Selection;
  pause: Selection;
  resume: Selection;
  cancel: Selection;
  getDetail: { id: string };
  getSettings: null;
  saveSettings: Settings;
  openExternal: { url: string };
  chooseCaFile: null;
  signInWithGoogle: GoogleSignInRequest;
  hasGoogleSignIn: { address: string; host?: string; clientId?: string };
  signInWithMicrosoft: MicrosoftSignInRequest;
  storeMicrosoftAppCredential: MicrosoftAppCredentialRequest;
  hasMicrosoftCredential: { address: string; host?: string; clientId?: string };
  chooseAppCertificateFile: null;
  /** The Exchange Online PowerShell that gives the app this mailbox (app-only), put on the clipboard. */
  copyExchangePermissions: { clientId: string; mailbox: string; objectId?: string };
}

/** What each call resolves to when it succeeds. */
export interface Responses {
  getAppInfo: AppInfo;
  listMailboxes: MailboxView[];
  saveMailbox: MailboxView;
  removeMailbox: null;
  testConnection: ConnectionCheck;
  previewMapping: MappingPreview;
  setExclusions: MailboxView;
  start: MailboxStatus[];
  pause: MailboxStatus[];
  resume: MailboxStatus[];
  cancel: MailboxStatus[];
  getDetail: MailboxDetail;
  getSettings: Settings;
  saveSettings: Settings;
  openExternal: null;
  /** The chosen file's absolute path, or null when the dialog was dismissed. */
  chooseCaFile: string | null;
  /** Resolves once the browser sign-in is done and stored (or fails with what to do). */
  signInWithGoogle: GoogleSignInState;
  hasGoogleSignIn: GoogleSignInState;
  /** Resolves once the browser sign-in is done and stored (or fails with Microsoft's reason and what to do). */
  signInWithMicrosoft: MicrosoftCredentialState;
  storeMicrosoftAppCredential: MicrosoftCredentialState;
  hasMicrosoftCredential: MicrosoftCredentialState;
  /** The chosen PEM file's absolute path, or null when the dialog was dismissed. */
  chooseAppCertificateFile: string | null;
  /** The script as copied (it holds no secret), to show next to the button. */
  copyExchangePermissions: { script: string };
}

export type Method = keyof Requests & keyof Responses;

/** IPC channel per call. Main binds exactly these; the preload and the e2e shim forward exactly these. */
export const INVOKE_CHANNELS = Object.freeze({
  getAppInfo: 'mailferry:get-app-info',
  listMailboxes: 'mailferry:list-mailboxes',
  saveMailbox: 'mailferry:save-mailbox',
  removeMailbox: 'mailferry:remove-mailbox',
  testConnection: 'mailferry:test-connection',
  previewMapping: 'mailferry:preview-mapping',
  setExclusions: 'mailferry:set-exclusions',
  start: 'mailferry:start',
  pause: 'mailferry:pause',
  resume: 'mailferry:resume',
  cancel: 'mailferry:cancel',
  getDetail: 'mailferry:get-detail',
  getSettings: 'mailferry:get-settings',
  saveSettings: 'mailferry:save-settings',
  openExternal: 'mailferry:open-external',
  chooseCaFile: 'mailferry:choose-ca-file',
  signInWithGoogle: 'mailferry:sign-in-with-google',
  hasGoogleSignIn: 'mailferry:has-google-sign-in',
  signInWithMicrosoft: 'mailferry:sign-in-with-microsoft',
  storeMicrosoftAppCredential: 'mailferry:store-microsoft-app-credential',
  hasMicrosoftCredential: 'mailferry:has-microsoft-credential',
  chooseAppCertificateFile: 'mailferry:choose-app-certificate-file',
  copyExchangePermissions: 'mailferry:copy-exchange-permissions',
} as const satisfies Record<Method, string>);

export const METHODS = Object.freeze(Object.keys(INVOKE_CHANNELS) as Method[]);

/** Main -> window: the changed mailboxes, a few times a second at most. */
export const PROGRESS_CHANNEL = 'mailferry:progress';

export interface ProgressEvent {
  statuses: MailboxStatus[];
}

export type ProgressListener = (event: ProgressEvent) => void;

type Call<M extends Method> = Requests[M] extends null
  ? () => Promise<Result<Responses[M]>>
  : (request: Requests[M]) => Promise<Result<Responses[M]>>;

/** `window.mailferry` as the preload exposes it. */
export type MailferryApi = { [M in Method]: Call<M> } & {
  /** Subscribes to progress; returns the function that unsubscribes. */
  onProgress(listener: ProgressListener): () => void;
};

