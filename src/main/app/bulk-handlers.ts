/**
 * The contract's calls for many mailboxes at once (import a batch file, test, verify, retry what failed,
 * export the client report), as part of the handler table (handlers.ts validates every request first).
 */
import type { EndpointSettings, Method, Requests, Responses } from '../../shared/contract.js';
import { BatchImports } from './batch-import.js';
import type { HandlerDeps } from './handlers.js';
import { exportReport } from './report-export.js';
import { TestAll } from './test-all.js';
import { VerifyAll } from './verify-all.js';

export type BulkMethod = Extract<Method, 'chooseBatchFile' | 'previewImport' | 'importMailboxes' | 'testMailboxes' | 'verifyMailboxes' | 'retryFailed' | 'exportReport'>;
type BulkImpl = { readonly [M in BulkMethod]: (request: Requests[M]) => Promise<Responses[M]> | Responses[M] };

export interface BulkContext {
  /** Whether the keychain holds what endpoints sign in with (one lookup for many). */
  credentials: () => Promise<(e: EndpointSettings) => boolean>;
  /** Throws for a Microsoft sign-in service main does not send tokens to. */
  checkAuthority: (e: EndpointSettings) => void;
}

export function bulkHandlers(deps: HandlerDeps, ctx: BulkContext): BulkImpl {
  const { store, manager, secrets } = deps;
  const imports = new BatchImports({ store, secrets, credentials: ctx.credentials, checkAuthority: ctx.checkAuthority, added: (id) => manager.added(id) });
  const tests = new TestAll({ store, manager, secrets, connectionTest: deps.connectionTest });
  const verifies = new VerifyAll({ store, manager, secrets, stateDir: deps.info.stateDir, ...(deps.verify ? { verify: deps.verify } : {}) });
  return {
    chooseBatchFile: async () => {
      const file = await deps.platform.chooseBatchFile();
      return file ? imports.chosen(file) : null;
    },
    previewImport: ({ fileId, defaults }) => imports.preview(fileId, defaults),
    importMailboxes: ({ previewId }) => imports.commit(previewId),
    testMailboxes: (selection) => tests.run(selection),
    verifyMailboxes: (selection) => verifies.run(selection),
    retryFailed: ({ id }) => manager.retryFailed(id),
    exportReport: ({ format }) => exportReport(format, { stateDir: deps.info.stateDir, mailboxes: () => store.mailboxes(), chooseFile: (f) => deps.platform.chooseReportFile(f) }),
  };
}
