/**
 * What one run of a tool is measured by: wall time, the peak RSS of its process (GNU time), how many messages
 * the destination holds after it, and what the source served it, read from the source Dovecot's own logout
 * lines (in=, out=, body_bytes=): no proxy in the path on loopback, so nothing is slowed by the counting.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DovecotServer } from '../test/support/dovecot.js';

export interface Run {
  wallS: number;
  rssMiB: number;
  exit: number | null;
  /** Messages the destination holds afterwards (Mailferry: copied by this run, from its report). */
  messages: number;
  /** Bytes the source sent on every connection of the run, protocol included. */
  sourceBytesOut: number;
  /** Message bytes the source served (FETCH BODY[] and its parts), as Dovecot counts them. */
  sourceBodyBytes: number;
  sourceConnections: number;
}

export type SourceReads = Pick<Run, 'sourceBytesOut' | 'sourceBodyBytes' | 'sourceConnections'>;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Marks the source's log now; the returned function waits until every session the user opened since has
 * logged out (Dovecot writes the line as the connection closes, a moment after the client exits) and sums them.
 */
export function sourceReads(source: DovecotServer, user: string): () => Promise<SourceReads> {
  const mark = fs.statSync(source.logFile).size;
  const login = new RegExp(`Login: user=<${escape(user)}>`, 'g');
  const logout = new RegExp(`imap\\(${escape(user)}\\)[^\\n]*Disconnected[^\\n]*?in=(\\d+) out=(\\d+)[^\\n]*?body_bytes=(\\d+)`, 'g');
  return async () => {
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = fs.readFileSync(source.logFile).subarray(mark).toString('utf8');
      if ((text.match(logout) ?? []).length >= (text.match(login) ?? []).length) break;
      await sleep(100);
    }
    let sourceBytesOut = 0;
    let sourceBodyBytes = 0;
    let sourceConnections = 0;
    for (const m of text.matchAll(logout)) {
      sourceBytesOut += Number(m[2]);
      sourceBodyBytes += Number(m[3]);
      sourceConnections++;
    }
    return { sourceBytesOut, sourceBodyBytes, sourceConnections };
  };
}

export function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
