import { useCallback, useEffect, useMemo, useRef, useState, type UIEvent } from 'react';
import type { AppError, MailboxView } from '../../shared/contract.js';
import type { MailboxAction } from '../../shared/mailbox-actions.js';
import { api, asAppError, call } from '../api.js';
import { count } from '../format.js';
import { actionTargets, checkTargets, filterCounts, FILTERS, visibleViews, windowRange, type Sort, type SortKey, type StateFilter } from '../mailbox-list.js';
import type { Navigate } from '../route.js';
import type { MailboxesState } from '../use-mailboxes.js';
import { EmptyState } from './EmptyState.js';
import { ErrorText } from './ErrorText.js';
import { MailboxRow } from './MailboxRow.js';
import { ReportExport } from './ReportExport.js';
import { SelectAll } from './SelectAll.js';
import { useStartGuard } from './StartGuard.js';
import { TotalsRow } from './TotalsRow.js';

/**
 * From this many rows on only the rows in view are drawn (plus a few on each side), each of a fixed height:
 * 500 mailboxes cost the DOM of about 20. Below it the table is drawn whole, rows as tall as their text.
 */
export const WINDOW_FROM = 60;
/** A row's height in the windowed table, px (styles.css: table.windowed tr.mailbox-row). */
export const ROW_HEIGHT = 84;

type ToolAction = MailboxAction | 'test' | 'verify';
const VERBS: Record<ToolAction, string> = { start: 'Start', pause: 'Pause', resume: 'Resume', cancel: 'Cancel', test: 'Test', verify: 'Verify' };
const COLUMNS: ReadonlyArray<{ key: SortKey | null; label: string; className: string }> = [
  { key: 'name', label: 'Mailbox', className: 'w-mailbox' },
  { key: 'state', label: 'State', className: 'w-state' },
  { key: 'progress', label: 'Progress', className: 'w-progress' },
  { key: 'size', label: 'Size', className: 'w-size' },
  { key: null, label: 'Speed', className: 'w-rate' },
  { key: null, label: 'Time left', className: 'w-eta' },
];

export function MailboxesView({ state, navigate }: { state: MailboxesState; navigate: Navigate }) {
  const { views, error, applyStatuses } = state;
  const [filter, setFilter] = useState<StateFilter>('all');
  const [sort, setSort] = useState<Sort>({ key: 'name', dir: 'asc' });
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [busy, setBusy] = useState<ToolAction | null>(null);
  const [actionError, setActionError] = useState<AppError | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const guard = useStartGuard(() => views ?? []);
  const [scroll, setScroll] = useState({ top: 0, height: 640 });

  const shown = useMemo(() => (views ? visibleViews(views, filter, sort) : []), [views, filter, sort]);
  const counts = useMemo(() => filterCounts(views ?? []), [views]);
  const chosen = useMemo(() => shown.filter((v) => selected.has(v.config.id)), [shown, selected]);
  const scope: readonly MailboxView[] = chosen.length > 0 ? chosen : shown;
  // Everything, unfiltered and unselected: main picks the mailboxes (those for which the action makes sense).
  const everything = chosen.length === 0 && filter === 'all';
  const windowed = shown.length > WINDOW_FROM;

  const onSelect = useCallback((id: string, on: boolean) => {
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, [windowed]);

  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget;
    setScroll((s) => (s.top === el.scrollTop && s.height === el.clientHeight ? s : { top: el.scrollTop, height: el.clientHeight }));
  };

  const run = async (action: ToolAction) => {
    setBusy(action);
    setActionError(null);
    try {
      if (action === 'test' || action === 'verify') {
        const ids = everything ? ('all' as const) : checkTargets(scope);
        const call_ = action === 'test' ? api().testMailboxes({ ids }) : api().verifyMailboxes({ ids });
        applyStatuses(await call(call_));
      } else if (action === 'start' || action === 'resume') {
        const ids = everything ? ('all' as const) : actionTargets(scope, action);
        const started = await guard.run(ids, (despite) => call(api()[action]({ ids, ...(despite ? { despiteBlockers: true } : {}) })));
        if (started) applyStatuses(started);
      } else {
        applyStatuses(await call(api()[action]({ ids: everything ? 'all' : actionTargets(scope, action) })));
      }
    } catch (err) {
      setActionError(asAppError(err));
    } finally {
      setBusy(null);
    }
  };

  const label = (action: ToolAction): string => {
    if (busy === action) return action === 'test' ? 'Testing…' : action === 'verify' ? 'Verifying…' : `${VERBS[action]}…`;
    if (chosen.length > 0) return `${VERBS[action]} ${chosen.length} selected`;
    return filter === 'all' ? `${VERBS[action]} all` : `${VERBS[action]} ${shown.length} shown`;
  };
  const possible = (action: ToolAction) => (action === 'test' || action === 'verify' ? checkTargets(scope).length > 0 : actionTargets(scope, action).length > 0);

  const sortBy = (key: SortKey) => setSort((s) => ({ key, dir: s.key === key && s.dir === 'asc' ? 'desc' : 'asc' }));

  const range = windowed ? windowRange(scroll.top, scroll.height, ROW_HEIGHT, shown.length) : { start: 0, end: shown.length };
  const rows = shown.slice(range.start, range.end);

  const table = (
    <table className={windowed ? 'mailboxes windowed' : 'mailboxes'} aria-rowcount={shown.length + 2}>
      <colgroup>
        <col className="w-select" />
        {COLUMNS.map((c) => (
          <col key={c.label} className={c.className} />
        ))}
        <col className="w-actions" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col" className="col-select">
            <SelectAll ids={shown.map((v) => v.config.id)} selected={selected} onChange={setSelected} />
          </th>
          {COLUMNS.map((c) => (
            <th key={c.label} scope="col" className={c.key === 'size' ? 'num' : undefined} aria-sort={c.key && sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
              {c.key ? (
                <button type="button" className="sort" onClick={() => sortBy(c.key!)}>
                  {c.label}
                  <span aria-hidden="true">{sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                </button>
              ) : (
                c.label
              )}
            </th>
          ))}
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {range.start > 0 ? <tr className="spacer" aria-hidden="true" style={{ height: range.start * ROW_HEIGHT }} /> : null}
        {rows.map((v) => (
          <MailboxRow key={v.config.id} view={v} navigate={navigate} applyStatuses={applyStatuses} selected={selected.has(v.config.id)} onSelect={onSelect} />
        ))}
        {range.end < shown.length ? <tr className="spacer" aria-hidden="true" style={{ height: (shown.length - range.end) * ROW_HEIGHT }} /> : null}
        {shown.length === 0 ? (
          <tr>
            <td colSpan={8} className="muted">
              No mailbox is {FILTERS.find((f) => f.id === filter)!.label.toLowerCase()}.
            </td>
          </tr>
        ) : null}
      </tbody>
      <tfoot>
        <TotalsRow views={shown} filtered={filter !== 'all'} />
      </tfoot>
    </table>
  );

  return (
    <section aria-labelledby="mailboxes-title">
      <div className="view-head">
        <h1 id="mailboxes-title" tabIndex={-1}>
          Mailboxes
        </h1>
        <div className="toolbar">
          <button type="button" className="btn" onClick={() => navigate({ name: 'import' })}>
            Import…
          </button>
          <button type="button" className="btn primary" onClick={() => navigate({ name: 'add' })}>
            Add mailbox
          </button>
        </div>
      </div>
      {error ? <ErrorText error={error} /> : null}
      {views === null && !error ? <p className="muted">Loading…</p> : null}
      {views && views.length === 0 ? (
        <EmptyState title="No mailboxes yet">
          <p>Add a Gmail or Google Workspace mailbox and the server it should move to. You can test the connection and see which folders go where before anything is copied.</p>
          <p>Moving many? Import the list you already have: a CSV (MigrationWiz, Microsoft’s IMAP migration file) or imapsync’s batch lines.</p>
          <button type="button" className="btn primary" onClick={() => navigate({ name: 'add' })}>
            Add your first mailbox
          </button>{' '}
          <button type="button" className="btn" onClick={() => navigate({ name: 'import' })}>
            Import a list…
          </button>
        </EmptyState>
      ) : null}
      {views && views.length > 0 ? (
        <>
          <div className="list-bar">
            <label className="check-label" htmlFor="state-filter">
              Show
            </label>
            <select id="state-filter" value={filter} onChange={(e) => setFilter(e.target.value as StateFilter)}>
              {FILTERS.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.label} ({count(counts[f.id])})
                </option>
              ))}
            </select>
            <div className="toolbar">
              {(['test', 'start', 'pause', 'resume', 'cancel', 'verify'] as const).map((a) => (
                <button key={a} type="button" className="btn" disabled={busy !== null || !possible(a)} onClick={() => void run(a)}>
                  {label(a)}
                </button>
              ))}
              <ReportExport />
            </div>
          </div>
          {actionError ? <ErrorText error={actionError} /> : null}
          {guard.dialog}
          {windowed ? (
            <div className="table-scroll" ref={scroller} onScroll={onScroll}>
              {table}
            </div>
          ) : (
            table
          )}
        </>
      ) : null}
    </section>
  );
}
