import type { MailboxStatus, TakeoutSourceView } from '../../shared/contract.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { clock } from '../format.js';
import { rowNote } from '../mailbox-list.js';
import { CheckDetails } from './CheckDetails.js';

/**
 * One line under the mailbox: who else runs it, else the newest of its last problem, its latest test and its
 * latest verify, else what it is waiting for or doing (mailbox-list.ts rowNote). Always present, so rows never
 * change height. `id` lets a held-back button point at it. A line from the latest test leads with what it found
 * ("2 blockers, 1 warning"), a button that shows all of it.
 */
export function StatusLine({ status, id, name, takeout }: { status: MailboxStatus; id?: string; name: string; takeout?: TakeoutSourceView }) {
  const held = status.inUse;
  if (held) {
    return (
      <p id={id} className="status-line warn in-use" title={`${held.message} ${held.hint ?? ''}`.trim()}>
        <strong>In use by another Mailferry run.</strong> {held.message}
        {held.hint ? <span className="status-hint"> {held.hint}</span> : null}
      </p>
    );
  }
  const note = rowNote(status, formatBytes, takeout);
  const next = status.nextAttemptAt && status.lastError ? ` Next try at ${clock(status.nextAttemptAt)}.` : '';
  const cls = note.tone === 'bad' || note.tone === 'warn' ? `status-line ${note.tone}` : note.tone === 'good' ? 'status-line good' : 'status-line';
  return (
    <p id={id} className={cls} title={note.hint ? `${note.text} ${note.hint}` : undefined}>
      {note.check ? <CheckDetails check={note.check} name={name} /> : null}
      {note.text}
      {next}
      {note.hint ? <span className="status-hint"> {note.hint}</span> : null}
    </p>
  );
}
