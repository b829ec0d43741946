import { useState } from 'react';
import type { AppError } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { ErrorText } from './ErrorText.js';

/** Removing asks once more, inline, and offers to forget the stored passwords too. */
export function RemoveMailbox({ id, disabled, onRemoved }: { id: string; disabled: boolean; onRemoved: () => void }) {
  const [asking, setAsking] = useState(false);
  const [forget, setForget] = useState(true);
  const [error, setError] = useState<AppError | null>(null);
  if (!asking) {
    return (
      <button type="button" className="btn subtle" disabled={disabled} title={disabled ? 'Pause or cancel it first' : ''} onClick={() => setAsking(true)}>
        Remove…
      </button>
    );
  }
  const remove = async () => {
    try {
      await call(api().removeMailbox({ id, forgetPasswords: forget }));
      onRemoved();
    } catch (err) {
      setError(asAppError(err));
    }
  };
  return (
    <div className="confirm" role="group" aria-label="Remove this mailbox">
      <p>Remove {id} from Mailferry? Nothing is deleted on either server.</p>
      <label className="check-label">
        <input type="checkbox" checked={forget} onChange={(e) => setForget(e.target.checked)} /> Also forget its passwords in the keychain
      </label>
      <button type="button" className="btn danger" onClick={() => void remove()}>
        Remove
      </button>
      <button type="button" className="btn subtle" onClick={() => setAsking(false)}>
        Keep
      </button>
      {error ? <ErrorText error={error} compact /> : null}
    </div>
  );
}
