import type { Security } from '../../shared/contract.js';
import { ChoiceRow } from './ChoiceRow.js';
import { ServiceAccountFields } from './ServiceAccountFields.js';
import { withSecurity } from './endpoint-form.js';
import type { ImportForm, ServerForm } from './import-form.js';

const SECURITY_LABELS: Record<Security, string> = { tls: 'TLS', starttls: 'STARTTLS', none: 'None (this computer only)' };

function ServerFields({ prefix, value, onChange }: { prefix: string; value: ServerForm; onChange: (v: ServerForm) => void }) {
  const id = (f: string) => `${prefix}-${f}`;
  return (
    <div className="field-row">
      <div className="field">
        <label htmlFor={id('host')}>Server</label>
        <input id={id('host')} value={value.host} placeholder="Taken from the file" autoComplete="off" spellCheck={false} onChange={(e) => onChange({ ...value, host: e.target.value })} />
      </div>
      <div className="field security">
        <label htmlFor={id('security')}>Security</label>
        <select id={id('security')} value={value.security} onChange={(e) => onChange(withSecurity(value, e.target.value as Security))}>
          {(['tls', 'starttls', 'none'] as const).map((s) => (
            <option key={s} value={s}>
              {SECURITY_LABELS[s]}
            </option>
          ))}
        </select>
      </div>
      <div className="field narrow">
        <label htmlFor={id('port')}>Port</label>
        <input id={id('port')} inputMode="numeric" value={value.port} onChange={(e) => onChange({ ...value, port: e.target.value.replace(/\D/g, '').slice(0, 5) })} />
      </div>
    </div>
  );
}

/** What rows that name no server take: the Gmail side, and an IMAP destination or Microsoft 365 / Outlook.com. */
export function ImportDefaultsFields({ value, onChange }: { value: ImportForm; onChange: (v: ImportForm) => void }) {
  const m = value.microsoft;
  return (
    <fieldset className="import-defaults">
      <legend>For rows that name no server</legend>
      <p className="field-note">A row’s own server, port and security always win. Passwords in the file go straight to your system’s keychain.</p>
      <div className="form-grid">
        <div>
          <div className="field">
            <span className="label">Gmail side</span>
          </div>
          <ServerFields prefix="import-source" value={value.source} onChange={(source) => onChange({ ...value, source })} />
          <ChoiceRow
            name="import-source-auth"
            title="Signs in with"
            choices={[
              { id: 'password', label: 'Each row’s app password' },
              { id: 'service-account', label: 'One service account for every row (Workspace)' },
            ]}
            value={value.sourceAuth}
            onChange={(sourceAuth) => onChange({ ...value, sourceAuth })}
          />
          {value.sourceAuth === 'service-account' ? (
            <ServiceAccountFields value={value.serviceAccount} onChange={(serviceAccount) => onChange({ ...value, serviceAccount })} address="" />
          ) : null}
        </div>
        <div>
          <ChoiceRow
            name="import-destination-kind"
            title="Destination"
            choices={[
              { id: 'imap', label: 'An IMAP server' },
              { id: 'microsoft', label: 'Microsoft 365 / Outlook.com' },
            ]}
            value={value.destinationKind}
            onChange={(destinationKind) => onChange({ ...value, destinationKind })}
          />
          {value.destinationKind === 'imap' ? (
            <ServerFields prefix="import-destination" value={value.destination} onChange={(destination) => onChange({ ...value, destination })} />
          ) : (
            <>
              <div className="field-row">
                <div className="field">
                  <label htmlFor="import-client-id">Application (client) ID</label>
                  <input id="import-client-id" value={m.clientId} autoComplete="off" spellCheck={false} onChange={(e) => onChange({ ...value, microsoft: { ...m, clientId: e.target.value } })} />
                </div>
                <div className="field">
                  <label htmlFor="import-tenant">Directory (tenant) ID or domain</label>
                  <input id="import-tenant" value={m.tenant} placeholder="contoso.onmicrosoft.com" autoComplete="off" spellCheck={false} onChange={(e) => onChange({ ...value, microsoft: { ...m, tenant: e.target.value } })} />
                </div>
              </div>
              <ChoiceRow
                name="import-microsoft-auth"
                title="Signs in as"
                choices={[
                  { id: 'oauth2-app', label: 'Whole organisation (app-only access)' },
                  { id: 'oauth2', label: 'Each user (Sign in with Microsoft)' },
                ]}
                value={m.auth}
                onChange={(auth) => onChange({ ...value, microsoft: { ...m, auth } })}
              />
            </>
          )}
        </div>
      </div>
    </fieldset>
  );
}
