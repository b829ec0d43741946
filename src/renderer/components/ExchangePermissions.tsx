import { useState } from 'react';
import type { AppError } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { ErrorText } from './ErrorText.js';
import { GUID_FORM } from './microsoft-form.js';

/**
 * Copy PowerShell: the Exchange Online lines an administrator pastes to register the app's service
 * principal and give it this mailbox (main writes them and puts them on the clipboard).
 */
export function ExchangePermissions({ clientId, mailbox }: { clientId: string; mailbox: string }) {
  const [objectId, setObjectId] = useState('');
  const [script, setScript] = useState<string | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const id = objectId.trim();

  const copy = async () => {
    setError(null);
    try {
      setScript((await call(api().copyExchangePermissions({ clientId, mailbox, ...(id ? { objectId: id } : {}) }))).script);
    } catch (err) {
      setScript(null);
      setError(asAppError(err));
    }
  };

  return (
    <div className="exchange-permissions">
      <div className="field">
        <label htmlFor="microsoft-object-id">Object ID of the Enterprise application (optional, for the PowerShell)</label>
        <div className="input-with-button">
          <input id="microsoft-object-id" value={objectId} placeholder="Enterprise applications › the app › Overview" autoComplete="off" spellCheck={false} onChange={(e) => setObjectId(e.target.value)} />
          <button type="button" className="btn" disabled={!GUID_FORM.test(clientId) || !mailbox.includes('@') || (id !== '' && !GUID_FORM.test(id))} onClick={() => void copy()}>
            Copy PowerShell
          </button>
        </div>
      </div>
      {script ? (
        <div role="status">
          <p className="field-note good">Copied. An Exchange administrator pastes it into Exchange Online PowerShell:</p>
          <pre className="script">{script}</pre>
        </div>
      ) : null}
      {error ? <ErrorText error={error} compact /> : null}
    </div>
  );
}
