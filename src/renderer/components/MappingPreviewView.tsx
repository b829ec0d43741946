import { useEffect, useState } from 'react';
import type { AppError, LabelPolicy, MailboxStatus, MappingPreview } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { bytes, count } from '../format.js';
import type { Navigate } from '../route.js';
import { ErrorText } from './ErrorText.js';
import { LabelPolicyChoice } from './LabelPolicyChoice.js';
import { MappingTable } from './MappingTable.js';
import { ReceivedWindow, type WindowChoice } from './ReceivedWindow.js';

interface Props {
  id: string;
  navigate: Navigate;
  onStarted: (s: MailboxStatus[]) => void;
}

/** Before starting: which folder goes where, with counts and sizes, and the choice to leave some out. */
export function MappingPreviewView({ id, navigate, onStarted }: Props) {
  const [preview, setPreview] = useState<MappingPreview | null>(null);
  const [included, setIncluded] = useState<Set<string>>(new Set());
  const [policy, setPolicy] = useState<LabelPolicy>('folder-per-label');
  const [keywords, setKeywords] = useState(false);
  const [received, setReceived] = useState<WindowChoice>({ since: '', before: '', deleteMissing: false });
  /** The saved dates as they were shown: a date sent back only when changed (an imported row may hold an instant). */
  const [shownWindow, setShownWindow] = useState<WindowChoice>(received);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    call(api().previewMapping({ id })).then(
      (p) => {
        if (!live) return;
        setPreview(p);
        setIncluded(new Set(p.rows.filter((r) => r.included).map((r) => r.source)));
        setPolicy(p.labelPolicy);
        setKeywords(p.labelsAsKeywords);
        const w = { since: p.since?.slice(0, 10) ?? '', before: p.before?.slice(0, 10) ?? '', deleteMissing: p.deleteMissing };
        setReceived(w);
        setShownWindow(w);
      },
      (err: unknown) => live && setError(asAppError(err)),
    );
    return () => {
      live = false;
    };
  }, [id]);

  const toggle = (source: string) =>
    setIncluded((s) => {
      const next = new Set(s);
      if (next.has(source)) next.delete(source);
      else next.add(source);
      return next;
    });

  const save = async (start: boolean) => {
    if (!preview) return;
    setBusy(true);
    setError(null);
    try {
      const exclude = preview.rows.filter((r) => r.toggleable && !included.has(r.source)).map((r) => r.source);
      await call(
        api().setExclusions({
          id,
          exclude,
          labelPolicy: policy,
          labelsAsKeywords: keywords,
          ...(received.since !== shownWindow.since ? { since: received.since } : {}),
          ...(received.before !== shownWindow.before ? { before: received.before } : {}),
          deleteMissing: received.deleteMissing,
        }),
      );
      if (start) {
        onStarted(await call(api().start({ ids: [id] })));
        navigate({ name: 'mailboxes' });
      } else navigate({ name: 'detail', id });
    } catch (err) {
      setError(asAppError(err));
      setBusy(false);
    }
  };

  const chosen = preview?.rows.filter((r) => r.toggleable && included.has(r.source)) ?? [];
  const messages = chosen.reduce((s, r) => s + r.messages, 0);
  const size = chosen.some((r) => r.sizeBytes === null) ? null : chosen.reduce((s, r) => s + (r.sizeBytes ?? 0), 0);

  return (
    <section aria-labelledby="preview-title">
      <div className="view-head">
        <h1 id="preview-title" tabIndex={-1}>
          Folders of {id}
        </h1>
      </div>
      {error ? <ErrorText error={error} /> : null}
      {!preview && !error ? (
        <p className="muted" role="status">
          Signing in and listing the folders of both sides…
        </p>
      ) : null}
      {preview ? (
        <>
          <LabelPolicyChoice
            policies={preview.labelPolicies}
            policy={policy}
            keywords={keywords}
            gmailLabels={preview.gmailLabels}
            disabled={busy}
            onPolicy={setPolicy}
            onKeywords={setKeywords}
          />
          <ReceivedWindow value={received} onChange={setReceived} confirming={confirming} onConfirming={setConfirming} disabled={busy} />
          {preview.warnings.map((w) => (
            <p className="warn" key={w}>
              {w}
            </p>
          ))}
          {preview.estimate && preview.estimate.gmailDailyLimitDays > 1 ? (
            <p className="warn">
              About {bytes(preview.estimate.totalBytes)} must come from Gmail; its daily download limit makes that take at least {Math.ceil(preview.estimate.gmailDailyLimitDays)} days.
              Mailferry waits and continues by itself.
            </p>
          ) : null}
          <MappingTable rows={preview.rows} included={included} onToggle={toggle} />
          <p className="totals num" aria-live="polite">
            Selected: {chosen.length} folders, {count(messages)} messages{size !== null ? `, ${bytes(size)}` : ''}. Messages already on the destination are not copied again.
          </p>
        </>
      ) : null}
      <div className="form-actions">
        <button type="button" className="btn primary" disabled={busy || !preview} onClick={() => void save(true)}>
          Start migration
        </button>
        <button type="button" className="btn" disabled={busy || !preview} onClick={() => void save(false)}>
          Save folder choice
        </button>
        {error && !preview ? (
          <button type="button" className="btn" onClick={() => navigate({ name: 'edit', id })}>
            Edit mailbox…
          </button>
        ) : null}
        <button type="button" className="btn subtle" disabled={busy} onClick={() => navigate({ name: 'mailboxes' })}>
          Back
        </button>
      </div>
    </section>
  );
}
