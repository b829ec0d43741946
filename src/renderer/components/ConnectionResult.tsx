import type { ConnectionCheck, GmailConnections, SideCheck } from '../../shared/contract.js';
import { bytes, count } from '../format.js';
import { ErrorText } from './ErrorText.js';
import { PreflightList } from './PreflightList.js';

function Mark({ ok }: { ok: boolean }) {
  return (
    <span className="check-mark" aria-hidden="true">
      {ok ? '✓' : '✕'}
    </span>
  );
}

function Side({ name, check }: { name: string; check: SideCheck }) {
  if (!check.ok) {
    return (
      <li className="check bad">
        <Mark ok={false} />
        <div>
          <strong>{name === EXPORT ? `${name}: could not be opened.` : `${name}: could not sign in.`}</strong>
          {check.error ? <ErrorText error={check.error} compact /> : null}
        </div>
      </li>
    );
  }
  if (check.takeout) {
    const t = check.takeout;
    return (
      <li className="check ok">
        <Mark ok />
        <div>
          <strong>{name}: {t.name} opens.</strong> A Google Takeout export (.{t.kind}, {bytes(t.sizeBytes)}); its labels are read when the migration starts, without Gmail’s
          daily limit.
        </div>
      </li>
    );
  }
  const quota = check.quota ? `, ${bytes(check.quota.usedBytes)} of ${bytes(check.quota.limitBytes)} used` : '';
  const fast = check.notable['MULTIAPPEND'] === true ? ', fast uploads (MULTIAPPEND)' : '';
  return (
    <li className="check ok">
      <Mark ok />
      <div>
        <strong>{name}: signed in.</strong> {check.folderCount} folders{quota}
        {fast}.
      </div>
    </li>
  );
}

const EXPORT = 'Takeout export';
const SIDE_WORDS = { source: 'reading', destination: 'writing' } as const;

function connectionLine(c: GmailConnections): string {
  const mailboxes = c.mailboxes > 1 ? ` (${c.mailboxes} mailboxes)` : '';
  return `${c.user} (${SIDE_WORDS[c.side]}): up to ${c.upTo} of Gmail’s ${c.limit} connections${mailboxes}.`;
}

/** The form's Test result: each side, then what the preflight found, blockers apart from warnings. */
export function ConnectionResult({ check, takeout = !!check.source.takeout }: { check: ConnectionCheck; takeout?: boolean }) {
  const signedIn = check.source.ok && check.destination.ok;
  const { blockers, warnings, estimate, connections } = check.preflight;
  const verdict = !signedIn
    ? 'The connection test found a problem.'
    : blockers.length > 0
      ? 'Signed in, but the test found what would stop the migration. Nothing was written.'
      : takeout
        ? 'The export opens and the destination accepts Mailferry. Nothing was written.'
        : 'Both servers accept Mailferry. Nothing was written.';
  // Days over one come as a warning (with the way around them); a day or less is just a figure.
  const facts = [
    ...(estimate && !warnings.some((w) => w.code === 'GMAIL_DAYS')
      ? [`About ${bytes(estimate.totalBytes)} to come from Gmail${estimate.fromSample ? ` (estimated from its ${count(estimate.fromSample)} newest messages)` : ''}: within a day at its daily limit.`]
      : []),
    ...connections.map(connectionLine),
  ];
  return (
    <div className="connection-result" role="status" aria-live="polite">
      <p className={signedIn && blockers.length === 0 ? 'good' : 'bad'}>{verdict}</p>
      <ul className="checks">
        <Side name={takeout ? EXPORT : 'Gmail'} check={check.source} />
        <Side name="Destination" check={check.destination} />
      </ul>
      {signedIn ? <PreflightList blockers={blockers} warnings={warnings} /> : null}
      {signedIn && facts.length > 0 ? (
        <ul className="preflight-facts">
          {facts.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
