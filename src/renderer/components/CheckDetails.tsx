import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { MailboxCheck } from '../../shared/contract.js';
import { dateTime } from '../format.js';
import { PreflightList } from './PreflightList.js';

const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;

/** "2 blockers, 1 warning": what a row's latest test found, in a few words. */
export function findingsSummary(c: MailboxCheck): string {
  const stops = c.problems.length + (c.blockers?.length ?? 0);
  const warnings = c.warnings?.length ?? 0;
  return [stops ? plural(stops, 'blocker') : '', warnings ? plural(warnings, 'warning') : ''].filter(Boolean).join(', ');
}

/**
 * A row's line says the first thing its latest test found; this button opens all of it (blockers apart from
 * warnings, each with what to do) in a dialog, so the row keeps its one line and its height. The dialog is
 * drawn under <body> (a line is a paragraph, which cannot hold one).
 */
export function CheckDetails({ check, name }: { check: MailboxCheck; name: string }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (open && d && !d.open) d.showModal();
  }, [open]);
  const summary = findingsSummary(check);
  if (!summary) return null;
  return (
    <>
      <button type="button" className="link-button findings-button" aria-label={`Test results of ${name}: ${summary}`} onClick={() => setOpen(true)}>
        {summary}
      </button>
      {open
        ? createPortal(
        <dialog ref={ref} className="confirm-dialog findings-dialog" aria-labelledby="findings-title" onClose={() => setOpen(false)}>
          <h2 id="findings-title">Test of {name}</h2>
          <p className="muted">{dateTime(check.at)}. Nothing was written.</p>
          <PreflightList problems={check.problems} blockers={check.blockers ?? []} warnings={check.warnings ?? []} />
          <div className="form-actions">
            <button type="button" className="btn primary" autoFocus onClick={() => ref.current?.close()}>
              Close
            </button>
          </div>
        </dialog>,
            document.body,
          )
        : null}
    </>
  );
}
