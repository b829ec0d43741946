import type { MailboxView } from '../../shared/contract.js';
import { totals } from '../../shared/work-left.js';
import { byteRate, bytes, count, duration, gmailDays, messageRate } from '../format.js';
import { ProgressBar } from './ProgressBar.js';

/**
 * The table's last row: all the mailboxes shown together. Time left at the combined pace; the days Gmail's
 * daily download limit still imposes are set by the mailbox with the most left (accounts run side by side).
 */
export function TotalsRow({ views, filtered }: { views: readonly MailboxView[]; filtered: boolean }) {
  // Takeout imports are no Gmail download: they add no days, and their size comes with their run.
  const fromExport = new Set(views.filter((v) => v.takeout).map((v) => v.status));
  const t = totals(
    views.map((v) => v.status),
    (s) => fromExport.has(s),
  );
  const copying = t.byteRate > 0;
  // Mailboxes never tested nor started have no size yet: "nothing left" would not be true of them.
  const sized = t.mailboxes - t.unknownSize;
  const days =
    t.unknownSize === 0
      ? gmailDays(t.gmailDays)
      : sized === 0 || !t.gmailDays
        ? `not known yet for ${count(t.unknownSize)} mailbox${t.unknownSize === 1 ? '' : 'es'} (Test all sizes them)`
        : `${gmailDays(t.gmailDays)} for the ${count(sized)} sized; ${count(t.unknownSize)} not sized yet`;
  return (
    <tr className="totals-row" aria-label="Totals">
      <td colSpan={2} className="col-mailbox">
        <div className="mailbox-name">{filtered ? `Total of the ${count(t.mailboxes)} shown` : `Total: ${count(t.mailboxes)} mailbox${t.mailboxes === 1 ? '' : 'es'}`}</div>
        <div className="mailbox-dest" data-total="gmail-days">
          Gmail’s daily download limit: {days}
        </div>
      </td>
      <td className="col-state num" data-total="done">
        {count(t.done)} / {count(t.mailboxes)} done
      </td>
      <td className="col-progress">
        <ProgressBar label="Messages of all mailboxes" fraction={t.messagesPlanned > 0 ? t.messagesDone / t.messagesPlanned : 0} text={`${count(t.messagesDone)} / ${count(t.messagesPlanned)} msgs`} />
        <ProgressBar label="Data of all mailboxes" fraction={t.bytesPlanned > 0 ? t.bytesCopied / t.bytesPlanned : 0} text={`${bytes(t.bytesCopied)} / ${bytes(t.bytesPlanned)}`} />
      </td>
      <td className="col-size num">{t.bytesPlanned > 0 ? bytes(t.bytesPlanned) : '—'}</td>
      <td className="col-rate num">
        {copying ? (
          <span className="rate">
            <span>{messageRate(t.rate)}</span>
            <span>{byteRate(t.byteRate)}</span>
          </span>
        ) : (
          '—'
        )}
      </td>
      <td className="col-eta num" data-total="time-left">
        {copying ? duration(t.etaSeconds) : '—'}
      </td>
      <td className="col-actions" />
    </tr>
  );
}
