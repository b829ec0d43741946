/**
 * Which control applies in which state. Main enforces it; the window uses it to show only the buttons
 * that do something. Plain data, no imports beyond the contract's types.
 */
import type { AppError, AppMailboxState, MailboxStatus } from './contract.js';

export type MailboxAction = 'start' | 'pause' | 'resume' | 'cancel';

/** A run is under way (or waiting its turn): pausing or cancelling makes sense. */
const ACTIVE: ReadonlySet<AppMailboxState> = new Set(['queued', 'connecting', 'planning', 'copying', 'retrying', 'waiting-quota']);
/** Nothing is running: a start begins (or continues, thanks to the ledger) the migration. */
const STARTABLE: ReadonlySet<AppMailboxState> = new Set(['idle', 'done', 'failed', 'cancelled']);

export function isActive(state: AppMailboxState): boolean {
  return ACTIVE.has(state);
}

export function canDo(state: AppMailboxState, action: MailboxAction): boolean {
  switch (action) {
    case 'start':
      return STARTABLE.has(state);
    case 'pause':
      return ACTIVE.has(state);
    case 'resume':
      return state === 'paused';
    case 'cancel':
      return ACTIVE.has(state) || state === 'paused';
  }
}

/**
 * Why an action the state allows cannot be done now: Start and Resume wait while another Mailferry run
 * holds the mailbox (MailboxStatus.inUse); null when nothing stands in the way.
 */
export function heldBack(status: MailboxStatus, action: MailboxAction): AppError | null {
  return action === 'start' || action === 'resume' ? status.inUse : null;
}

export function availableActions(state: AppMailboxState): MailboxAction[] {
  return (['start', 'pause', 'resume', 'cancel'] as const).filter((a) => canDo(state, a));
}

/** Words for a state, as the window shows them. */
export const STATE_LABELS: Readonly<Record<AppMailboxState, string>> = Object.freeze({
  idle: 'Not started',
  queued: 'Queued',
  connecting: 'Connecting',
  planning: 'Planning',
  copying: 'Copying',
  retrying: 'Retrying',
  'waiting-quota': 'Waiting for quota',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
});
