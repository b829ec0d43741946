/**
 * The lines of a mailbox's log in the window: what happened, in the user's words, derived from the
 * engine's state changes and the outcome of each run. Pure functions, so the wording is easy to test.
 */
import { basename } from 'node:path';
import type { LogEntry, LogLevel, MailboxProgress } from '../../shared/contract.js';
import { formatBytes } from '../../shared/format-bytes.js';

export function entry(level: LogLevel, message: string, at = Date.now()): LogEntry {
  return { at, level, message };
}

function inSeconds(at: number | undefined, now: number): string {
  if (at === undefined) return '';
  const s = Math.max(0, Math.round((at - now) / 1000));
  if (s < 120) return ` in ${s} s`;
  if (s < 7200) return ` in ${Math.round(s / 60)} min`;
  return ` in ${Math.round(s / 3600)} h`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * The log line for the engine moving a mailbox into `p.state`, or undefined when it is not worth a line.
 * `takeout`: the source is that export (its first pass reads the whole file before anything is written).
 */
export function transitionLine(p: MailboxProgress, now = Date.now(), takeout?: string): LogEntry | undefined {
  switch (p.state) {
    case 'connecting':
      return entry('info', takeout ? 'Connecting to the destination.' : 'Connecting to both servers.', now);
    case 'planning':
      if (takeout) return entry('info', `Signed in to the destination; reading the export ${basename(takeout)} once to find its labels and check that it is whole (nothing is written before that).`, now);
      return entry('info', 'Signed in to both servers; listing folders and working out what is left to copy.', now);
    case 'copying': {
      const left = p.planned - p.copied;
      const folders = p.folders.filter((f) => f.target !== null).length;
      return entry('info', `Copying ${plural(left, 'message')} (${formatBytes(Math.max(0, p.bytesPlanned - p.bytesCopied))}) from ${plural(folders, 'folder')}.`, now);
    }
    case 'retrying':
      return entry('warn', `${p.reason?.message ?? 'A problem occurred.'} Trying again${inSeconds(p.nextAttemptAt, now)}.`, now);
    case 'waiting-quota':
      return entry('warn', `${p.reason?.message ?? 'A daily limit was reached.'} Waiting${inSeconds(p.nextAttemptAt, now)}, then continuing by itself.`, now);
    default:
      return undefined;
  }
}

export function summaryLine(p: MailboxProgress): string {
  const parts = [`${plural(p.copied, 'message')} copied`, `${p.present.toLocaleString('en-US')} already there`];
  if (p.failed > 0) parts.push(`${p.failed.toLocaleString('en-US')} failed`);
  return `${parts.join(', ')} (${formatBytes(p.bytesCopied)}).`;
}

/** The line for the end of a run, by why it ended. */
export function outcomeLine(outcome: 'done' | 'failed' | 'paused' | 'cancelled' | 'quit', p: MailboxProgress | null, error?: { message: string; hint?: string }, now = Date.now()): LogEntry {
  const counts = p ? ` ${summaryLine(p)}` : '';
  switch (outcome) {
    case 'done':
      return entry(p && p.failed > 0 ? 'warn' : 'info', `Finished.${counts}`, now);
    case 'failed':
      return entry('error', `Stopped: ${error?.message ?? 'an unknown problem'}${error?.hint ? ` ${error.hint}` : ''}${counts}`, now);
    case 'paused':
      return entry('info', `Paused.${counts} Resume continues where it stopped.`, now);
    case 'cancelled':
      return entry('info', `Cancelled.${counts} Start continues where it stopped; nothing is copied twice.`, now);
    case 'quit':
      return entry('info', `Stopped because Mailferry was closed.${counts} It resumes when Mailferry starts again.`, now);
  }
}
