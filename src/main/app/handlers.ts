/**
 * The handler table: one function per contract call, each validating its request before doing anything
 * and answering with a Result (never throwing). It does not import Electron: main.ts binds it to
 * ipcMain.handle, the e2e bridge serves the very same table over HTTP, and unit tests call it directly.
 */
import type { Side } from '../engine/connect/imap-connect.js';
import { exchangePermissionScript } from '../engine/oauth/microsoft/exchange-permissions.js';
import type { verifyJob } from '../engine/report/verify-job.js';
import { testMailboxes } from '../engine/preflight/test-mailboxes.js';
import type { AppInfo, EndpointSettings, MailboxConfig, MailboxDraft, MailboxView, Method, ReportFormat, Requests, Responses, Result } from '../../shared/contract.js';
import { isActive } from '../../shared/mailbox-actions.js';
import { AppFailure, fail, toAppError } from './app-error.js';
import type { AppStore } from './app-store.js';
import { bulkHandlers } from './bulk-handlers.js';
import type { checkMailbox } from './connection-test-adapter.js';
import { toCheck, toConnectionCheck, toPreview } from './connection-views.js';
import { safeExternalUrl } from './external-url.js';
import { createGoogleSignIn, type GoogleSignInService } from './google-sign-in.js';
import { googleSourceHandlers } from './google-source-handlers.js';
import { draftToConfig, isTakeout, sameAccount, toJob, toMailboxJob, usesMicrosoft } from './mailbox-config.js';
import { createMicrosoftSignIn, type MicrosoftSignInService } from './microsoft-sign-in.js';
import type { MigrationManager } from './migration-manager.js';
import { requestSchemas } from './request-schemas.js';
import { passwordResolver, type SecretStore } from './secret-store.js';
import { keychainServiceAccounts, ServiceAccountKeys, type ServiceAccountStore } from './service-accounts.js';
import { guardStart } from './start-guard.js';
import { storedCredentials } from './stored-credentials.js';
import { TakeoutFiles, takeoutView } from './takeout-source.js';
import { validate } from './validate.js';

/**
 * What only the platform can do (Electron's shell, dialogs, clipboard and notifications); the e2e bridge
 * supplies its own, which records instead of showing.
 */
export interface PlatformHooks {
  openExternal(url: string): Promise<void>;
  chooseCaFile(): Promise<string | null>;
  /** A PEM file with a Microsoft app's certificate and private key. */
  chooseAppCertificateFile(): Promise<string | null>;
  copyText(text: string): Promise<void>;
  /** A batch file to import (imapsync lines or CSV): its absolute path, or null when dismissed. */
  chooseBatchFile(): Promise<string | null>;
  /** Where to save the client report (a save dialog proposing that format's extension), or null. */
  chooseReportFile(format: ReportFormat): Promise<string | null>;
  /** A desktop notification (settings.notifications is checked before). */
  notify(notice: { title: string; body: string }): void;
  /** A Google service account's JSON key file, or null. */
  chooseServiceAccountKeyFile(): Promise<string | null>;
  /** A Google Takeout export (.mbox, .tgz, .zip), or null. */
  chooseTakeoutFile(): Promise<string | null>;
}

export interface HandlerDeps {
  store: AppStore;
  manager: MigrationManager;
  secrets: SecretStore;
  connectionTest: typeof checkMailbox;
  googleSignIn: GoogleSignInService;
  microsoftSignIn: MicrosoftSignInService;
  platform: PlatformHooks;
  info: AppInfo;
  /** Where unexpected errors are reported (the console by default). */
  onInternalError?: (method: Method, err: unknown) => void;
  /** The engine's verifyJob by default (unit tests pass a stand-in). */
  verify?: typeof verifyJob;
  /** Workspace service accounts' keys: the OS keychain by default (unit tests pass a map). */
  serviceAccounts?: ServiceAccountStore;
}

export type HandlerTable = { readonly [M in Method]: (request: unknown) => Promise<Result<Responses[M]>> };
type Impl = { readonly [M in Method]: (request: Requests[M]) => Promise<Responses[M]> | Responses[M] };

export function createHandlers(deps: HandlerDeps): HandlerTable {
  const { store, manager, secrets } = deps;

  const google = createGoogleSignIn(deps.googleSignIn, (url) => deps.platform.openExternal(url));
  const microsoft = createMicrosoftSignIn(deps.microsoftSignIn, (url) => deps.platform.openExternal(url));
  const serviceAccounts = deps.serviceAccounts ?? keychainServiceAccounts;
  const credentials = storedCredentials({ secrets, google: deps.googleSignIn, microsoft: deps.microsoftSignIn, serviceAccounts });
  const keys = new ServiceAccountKeys(serviceAccounts);
  const takeout = new TakeoutFiles();
  const view = async (id: string, has = credentials.has): Promise<MailboxView> => {
    const config = store.mailbox(id) ?? fail('NOT_FOUND', `There is no mailbox ${JSON.stringify(id)}.`);
    const file = isTakeout(config.source) ? { takeout: await takeoutView(config.source.takeout) } : {};
    return { config, status: manager.status(id), passwordsStored: { source: has(config.source), destination: has(config.destination) }, ...file };
  };
  /** A draft as a configuration: its Takeout export must be one main's dialog gave (or the mailbox's own). */
  const configOf = (draft: MailboxDraft, id: string, existing?: MailboxConfig): MailboxConfig => {
    if (draft.source.takeout !== undefined) takeout.check(draft.source.takeout, existing?.source.takeout);
    return draftToConfig(draft, id, existing);
  };
  /** Start and Resume: past the latest test's blockers only when the user chose to (start-guard.ts). */
  const guarded = (action: 'start' | 'resume', request: Requests['start']) => {
    const confirm = guardStart(manager, action, request);
    const statuses = manager.control(action, { ids: request.ids });
    confirm();
    return statuses.map((s) => manager.status(s.id));
  };
  /** Tokens and app secrets go to Microsoft's own sign-in service only (the engine takes any https one). */
  const checkAuthority = (e: EndpointSettings): void => void (usesMicrosoft(e) && microsoft.allowedAuthority(e.authority));
  const config = (id: string) => store.mailbox(id) ?? fail('NOT_FOUND', `There is no mailbox ${JSON.stringify(id)}.`, 'It may have been removed; reload the list.');

  const impl: Impl = {
    getAppInfo: () => deps.info,
    listMailboxes: async () => {
      const has = await credentials.many();
      return Promise.all(store.mailboxes().map((m) => view(m.id, has)));
    },

    saveMailbox: (draft) => {
      const existing = draft.id !== undefined ? config(draft.id) : undefined;
      if (existing) {
        if (isActive(manager.status(existing.id).state)) {
          fail('MAILBOX_BUSY', `${existing.id} is running.`, 'Pause it before changing its settings.');
        }
        if (!sameAccount(existing.source, draft.source) || !sameAccount(existing.destination, draft.destination)) {
          fail(
            'ACCOUNT_LOCKED',
            'The Gmail address and the destination account of a saved mailbox cannot change: its record of what is already copied belongs to them.',
            'Add a new mailbox for another account.',
          );
        }
      }
      const id = existing?.id ?? store.newId(draft.source.user);
      const next = configOf(draft, id, existing);
      toMailboxJob(next); // the engine's own checks (loopback-only "none", CA file, same account...)
      checkAuthority(next.destination);
      for (const side of ['source', 'destination'] as const) {
        const typed = side === 'source' ? draft.sourcePassword : draft.destinationPassword;
        credentials.storeOrRequire(side, next[side], typed, !existing || existing[side].auth !== next[side].auth);
      }
      store.putMailbox(next);
      manager.added(id);
      return view(id);
    },

    removeMailbox: ({ id, forgetPasswords }) => {
      const c = config(id);
      manager.remove(id);
      store.removeMailbox(id);
      if (forgetPasswords) credentials.forgetUnused(c, store.mailboxes());
      return null;
    },

    testConnection: async (draft) => {
      const saved = draft.id !== undefined ? store.mailbox(draft.id) : undefined;
      const next = configOf(draft, draft.id ?? draft.source.user, saved);
      const mb = toMailboxJob(next);
      checkAuthority(next.destination);
      const typed: Partial<Record<Side, string>> = {};
      if (draft.sourcePassword !== undefined) typed.source = draft.sourcePassword;
      if (draft.destinationPassword !== undefined) typed.destination = draft.destinationPassword;
      // Through testMailboxes, as Test all: the connection budget per Gmail account is part of the answer.
      const [report] = await testMailboxes(toJob(mb, store.settings()), { test: (m) => deps.connectionTest(m, passwordResolver(secrets, typed)) });
      // A saved mailbox keeps it as its latest test (Start then warns about its blockers), when it tested its own accounts.
      const own = saved && sameAccount(saved.source, next.source) && sameAccount(saved.destination, next.destination);
      if (own && !isActive(manager.status(saved.id).state)) manager.annotate(saved.id, { check: toCheck(report!, Date.now()) });
      return toConnectionCheck(report!);
    },

    previewMapping: async ({ id }) => {
      const c = config(id);
      // Without the filter, so an excluded folder still shows where it would go if included again.
      const report = await deps.connectionTest(toMailboxJob({ ...c, exclude: [] }), passwordResolver(secrets));
      for (const side of ['source', 'destination'] as const) {
        const s = report[side];
        if (!s.ok) throw new AppFailure(toConnectionCheck(report)[side].error ?? { code: 'INTERNAL', message: `The ${side} server could not be checked.` });
      }
      return toPreview(report, c);
    },

    setExclusions: ({ id, exclude, labelPolicy, labelsAsKeywords, since, before, deleteMissing }) => {
      const c = config(id);
      if (isActive(manager.status(id).state)) fail('MAILBOX_BUSY', `${id} is running.`, 'Pause it before changing its folders or label policy.');
      const next: MailboxConfig = { ...c, exclude, labelPolicy: labelPolicy ?? c.labelPolicy, labelsAsKeywords: labelsAsKeywords ?? c.labelsAsKeywords };
      // "" removes a bound; left out, the saved one stays.
      if (since !== undefined) next.since = since || undefined;
      if (before !== undefined) next.before = before || undefined;
      if (deleteMissing !== undefined) next.deleteMissing = deleteMissing || undefined;
      for (const k of ['since', 'before', 'deleteMissing'] as const) if (next[k] === undefined) delete next[k];
      toMailboxJob(next); // the engine's checks: since before before
      store.putMailbox(next);
      return view(id);
    },

    start: (request) => guarded('start', request),
    pause: (sel) => manager.control('pause', sel),
    resume: (request) => guarded('resume', request),
    cancel: (sel) => manager.control('cancel', sel),

    getDetail: async ({ id }) => ({ view: await view(id), ...manager.runtime(id) }),

    getSettings: () => store.settings(),
    saveSettings: (settings) => {
      store.setSettings(settings);
      manager.settingsChanged();
      return store.settings();
    },

    openExternal: async ({ url }) => {
      const safe = safeExternalUrl(url) ?? fail('URL_REFUSED', 'Only https links to public web sites can be opened.');
      await deps.platform.openExternal(safe);
      return null;
    },
    chooseCaFile: () => deps.platform.chooseCaFile(),

    signInWithGoogle: (request) => google.signIn(request),
    hasGoogleSignIn: (request) => google.state(request),
    signInWithMicrosoft: (request) => microsoft.signIn(request),
    storeMicrosoftAppCredential: (request) => microsoft.storeAppCredential(request),
    hasMicrosoftCredential: (request) => microsoft.state(request),
    chooseAppCertificateFile: () => deps.platform.chooseAppCertificateFile(),
    copyExchangePermissions: async ({ clientId, mailbox, objectId }) => {
      const script = exchangePermissionScript({ appId: clientId, mailboxes: [mailbox], ...(objectId ? { objectId } : {}) });
      await deps.platform.copyText(script);
      return { script };
    },
    ...bulkHandlers(deps, { credentials: () => credentials.many(), checkAuthority }),
    ...googleSourceHandlers({ store, platform: deps.platform, keys, takeout }),
  };

  const table = {} as Record<Method, (request: unknown) => Promise<Result<unknown>>>;
  for (const method of Object.keys(requestSchemas) as Method[]) {
    const run = impl[method] as (r: unknown) => unknown;
    table[method] = async (request) => {
      const v = validate(requestSchemas[method] as (v: unknown, p: string, i: string[]) => unknown, request);
      if (!v.ok) {
        return { ok: false, error: { code: 'INVALID_REQUEST', message: `Mailferry refused a request (${method}): ${v.issues.join('; ')}.` } };
      }
      try {
        return { ok: true, value: await run(v.value) };
      } catch (err) {
        const error = toAppError(err);
        if (error.code === 'INTERNAL') (deps.onInternalError ?? ((m, e) => console.error(`mailferry: ${m} failed`, e)))(method, err);
        return { ok: false, error };
      }
    };
  }
  return table as unknown as HandlerTable;
}
