/** Numbers as the window shows them: grouped, with units, never jumping in width more than needed. */
import { formatBytes } from '../shared/format-bytes.js';

const nf = new Intl.NumberFormat(undefined);

export function count(n: number): string {
  return nf.format(n);
}

export function bytes(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : formatBytes(n);
}

export function messageRate(messagesPerSecond: number): string {
  return `${messagesPerSecond < 10 ? messagesPerSecond.toFixed(1) : Math.round(messagesPerSecond)} msg/s`;
}

export function byteRate(bytesPerSecond: number): string {
  return `${bytes(Math.round(bytesPerSecond))}/s`;
}

export function rate(messagesPerSecond: number, bytesPerSecond: number): string {
  return `${messageRate(messagesPerSecond)} · ${byteRate(bytesPerSecond)}`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.round(h / 24)} days`;
}

export function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}

export function clock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function dateTime(epochMs: number): string {
  return new Date(epochMs).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** The days Gmail's 2,500 MB a day download limit still imposes, in words. */
export function gmailDays(days: number | null): string {
  if (days === null) return '—';
  if (days === 0) return 'nothing left';
  return days === 1 ? 'within a day' : `at least ${days} days`;
}
