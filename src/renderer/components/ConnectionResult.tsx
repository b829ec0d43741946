import type { ConnectionCheck, SideCheck } from '../../shared/contract.js';
import { bytes } from '../format.js';
import { ErrorText } from './ErrorText.js';

function Side({ name, check }: { name: string; check: SideCheck }) {
  if (!check.ok) {
    return (
      <li className="check bad">
        <span className="check-mark" aria-hidden="true">
          ✕
        </span>
        <div>
          <strong>{name}: could not sign in.</strong>
          {check.error ? <ErrorText error={check.error} compact /> : null}
        </div>
      </li>
    );
  }
  const quota = check.quota ? `, ${bytes(check.quota.usedBytes)} of ${bytes(check.quota.limitBytes)} used` : '';
  const fast = check.notable['MULTIAPPEND'] === true ? ', fast uploads (MULTIAPPEND)' : '';
  return (
    <li className="check ok">
      <span className="check-mark" aria-hidden="true">
        ✓
      </span>
      <div>
        <strong>{name}: signed in.</strong> {check.folderCount} folders{quota}
        {fast}.
      </div>
    </li>
  );
}

export function ConnectionResult({ check }: { check: ConnectionCheck }) {
  const ok = check.source.ok && check.destination.ok;
  return (
    <div className="connection-result" role="status" aria-live="polite">
      <p className={ok ? 'good' : 'bad'}>{ok ? 'Both servers accept Mailferry. Nothing was written.' : 'The connection test found a problem.'}</p>
      <ul className="checks">
        <Side name="Gmail" check={check.source} />
        <Side name="Destination" check={check.destination} />
      </ul>
    </div>
  );
}
