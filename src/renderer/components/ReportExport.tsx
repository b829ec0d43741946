import { useState } from 'react';
import { REPORT_FORMATS, type AppError, type ReportFormat, type ReportSaved } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { ErrorText } from './ErrorText.js';

const FORMAT_LABELS: Record<ReportFormat, string> = { html: 'HTML (for the client)', json: 'JSON', csv: 'CSV (spreadsheet)' };

/**
 * "Export report": the client report of every mailbox (all runs and the latest verify), saved where the user
 * chooses in the system's save dialog. Main builds and writes it; nothing of it passes through the window.
 */
export function ReportExport() {
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState<ReportFormat>('html');
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<ReportSaved | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  const save = async () => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      setSaved(await call(api().exportReport({ format })));
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <button type="button" className="btn" onClick={() => setOpen(true)}>
        Export report…
      </button>
    );
  }
  return (
    <div className="report-export" role="group" aria-label="Export the client report">
      <label className="check-label" htmlFor="report-format">
        Client report as
      </label>
      <select id="report-format" value={format} disabled={busy} onChange={(e) => setFormat(e.target.value as ReportFormat)}>
        {REPORT_FORMATS.map((f) => (
          <option key={f} value={f}>
            {FORMAT_LABELS[f]}
          </option>
        ))}
      </select>
      <button type="button" className="btn primary" disabled={busy} onClick={() => void save()}>
        {busy ? 'Saving…' : 'Save…'}
      </button>
      <button type="button" className="btn subtle" disabled={busy} onClick={() => setOpen(false)}>
        Close
      </button>
      <span role="status" className="good report-saved">
        {saved ? `Saved the report of ${saved.mailboxes} mailbox${saved.mailboxes === 1 ? '' : 'es'} to ${saved.file}.` : ''}
      </span>
      {error ? <ErrorText error={error} compact /> : null}
    </div>
  );
}
