import { useState } from 'react';
import type { AppError } from '../../shared/contract.js';
import { canDo, heldBack, type MailboxAction } from '../../shared/mailbox-actions.js';
import { api, asAppError, call } from '../api.js';
import type { Navigate } from '../route.js';
import type { MailboxesState } from '../use-mailboxes.js';
import { EmptyState } from './EmptyState.js';
import { ErrorText } from './ErrorText.js';
import { MailboxRow } from './MailboxRow.js';

const ALL_LABELS: Record<MailboxAction, string> = { start: 'Start all', pause: 'Pause all', resume: 'Resume all', cancel: 'Cancel all' };

export function MailboxesView({ state, navigate }: { state: MailboxesState; navigate: Navigate }) {
  const { views, error, applyStatuses } = state;
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<AppError | null>(null);

  const all = async (action: MailboxAction) => {
    setBusy(true);
    setActionError(null);
    try {
      applyStatuses(await call(api()[action]({ ids: 'all' })));
    } catch (err) {
      setActionError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="mailboxes-title">
      <div className="view-head">
        <h1 id="mailboxes-title" tabIndex={-1}>
          Mailboxes
        </h1>
        <div className="toolbar">
          {(['start', 'pause', 'resume', 'cancel'] as const).map((a) => (
            <button key={a} type="button" className="btn" disabled={busy || !views?.some((v) => canDo(v.status.state, a) && !heldBack(v.status, a))} onClick={() => void all(a)}>
              {ALL_LABELS[a]}
            </button>
          ))}
          <button type="button" className="btn primary" onClick={() => navigate({ name: 'add' })}>
            Add mailbox
          </button>
        </div>
      </div>
      {error ? <ErrorText error={error} /> : null}
      {actionError ? <ErrorText error={actionError} /> : null}
      {views === null && !error ? <p className="muted">Loading…</p> : null}
      {views && views.length === 0 ? (
        <EmptyState title="No mailboxes yet">
          <p>Add a Gmail or Google Workspace mailbox and the server it should move to. You can test the connection and see which folders go where before anything is copied.</p>
          <button type="button" className="btn primary" onClick={() => navigate({ name: 'add' })}>
            Add your first mailbox
          </button>
        </EmptyState>
      ) : null}
      {views && views.length > 0 ? (
        <table className="mailboxes">
          <colgroup>
            <col className="w-mailbox" />
            <col className="w-state" />
            <col className="w-progress" />
            <col className="w-rate" />
            <col className="w-eta" />
            <col className="w-folders" />
            <col className="w-actions" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">Mailbox</th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col">Speed</th>
              <th scope="col">Time left</th>
              <th scope="col">Folders</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {views.map((v) => (
              <MailboxRow key={v.config.id} view={v} navigate={navigate} applyStatuses={applyStatuses} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
