import { useEffect, useId, useState } from 'react';
import type { AppError, MailboxDetail, MailboxView } from '../../shared/contract.js';
import { canDo, isActive, type MailboxAction } from '../../shared/mailbox-actions.js';
import { byteFraction, messageFraction } from '../../shared/progress-view.js';
import { workLeft } from '../../shared/work-left.js';
import { api, asAppError, call } from '../api.js';
import { bytes, count, duration, gmailDays, rate } from '../format.js';
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
import { PreflightList } from './PreflightList.js';
import { useStartGuard } from './StartGuard.js';
import { StatusLine } from './StatusLine.js';

interface Props {
  view: MailboxView;
  navigate: Navigate;
  state: MailboxesState;
}

export function MailboxDetailView({ view, navigate, state }: Props) {
  const { config, status, takeout } = view;
  const guard = useStartGuard(() => [view]);
  const [detail, setDetail] = useState<MailboxDetail | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const statusId = useId();
  const p = status.progress;
  const left = workLeft(status, !takeout);
  const failedMessages = Math.max(detail?.failures.length ?? 0, p?.failed ?? 0);
  const canRetry = failedMessages > 0 && canDo(status.state, 'start') && !status.inUse;

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

  const act = async (action: MailboxAction | 'retryFailed' | 'verify') => {
    if (action === 'start' && status.state === 'idle') return navigate({ name: 'preview', id: config.id });
    setBusy(true);
    setError(null);
    try {
      const ids = [config.id];
      const statuses =
        action === 'start' || action === 'resume'
          ? await guard.run(ids, (despite) => call(api()[action]({ ids, ...(despite ? { despiteBlockers: true } : {}) })))
          : await call(action === 'retryFailed' ? api().retryFailed({ id: config.id }) : action === 'verify' ? api().verifyMailboxes({ ids }) : api()[action]({ ids }));
      if (statuses) state.applyStatuses(statuses);
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
          {canRetry ? (
            <button type="button" className="btn" disabled={busy} title="Copies only the messages the latest runs could not copy" onClick={() => void act('retryFailed')}>
              Retry failed ({count(failedMessages)})
            </button>
          ) : null}
          <button type="button" className="btn" disabled={busy || isActive(status.state) || status.verification?.state === 'verifying'} onClick={() => void act('verify')}>
            {status.verification?.state === 'verifying' ? 'Verifying…' : 'Verify'}
          </button>
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
      {guard.dialog}
      <p className="muted">
        {takeout ? `From the Google Takeout export ${takeout.name}${takeout.sizeBytes !== null ? ` (${bytes(takeout.sizeBytes)})` : ''} · ` : ''}
        To {config.destination.user} on {config.destination.host}:{config.destination.port}
        {config.exclude.length > 0 ? ` · ${config.exclude.length} folder${config.exclude.length === 1 ? '' : 's'} left out` : ''}
      </p>
      <StatusLine status={status} id={statusId} name={config.source.user} {...(takeout ? { takeout } : {})} />
      {takeout?.problem ? <p className="warn">{takeout.problem} Choose the export again with Edit….</p> : null}
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
          <div>
            <dt>Left to copy</dt>
            <dd>{left.bytesLeft === null ? '—' : bytes(left.bytesLeft)}</dd>
          </div>
          <div>
            <dt>Gmail’s daily limit</dt>
            <dd title="Gmail lets an account download 2,500 MB a day">{takeout ? 'none: a Takeout export' : gmailDays(left.gmailDays)}</dd>
          </div>
          <div>
            <dt>At this pace</dt>
            <dd>{left.paceSeconds === null ? '—' : duration(left.paceSeconds)}</dd>
          </div>
        </dl>
        <Verdict status={status} />
      </div>
      <LatestTest status={status} />
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

/** What the latest test found, in full: failed sign-ins and blockers apart from warnings, each with what to do. */
function LatestTest({ status }: { status: MailboxDetail['view']['status'] }) {
  const c = status.check;
  if (!c || c.state === 'testing' || (c.problems.length === 0 && (c.blockers ?? []).length === 0 && (c.warnings ?? []).length === 0)) return null;
  return (
    <section className="latest-test" aria-labelledby="latest-test-title">
      <h2 id="latest-test-title">Latest test ({new Date(c.at).toLocaleString()})</h2>
      {c.startedAnyway !== undefined ? <p className="muted">Started anyway on {new Date(c.startedAnyway).toLocaleString()}.</p> : null}
      <PreflightList problems={c.problems} blockers={c.blockers ?? []} warnings={c.warnings ?? []} />
    </section>
  );
}

/** The latest verify of this mailbox, when there is one. */
function Verdict({ status }: { status: MailboxDetail['view']['status'] }) {
  const v = status.verification;
  if (!v) return null;
  const when = v.state === 'verifying' ? '' : ` (${new Date(v.at).toLocaleString()})`;
  const text =
    v.state === 'verifying'
      ? 'Verifying: comparing both sides folder by folder…'
      : v.state === 'complete'
        ? `Verified complete: every message is on the destination; ${count(v.folders)} folders compared${when}.`
        : v.state === 'incomplete'
          ? `Verify found differences: ${count(v.missing)} missing and ${count(v.extra)} extra on the destination${when}. Run it again to copy what is missing.`
          : `Not verified: ${v.error?.message ?? 'the mailbox could not be compared'}${when}.`;
  const tone = v.state === 'complete' ? 'good' : v.state === 'verifying' ? 'muted' : 'bad';
  return (
    <div className={`verdict ${tone}`} role="status" data-verdict={v.state}>
      <p>{text}</p>
      {v.error?.hint ? <p className="status-hint">{v.error.hint}</p> : null}
      {v.changes.map((c) => (
        <p key={c} className="note">
          {c}
        </p>
      ))}
    </div>
  );
}
