/** Numbers, sizes, dates and durations in the plain words of a report a client reads. */
import { formatBytes } from '../../../../shared/format-bytes.js';

export { formatBytes };

/** 12345 -> "12,345": one format whatever the computer's language, like the rest of the report. */
export function num(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 message", "12,345 messages". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** "6 Dec 2026, 14:03 UTC", in the time zone of the computer that writes the report. */
export function when(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
}

/** "2 days 3 hours", "1 hour 5 minutes", "40 seconds": the two largest units are enough for a client. */
export function duration(seconds: number): string {
  const units: Array<[number, string]> = [[86_400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  const parts: string[] = [];
  let left = Math.max(0, Math.round(seconds));
  for (const [size, name] of units) {
    const n = Math.floor(left / size);
    left -= n * size;
    if (n > 0 || (parts.length > 0 && parts.length < 2)) parts.push(count(n, name));
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith('0 ')).join(' ') || '0 seconds';
}

/** A run's final state, as a client would say it. */
export function stateWords(state: string): string {
  return STATES[state] ?? state;
}

const STATES: Record<string, string> = {
  done: 'Finished',
  failed: 'Stopped by a problem',
  cancelled: 'Paused (stopped on request)',
  'not run': 'Not started',
};
