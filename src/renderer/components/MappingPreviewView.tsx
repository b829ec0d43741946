import { useEffect, useState } from 'react';
import type { AppError, LabelPolicy, MailboxStatus, MailboxView, MappingPreview } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { bytes, count } from '../format.js';
import type { Navigate } from '../route.js';
import { ErrorText } from './ErrorText.js';
import { LabelPolicyChoice } from './LabelPolicyChoice.js';
import { MappingTable } from './MappingTable.js';
import { PreflightList } from './PreflightList.js';
import { ReceivedWindow, type WindowChoice } from './ReceivedWindow.js';
import { useStartGuard } from './StartGuard.js';

interface Props {
  id: string;
  navigate: Navigate;
  onStarted: (s: MailboxStatus[]) => void;
  /** The list as the window has it (Start's guard looks at the mailbox's latest test there). */
  views: () => readonly MailboxView[];
}

/** Before starting: which folder goes where, with counts and sizes, and the choice to leave some out. */
export function MappingPreviewView({ id, navigate, onStarted, views }: Props) {
  const guard = useStartGuard(views);
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
        // What this step's own test found is asked about first; a blocker of an earlier Test, by main's guard.
        const own = preview.blockers.length > 0;
        if (own && !(await guard.ask([{ name: id, blockers: preview.blockers }]))) return setBusy(false);
        const started = await guard.run([id], (despite) => call(api().start({ ids: [id], ...(despite || own ? { despiteBlockers: true } : {}) })));
        if (!started) return setBusy(false);
        onStarted(started);
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
      {guard.dialog}
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
          <PreflightList blockers={preview.blockers} warnings={preview.warnings} />
          {preview.takeout ? (
            <p className="takeout-note">
              The folders come from the labels of the Google Takeout export {preview.takeout.name} ({bytes(preview.takeout.sizeBytes)}): Mailferry reads them when the migration
              starts, in one pass over the file, and maps them as it maps Gmail’s folders. Every label is copied; messages already on the destination are not copied again.
            </p>
          ) : (
            <>
              <MappingTable rows={preview.rows} included={included} onToggle={toggle} />
              <p className="totals num" aria-live="polite">
                Selected: {chosen.length} folders, {count(messages)} messages{size !== null ? `, ${bytes(size)}` : ''}. Messages already on the destination are not copied again.
              </p>
            </>
          )}
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
