import type { MicrosoftAuth } from '../../shared/contract.js';
import { useMicrosoftCredential } from '../use-microsoft-credential.js';
import { ChoiceRow } from './ChoiceRow.js';
import { EndpointFields } from './EndpointFields.js';
import type { EndpointForm } from './endpoint-form.js';
import { MicrosoftAppAccess } from './MicrosoftAppAccess.js';
import { MicrosoftAppHelp } from './MicrosoftAppHelp.js';
import { microsoftTarget, type MicrosoftForm } from './microsoft-form.js';
import { MicrosoftSignIn } from './MicrosoftSignIn.js';

interface Props {
  value: EndpointForm;
  onChange: (next: EndpointForm) => void;
  microsoft: MicrosoftForm;
  onMicrosoft: (next: MicrosoftForm) => void;
  /** A saved mailbox: its account and server cannot change. */
  editing: boolean;
  onError: (message: string) => void;
}

const AUTHS: ReadonlyArray<{ id: MicrosoftAuth; label: string }> = [
  { id: 'oauth2', label: 'Sign in with Microsoft' },
  { id: 'oauth2-app', label: 'Whole organisation (administrator)' },
];

/** A Microsoft 365 / Outlook.com destination: the mailbox, how Mailferry signs in, and the app registration. */
export function MicrosoftDestination({ value, onChange, microsoft, onMicrosoft, editing, onError }: Props) {
  const set = (patch: Partial<MicrosoftForm>) => onMicrosoft({ ...microsoft, ...patch });
  const target = microsoftTarget(value, microsoft);
  const [state, setState] = useMicrosoftCredential(target.address, target.host ?? '', target.clientId);
  const app = microsoft.auth === 'oauth2-app';

  return (
    <div className="fields">
      <div className="field">
        <label htmlFor="destination-user">Microsoft 365 or Outlook.com address</label>
        <input
          id="destination-user"
          type="email"
          value={value.user}
          readOnly={editing}
          placeholder="you@contoso.com"
          autoComplete="off"
          spellCheck={false}
          required
          onChange={(e) => onChange({ ...value, user: e.target.value })}
        />
      </div>
      <ChoiceRow name="microsoft-auth" title="Sign in with" choices={AUTHS} value={microsoft.auth} onChange={(auth) => set({ auth })} />
      <div className="field">
        <label htmlFor="microsoft-client-id">Application (client) ID</label>
        <input
          id="microsoft-client-id"
          value={microsoft.clientId}
          placeholder="4a1aa1d5-c567-49d0-ad0b-cd957a47f842"
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => set({ clientId: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="microsoft-tenant">Tenant</label>
        <input
          id="microsoft-tenant"
          value={microsoft.tenant}
          placeholder={app ? 'contoso.onmicrosoft.com' : 'organizations'}
          autoComplete="off"
          spellCheck={false}
          aria-describedby="microsoft-tenant-note"
          onChange={(e) => set({ tenant: e.target.value })}
        />
        <p id="microsoft-tenant-note" className="field-note">
          {app
            ? 'Your organisation’s Directory (tenant) ID or domain, such as contoso.onmicrosoft.com.'
            : '“organizations” for work or school accounts, “consumers” for Outlook.com, or your organisation’s domain or Directory (tenant) ID.'}
        </p>
      </div>
      {app ? <MicrosoftAppAccess target={target} state={state} onState={setState} /> : <MicrosoftSignIn target={target} state={state} onState={setState} />}
      <MicrosoftAppHelp auth={microsoft.auth} />
      <details className="advanced">
        <summary>Server and sign-in service (advanced)</summary>
        <EndpointFields idPrefix="destination" value={value} onChange={onChange} locked={{ host: editing }} hideUser onError={onError} />
        <div className="field">
          <label htmlFor="microsoft-authority">Sign-in service (national clouds only)</label>
          <input
            id="microsoft-authority"
            value={microsoft.authority}
            placeholder="https://login.microsoftonline.com"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => set({ authority: e.target.value })}
          />
        </div>
      </details>
    </div>
  );
}
