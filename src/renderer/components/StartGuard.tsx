import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { pendingBlockers, PREFLIGHT_BLOCKERS, type Finding, type MailboxStatus, type MailboxView } from '../../shared/contract.js';
import { CallError } from '../api.js';
import { FindingItems } from './PreflightList.js';

/** A mailbox Start would take past its latest test's blockers. */
export interface Blocked {
  name: string;
  blockers: readonly Finding[];
}

interface Asking {
  items: Blocked[];
  answer: (go: boolean) => void;
}

/** Asks before starting past blockers: each mailbox with what its test found and what to do. */
function BlockersDialog({ items, answer }: Asking) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} className="confirm-dialog blockers-dialog" aria-labelledby="blockers-title" onCancel={() => answer(false)}>
      <h2 id="blockers-title">Start despite what the test found?</h2>
      <p>The latest test found what would stop the migration. Fix it and test again, or start anyway if you know it does not apply.</p>
      {items.map((b) => (
        <div key={b.name} className="blocked-mailbox">
          <h3>{b.name}</h3>
          <FindingItems items={b.blockers} />
        </div>
      ))}
      <div className="form-actions">
        <button type="button" className="btn primary" autoFocus onClick={() => answer(false)}>
          Don’t start
        </button>
        <button type="button" className="btn danger" onClick={() => answer(true)}>
          Start anyway
        </button>
      </div>
    </dialog>
  );
}

/** The blocked mailboxes among `ids`, as the window knows them. */
export function blockedAmong(views: readonly MailboxView[], ids: readonly string[] | 'all'): Blocked[] {
  return views
    .filter((v) => ids === 'all' || ids.includes(v.config.id))
    .map((v) => ({ name: v.config.source.user, blockers: pendingBlockers(v.status.check) }))
    .filter((b) => b.blockers.length > 0);
}

/**
 * Start and Resume through main's guard: when main answers PREFLIGHT_BLOCKERS, the window shows the blockers
 * and sends the call again with despiteBlockers only if the user says "Start anyway". `run` resolves to null
 * when the user chose not to start. Render `dialog` somewhere in the component.
 */
export function useStartGuard(views: () => readonly MailboxView[]): {
  run: (ids: readonly string[] | 'all', send: (despiteBlockers: boolean) => Promise<MailboxStatus[]>) => Promise<MailboxStatus[] | null>;
  ask: (items: Blocked[]) => Promise<boolean>;
  dialog: ReactNode;
} {
  const [asking, setAsking] = useState<Asking | null>(null);
  const ask = useCallback(
    (items: Blocked[]) =>
      new Promise<boolean>((resolve) =>
        setAsking({
          items,
          answer: (go) => {
            setAsking(null);
            resolve(go);
          },
        }),
      ),
    [],
  );
  const run = useCallback(
    async (ids: readonly string[] | 'all', send: (despiteBlockers: boolean) => Promise<MailboxStatus[]>) => {
      try {
        return await send(false);
      } catch (err) {
        if (!(err instanceof CallError) || err.error.code !== PREFLIGHT_BLOCKERS) throw err;
        const known = blockedAmong(views(), ids);
        // The window's statuses may lag main's: then main's own words stand for the list.
        const items = known.length > 0 ? known : [{ name: 'The mailbox', blockers: [{ code: 'OTHER', message: err.error.message, ...(err.error.hint ? { hint: err.error.hint } : {}) }] }];
        return (await ask(items)) ? send(true) : null;
      }
    },
    [views, ask],
  );
  return { run, ask, dialog: asking ? createPortal(<BlockersDialog {...asking} />, document.body) : null };
}
