import { useId, useState } from 'react';
import type { AppError, MailboxStatus, MailboxView } from '../../shared/contract.js';
import type { MailboxAction } from '../../shared/mailbox-actions.js';
import { byteFraction, folderCounts, messageFraction } from '../../shared/progress-view.js';
import { api, asAppError, call } from '../api.js';
import { byteRate, bytes, count, duration, messageRate } from '../format.js';
import type { Navigate } from '../route.js';
import { ControlButtons } from './ControlButtons.js';
import { ErrorText } from './ErrorText.js';
import { ProgressBar } from './ProgressBar.js';
import { StateBadge } from './StateBadge.js';
import { StatusLine } from './StatusLine.js';

interface Props {
  view: MailboxView;
  navigate: Navigate;
  applyStatuses: (s: MailboxStatus[]) => void;
}

export function MailboxRow({ view, navigate, applyStatuses }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const statusId = useId();
  const { config, status } = view;
  const p = status.progress;
  const folders = p ? folderCounts(p) : null;
  // Before a run has planned anything there is nothing to count yet: a dash, not "0 / 0".
  const counted = !!p && (p.planned > 0 || p.copied > 0 || status.state === 'done');
  const moving = status.state === 'copying';

  const act = async (action: MailboxAction) => {
    // A mailbox that never ran shows its folder mapping first.
    if (action === 'start' && status.state === 'idle') return navigate({ name: 'preview', id: config.id });
    setBusy(true);
    setError(null);
    try {
      applyStatuses(await call(api()[action]({ ids: [config.id] })));
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr className="mailbox-row" data-mailbox={config.id}>
      <td className="col-mailbox">
        <div className="mailbox-name">{config.source.user}</div>
        <div className="mailbox-dest">
          to {config.destination.user} on {config.destination.host}
        </div>
        <StatusLine status={status} id={statusId} />
        {error ? <ErrorText error={error} compact /> : null}
      </td>
      <td className="col-state">
        <StateBadge state={status.state} inUse={!!status.inUse} />
      </td>
      <td className="col-progress">
        <ProgressBar
          label={`Messages for ${config.source.user}`}
          fraction={counted ? messageFraction(p) : 0}
          text={counted ? `${count(p.copied + p.failed)} / ${count(p.planned)} msgs` : '—'}
        />
        <ProgressBar label={`Data for ${config.source.user}`} fraction={counted ? byteFraction(p) : 0} text={counted ? `${bytes(p.bytesCopied)} / ${bytes(p.bytesPlanned)}` : '—'} />
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
      <td className="col-folders num">{folders && folders.total > 0 ? `${folders.done} / ${folders.total}` : '—'}</td>
      <td className="col-actions">
        <ControlButtons view={view} onAction={(a) => void act(a)} busy={busy} reasonId={statusId} />
        <button type="button" className="btn subtle" aria-label={`Details of ${config.source.user}`} onClick={() => navigate({ name: 'detail', id: config.id })}>
          Details
        </button>
      </td>
    </tr>
  );
}
