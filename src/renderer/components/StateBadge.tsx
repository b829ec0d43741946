import type { AppMailboxState } from '../../shared/contract.js';
import { STATE_LABELS } from '../../shared/mailbox-actions.js';

export function StateBadge({ state }: { state: AppMailboxState }) {
  return <span className={`badge state-${state}`}>{STATE_LABELS[state]}</span>;
}
