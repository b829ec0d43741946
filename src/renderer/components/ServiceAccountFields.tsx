import { useEffect, useState } from 'react';
import type { AppError, ServiceAccountImport, ServiceAccountInfo } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { ErrorText } from './ErrorText.js';
import { ExternalLink } from './ExternalLink.js';

interface Props {
  /** The chosen service account's client e-mail ('' for none yet). */
  value: string;
  onChange: (clientEmail: string) => void;
  /** The Gmail address: a service account reaches only Workspace users. */
  address: string;
}

/** The administrator's steps as delegationSteps numbers them: the numbered lines, then the notes. */
function Steps({ steps }: { steps: readonly string[] }) {
  const numbered = steps.filter((s) => /^\d+\.\s/.test(s)).map((s) => s.replace(/^\d+\.\s+/, ''));
  const notes = steps.filter((s) => !/^\d+\.\s/.test(s)).map((s) => s.trim());
  return (
    <>
      <ol className="admin-steps">
        {numbered.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ol>
      {notes.map((n) => (
        <p key={n} className="field-note">
          {n}
        </p>
      ))}
    </>
  );
}

/**
 * Whole Google Workspace domain: a service account with domain-wide delegation signs in for every user. Its
 * JSON key is picked in main's file dialog and goes to the keychain (the window never sees it); the window
 * shows the client ID and what the domain's administrator does, and offers to delete the key file.
 */
export function ServiceAccountFields({ value, onChange, address }: Props) {
  const [accounts, setAccounts] = useState<ServiceAccountInfo[] | null>(null);
  const [imported, setImported] = useState<ServiceAccountImport | null>(null);
  /** What became of the imported key file: deleted (its name), kept, or not answered yet. */
  const [file, setFile] = useState<{ deleted: string } | 'kept' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    let live = true;
    call(api().listServiceAccounts()).then(
      (list) => {
        if (!live) return;
        setAccounts(list);
        if (!value && list.length === 1) onChange(list[0]!.clientEmail);
      },
      (err: unknown) => live && setError(asAppError(err)),
    );
    return () => {
      live = false;
    };
  }, []);

  const importKey = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call(api().chooseServiceAccountKey());
      if (!r) return;
      setImported(r);
      setFile(null);
      setAccounts((list) => [...(list ?? []).filter((a) => a.clientEmail !== r.account.clientEmail), r.account]);
      onChange(r.account.clientEmail);
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  const deleteFile = async () => {
    if (!imported) return;
    setError(null);
    try {
      setFile(await call(api().deleteKeyFile({ fileId: imported.fileId })));
    } catch (err) {
      setError(asAppError(err));
    }
  };

  const chosen = accounts?.find((a) => a.clientEmail === value || a.clientId === value);
  const personal = /@(gmail|googlemail)\.com$/i.test(address.trim());
  return (
    <div className="service-account">
      <div className="field">
        <label htmlFor="service-account">Service account</label>
        <div className="input-with-button">
          <select id="service-account" value={chosen?.clientEmail ?? value} onChange={(e) => onChange(e.target.value)}>
            {!chosen ? <option value={value}>{value ? `${value} (its key is not in your keychain)` : accounts === null ? 'Looking in your keychain…' : 'No key imported yet'}</option> : null}
            {(accounts ?? []).map((a) => (
              <option key={a.clientEmail} value={a.clientEmail}>
                {a.clientEmail}
              </option>
            ))}
          </select>
          <button type="button" className="btn" disabled={busy} onClick={() => void importKey()}>
            Import key file…
          </button>
        </div>
      </div>
      <p className={chosen ? 'field-note good' : 'field-note'} role="status" aria-live="polite">
        {busy
          ? 'Choose the JSON key in the dialog…'
          : chosen
            ? `Its key (client ID ${chosen.clientId}) is in your keychain; it signs in for every user of the domain.`
            : 'Import the service account’s JSON key: it goes to your system’s keychain, never to Mailferry’s files.'}
      </p>
      {personal ? <p className="field-note warn">A service account reaches only the users of a Google Workspace domain; a @gmail.com account signs in with an app password.</p> : null}
      {error ? <ErrorText error={error} compact /> : null}
      {imported ? (
        <div className="key-imported" role="group" aria-label="The key was imported">
          <p>
            <strong>Client ID for the administrator: </strong>
            <code className="client-id">{imported.account.clientId}</code> (the number, not the e-mail address), scope <code>{imported.scope}</code>
          </p>
          <Steps steps={imported.steps} />
          {file === 'kept' ? (
            <p className="field-note warn">Kept {imported.fileName}: delete it yourself once it is no longer needed.</p>
          ) : file ? (
            <p className="field-note good" role="status">
              Deleted {file.deleted}. The key is in your keychain only.
            </p>
          ) : (
            <div className="confirm">
              <p>Delete {imported.fileName} now? Whoever holds that file can read every mailbox the delegation allows; Mailferry keeps the key in your keychain.</p>
              <button type="button" className="btn danger" onClick={() => void deleteFile()}>
                Delete {imported.fileName}
              </button>
              <button type="button" className="btn subtle" onClick={() => setFile('kept')}>
                Keep the file
              </button>
            </div>
          )}
        </div>
      ) : null}
      <details className="help" open={!chosen}>
        <summary>How to get a service account key</summary>
        <ol>
          <li>
            In the <ExternalLink href="https://console.cloud.google.com/iam-admin/serviceaccounts">Google Cloud console › IAM &amp; Admin › Service accounts</ExternalLink>, create a
            service account (no roles needed) in a project with the Gmail API enabled.
          </li>
          <li>The service account › Keys › Add key › Create new key › JSON. Import that file here; Mailferry then offers to delete it.</li>
          <li>A super administrator of the domain grants its client ID domain-wide delegation for https://mail.google.com/ (Mailferry shows the steps after the import).</li>
        </ol>
        <p className="muted">No user signs in and no app password is made: one service account serves every mailbox of the domain.</p>
      </details>
    </div>
  );
}
