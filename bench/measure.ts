/**
 * What one run of a tool is measured by: wall time, the peak RSS and CPU time of its process (GNU time), the CPU
 * the whole machine spent meanwhile (both servers included: on 2 cores that is what bounds a loopback run), how
 * many messages the destination holds after it, and what the source served it, read from the source Dovecot's
 * own logout lines (in=, out=, body_bytes=): no proxy in the path on loopback, so nothing is slowed by counting.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DovecotServer } from '../test/support/dovecot.js';

export interface Run {
  wallS: number;
  rssMiB: number;
  /** User + system CPU seconds of the tool's own process. */
  cpuS: number;
  /** CPU seconds every process of the machine spent during the run (servers, delay line and the tool). */
  machineCpuS: number;
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

/** CPU seconds the machine has been busy since boot (/proc/stat: everything but idle and iowait). */
function machineBusyS(): number {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100; // USER_HZ is 100 on Linux
}

export type Timed = Pick<Run, 'wallS' | 'rssMiB' | 'cpuS' | 'machineCpuS' | 'exit'> & { stderr: string };

/** Runs a command under GNU time. Asynchronously: a delay line in this process must keep relaying meanwhile. */
export function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const busy = machineBusyS();
    const child = spawn('/usr/bin/time', ['-f', 'MEASURED %M %U %S', cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-64 * 1024)));
    child.on('error', reject);
    child.on('close', (exit) => {
      const wallS = (performance.now() - started) / 1000;
      const m = /MEASURED (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve({ wallS, rssMiB: m ? Number(m[1]) / 1024 : NaN, cpuS: m ? Number(m[2]) + Number(m[3]) : NaN, machineCpuS: machineBusyS() - busy, exit, stderr });
    });
  });
}

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
