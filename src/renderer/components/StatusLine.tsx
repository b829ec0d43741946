import type { MailboxStatus } from '../../shared/contract.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { clock } from '../format.js';
import { rowNote } from '../mailbox-list.js';

/**
 * One line under the mailbox: who else runs it, else the newest of its last problem, its latest test and its
 * latest verify, else what it is waiting for or doing (mailbox-list.ts rowNote). Always present, so rows never
 * change height. `id` lets a held-back button point at it.
 */
export function StatusLine({ status, id }: { status: MailboxStatus; id?: string }) {
  const held = status.inUse;
  if (held) {
    return (
      <p id={id} className="status-line warn in-use" title={`${held.message} ${held.hint ?? ''}`.trim()}>
        <strong>In use by another Mailferry run.</strong> {held.message}
        {held.hint ? <span className="status-hint"> {held.hint}</span> : null}
      </p>
    );
  }
  const note = rowNote(status, formatBytes);
  const next = status.nextAttemptAt && status.lastError ? ` Next try at ${clock(status.nextAttemptAt)}.` : '';
  const cls = note.tone === 'bad' || note.tone === 'warn' ? `status-line ${note.tone}` : note.tone === 'good' ? 'status-line good' : 'status-line';
  return (
    <p id={id} className={cls} title={note.hint ? `${note.text} ${note.hint}` : undefined}>
      {note.text}
      {next}
      {note.hint ? <span className="status-hint"> {note.hint}</span> : null}
    </p>
  );
}
