import type { AppMailboxState } from '../../shared/contract.js';
import { STATE_LABELS } from '../../shared/mailbox-actions.js';

/** The state, or that another Mailferry run holds the mailbox: then nothing can be done here until it ends. */
export function StateBadge({ state, inUse = false }: { state: AppMailboxState; inUse?: boolean }) {
  if (inUse) return <span className="badge state-in-use">In use elsewhere</span>;
  return <span className={`badge state-${state}`}>{STATE_LABELS[state]}</span>;
}
