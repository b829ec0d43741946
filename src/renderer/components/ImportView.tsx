import { useEffect, useState } from 'react';
import type { AppError, ImportFile, ImportPreview, ImportResult } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import type { Navigate } from '../route.js';
import { ErrorText } from './ErrorText.js';
import { ImportDefaultsFields } from './ImportDefaultsFields.js';
import { newImportForm, toImportDefaults, type ImportForm } from './import-form.js';
import { ImportPreviewTable } from './ImportPreviewTable.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * "Import a list": a batch file chosen in the system's dialog, read by main (the window never sees its
 * passwords), previewed line by line with the defaults below, then saved on confirmation.
 */
export function ImportView({ navigate, onImported }: { navigate: Navigate; onImported: () => Promise<void> }) {
  const [form, setForm] = useState<ImportForm>(newImportForm);
  const [file, setFile] = useState<ImportFile | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const defaultsKey = JSON.stringify(toImportDefaults(form));

  // The file is read again when the defaults change (a row without a host takes them): what is shown is what imports.
  useEffect(() => {
    if (!file) return;
    let live = true;
    const timer = setTimeout(() => {
      call(api().previewImport({ fileId: file.fileId, defaults: JSON.parse(defaultsKey) }))
        .then((p) => live && (setPreview(p), setError(null)))
        .catch((err: unknown) => live && (setPreview(null), setError(asAppError(err))));
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [file, defaultsKey]);

  const choose = async () => {
    setError(null);
    try {
      const f = await call(api().chooseBatchFile());
      if (f) {
        setResult(null);
        setPreview(null);
        setFile(f);
      }
    } catch (err) {
      setError(asAppError(err));
    }
  };

  const commit = async () => {
    if (!preview) return;
    setBusy(true);
    setError(null);
    try {
      const r = await call(api().importMailboxes({ previewId: preview.previewId }));
      setResult(r);
      setPreview(null);
      setFile(null);
      await onImported();
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  const rows = preview?.rows ?? [];
  const toAdd = rows.filter((r) => r.mailbox && !r.existing).length;
  const existing = rows.filter((r) => r.existing).length;
  const bad = rows.filter((r) => r.problem).length;

  return (
    <section aria-labelledby="import-title" className="import">
      <div className="view-head">
        <h1 id="import-title" tabIndex={-1}>
          Import a list of mailboxes
        </h1>
      </div>
      <p className="muted">
        A CSV file (MigrationWiz’s user list, Microsoft’s IMAP migration file, or Mailferry’s own columns) or imapsync’s batch lines, one mailbox per line. Each line is checked as
        the command line checks it; lines with a problem are listed and left out.
      </p>
      <ImportDefaultsFields value={form} onChange={setForm} />
      <div className="form-actions">
        <button type="button" className="btn primary" onClick={() => void choose()} disabled={busy}>
          Choose file…
        </button>
        {file ? <span className="chosen-file">{file.name}</span> : <span className="muted">No file chosen.</span>}
      </div>
      {error ? <ErrorText error={error} /> : null}
      {file && !preview && !error ? (
        <p className="muted" role="status">
          Reading {file.name}…
        </p>
      ) : null}
      {preview ? (
        <>
          <p className="totals" role="status" aria-live="polite">
            {preview.name} ({preview.format}): {plural(toAdd, 'mailbox', 'mailboxes')} to add
            {existing ? `, ${existing} already in the list` : ''}
            {bad ? `, ${plural(bad, 'line')} with a problem (not imported)` : ''}.
          </p>
          <ImportPreviewTable rows={rows} />
          <div className="form-actions">
            <button type="button" className="btn primary" disabled={busy || toAdd + existing === 0} onClick={() => void commit()}>
              {toAdd > 0 ? `Import ${plural(toAdd, 'mailbox', 'mailboxes')}` : 'Update the passwords'}
            </button>
            <button type="button" className="btn subtle" disabled={busy} onClick={() => navigate({ name: 'mailboxes' })}>
              Cancel
            </button>
          </div>
        </>
      ) : null}
      {result ? (
        <div className="import-result" role="status">
          <p className="good">
            Added {plural(result.added.length, 'mailbox', 'mailboxes')}
            {result.updated.length ? `; updated the passwords of ${plural(result.updated.length, 'mailbox', 'mailboxes')} already in the list` : ''}; {plural(result.passwordsStored, 'password')} stored in
            your system’s keychain.
          </p>
          {result.problems.length > 0 ? (
            <>
              <p className="warn">{plural(result.problems.length, 'line was', 'lines were')} not imported: fix the file and import it again (mailboxes already added are not added twice).</p>
              <ul className="notes">
                {result.problems.map((p) => (
                  <li key={p.line}>
                    Line {p.line}: {p.problem}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <div className="form-actions">
            <button type="button" className="btn primary" onClick={() => navigate({ name: 'mailboxes' })}>
              Show the mailboxes
            </button>
          </div>
        </div>
      ) : null}
      {!preview && !result ? (
        <div className="form-actions">
          <button type="button" className="btn subtle" onClick={() => navigate({ name: 'mailboxes' })}>
            Back
          </button>
        </div>
      ) : null}
    </section>
  );
}
