/**
 * Which mailboxes a bulk action (Test all, Verify all) takes: "all" is every mailbox neither running nor
 * already in this action; named ones must exist and must not be running (the reason says why it matters).
 */
import type { Selection } from '../../shared/contract.js';
import { isActive } from '../../shared/mailbox-actions.js';
import { fail } from './app-error.js';
import type { AppStore } from './app-store.js';
import type { MigrationManager } from './migration-manager.js';

export function pickIdle(
  selection: Selection,
  deps: { store: AppStore; manager: Pick<MigrationManager, 'status'> },
  inProgress: ReadonlySet<string>,
  whenRunning: (id: string) => { message: string; hint: string },
): string[] {
  const { store, manager } = deps;
  if (selection.ids === 'all') {
    return store.mailboxes().map((m) => m.id).filter((id) => !inProgress.has(id) && !isActive(manager.status(id).state));
  }
  for (const id of selection.ids) {
    if (!store.mailbox(id)) fail('NOT_FOUND', `There is no mailbox ${JSON.stringify(id)}.`, 'It may have been removed; reload the list.');
    if (isActive(manager.status(id).state)) {
      const why = whenRunning(id);
      fail('MAILBOX_BUSY', why.message, why.hint);
    }
  }
  return selection.ids.filter((id) => !inProgress.has(id));
}
