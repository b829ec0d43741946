import { useState } from 'react';
import type { AppError, MicrosoftCredentialState } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { ErrorText } from './ErrorText.js';
import { ExchangePermissions } from './ExchangePermissions.js';
import { targetReady, type MicrosoftTarget } from './microsoft-form.js';

interface Props {
  target: MicrosoftTarget;
  state: MicrosoftCredentialState | null;
  onState: (state: MicrosoftCredentialState) => void;
}

const STORED: Record<NonNullable<MicrosoftCredentialState['appCredential']>, string> = {
  secret: 'The app’s client secret is in your keychain.',
  certificate: 'The app’s certificate is in your keychain.',
  none: 'Nothing is stored for this app yet.',
};

/**
 * Whole organisation (app-only access): the app's client secret, typed once, or a PEM file with its
 * certificate and private key. Main checks it with Microsoft and keeps it in the keychain; it never comes
 * back here.
 */
export function MicrosoftAppAccess({ target, state, onState }: Props) {
  const [secret, setSecret] = useState('');
  const [certificateFile, setCertificateFile] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const proof = secret.trim() ? { clientSecret: secret.trim() } : certificateFile.trim() ? { certificateFile: certificateFile.trim() } : null;

  const browse = async () => {
    try {
      const file = await call(api().chooseAppCertificateFile());
      if (file) setCertificateFile(file);
    } catch (err) {
      setError(asAppError(err));
    }
  };

  const store = async () => {
    if (!proof) return;
    setBusy(true);
    setError(null);
    try {
      onState(await call(api().storeMicrosoftAppCredential({ ...target, ...proof })));
      setSecret('');
      setCertificateFile('');
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  const stored = state?.appCredential ?? 'none';
  return (
    <div className="google-sign-in">
      <div className="field">
        <label htmlFor="microsoft-client-secret">Client secret (its Value)</label>
        <input
          id="microsoft-client-secret"
          type="password"
          value={secret}
          placeholder={stored === 'none' ? 'Certificates & secrets › Client secrets › Value' : 'Stored: leave empty to keep it, or enter a new one'}
          autoComplete="new-password"
          spellCheck={false}
          onChange={(e) => setSecret(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="microsoft-certificate">Or a certificate: one PEM file with the certificate and its private key</label>
        <div className="input-with-button">
          <input id="microsoft-certificate" value={certificateFile} placeholder="No certificate" spellCheck={false} onChange={(e) => setCertificateFile(e.target.value)} />
          <button type="button" className="btn" onClick={() => void browse()}>
            Browse…
          </button>
        </div>
      </div>
      <div className="input-with-button">
        <button type="button" className="btn" disabled={busy || !proof || (!!secret.trim() && !!certificateFile.trim()) || !targetReady(target)} onClick={() => void store()}>
          Check and store
        </button>
      </div>
      <p className={stored !== 'none' && !busy ? 'field-note good' : 'field-note'} role="status" aria-live="polite">
        {busy ? 'Asking Microsoft whether it accepts it…' : STORED[stored]}
      </p>
      {error ? <ErrorText error={error} compact /> : null}
      <ExchangePermissions clientId={target.clientId} mailbox={target.address} />
    </div>
  );
}
