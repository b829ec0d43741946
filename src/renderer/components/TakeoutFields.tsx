import { useState } from 'react';
import type { AppError, TakeoutFile } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { bytes } from '../format.js';
import type { SourceForm } from './source-form.js';
import { ErrorText } from './ErrorText.js';
import { ExternalLink } from './ExternalLink.js';

interface Props {
  value: SourceForm['takeout'];
  onChange: (file: TakeoutFile) => void;
}

/**
 * A Google Takeout export as the source: chosen in main's dialog (main checks it is one and reads no other
 * file), no Gmail sign-in and no daily download limit. The Gmail address above names the account it is of.
 */
export function TakeoutFields({ value, onChange }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  const choose = async () => {
    setBusy(true);
    setError(null);
    try {
      const file = await call(api().chooseTakeoutFile());
      if (file) onChange(file);
    } catch (err) {
      setError(asAppError(err));
    } finally {
      setBusy(false);
    }
  };

  const about = value && value.kind ? `A Google Takeout export (.${value.kind}${value.sizeBytes !== null && value.sizeBytes !== undefined ? `, ${bytes(value.sizeBytes)}` : ''}).` : null;
  return (
    <div className="takeout-source">
      <div className="field">
        <span className="label" id="takeout-file-label">
          Google Takeout export
        </span>
        <div className="input-with-button">
          <span className="chosen-file" aria-labelledby="takeout-file-label">
            {value ? value.name : 'No file chosen.'}
          </span>
          <button type="button" className="btn" disabled={busy} onClick={() => void choose()}>
            Choose file…
          </button>
        </div>
      </div>
      <p className={about ? 'field-note good' : 'field-note'} role="status" aria-live="polite">
        {busy ? 'Choose the export in the dialog…' : (about ?? 'The .tgz or .zip Takeout delivered (no need to unpack it), or the .mbox in it.')}
      </p>
      {error ? <ErrorText error={error} compact /> : null}
      <details className="help" open={!value}>
        <summary>How to get a Takeout export, and why</summary>
        <ol>
          <li>
            At <ExternalLink href="https://takeout.google.com">takeout.google.com</ExternalLink>, signed in as the account: Deselect all, tick Mail (“All Mail data included”),
            Next step, Export once, file type .tgz, the largest size (50 GB, so the mailbox stays in one file), Create export.
          </li>
          <li>Google e-mails a download link, after hours or days for a big account. Download it and choose it here.</li>
          <li>After the switch to the new server, add the same account with an app password (or a sign-in) and the same destination: it copies only what arrived since the export.</li>
        </ol>
        <p className="muted">
          Over IMAP Gmail sends about 2,500 MB a day per account; an export has no such limit, so it is copied at the destination’s speed. Labels become folders exactly as
          over IMAP. The export keeps no “answered” or “forwarded” marks.
        </p>
      </details>
    </div>
  );
}
