import { useState, type FormEvent } from 'react';
import { GMAIL_IMAP_HOST, type AppError, type ConnectionCheck, type MailboxDraft, type MailboxView } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import type { Navigate } from '../route.js';
import { ConnectionResult } from './ConnectionResult.js';
import { DestinationFields } from './DestinationFields.js';
import { ErrorText } from './ErrorText.js';
import { fromForm, toForm, type EndpointForm } from './endpoint-form.js';
import { microsoftFields, toMicrosoftForm, type MicrosoftForm } from './microsoft-form.js';
import { missingSource, sourceFields, toSourceForm, usesAppPassword, type SourceForm } from './source-form.js';
import { SourceFields } from './SourceFields.js';

interface Props {
  existing?: MailboxView;
  navigate: Navigate;
  onSaved: () => Promise<void>;
}

export function MailboxForm({ existing, navigate, onSaved }: Props) {
  const editing = !!existing;
  const [source, setSource] = useState<EndpointForm>(toForm(existing?.config.source, { host: GMAIL_IMAP_HOST }));
  const [sourceChoice, setSourceChoice] = useState<SourceForm>(toSourceForm(existing?.config.source, existing?.takeout));
  const [destination, setDestination] = useState<EndpointForm>(toForm(existing?.config.destination));
  const [microsoft, setMicrosoft] = useState<MicrosoftForm | null>(toMicrosoftForm(existing?.config.destination));
  // Passwords live only in these two fields until submitted; cleared as soon as main has them.
  const [appPassword, setAppPassword] = useState('');
  const [destPassword, setDestPassword] = useState('');
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);

  const draft = (): MailboxDraft => ({
    ...(existing ? { id: existing.config.id } : {}),
    source: { ...fromForm(source), ...sourceFields(sourceChoice) },
    destination: { ...fromForm(destination), ...(microsoft ? microsoftFields(microsoft) : {}) },
    ...(usesAppPassword(sourceChoice) && appPassword !== '' ? { sourcePassword: appPassword } : {}),
    ...(!microsoft && destPassword !== '' ? { destinationPassword: destPassword } : {}),
  });

  /** A Takeout export or a service account has to be picked first (else the draft would be a password sign-in). */
  const sourceChosen = (): boolean => {
    const missing = missingSource(sourceChoice);
    setError(missing);
    return missing === null;
  };

  const test = async () => {
    setCheck(null);
    if (!sourceChosen()) return;
    setBusy('test');
    setError(null);
    try {
      setCheck(await call(api().testConnection(draft())));
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(null);
    }
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!sourceChosen()) return;
    setBusy('save');
    setError(null);
    try {
      const saved = await call(api().saveMailbox(draft()));
      setAppPassword('');
      setDestPassword('');
      await onSaved();
      navigate(editing ? { name: 'detail', id: saved.config.id } : { name: 'preview', id: saved.config.id });
    } catch (err) {
      setError(asAppError(err));
      setBusy(null);
    }
  };

  const keep = (stored: boolean | undefined) => (editing && stored ? 'Leave empty to keep the stored password' : '');

  return (
    <form className="form" onSubmit={(e) => void save(e)} noValidate>
      <div className="view-head">
        <h1 tabIndex={-1}>{editing ? `Edit ${existing.config.source.user}` : 'Add a mailbox'}</h1>
      </div>
      <div className="form-grid">
        <SourceFields
          server={source}
          onServer={setSource}
          value={sourceChoice}
          onChange={setSourceChoice}
          appPassword={appPassword}
          onAppPassword={setAppPassword}
          passwordPlaceholder={keep(existing?.passwordsStored.source)}
          editing={editing}
          onError={(m) => setError({ code: 'DIALOG', message: m })}
        />
        <fieldset>
          <legend>To: the new IMAP server</legend>
          <DestinationFields
            value={destination}
            onChange={setDestination}
            microsoft={microsoft}
            onMicrosoft={setMicrosoft}
            password={destPassword}
            onPassword={setDestPassword}
            editing={editing}
            passwordStored={existing?.passwordsStored.destination ?? false}
            onError={(m) => setError({ code: 'DIALOG', message: m })}
          />
        </fieldset>
      </div>
      {error ? <ErrorText error={error} /> : null}
      {busy === 'test' ? (
        <p className="muted" role="status">
          Signing in to both servers…
        </p>
      ) : null}
      {check ? <ConnectionResult check={check} takeout={sourceChoice.kind === 'takeout'} /> : null}
      <div className="form-actions">
        <button type="button" className="btn" disabled={busy !== null} onClick={() => void test()}>
          Test connection
        </button>
        <button type="submit" className="btn primary" disabled={busy !== null}>
          {editing ? 'Save' : 'Save and choose folders'}
        </button>
        <button type="button" className="btn subtle" disabled={busy === 'save'} onClick={() => navigate(editing ? { name: 'detail', id: existing.config.id } : { name: 'mailboxes' })}>
          Cancel
        </button>
      </div>
    </form>
  );
}
