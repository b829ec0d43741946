/**
 * Which messages a pass copies by received date (INTERNALDATE): a pre-stage copies the bulk of old mail
 * with `before`, the delta after the MX switch the rest with `since` (or no window). `since` counts from
 * that instant on, `before` up to it, so the same date given to both splits the mailbox exactly in two.
 * A date alone ("2024-06-01") is midnight UTC, the same on every computer.
 */
export interface DateWindow {
  since?: Date;
  before?: Date;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A date as the job file and the command line give it; undefined when it is not one. */
export function parseDate(value: string): Date | undefined {
  const v = value.trim();
  if (!DAY.test(v) && !INSTANT.test(v)) return undefined;
  const d = new Date(DAY.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) return undefined;
  return DAY.test(v) && d.toISOString().slice(0, 10) !== v ? undefined : d; // no 2024-02-30
}

export function inWindow(date: Date, w: DateWindow | undefined): boolean {
  const t = date.getTime();
  return !w || ((w.since === undefined || t >= w.since.getTime()) && (w.before === undefined || t < w.before.getTime()));
}

/** The narrowest of the windows given (the command line's, the mailbox's, the job's). */
export function combine(...windows: Array<DateWindow | undefined>): DateWindow | undefined {
  const out: DateWindow = {};
  for (const w of windows) {
    if (w?.since && (!out.since || w.since > out.since)) out.since = w.since;
    if (w?.before && (!out.before || w.before < out.before)) out.before = w.before;
  }
  return out.since || out.before ? out : undefined;
}

export function describeWindow(w: DateWindow): string {
  const day = (d: Date) => (d.toISOString().endsWith('T00:00:00.000Z') ? d.toISOString().slice(0, 10) : d.toISOString());
  if (w.since && w.before) return `received from ${day(w.since)} until before ${day(w.before)}`;
  return w.since ? `received from ${day(w.since)} on` : `received before ${day(w.before!)}`;
}
