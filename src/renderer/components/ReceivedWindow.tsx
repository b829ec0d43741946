import { useEffect, useRef } from 'react';

export interface WindowChoice {
  /** "YYYY-MM-DD" or "" (no bound). */
  since: string;
  before: string;
  deleteMissing: boolean;
}

interface Props {
  value: WindowChoice;
  onChange: (next: WindowChoice) => void;
  /** Asking whether to delete what Gmail deleted: the dialog is open. */
  confirming: boolean;
  onConfirming: (open: boolean) => void;
  disabled?: boolean;
}

/**
 * The mapping step's pre-stage and delta choices: only mail received in a date window (a pre-stage copies the
 * old mail before the switch, the delta the rest after it), and deleting on the destination what was deleted
 * in Gmail, which a dialog explains before it is turned on.
 */
export function ReceivedWindow({ value, onChange, confirming, onConfirming, disabled = false }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (confirming && !d.open) d.showModal();
    if (!confirming && d.open) d.close();
  }, [confirming]);

  return (
    <fieldset className="policy received-window">
      <legend>Pre-stage and delta</legend>
      <div className="field-row">
        <div className="field narrow-date">
          <label htmlFor="received-since">Only mail received since</label>
          <input id="received-since" type="date" value={value.since} disabled={disabled} onChange={(e) => onChange({ ...value, since: e.target.value })} />
        </div>
        <div className="field narrow-date">
          <label htmlFor="received-before">Only mail received before</label>
          <input id="received-before" type="date" value={value.before} disabled={disabled} onChange={(e) => onChange({ ...value, before: e.target.value })} />
        </div>
      </div>
      <p className="field-note">
        Empty: all mail. A pre-stage copies the old mail before the switch (“before” the switch date); after the switch, run again with the same date as “since”, or with no
        dates: what is copied already is never copied twice. Dates are midnight UTC.
      </p>
      <label className="check-label">
        <input
          type="checkbox"
          checked={value.deleteMissing}
          disabled={disabled}
          onChange={(e) => (e.target.checked ? onConfirming(true) : onChange({ ...value, deleteMissing: false }))}
        />{' '}
        Delete on the destination what was deleted in Gmail
      </label>
      <dialog ref={dialog} className="confirm-dialog" aria-labelledby="delete-missing-title" onCancel={() => onConfirming(false)}>
        <h2 id="delete-missing-title">Delete on the destination what was deleted in Gmail?</h2>
        <p>
          Each run then deletes from the destination every copy Mailferry made whose message is no longer in that Gmail folder: deleted in Gmail, or, with a folder per label,
          its label removed since it was copied.
        </p>
        <p>
          Only copies Mailferry made and recorded are deleted; mail that was on the destination already, or that someone else put there, is never touched. Mailferry cannot bring
          a deleted copy back. Without this choice a migration never deletes anything.
        </p>
        <div className="form-actions">
          <button
            type="button"
            className="btn danger"
            onClick={() => {
              onChange({ ...value, deleteMissing: true });
              onConfirming(false);
            }}
          >
            Delete what Gmail deleted
          </button>
          <button type="button" className="btn" autoFocus onClick={() => onConfirming(false)}>
            Keep everything
          </button>
        </div>
      </dialog>
    </fieldset>
  );
}
