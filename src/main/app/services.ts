/**
 * Wires the app's services together: settings file, migration manager, handler table. Free of Electron,
 * so the e2e bridge builds exactly what main.ts builds, with only the platform hooks (shell, dialogs)
 * swapped.
 */
import { join } from 'node:path';
import { runMigration } from '../engine/run/run-migration.js';
import type { AppInfo } from '../../shared/contract.js';
import { AppStore } from './app-store.js';
import { checkMailbox } from './connection-test-adapter.js';
import { googleSignInService, type GoogleSignInService } from './google-sign-in.js';
import { createHandlers, type HandlerDeps, type HandlerTable, type PlatformHooks } from './handlers.js';
import { microsoftSignInService, type MicrosoftSignInService } from './microsoft-sign-in.js';
import { MigrationManager, type ManagerOptions, type RunFn } from './migration-manager.js';
import { Notifier } from './notifications.js';
import { entry } from './run-log.js';
import { keychain, type SecretStore } from './secret-store.js';

export interface AppServicesOptions {
  /** The app's data folder (Electron's userData): settings file and, under state/, the ledger. */
  dataDir: string;
  version: string;
  platform: PlatformHooks;
  /** Defaults: the OS keychain, the engine's runMigration and connection test. */
  secrets?: SecretStore;
  run?: RunFn;
  connectionTest?: typeof checkMailbox;
  /** Sign in with Google: the engine's browser flow and the keychain by default; tests inject a fake flow. */
  googleSignIn?: Partial<GoogleSignInService>;
  /** Sign in with Microsoft and app-only access: the engine's flows and the keychain by default. */
  microsoftSignIn?: Partial<MicrosoftSignInService>;
  batchIntervalMs?: number;
  /** How often to look for other Mailferry runs (default 2 s) and where their locks are. */
  holders?: ManagerOptions['holders'];
  /** The engine's verifyJob by default. */
  verify?: HandlerDeps['verify'];
  /** Workspace service accounts' keys: the OS keychain by default. */
  serviceAccounts?: HandlerDeps['serviceAccounts'];
}

export interface AppServices {
  store: AppStore;
  manager: MigrationManager;
  handlers: HandlerTable;
  info: AppInfo;
  /** Desktop notifications from the manager's statuses (Settings: notifications). */
  notifier: Notifier;
}

export function createAppServices(o: AppServicesOptions): AppServices {
  const store = new AppStore(o.dataDir);
  const stateDir = join(o.dataDir, 'state');
  const secrets = o.secrets ?? keychain;
  const manager = new MigrationManager({
    store,
    secrets,
    stateDir,
    run: o.run ?? runMigration,
    ...(o.batchIntervalMs !== undefined ? { batchIntervalMs: o.batchIntervalMs } : {}),
    ...(o.holders ? { holders: o.holders } : {}),
  });
  if (store.recovered) console.warn(`mailferry: ${entry('warn', store.recovered).message}`);
  if (store.privacyNote) console.warn(`mailferry: ${store.privacyNote}`);
  const info: AppInfo = { version: o.version, dataDir: o.dataDir, stateDir };
  const handlers = createHandlers({
    store,
    manager,
    secrets,
    connectionTest: o.connectionTest ?? checkMailbox,
    googleSignIn: googleSignInService(o.googleSignIn),
    microsoftSignIn: microsoftSignInService(o.microsoftSignIn),
    platform: o.platform,
    info,
    ...(o.verify ? { verify: o.verify } : {}),
    ...(o.serviceAccounts ? { serviceAccounts: o.serviceAccounts } : {}),
  });
  const notifier = new Notifier(manager, () => store.settings().notifications, (n) => o.platform.notify(n));
  return { store, manager, handlers, info, notifier };
}
