import type { MailboxStatus } from '../../shared/contract.js';
import { clock } from '../format.js';

/**
 * One line under the mailbox: who else runs it, the last problem in plain words, or what it is waiting
 * for. Always present, so rows never change height. `id` lets a held-back button point at it.
 */
export function StatusLine({ status, id }: { status: MailboxStatus; id?: string }) {
  const next = status.nextAttemptAt ? ` Next try at ${clock(status.nextAttemptAt)}.` : '';
  const held = status.inUse;
  if (held) {
    return (
      <p id={id} className="status-line warn in-use" title={`${held.message} ${held.hint ?? ''}`.trim()}>
        <strong>In use by another Mailferry run.</strong> {held.message}
        {held.hint ? <span className="status-hint"> {held.hint}</span> : null}
      </p>
    );
  }
  if (status.lastError) {
    return (
      <p id={id} className={status.state === 'failed' ? 'status-line bad' : 'status-line warn'} title={status.lastError.hint ?? ''}>
        {status.lastError.message}
        {next}
        {status.lastError.hint ? <span className="status-hint"> {status.lastError.hint}</span> : null}
      </p>
    );
  }
  const p = status.progress;
  const text =
    status.state === 'done' && p
      ? p.failed > 0
        ? `${p.failed} message${p.failed === 1 ? '' : 's'} could not be copied; see Details.`
        : 'Everything is on the destination.'
      : status.state === 'idle'
        ? 'Not started yet.'
        : p && p.present > 0
          ? `${p.present.toLocaleString()} already on the destination.`
          : '\u00a0';
  return (
    <p id={id} className="status-line">
      {text}
    </p>
  );
}
