import { GMAIL_IMAP_HOST } from '../../shared/contract.js';
import { AppPasswordHelp } from './AppPasswordHelp.js';
import { ChoiceRow } from './ChoiceRow.js';
import { EndpointFields } from './EndpointFields.js';
import type { EndpointForm } from './endpoint-form.js';
import { GoogleSignIn } from './GoogleSignIn.js';
import { OAuthClientHelp } from './OAuthClientHelp.js';
import { ServiceAccountFields } from './ServiceAccountFields.js';
import { SourceAuthChoice } from './SourceAuthChoice.js';
import type { SourceForm, SourceKind } from './source-form.js';
import { TakeoutFields } from './TakeoutFields.js';

interface Props {
  server: EndpointForm;
  onServer: (server: EndpointForm) => void;
  value: SourceForm;
  onChange: (value: SourceForm) => void;
  appPassword: string;
  onAppPassword: (password: string) => void;
  /** The placeholder of the app password field (a stored one is kept when it is left empty). */
  passwordPlaceholder: string;
  editing: boolean;
  onError: (message: string) => void;
}

const KINDS: ReadonlyArray<{ id: SourceKind; label: string }> = [
  { id: 'imap', label: 'Gmail (over IMAP)' },
  { id: 'takeout', label: 'A Google Takeout export' },
];

/** What the typed app password looks like once Mailferry strips its spaces (shown, never stored here). */
function appPasswordNote(typed: string, host: string): string | null {
  if (typed === '' || !/gmail|googlemail/i.test(host)) return null;
  const letters = typed.replace(/\s+/g, '');
  if (/^[a-z]{16}$/i.test(letters)) return '16 letters: looks like an app password.';
  return `Google app passwords are 16 letters; this has ${letters.length} characters without spaces. Your normal Google password does not work here.`;
}

/** The mailbox form's "From" side: the Gmail address, where the mail is read from, and how Mailferry signs in. */
export function SourceFields({ server, onServer, value, onChange, appPassword, onAppPassword, passwordPlaceholder, editing, onError }: Props) {
  const set = (patch: Partial<SourceForm>) => onChange({ ...value, ...patch });
  const note = appPasswordNote(appPassword, server.host);
  const takeout = value.kind === 'takeout';
  return (
    <fieldset>
      <legend>From: Gmail or Google Workspace</legend>
      <div className="field">
        <label htmlFor="gmail-address">{takeout ? 'Gmail address the export is of' : 'Gmail address'}</label>
        <input
          id="gmail-address"
          type="email"
          value={server.user}
          readOnly={editing}
          placeholder="you@gmail.com"
          autoComplete="off"
          spellCheck={false}
          required
          onChange={(e) => onServer({ ...server, user: e.target.value })}
        />
      </div>
      <ChoiceRow name="source-kind" title="Read the mail from" choices={KINDS} value={value.kind} onChange={(kind) => set({ kind })} />
      {takeout ? (
        <TakeoutFields value={value.takeout} onChange={(f) => set({ takeout: { path: f.path, name: f.name, kind: f.kind, sizeBytes: f.sizeBytes } })} />
      ) : (
        <>
          <SourceAuthChoice value={value.auth} onChange={(auth) => set({ auth })} />
          {value.auth === 'password' ? (
            <>
              <div className="field">
                <label htmlFor="gmail-password">App password</label>
                <input
                  id="gmail-password"
                  type="password"
                  value={appPassword}
                  placeholder={passwordPlaceholder || 'abcd efgh ijkl mnop'}
                  autoComplete="new-password"
                  spellCheck={false}
                  aria-describedby="gmail-password-note"
                  onChange={(e) => onAppPassword(e.target.value)}
                />
                <p id="gmail-password-note" className="field-note" aria-live="polite">
                  {note ?? '\u00a0'}
                </p>
              </div>
              <AppPasswordHelp />
            </>
          ) : value.auth === 'oauth2' ? (
            <>
              <GoogleSignIn address={server.user} host={server.host} clientId={value.clientId} onClientId={(clientId) => set({ clientId })} />
              <OAuthClientHelp />
            </>
          ) : (
            <ServiceAccountFields value={value.serviceAccount} onChange={(serviceAccount) => set({ serviceAccount })} address={server.user} />
          )}
          <details className="advanced" open={server.host !== GMAIL_IMAP_HOST}>
            <summary>Source server (advanced)</summary>
            <EndpointFields idPrefix="source" value={server} onChange={onServer} locked={{ host: editing }} hideUser onError={onError} />
          </details>
        </>
      )}
    </fieldset>
  );
}
