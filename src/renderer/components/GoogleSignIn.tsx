import { useEffect, useState } from 'react';
import type { AppError, GoogleSignInState } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { ErrorText } from './ErrorText.js';

interface Props {
  address: string;
  /** The source IMAP host (imap.gmail.com unless changed under advanced). */
  host: string;
  clientId: string;
  onClientId: (clientId: string) => void;
}

const CLIENT_ID_FORM = /^[A-Za-z0-9][A-Za-z0-9._-]*\.apps\.googleusercontent\.com$/;

/**
 * The OAuth client fields and the Sign in with Google button. The browser opens on Google's page; the
 * client secret is sent to main once and cleared here; the refresh token never reaches the window.
 */
export function GoogleSignIn({ address, host, clientId, onClientId }: Props) {
  const [secret, setSecret] = useState('');
  const [state, setState] = useState<GoogleSignInState | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const addr = address.trim();
  const id = clientId.trim();
  const hostArg = host.trim() ? { host: host.trim() } : {};
  const idArg = CLIENT_ID_FORM.test(id) ? { clientId: id } : {};

  useEffect(() => {
    if (!addr.includes('@')) return setState(null);
    let live = true;
    const t = setTimeout(() => {
      call(api().hasGoogleSignIn({ address: addr, ...hostArg, ...idArg })).then(
        (s) => live && setState(s),
        () => live && setState(null),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [addr, host, id]);

  const signIn = async () => {
    setBusy(true);
    setError(null);
    try {
      setState(await call(api().signInWithGoogle({ address: addr, clientId: id, ...hostArg, ...(secret.trim() ? { clientSecret: secret.trim() } : {}) })));
      setSecret('');
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  const status = busy
    ? 'Finish the sign-in in your browser; this waits up to 5 minutes…'
    : state?.signedIn
      ? `Signed in with Google as ${addr}. Sign in again only to use another client or after revoking access.`
      : 'Not signed in yet.';

  return (
    <div className="google-sign-in">
      <div className="field">
        <label htmlFor="oauth-client-id">OAuth client ID</label>
        <input
          id="oauth-client-id"
          value={clientId}
          placeholder="1234-abcd.apps.googleusercontent.com"
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => onClientId(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="oauth-client-secret">Client secret</label>
        <input
          id="oauth-client-secret"
          type="password"
          value={secret}
          placeholder={state?.clientSecretStored ? 'Stored in your keychain: leave empty to keep it' : 'GOCSPX-…'}
          autoComplete="new-password"
          spellCheck={false}
          onChange={(e) => setSecret(e.target.value)}
        />
      </div>
      <div className="input-with-button">
        <button type="button" className="btn" disabled={busy || !addr.includes('@') || id === ''} onClick={() => void signIn()}>
          Sign in with Google
        </button>
      </div>
      <p className={state?.signedIn && !busy ? 'field-note good' : 'field-note'} role="status" aria-live="polite">
        {status}
      </p>
      {error ? <ErrorText error={error} compact /> : null}
    </div>
  );
}
