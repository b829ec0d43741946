import type { SourceAuth } from '../../shared/contract.js';

const CHOICES: ReadonlyArray<{ id: SourceAuth; label: string }> = [
  { id: 'password', label: 'App password' },
  { id: 'oauth2', label: 'Sign in with Google' },
  { id: 'service-account', label: 'Whole Google Workspace domain (service account)' },
];

/** How Mailferry signs in to Gmail: a radio group (arrow keys move between the choices). */
export function SourceAuthChoice({ value, onChange }: { value: SourceAuth; onChange: (auth: SourceAuth) => void }) {
  return (
    <div className="field" role="radiogroup" aria-labelledby="source-auth-title">
      <span id="source-auth-title" className="label">
        Sign in with
      </span>
      <div className="choice-row">
        {CHOICES.map((c) => (
          <label key={c.id} className="check-label">
            <input type="radio" name="source-auth" value={c.id} checked={value === c.id} onChange={() => onChange(c.id)} />
            {c.label}
          </label>
        ))}
      </div>
    </div>
  );
}
