import { memo, useId, useState } from 'react';
import type { AppError, MailboxStatus, MailboxView } from '../../shared/contract.js';
import type { MailboxAction } from '../../shared/mailbox-actions.js';
import { byteFraction, messageFraction } from '../../shared/progress-view.js';
import { api, asAppError, call } from '../api.js';
import { byteRate, bytes, count, duration, messageRate } from '../format.js';
import { sizeOf } from '../mailbox-list.js';
import type { Navigate } from '../route.js';
import { ControlButtons } from './ControlButtons.js';
import { ProgressBar } from './ProgressBar.js';
import { StateBadge } from './StateBadge.js';
import { useStartGuard } from './StartGuard.js';
import { StatusLine } from './StatusLine.js';

interface Props {
  view: MailboxView;
  navigate: Navigate;
  applyStatuses: (s: MailboxStatus[]) => void;
  selected: boolean;
  onSelect: (id: string, selected: boolean) => void;
}

/**
 * One mailbox of the table. Memoised: a progress batch replaces the view objects of the mailboxes it names
 * only, so with 500 rows a batch re-renders the few that changed.
 */
export const MailboxRow = memo(function MailboxRow({ view, navigate, applyStatuses, selected, onSelect }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const statusId = useId();
  const { config, status, takeout } = view;
  const guard = useStartGuard(() => [view]);
  const p = status.progress;
  // Before a run has planned anything there is nothing to count yet: a dash, not "0 / 0".
  const counted = !!p && (p.planned > 0 || p.copied > 0 || status.state === 'done');
  const moving = status.state === 'copying';
  // A Takeout import reads the whole export before it plans: its size is the figure there is.
  const reading = !!takeout && status.state === 'planning' && !counted;
  const size = sizeOf(status) ?? (takeout && !counted ? takeout.sizeBytes : null);

  const act = async (action: MailboxAction) => {
    // A mailbox that never ran shows its folder mapping first.
    if (action === 'start' && status.state === 'idle') return navigate({ name: 'preview', id: config.id });
    setBusy(true);
    setError(null);
    try {
      const ids = [config.id];
      const statuses =
        action === 'start' || action === 'resume'
          ? await guard.run(ids, (despite) => call(api()[action]({ ids, ...(despite ? { despiteBlockers: true } : {}) })))
          : await call(api()[action]({ ids }));
      if (statuses) applyStatuses(statuses);
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr className={selected ? 'mailbox-row selected' : 'mailbox-row'} data-mailbox={config.id}>
      <td className="col-select">
        <input type="checkbox" checked={selected} aria-label={`Select ${config.source.user}`} onChange={(e) => onSelect(config.id, e.target.checked)} />
      </td>
      <td className="col-mailbox">
        <div className="mailbox-name" title={config.source.user}>
          {config.source.user}
        </div>
        <div className="mailbox-dest" title={`${takeout ? `from the Google Takeout export ${takeout.name} ` : ''}to ${config.destination.user} on ${config.destination.host}`}>
          {takeout ? `from ${takeout.name} (Takeout) ` : ''}to {config.destination.user} on {config.destination.host}
        </div>
        {error ? (
          <p id={statusId} className="status-line bad" role="alert" title={error.hint ?? ''}>
            {error.message}
            {error.hint ? <span className="status-hint"> {error.hint}</span> : null}
          </p>
        ) : (
          <StatusLine status={status} id={statusId} name={config.source.user} {...(takeout ? { takeout } : {})} />
        )}
      </td>
      <td className="col-state">
        <StateBadge state={status.state} inUse={!!status.inUse} />
      </td>
      <td className="col-progress">
        <ProgressBar
          label={`Messages for ${config.source.user}`}
          fraction={counted ? messageFraction(p) : 0}
          text={counted ? `${count(p.copied + p.failed)} / ${count(p.planned)} msgs` : reading ? 'reading the export' : '—'}
        />
        <ProgressBar
          label={`Data for ${config.source.user}`}
          fraction={counted ? byteFraction(p) : 0}
          text={counted ? `${bytes(p.bytesCopied)} / ${bytes(p.bytesPlanned)}` : reading ? `${bytes(takeout?.sizeBytes)} export` : '—'}
        />
      </td>
      <td className="col-size num" title={size !== null && !counted ? (takeout ? 'The export’s size on disk' : 'As the connection test estimated it') : undefined}>
        {size === null ? '—' : counted ? bytes(size) : `≈ ${bytes(size)}`}
      </td>
      <td className="col-rate num">
        {p && moving ? (
          <span className="rate">
            <span>{messageRate(p.rate)}</span>
            <span>{byteRate(p.byteRate)}</span>
          </span>
        ) : (
          '—'
        )}
      </td>
      <td className="col-eta num">{p && moving ? duration(p.etaSeconds) : '—'}</td>
      <td className="col-actions">
        <ControlButtons view={view} onAction={(a) => void act(a)} busy={busy} reasonId={statusId} />
        {guard.dialog}
        <button type="button" className="btn subtle" aria-label={`Details of ${config.source.user}`} onClick={() => navigate({ name: 'detail', id: config.id })}>
          Details
        </button>
      </td>
    </tr>
  );
});
