import type { MailboxView } from '../../shared/contract.js';
import { availableActions, type MailboxAction } from '../../shared/mailbox-actions.js';

const LABELS: Record<MailboxAction, string> = { start: 'Start', pause: 'Pause', resume: 'Resume', cancel: 'Cancel' };

/** "Start" reads oddly on a finished or failed mailbox: a start there fetches what is new, or tries again. */
function startLabel(state: MailboxView['status']['state']): string {
  if (state === 'done') return 'Run again';
  if (state === 'failed') return 'Retry';
  return 'Start';
}

/** The controls that make sense for the mailbox's state, always in the same order. */
export function ControlButtons({ view, onAction, busy }: { view: MailboxView; onAction: (a: MailboxAction) => void; busy: boolean }) {
  const actions = availableActions(view.status.state);
  const name = view.config.source.user;
  return (
    <span className="controls">
      {actions.map((a) => (
        <button
          key={a}
          type="button"
          className={a === 'cancel' ? 'btn subtle' : a === 'pause' ? 'btn' : 'btn primary'}
          disabled={busy}
          aria-label={`${a === 'start' ? startLabel(view.status.state) : LABELS[a]} ${name}`}
          onClick={() => onAction(a)}
        >
          {a === 'start' ? startLabel(view.status.state) : LABELS[a]}
        </button>
      ))}
    </span>
  );
}
