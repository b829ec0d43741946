/**
 * Fakes for the desktop app's unit tests: a scripted engine run (progress on command, an abort settles it
 * like the real engine: in-flight work finishes, state 'cancelled'), a map instead of the keychain, and a
 * canned connection test. The e2e test uses the real ones.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailferryError } from '../../src/main/engine/errors/errors.js';
import type { Job } from '../../src/main/engine/job/job.js';
import { MailboxLock } from '../../src/main/engine/state/run-lock.js';
import type { RunOptions, RunResult } from '../../src/main/engine/run/run-migration.js';
import type { RunFn } from '../../src/main/app/migration-manager.js';
import type { ConnectionTestReport } from '../../src/main/app/connection-test-adapter.js';
import type { SecretStore } from '../../src/main/app/secret-store.js';
import type { PlatformHooks } from '../../src/main/app/handlers.js';
import type { MailboxProgress, MailboxState } from '../../src/shared/progress.js';

export function tempDir(prefix = 'mf-app-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function progress(id: string, p: Partial<MailboxProgress> = {}): MailboxProgress {
  return {
    id, state: 'copying', folders: [], planned: 0, copied: 0, present: 0, failed: 0, throttledReplies: 0, stalledConnections: 0, bytesPlanned: 0, bytesCopied: 0,
    rate: 0, byteRate: 0, etaSeconds: null, startedAt: 1000, finishedAt: null, ...p,
  };
}

export interface FakeRunCall {
  job: Job;
  opts: RunOptions;
  /** Sends a progress snapshot to the manager. */
  emit(p: Partial<MailboxProgress>): void;
  /** Ends the run with this final snapshot (and failures/notes/error when given). */
  finish(p: Partial<MailboxProgress>, extra?: Partial<RunResult['mailboxes'][number]>): void;
  /** Rejects the run (as runMigration does for a missing password). */
  reject(err: unknown): void;
  last: MailboxProgress;
  settled: boolean;
}

/**
 * A runMigration stand-in. On abort it settles after `abortDelayMs` (in-flight messages finishing) with
 * state 'cancelled' and the last counters, as the engine does.
 */
export function fakeRun(abortDelayMs = 0) {
  const calls: FakeRunCall[] = [];
  const run = (job: Job, opts: RunOptions): Promise<RunResult> =>
    new Promise<RunResult>((resolve, reject) => {
      const id = job.mailboxes[0]!.id;
      const call: FakeRunCall = {
        job,
        opts,
        last: progress(id, { state: 'queued', startedAt: null }),
        settled: false,
        emit(p) {
          call.last = { ...call.last, ...p };
          opts.onProgress?.(structuredClone(call.last));
        },
        finish(p, extra = {}) {
          if (call.settled) return;
          call.settled = true;
          call.emit(p);
          resolve({
            startedAt: '', finishedAt: '', dryRun: false,
            mailboxes: [{ id, ok: call.last.state === 'done', progress: structuredClone(call.last), failures: [], notes: [], ...extra }],
          });
        },
        reject(err) {
          call.settled = true;
          reject(err);
        },
      };
      opts.signal?.addEventListener('abort', () => {
        setTimeout(() => call.finish({ state: 'cancelled', reason: { code: 'CANCELLED', message: 'Stopped on request; run again to resume.' } }), abortDelayMs);
      });
      calls.push(call);
    });
  return { run, calls };
}

/**
 * A run that holds the engine's real locks while it runs, taken first as runMigration takes them: a mailbox
 * held by another run comes back at once as the engine's failed MAILBOX_IN_USE result.
 */
export function withRealLocks(run: RunFn, lockDir: string): RunFn {
  return async (job, opts) => {
    const mb = job.mailboxes[0]!;
    let lock: MailboxLock;
    try {
      lock = MailboxLock.acquire(mb, opts.stateDir, opts.runBy ?? 'mailferry', lockDir);
    } catch (err) {
      const error = (err as MailferryError).toInfo();
      const p = progress(mb.id, { state: 'failed', reason: { code: error.code, message: error.message }, startedAt: null });
      opts.onProgress?.(structuredClone(p));
      return { startedAt: '', finishedAt: '', dryRun: false, mailboxes: [{ id: mb.id, ok: false, error, progress: p, failures: [], notes: [] }] };
    }
    try {
      return await run(job, opts);
    } finally {
      lock.release();
    }
  };
}

/** Platform hooks that open, choose, copy and show nothing. */
export const idlePlatform: PlatformHooks = Object.freeze({
  openExternal: async () => {},
  chooseCaFile: async () => null,
  chooseAppCertificateFile: async () => null,
  copyText: async () => {},
  chooseBatchFile: async () => null,
  chooseReportFile: async () => null,
  notify: () => {},
  chooseServiceAccountKeyFile: async () => null,
  chooseTakeoutFile: async () => null,
});

export function memorySecrets(initial: Record<string, string> = {}): SecretStore & { map: Map<string, string> } {
  const map = new Map(Object.entries(initial));
  const key = (host: string, user: string) => `${user}@${host.toLowerCase()}`;
  return {
    map,
    get: (h, u) => map.get(key(h, u)) ?? null,
    set: (h, u, s) => void map.set(key(h, u), s),
    delete: (h, u) => map.delete(key(h, u)),
  };
}

export function okReport(mailbox: string, warnings: string[] = []): ConnectionTestReport {
  const side = { ok: true, capabilities: ['IMAP4rev1'], notable: { MULTIAPPEND: true }, folderCount: 5 };
  return {
    mailbox,
    warnings,
    blockers: [],
    source: side,
    destination: { ...side, quota: { usedBytes: 10, limitBytes: 1000 } },
    mapping: [
      { source: 'INBOX', target: 'INBOX', role: 'inbox', messages: 10, sizeBytes: 1000 },
      { source: 'Work', target: 'Work', role: 'label', messages: 4, sizeBytes: 400 },
      { source: '[Gmail]/Starred', target: null, role: 'view', messages: 2, sizeBytes: 200, note: 'a view' },
    ],
    estimate: { totalBytes: 1400, gmailDailyLimitDays: 0.001 },
  };
}

/** Lets pending promise callbacks and zero-delay timers run. */
export async function settle(ms = 0): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await Promise.resolve();
}

export type { MailboxState };
