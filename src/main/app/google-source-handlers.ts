/**
 * The contract's calls for the Gmail side's other ways in, as part of the handler table (handlers.ts
 * validates every request first): a Workspace service account's key file (import, delete the file, list,
 * forget) and a Google Takeout export (choose). Files come only from main's dialogs.
 */
import type { Method, Requests, Responses } from '../../shared/contract.js';
import type { AppStore } from './app-store.js';
import type { PlatformHooks } from './handlers.js';
import { findAccount, type ServiceAccountKeys } from './service-accounts.js';
import type { TakeoutFiles } from './takeout-source.js';

export type GoogleSourceMethod = Extract<Method, 'chooseServiceAccountKey' | 'deleteKeyFile' | 'listServiceAccounts' | 'forgetServiceAccount' | 'chooseTakeoutFile'>;
type Impl = { readonly [M in GoogleSourceMethod]: (request: Requests[M]) => Promise<Responses[M]> | Responses[M] };

export interface GoogleSourceContext {
  store: AppStore;
  platform: PlatformHooks;
  keys: ServiceAccountKeys;
  takeout: TakeoutFiles;
}

export function googleSourceHandlers({ store, platform, keys, takeout }: GoogleSourceContext): Impl {
  return {
    chooseServiceAccountKey: async () => {
      const file = await platform.chooseServiceAccountKeyFile();
      return file ? keys.import(file) : null;
    },
    deleteKeyFile: ({ fileId }) => keys.deleteFile(fileId),
    listServiceAccounts: () => keys.list(),
    forgetServiceAccount: async ({ ref }) => {
      // The saved mailboxes may name the account by client e-mail or by client ID: either counts.
      const account = findAccount(await keys.list(), ref);
      const names = new Set([ref.trim().toLowerCase(), account?.clientEmail, account?.clientId].filter(Boolean));
      const usedBy = store.mailboxes().filter((m) => m.source.auth === 'service-account' && names.has(m.source.serviceAccount ?? '')).map((m) => m.id);
      return keys.forget(ref, usedBy);
    },
    chooseTakeoutFile: async () => {
      const file = await platform.chooseTakeoutFile();
      return file ? takeout.chosen(file) : null;
    },
  };
}
