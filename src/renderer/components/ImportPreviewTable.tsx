import type { CredentialSource, ImportRow } from '../../shared/contract.js';

const FROM: Record<CredentialSource, string> = { file: 'in the file', stored: 'stored', missing: 'missing' };

function credentials(row: ImportRow) {
  const c = row.credentials;
  if (!c) return '—';
  // A service account signs in for every row: its key is what is stored or missing.
  const gmail = row.mailbox?.source.auth === 'service-account' ? `service account key ${c.source === 'missing' ? 'missing' : 'stored'}` : FROM[c.source];
  return (
    <>
      <span className={c.source === 'missing' ? 'warn' : undefined}>Gmail: {gmail}</span>
      <br />
      <span className={c.destination === 'missing' ? 'warn' : undefined}>Destination: {FROM[c.destination]}</span>
    </>
  );
}

function status(row: ImportRow) {
  if (row.problem) return <span className="bad">Not imported: {row.problem}</span>;
  const m = row.mailbox!;
  const window = [m.since ? `received from ${m.since.slice(0, 10)}` : '', m.before ? `received before ${m.before.slice(0, 10)}` : ''].filter(Boolean).join(', ');
  const filters = [m.include?.length ? `only ${m.include.join(', ')}` : '', m.exclude.length ? `not ${m.exclude.join(', ')}` : ''].filter(Boolean).join('; ');
  const fromFile = row.credentials?.source === 'file' || row.credentials?.destination === 'file';
  return (
    <>
      {row.existing ? (
        <span className="muted">Already in the list{fromFile ? ': its passwords from the file replace the stored ones' : ''}.</span>
      ) : (
        <span className="good">Ready to add.</span>
      )}
      {window ? <span className="note"> Only mail {window}.</span> : null}
      {filters ? <span className="note"> Folders: {filters}.</span> : null}
      {row.credentials?.source === 'missing' && m.source.auth === 'service-account' ? (
        <span className="note warn"> Import the service account’s key above before starting.</span>
      ) : row.credentials?.source === 'missing' || row.credentials?.destination === 'missing' ? (
        <span className="note warn"> Enter the missing password with Edit before starting.</span>
      ) : null}
      {row.notes?.map((n) => (
        <span key={n} className="note">
          {' '}
          {n}.
        </span>
      ))}
    </>
  );
}

/** One row per line of the file: the mailbox it becomes, or why it cannot. Never a password: main keeps those. */
export function ImportPreviewTable({ rows }: { rows: readonly ImportRow[] }) {
  return (
    <table className="import-preview">
      <colgroup>
        <col className="w-line" />
        <col />
        <col />
        <col className="w-passwords" />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th scope="col" className="num">
            Line
          </th>
          <th scope="col">Gmail account</th>
          <th scope="col">Destination</th>
          <th scope="col">Passwords</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.line} className={r.problem ? 'import-row bad-row' : 'import-row'} data-line={r.line}>
            <td className="num">{r.line}</td>
            <td>{r.mailbox ? `${r.mailbox.source.user} on ${r.mailbox.source.host}` : '—'}</td>
            <td>{r.mailbox ? `${r.mailbox.destination.user} on ${r.mailbox.destination.host}` : '—'}</td>
            <td className="passwords">{credentials(r)}</td>
            <td>{status(r)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
