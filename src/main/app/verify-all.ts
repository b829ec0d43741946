/**
 * "Verify" (one mailbox, or all): both sides compared folder by folder with the engine's verifyJob, a few
 * mailboxes at a time, each verdict recorded in the app's ledger (the client report shows it) and in the row's
 * `verification` as it arrives. Writes nothing to the servers. A running mailbox is not verified: its
 * destination is still changing. A Takeout mailbox is not compared either: verify compares with Gmail over
 * IMAP, and the export is no server (as `mailferry verify` says too); its row says what to verify instead.
 */
import { basename } from 'node:path';
import { Ledger } from '../engine/ledger/ledger.js';
import { verifyJob, type VerifyOutcome } from '../engine/report/verify-job.js';
import type { MailboxJob } from '../engine/job/job.js';
import type { AppError, MailboxStatus, MailboxVerification, Selection } from '../../shared/contract.js';
import { forTheWindow, toAppError } from './app-error.js';
import type { AppStore } from './app-store.js';
import { isTakeout, toJob, toMailboxJob } from './mailbox-config.js';
import type { MigrationManager } from './migration-manager.js';
import { pickIdle } from './pick-idle.js';
import { passwordResolver, type SecretStore } from './secret-store.js';

export interface VerifyAllDeps {
  store: AppStore;
  manager: Pick<MigrationManager, 'status' | 'annotate'>;
  secrets: SecretStore;
  stateDir: string;
  /** The engine's verifyJob by default (a seam for unit tests). */
  verify?: typeof verifyJob;
  now?: () => number;
}

/** A verify outcome as the row and the detail view show it. */
export function toVerification(o: VerifyOutcome, at: number): MailboxVerification {
  const r = o.result;
  if (!r) {
    const e = o.error;
    return {
      state: 'not-verified', at, missing: 0, extra: 0, folders: 0, changes: [],
      error: e ? forTheWindow({ code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) }) : { code: 'INTERNAL', message: 'The mailbox could not be compared.' },
    };
  }
  return {
    state: r.ok ? 'complete' : 'incomplete',
    at,
    missing: r.folders.reduce((s, f) => s + f.missing.length, 0),
    extra: r.folders.reduce((s, f) => s + f.extra.length, 0),
    folders: r.folders.length,
    changes: [...r.changeNotes],
  };
}

/** Why a Takeout mailbox is not compared, and what compares its copies instead. */
export function takeoutNotVerified(path: string): AppError {
  return {
    code: 'TAKEOUT_NOT_VERIFIED',
    message: `Its source is the Google Takeout export ${basename(path)}, and Verify compares with Gmail over IMAP.`,
    hint: 'Once the migration is over, add the same Gmail account with the same destination (app password, Sign in with Google or the service account) and verify that mailbox: the export’s copies are recognised there.',
  };
}

export class VerifyAll {
  readonly #d: VerifyAllDeps;
  readonly #verifying = new Set<string>();

  constructor(deps: VerifyAllDeps) {
    this.#d = deps;
  }

  async run(selection: Selection): Promise<MailboxStatus[]> {
    const { store, manager } = this.#d;
    const now = this.#d.now ?? Date.now;
    const ids = this.#pick(selection);
    const jobs: Array<{ id: string; mb: MailboxJob }> = [];
    for (const id of ids) {
      manager.annotate(id, { verification: { state: 'verifying', at: now(), missing: 0, extra: 0, folders: 0, changes: [] } });
      try {
        const config = store.mailbox(id)!;
        if (isTakeout(config.source)) {
          manager.annotate(id, { verification: { state: 'not-verified', at: now(), missing: 0, extra: 0, folders: 0, changes: [], error: takeoutNotVerified(config.source.takeout) } });
          continue;
        }
        jobs.push({ id, mb: toMailboxJob(config) });
      } catch (err) {
        manager.annotate(id, { verification: { state: 'not-verified', at: now(), missing: 0, extra: 0, folders: 0, changes: [], error: toAppError(err) } });
      }
    }
    if (jobs.length === 0) return ids.map((id) => manager.status(id));
    jobs.forEach((j) => this.#verifying.add(j.id));
    let ledger: Ledger | undefined;
    try {
      ledger = Ledger.open(this.#d.stateDir);
      const options = toJob(jobs[0]!.mb, store.settings()).options;
      await (this.#d.verify ?? verifyJob)(
        { mailboxes: jobs.map((j) => j.mb), options },
        {
          ledger,
          password: passwordResolver(this.#d.secrets),
          onOutcome: (o) => {
            this.#verifying.delete(o.id);
            manager.annotate(o.id, { verification: toVerification(o, now()) });
          },
        },
      );
    } catch (err) {
      // The ledger could not be opened: no mailbox was compared.
      const error = toAppError(err);
      for (const j of jobs) {
        if (manager.status(j.id).verification?.state === 'verifying') {
          manager.annotate(j.id, { verification: { state: 'not-verified', at: now(), missing: 0, extra: 0, folders: 0, changes: [], error } });
        }
      }
    } finally {
      ledger?.close();
      jobs.forEach((j) => this.#verifying.delete(j.id));
    }
    return ids.map((id) => manager.status(id));
  }

  #pick(selection: Selection): string[] {
    return pickIdle(selection, this.#d, this.#verifying, (id) => ({ message: `${id} is running: its destination is still changing.`, hint: 'Verify it when it is done, or pause it first.' }));
  }
}
