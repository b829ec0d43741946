/**
 * Start and Resume do not go silently past what the latest test of a mailbox found: while its check has a
 * blocker (a hidden label, a destination too small...), main refuses with PREFLIGHT_BLOCKERS, the window shows
 * every blocker with what to do, and only "Start anyway" (despiteBlockers) goes ahead. That choice is kept on
 * the check, so the mailbox does not ask again until a new test finds something. Main enforces it, not the
 * window alone: every Start and Resume the window asks for (a row, the toolbar, the detail view) passes here.
 * A session resumed at launch is not asked again: those mailboxes were running when Mailferry was closed.
 */
import type { MailboxStatus, StartRequest } from '../../shared/contract.js';
import { pendingBlockers, PREFLIGHT_BLOCKERS } from '../../shared/contract.js';
import { canDo, type MailboxAction } from '../../shared/mailbox-actions.js';
import { fail } from './app-error.js';
import type { MigrationManager } from './migration-manager.js';

/**
 * Throws PREFLIGHT_BLOCKERS unless nothing is blocked or the user chose to go ahead; then returns what marks the
 * blocked mailboxes' checks as started past (called once the start itself went through).
 */
export function guardStart(
  manager: Pick<MigrationManager, 'status' | 'statuses' | 'annotate'>,
  action: Extract<MailboxAction, 'start' | 'resume'>,
  request: StartRequest,
  now: () => number = Date.now,
): () => void {
  const statuses: MailboxStatus[] = request.ids === 'all' ? manager.statuses().filter((s) => canDo(s.state, action)) : request.ids.map((id) => manager.status(id));
  const blocked = statuses.filter((s) => pendingBlockers(s.check).length > 0);
  if (blocked.length === 0) return () => {};
  if (request.despiteBlockers) {
    return () => {
      for (const s of blocked) manager.annotate(s.id, { check: { ...s.check!, startedAnyway: now() } });
    };
  }
  const first = pendingBlockers(blocked[0]!.check)[0]!;
  const whose = blocked.length === 1 ? `The latest test of ${blocked[0]!.id}` : `The latest tests of ${blocked.length} mailboxes`;
  fail(PREFLIGHT_BLOCKERS, `${whose} found what would stop the migration: ${first.message}`, first.hint ?? 'Fix it and test again, or start anyway.');
}
