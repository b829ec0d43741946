/**
 * The one IPC contract between the desktop window and the main process. Main implements it (every input
 * validated there), the preload exposes it as `window.mailferry`, the renderer calls it, and the e2e
 * bridge serves the very same handler table over HTTP. Plain data only: no Node, DOM or Electron imports.
 *
 * Every call takes at most one argument (a plain object) and resolves to a Result: nothing crosses the
 * boundary as a thrown exception. Passwords and OAuth client secrets travel renderer -> main only
 * (saveMailbox, testConnection, signInWithGoogle, storeMicrosoftAppCredential) and are never sent back; a
 * batch file's passwords never reach the window at all (main reads the file the user chose in its dialog).
 *
 * The types of some calls live beside this file (sign-in.ts, mapping-preview.ts, bulk.ts, settings.ts,
 * google-source.ts, preflight.ts) and are re-exported here, so the contract is still imported from one place.
 */
import type { FailureRecord, MailboxProgress, MailboxState } from './progress.js';
import type { ImportDefaults, ImportFile, ImportPreview, ImportResult, MailboxCheck, MailboxVerification, ReportFormat, ReportSaved } from './bulk.js';
import type { LabelPolicy, MappingChoice, MappingPreview } from './mapping-preview.js';
import type { AppInfo, Settings } from './settings.js';
import type { GoogleSignInRequest, GoogleSignInState, MicrosoftAppCredentialRequest, MicrosoftCredentialState, MicrosoftSignInRequest } from './sign-in.js';
import type { ServiceAccountImport, ServiceAccountInfo, TakeoutFile, TakeoutSourceView } from './google-source.js';
import type { ConnectionCheck, StartRequest } from './preflight.js';

export type { ErrorSummary, FolderProgress, FolderRole, MailboxProgress, MailboxState } from './progress.js';
export type { GoogleSignInRequest, GoogleSignInState, MicrosoftAppCredentialRequest, MicrosoftCredentialState, MicrosoftSignInRequest } from './sign-in.js';
export type { CredentialSource, ImportDefaults, ImportFile, ImportPreview, ImportResult, ImportRow, ImportServer, MailboxCheck, MailboxVerification, ReportFormat, ReportSaved } from './bulk.js';
export { REPORT_FORMATS } from './bulk.js';
export type { LabelPolicyInfo, MappingChoice, MappingPreview, MappingRow } from './mapping-preview.js';
export { DEFAULT_LABEL_POLICY, LABEL_POLICIES, type LabelPolicy } from './mapping-preview.js';
export type { AppInfo, NumericSetting, Settings } from './settings.js';
export { DEFAULT_SETTINGS, SETTINGS_LIMITS } from './settings.js';
export type { ServiceAccountImport, ServiceAccountInfo, TakeoutFile, TakeoutKind, TakeoutSourceView } from './google-source.js';
export type { ConnectionCheck, Finding, GmailConnections, Preflight, SideCheck, StartRequest } from './preflight.js';
export { pendingBlockers, PREFLIGHT_BLOCKERS } from './preflight.js';

/** An error as the window shows it: a stable code, one sentence, and what to do about it. */
export interface AppError {
  code: string;
  message: string;
  hint?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export type Security = 'tls' | 'starttls' | 'none';
export const SECURITIES: readonly Security[] = ['tls', 'starttls', 'none'];

/** How the Gmail side signs in: an app password, Sign in with Google (OAuth 2.0), or a Workspace service account. */
export type SourceAuth = 'password' | 'oauth2' | 'service-account';
export const SOURCE_AUTHS: readonly SourceAuth[] = ['password', 'oauth2', 'service-account'];
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
  /** Source, auth 'service-account': the client e-mail (or numeric client ID) of a key imported into the keychain. */
  serviceAccount?: string;
  /** Source only: the absolute path of a Google Takeout export read instead of the server (a path main's dialog gave). */
  takeout?: string;
}

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
  /** Only these source folders (patterns as in a job file's folders.include), from an imported batch file. */
  include?: string[];
  /** Only mail received from this day on / before this day ("YYYY-MM-DD"): a pre-stage, then the delta. */
  since?: string;
  before?: string;
  /** Each run deletes on the destination the copies whose message was deleted in Gmail; default false. */
  deleteMissing?: boolean;
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
  /** The latest connection test (Test all), updated as it runs; null when never tested. */
  check: MailboxCheck | null;
  /** The latest verify, updated as it runs; null when never verified in the app. */
  verification: MailboxVerification | null;
}

export interface MailboxView {
  config: MailboxConfig;
  status: MailboxStatus;
  /**
   * Whether each side's secret is in the keychain (checked when listed): its password, or its sign-in
   * (Google's or Microsoft's refresh token), or for Microsoft app-only access the app's secret or certificate.
   */
  passwordsStored: { source: boolean; destination: boolean };
  /** A Takeout mailbox: its export as it is on disk now. */
  takeout?: TakeoutSourceView;
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
  setExclusions: MappingChoice;
  start: StartRequest;
  pause: Selection;
  resume: StartRequest;
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
  /** Main's file dialog for a batch file (imapsync lines or CSV). */
  chooseBatchFile: null;
  /** Main reads the chosen file: one row per line, the mailbox or the line's problem. */
  previewImport: { fileId: string; defaults: ImportDefaults };
  /** Saves every good row of that preview as a mailbox, its passwords into the keychain. */
  importMailboxes: { previewId: string };
  /** Tests the sign-ins of these mailboxes several at a time; each row's `check` changes as results arrive. */
  testMailboxes: Selection;
  /** Compares both sides of these mailboxes and records the verdicts; each row's `verification` changes as they arrive. */
  verifyMailboxes: Selection;
  /** Starts a run that copies only the messages the latest runs could not copy. */
  retryFailed: { id: string };
  /** Builds the client report from the app's ledger and writes it where the user chooses in main's save dialog. */
  exportReport: { format: ReportFormat };
  /** Main's file dialog for a service account's JSON key; main checks it and stores it in the keychain. */
  chooseServiceAccountKey: null;
  /** Deletes a key file main's dialog chose (after its import: whoever holds it reads the whole domain). */
  deleteKeyFile: { fileId: string };
  listServiceAccounts: null;
  /** Removes a service account's key from the keychain (refused while a mailbox uses it). */
  forgetServiceAccount: { ref: string };
  /** Main's file dialog for a Google Takeout export (.mbox, .tgz, .zip). */
  chooseTakeoutFile: null;
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
  /** null when the dialog was dismissed. */
  chooseBatchFile: ImportFile | null;
  previewImport: ImportPreview;
  importMailboxes: ImportResult;
  /** The statuses once every test has ended. */
  testMailboxes: MailboxStatus[];
  /** The statuses once every verify has ended. */
  verifyMailboxes: MailboxStatus[];
  retryFailed: MailboxStatus[];
  /** null when the save dialog was dismissed. */
  exportReport: ReportSaved | null;
  /** null when the dialog was dismissed. */
  chooseServiceAccountKey: ServiceAccountImport | null;
  deleteKeyFile: { deleted: string };
  listServiceAccounts: ServiceAccountInfo[];
  forgetServiceAccount: null;
  chooseTakeoutFile: TakeoutFile | null;
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
  chooseBatchFile: 'mailferry:choose-batch-file',
  previewImport: 'mailferry:import-preview',
  importMailboxes: 'mailferry:import-mailboxes',
  testMailboxes: 'mailferry:test-mailboxes',
  verifyMailboxes: 'mailferry:verify-mailboxes',
  retryFailed: 'mailferry:retry-failed',
  exportReport: 'mailferry:export-report',
  chooseServiceAccountKey: 'mailferry:choose-service-account-key',
  deleteKeyFile: 'mailferry:delete-key-file',
  listServiceAccounts: 'mailferry:list-service-accounts',
  forgetServiceAccount: 'mailferry:forget-service-account',
  chooseTakeoutFile: 'mailferry:choose-takeout-file',
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

