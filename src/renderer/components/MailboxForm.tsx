import { useState, type FormEvent } from 'react';
import { GMAIL_IMAP_HOST, type AppError, type ConnectionCheck, type MailboxDraft, type MailboxView, type SourceAuth } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import type { Navigate } from '../route.js';
import { AppPasswordHelp } from './AppPasswordHelp.js';
import { ConnectionResult } from './ConnectionResult.js';
import { DestinationFields } from './DestinationFields.js';
import { EndpointFields } from './EndpointFields.js';
import { ErrorText } from './ErrorText.js';
import { fromForm, toForm, type EndpointForm } from './endpoint-form.js';
import { GoogleSignIn } from './GoogleSignIn.js';
import { microsoftFields, toMicrosoftForm, type MicrosoftForm } from './microsoft-form.js';
import { OAuthClientHelp } from './OAuthClientHelp.js';
import { SourceAuthChoice } from './SourceAuthChoice.js';

interface Props {
  existing?: MailboxView;
  navigate: Navigate;
  onSaved: () => Promise<void>;
}

const GMAIL_HOST = GMAIL_IMAP_HOST;

/** What the typed app password looks like once Mailferry strips its spaces (shown, never stored here). */
function appPasswordNote(typed: string, host: string): string | null {
  if (typed === '' || !/gmail|googlemail/i.test(host)) return null;
  const letters = typed.replace(/\s+/g, '');
  if (/^[a-z]{16}$/i.test(letters)) return '16 letters: looks like an app password.';
  return `Google app passwords are 16 letters; this has ${letters.length} characters without spaces. Your normal Google password does not work here.`;
}

export function MailboxForm({ existing, navigate, onSaved }: Props) {
  const editing = !!existing;
  const [source, setSource] = useState<EndpointForm>(toForm(existing?.config.source, { host: GMAIL_HOST }));
  const [destination, setDestination] = useState<EndpointForm>(toForm(existing?.config.destination));
  const [microsoft, setMicrosoft] = useState<MicrosoftForm | null>(toMicrosoftForm(existing?.config.destination));
  const [auth, setAuth] = useState<SourceAuth>(existing?.config.source.auth === 'oauth2' ? 'oauth2' : 'password');
  const [clientId, setClientId] = useState(existing?.config.source.oauthClientId ?? '');
  // Passwords live only in these two fields until submitted; cleared as soon as main has them.
  const [appPassword, setAppPassword] = useState('');
  const [destPassword, setDestPassword] = useState('');
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);

  const draft = (): MailboxDraft => ({
    ...(existing ? { id: existing.config.id } : {}),
    source: { ...fromForm(source), ...(auth === 'oauth2' ? { auth, oauthClientId: clientId.trim() } : {}) },
    destination: { ...fromForm(destination), ...(microsoft ? microsoftFields(microsoft) : {}) },
    ...(auth === 'password' && appPassword !== '' ? { sourcePassword: appPassword } : {}),
    ...(!microsoft && destPassword !== '' ? { destinationPassword: destPassword } : {}),
  });

  const test = async () => {
    setBusy('test');
    setError(null);
    setCheck(null);
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

  const note = appPasswordNote(appPassword, source.host);
  const keep = (stored: boolean | undefined) => (editing && stored ? 'Leave empty to keep the stored password' : '');

  return (
    <form className="form" onSubmit={(e) => void save(e)} noValidate>
      <div className="view-head">
        <h1 tabIndex={-1}>{editing ? `Edit ${existing.config.source.user}` : 'Add a mailbox'}</h1>
      </div>
      <div className="form-grid">
        <fieldset>
          <legend>From: Gmail or Google Workspace</legend>
          <div className="field">
            <label htmlFor="gmail-address">Gmail address</label>
            <input
              id="gmail-address"
              type="email"
              value={source.user}
              readOnly={editing}
              placeholder="you@gmail.com"
              autoComplete="off"
              spellCheck={false}
              required
              onChange={(e) => setSource({ ...source, user: e.target.value })}
            />
          </div>
          <SourceAuthChoice value={auth} onChange={setAuth} />
          {auth === 'password' ? (
            <>
              <div className="field">
                <label htmlFor="gmail-password">App password</label>
                <input
                  id="gmail-password"
                  type="password"
                  value={appPassword}
                  placeholder={keep(existing?.passwordsStored.source) || 'abcd efgh ijkl mnop'}
                  autoComplete="new-password"
                  spellCheck={false}
                  aria-describedby="gmail-password-note"
                  onChange={(e) => setAppPassword(e.target.value)}
                />
                <p id="gmail-password-note" className="field-note" aria-live="polite">
                  {note ?? '\u00a0'}
                </p>
              </div>
              <AppPasswordHelp />
            </>
          ) : (
            <>
              <GoogleSignIn address={source.user} host={source.host} clientId={clientId} onClientId={setClientId} />
              <OAuthClientHelp />
            </>
          )}
          <details className="advanced" open={source.host !== GMAIL_HOST}>
            <summary>Source server (advanced)</summary>
            <EndpointFields idPrefix="source" value={source} onChange={setSource} locked={{ host: editing }} hideUser onError={(m) => setError({ code: 'DIALOG', message: m })} />
          </details>
        </fieldset>
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
      {check ? <ConnectionResult check={check} /> : null}
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
