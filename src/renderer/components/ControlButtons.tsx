import type { MailboxView } from '../../shared/contract.js';
import { availableActions, heldBack, type MailboxAction } from '../../shared/mailbox-actions.js';

const LABELS: Record<MailboxAction, string> = { start: 'Start', pause: 'Pause', resume: 'Resume', cancel: 'Cancel' };

/** "Start" reads oddly on a finished or failed mailbox: a start there fetches what is new, or tries again. */
function startLabel(state: MailboxView['status']['state']): string {
  if (state === 'done') return 'Run again';
  if (state === 'failed') return 'Retry';
  return 'Start';
}

/**
 * The controls that make sense for the mailbox's state, always in the same order. One that another
 * Mailferry run holds back stays in place, marked aria-disabled rather than disabled so that it can still
 * be reached with the keyboard, and described by the visible reason (the element `reasonId`).
 */
export function ControlButtons({ view, onAction, busy, reasonId }: { view: MailboxView; onAction: (a: MailboxAction) => void; busy: boolean; reasonId: string }) {
  const actions = availableActions(view.status.state);
  const name = view.config.source.user;
  return (
    <span className="controls">
      {actions.map((a) => {
        const label = a === 'start' ? startLabel(view.status.state) : LABELS[a];
        const held = heldBack(view.status, a);
        return (
          <button
            key={a}
            type="button"
            className={a === 'cancel' ? 'btn subtle' : a === 'pause' ? 'btn' : 'btn primary'}
            disabled={busy}
            aria-disabled={held ? true : undefined}
            aria-describedby={held ? reasonId : undefined}
            title={held ? `In use by another Mailferry run: ${held.message}` : undefined}
            aria-label={`${label} ${name}`}
            onClick={() => (held ? undefined : onAction(a))}
          >
            {label}
          </button>
        );
      })}
    </span>
  );
}
