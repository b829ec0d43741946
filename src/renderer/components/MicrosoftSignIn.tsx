import { useState } from 'react';
import type { AppError, MicrosoftCredentialState } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { ErrorText } from './ErrorText.js';
import { targetReady, type MicrosoftTarget } from './microsoft-form.js';

interface Props {
  target: MicrosoftTarget;
  state: MicrosoftCredentialState | null;
  onState: (state: MicrosoftCredentialState) => void;
}

/**
 * The Sign in with Microsoft button: main opens the system browser on Microsoft's page and waits for it to
 * come back to this computer; the refresh token goes to the keychain and never reaches the window.
 */
export function MicrosoftSignIn({ target, state, onState }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const signIn = async () => {
    setBusy(true);
    setError(null);
    try {
      onState(await call(api().signInWithMicrosoft(target)));
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  const status = busy
    ? 'Finish the sign-in in your browser; this waits up to 5 minutes…'
    : state?.signedIn
      ? `Signed in with Microsoft as ${target.address}.`
      : 'Not signed in yet.';

  return (
    <div className="google-sign-in">
      <div className="input-with-button">
        <button type="button" className="btn" disabled={busy || !targetReady(target)} onClick={() => void signIn()}>
          Sign in with Microsoft
        </button>
      </div>
      <p className={state?.signedIn && !busy ? 'field-note good' : 'field-note'} role="status" aria-live="polite">
        {status}
      </p>
      {error ? <ErrorText error={error} compact /> : null}
    </div>
  );
}
