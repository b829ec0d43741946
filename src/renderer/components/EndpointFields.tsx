import type { Security } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { withSecurity, type EndpointForm } from './endpoint-form.js';

interface Props {
  idPrefix: string;
  value: EndpointForm;
  onChange: (next: EndpointForm) => void;
  /** Fields that cannot change once the mailbox is saved. */
  locked?: { host?: boolean; user?: boolean };
  /** The user field is shown elsewhere (the Gmail address). */
  hideUser?: boolean;
  onError: (message: string) => void;
}

const SECURITY_LABELS: Record<Security, string> = {
  tls: 'TLS (port 993)',
  starttls: 'STARTTLS (port 143)',
  none: 'None — only for a server on this computer',
};

export function EndpointFields({ idPrefix, value, onChange, locked = {}, hideUser = false, onError }: Props) {
  const id = (f: string) => `${idPrefix}-${f}`;
  const set = (patch: Partial<EndpointForm>) => onChange({ ...value, ...patch });
  const browse = async () => {
    try {
      const file = await call(api().chooseCaFile());
      if (file) set({ ca: file });
    } catch (err) {
      onError(asAppError(err).message);
    }
  };
  return (
    <div className="fields">
      <div className="field">
        <label htmlFor={id('host')}>Server</label>
        <input id={id('host')} value={value.host} readOnly={locked.host} autoComplete="off" spellCheck={false} required onChange={(e) => set({ host: e.target.value })} />
      </div>
      <div className="field-row">
        <div className="field">
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
          <input id={id('port')} inputMode="numeric" pattern="[0-9]*" value={value.port} required onChange={(e) => set({ port: e.target.value.replace(/\D/g, '').slice(0, 5) })} />
        </div>
      </div>
      {hideUser ? null : (
        <div className="field">
          <label htmlFor={id('user')}>User name</label>
          <input id={id('user')} value={value.user} readOnly={locked.user} autoComplete="off" spellCheck={false} required onChange={(e) => set({ user: e.target.value })} />
        </div>
      )}
      <div className="field">
        <label htmlFor={id('ca')}>CA certificate (only for a server with a self-signed certificate)</label>
        <div className="input-with-button">
          <input id={id('ca')} value={value.ca} placeholder="No extra CA: the system's trusted certificates" spellCheck={false} onChange={(e) => set({ ca: e.target.value })} />
          <button type="button" className="btn" onClick={() => void browse()}>
            Browse…
          </button>
        </div>
      </div>
    </div>
  );
}
