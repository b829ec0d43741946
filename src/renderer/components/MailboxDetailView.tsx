import { useEffect, useId, useState } from 'react';
import type { AppError, MailboxDetail, MailboxView } from '../../shared/contract.js';
import { isActive, type MailboxAction } from '../../shared/mailbox-actions.js';
import { byteFraction, messageFraction } from '../../shared/progress-view.js';
import { api, asAppError, call } from '../api.js';
import { bytes, count, duration, rate } from '../format.js';
import type { Navigate } from '../route.js';
import type { MailboxesState } from '../use-mailboxes.js';
import { ControlButtons } from './ControlButtons.js';
import { ErrorText } from './ErrorText.js';
import { FailureList } from './FailureList.js';
import { FolderTable } from './FolderTable.js';
import { LogList } from './LogList.js';
import { ProgressBar } from './ProgressBar.js';
import { RemoveMailbox } from './RemoveMailbox.js';
import { StateBadge } from './StateBadge.js';
import { StatusLine } from './StatusLine.js';

interface Props {
  view: MailboxView;
  navigate: Navigate;
  state: MailboxesState;
}

export function MailboxDetailView({ view, navigate, state }: Props) {
  const { config, status } = view;
  const [detail, setDetail] = useState<MailboxDetail | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const statusId = useId();
  const p = status.progress;

  // The log and failures change when the state does; the counters arrive with every progress batch.
  useEffect(() => {
    let live = true;
    call(api().getDetail({ id: config.id })).then(
      (d) => live && setDetail(d),
      (err: unknown) => live && setError(asAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [config.id, status.state]);

  const act = async (action: MailboxAction) => {
    if (action === 'start' && status.state === 'idle') return navigate({ name: 'preview', id: config.id });
    setBusy(true);
    setError(null);
    try {
      state.applyStatuses(await call(api()[action]({ ids: [config.id] })));
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="detail-title" className="detail">
      <div className="view-head">
        <h1 id="detail-title" tabIndex={-1}>
          {config.source.user}
        </h1>
        <StateBadge state={status.state} inUse={!!status.inUse} />
        <div className="toolbar">
          <ControlButtons view={view} onAction={(a) => void act(a)} busy={busy} reasonId={statusId} />
          <button type="button" className="btn" disabled={isActive(status.state)} onClick={() => navigate({ name: 'preview', id: config.id })}>
            Folders…
          </button>
          <button type="button" className="btn" disabled={isActive(status.state)} onClick={() => navigate({ name: 'edit', id: config.id })}>
            Edit…
          </button>
          <RemoveMailbox
            id={config.id}
            disabled={isActive(status.state)}
            onRemoved={() => {
              void state.reload();
              navigate({ name: 'mailboxes' });
            }}
          />
        </div>
      </div>
      <p className="muted">
        To {config.destination.user} on {config.destination.host}:{config.destination.port}
        {config.exclude.length > 0 ? ` · ${config.exclude.length} folder${config.exclude.length === 1 ? '' : 's'} left out` : ''}
      </p>
      <StatusLine status={status} id={statusId} />
      {error ? <ErrorText error={error} /> : null}
      <div className="summary">
        <ProgressBar label="Messages" fraction={p ? messageFraction(p) : 0} text={p ? `${count(p.copied + p.failed)} / ${count(p.planned)} messages` : '—'} />
        <ProgressBar label="Data" fraction={p ? byteFraction(p) : 0} text={p ? `${bytes(p.bytesCopied)} / ${bytes(p.bytesPlanned)}` : '—'} />
        <dl className="facts num">
          <div>
            <dt>Copied</dt>
            <dd>{p ? count(p.copied) : '—'}</dd>
          </div>
          <div>
            <dt>Already there</dt>
            <dd>{p ? count(p.present) : '—'}</dd>
          </div>
          <div>
            <dt>Failed</dt>
            <dd>{p ? count(p.failed) : '—'}</dd>
          </div>
          <div>
            <dt>Speed</dt>
            <dd>{p && status.state === 'copying' ? rate(p.rate, p.byteRate) : '—'}</dd>
          </div>
          <div>
            <dt>Time left</dt>
            <dd>{p && status.state === 'copying' ? duration(p.etaSeconds) : '—'}</dd>
          </div>
        </dl>
      </div>
      <h2>Folders</h2>
      <FolderTable folders={p?.folders ?? []} />
      <h2>Messages not copied</h2>
      {detail ? <FailureList failures={detail.failures} /> : <p className="muted">Loading…</p>}
      {detail && detail.notes.length > 0 ? (
        <>
          <h2>Notes</h2>
          <ul className="notes">
            {detail.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>Log</h2>
      {detail ? <LogList log={detail.log} /> : <p className="muted">Loading…</p>}
    </section>
  );
}
