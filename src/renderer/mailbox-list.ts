/**
 * The Mailboxes table's logic, as pure functions (unit-tested without a browser): which rows a state filter
 * shows, the sort orders, which mailboxes a toolbar action applies to, the one line under each mailbox, and
 * the slice of rows drawn when the list is long (windowing).
 */
import type { MailboxCheck, MailboxStatus, MailboxView, TakeoutSourceView } from '../shared/contract.js';
import { canDo, heldBack, isActive, type MailboxAction } from '../shared/mailbox-actions.js';
import { messageFraction } from '../shared/progress-view.js';

export type StateFilter = 'all' | 'not-started' | 'running' | 'waiting' | 'paused' | 'attention' | 'done';

export const FILTERS: ReadonlyArray<{ id: StateFilter; label: string }> = [
  { id: 'all', label: 'All' },
  { id: 'not-started', label: 'Not started' },
  { id: 'running', label: 'Running' },
  { id: 'waiting', label: 'Waiting' },
  { id: 'paused', label: 'Paused or cancelled' },
  { id: 'attention', label: 'Needs attention' },
  { id: 'done', label: 'Done' },
];

/** Something the user has to look at: a stop, a failed test or verify, messages that could not be copied. */
export function needsAttention(s: MailboxStatus): boolean {
  return (
    s.state === 'failed' ||
    (!isActive(s.state) && s.check?.state === 'not-ready') ||
    s.verification?.state === 'incomplete' ||
    (s.state === 'done' && (s.progress?.failed ?? 0) > 0)
  );
}

export function matchesFilter(s: MailboxStatus, filter: StateFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'not-started':
      return s.state === 'idle';
    case 'running':
      return isActive(s.state) && s.state !== 'waiting-quota';
    case 'waiting':
      return s.state === 'waiting-quota' || !!s.inUse;
    case 'paused':
      return s.state === 'paused' || s.state === 'cancelled';
    case 'attention':
      return needsAttention(s);
    case 'done':
      return s.state === 'done';
  }
}

export function filterCounts(views: readonly MailboxView[]): Record<StateFilter, number> {
  const out = Object.fromEntries(FILTERS.map((f) => [f.id, 0])) as Record<StateFilter, number>;
  for (const v of views) for (const f of FILTERS) if (matchesFilter(v.status, f.id)) out[f.id]++;
  return out;
}

export type SortKey = 'name' | 'state' | 'progress' | 'size';
export type SortDir = 'asc' | 'desc';
export interface Sort {
  key: SortKey;
  dir: SortDir;
}

/** Ascending "state": what needs the user first, then what works, then what waits its turn, then what is over. */
const STATE_ORDER = ['failed', 'waiting-quota', 'retrying', 'copying', 'planning', 'connecting', 'queued', 'paused', 'cancelled', 'idle', 'done'] as const;

/** Bytes the mailbox holds to copy: the run's plan, else the connection test's estimate; null when unknown. */
export function sizeOf(s: MailboxStatus): number | null {
  const p = s.progress;
  if (p && (p.bytesPlanned > 0 || p.planned > 0)) return p.bytesPlanned;
  return s.check?.totalBytes ?? null;
}

function stateRank(s: MailboxStatus): number {
  return s.inUse ? 0.5 : STATE_ORDER.indexOf(s.state as (typeof STATE_ORDER)[number]);
}

function progressOf(s: MailboxStatus): number {
  return s.progress ? messageFraction(s.progress) : -1;
}

const collator = new Intl.Collator(undefined, { numeric: true });
const byName = (a: MailboxView, b: MailboxView) => collator.compare(a.config.source.user, b.config.source.user) || collator.compare(a.config.id, b.config.id);

/** A new sorted array; ties (and unknown sizes, always last) by name. */
export function sortViews(views: readonly MailboxView[], sort: Sort): MailboxView[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const key: Record<Exclude<SortKey, 'name'>, (s: MailboxStatus) => number | null> = {
    state: stateRank,
    progress: progressOf,
    size: sizeOf,
  };
  return [...views].sort((a, b) => {
    if (sort.key === 'name') return sign * byName(a, b);
    const ka = key[sort.key](a.status);
    const kb = key[sort.key](b.status);
    if (ka === null || kb === null) return ka === kb ? byName(a, b) : ka === null ? 1 : -1;
    return sign * (ka - kb) || byName(a, b);
  });
}

export function visibleViews(views: readonly MailboxView[], filter: StateFilter, sort: Sort): MailboxView[] {
  return sortViews(
    views.filter((v) => matchesFilter(v.status, filter)),
    sort,
  );
}

/**
 * The ids a toolbar action applies to among `views` (the selection, or the rows the filter shows): those whose
 * state allows it and that no other Mailferry run holds back.
 */
export function actionTargets(views: readonly MailboxView[], action: MailboxAction): string[] {
  return views.filter((v) => canDo(v.status.state, action) && !heldBack(v.status, action)).map((v) => v.config.id);
}

/** Test and Verify skip running mailboxes (their runs use the sign-ins; their destinations still change). */
export function checkTargets(views: readonly MailboxView[]): string[] {
  return views.filter((v) => !isActive(v.status.state)).map((v) => v.config.id);
}

export interface RowNote {
  tone: 'muted' | 'good' | 'warn' | 'bad';
  text: string;
  hint?: string;
  /** The line tells of the latest test, which has more to show (its blockers and warnings). */
  check?: MailboxCheck;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/**
 * The line under a mailbox, when another Mailferry run does not hold it (StatusLine says that): the newest of
 * its last problem, its latest test and its latest verify, else what it is doing.
 */
export function rowNote(s: MailboxStatus, formatBytes: (n: number) => string, takeout?: TakeoutSourceView): RowNote {
  const p = s.progress;
  if (isActive(s.state)) {
    if (s.lastError) return { tone: 'warn', text: s.lastError.message, ...(s.lastError.hint ? { hint: s.lastError.hint } : {}) };
    // A Takeout import's first pass reads the whole export before it plans anything: say so, with its size.
    if (takeout && s.state === 'planning' && !(p && p.planned > 0)) {
      const size = takeout.sizeBytes !== null ? ` (${formatBytes(takeout.sizeBytes)})` : '';
      return { tone: 'muted', text: `Reading the export ${takeout.name}${size} for its labels, then making their folders: nothing is copied before the whole file has been read once.` };
    }
    return { tone: 'muted', text: p && p.present > 0 ? `${p.present.toLocaleString()} already on the destination.` : '\u00a0' };
  }
  // The latest run's end (its problem, or "everything is on the destination"), the latest test and the latest
  // verify, each from when it ended (a test or verify also while it runs): the newest is said.
  const runAt = s.state === 'idle' ? -1 : (p?.finishedAt ?? 0);
  const checkAt = s.check?.at ?? -1;
  const verifyAt = s.verification?.at ?? -1;
  const newest = Math.max(runAt, checkAt, verifyAt);
  if (newest >= 0 && newest === verifyAt && newest > runAt && s.verification) {
    const v = s.verification;
    if (v.state === 'verifying') return { tone: 'muted', text: 'Verifying: comparing both sides folder by folder…' };
    if (v.state === 'complete') return { tone: 'good', text: `Verified: every message is on the destination (${plural(v.folders, 'folder')} compared).` };
    if (v.state === 'incomplete') return { tone: 'bad', text: `Verify found ${plural(v.missing, 'message')} missing and ${plural(v.extra, 'extra message')} on the destination.`, hint: 'Run it again to copy what is missing; see Details.' };
    return { tone: 'bad', text: `Not verified: ${v.error?.message ?? 'the mailbox could not be compared.'}`, ...(v.error?.hint ? { hint: v.error.hint } : {}) };
  }
  if (newest >= 0 && newest === checkAt && newest > runAt && s.check) return checkNote(s.check, formatBytes, takeout);
  if (s.lastError) return { tone: s.state === 'failed' ? 'bad' : 'warn', text: s.lastError.message, ...(s.lastError.hint ? { hint: s.lastError.hint } : {}) };
  if (s.state === 'done' && p) {
    return p.failed > 0 ? { tone: 'warn', text: `${p.failed} message${p.failed === 1 ? '' : 's'} could not be copied; see Details.` } : { tone: 'muted', text: 'Everything is on the destination.' };
  }
  if (s.state === 'idle') return { tone: 'muted', text: 'Not started yet.' };
  return { tone: 'muted', text: p && p.present > 0 ? `${p.present.toLocaleString()} already on the destination.` : '\u00a0' };
}

/** The line of a row's latest test: a failed sign-in first, then the first blocker, then the first warning. */
function checkNote(c: MailboxCheck, formatBytes: (n: number) => string, takeout?: TakeoutSourceView): RowNote {
  if (c.state === 'testing') return { tone: 'muted', text: takeout ? 'Testing the export and the destination…' : 'Testing the sign-ins…' };
  const blockers = c.blockers ?? [];
  const warnings = c.warnings ?? [];
  if (c.state === 'not-ready') {
    const first = c.problems[0] ?? blockers[0];
    const others = c.problems.length + blockers.length - 1;
    const more = others > 0 ? ` (and ${others} more)` : '';
    return { tone: 'bad', text: `Not ready: ${first?.message ?? 'the test found a problem.'}${more}`, ...(first?.hint ? { hint: first.hint } : {}), check: c };
  }
  if (warnings.length > 0) {
    const w = warnings[0]!;
    return { tone: 'warn', text: `Ready, with ${plural(warnings.length, 'warning')}: ${w.message}`, ...(w.hint ? { hint: w.hint } : {}), check: c };
  }
  if (takeout) return { tone: 'good', text: `Ready: the export ${takeout.name} opens and the destination accepts Mailferry.` };
  const size = c.totalBytes !== undefined ? `, about ${formatBytes(c.totalBytes)} to copy` : '';
  const folders = c.folderCount !== undefined ? `${plural(c.folderCount, 'folder')}${size}` : size.slice(2);
  return { tone: 'good', text: `Ready: both servers accept Mailferry${folders ? ` (${folders})` : ''}.` };
}

/** Rows drawn for a scroll position: those in view plus `overscan` on each side. */
export function windowRange(scrollTop: number, viewHeight: number, rowHeight: number, count: number, overscan = 8): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewHeight) / rowHeight) + 1;
  return { start: Math.max(0, first - overscan), end: Math.min(count, first + shown + overscan) };
}
