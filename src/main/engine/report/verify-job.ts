import PQueue from 'p-queue';
import type { CredentialOptions } from '../connect/credentials.js';
import type { ErrorInfo } from '../errors/errors.js';
import { classifyAs } from '../errors/side-errors.js';
import type { Job } from '../job/job.js';
import type { VerificationRecord } from '../ledger/history.js';
import type { Ledger } from '../ledger/ledger.js';
import { verifyMailbox, type VerifyResult } from './verify.js';

/** One mailbox of a verify: its result, or why it could not be compared (nothing is recorded then). */
export interface VerifyOutcome {
  id: string;
  result?: VerifyResult;
  error?: ErrorInfo;
}

export interface VerifyJobOptions extends CredentialOptions {
  /** Where each verdict is recorded (with the mailbox's hosts and users), for the client report. */
  ledger: Ledger;
  /** Called as each mailbox finishes, in the order they finish. */
  onOutcome?: (o: VerifyOutcome) => void;
}

/** At most this many mailboxes at once: each holds one connection per side and lists every folder. */
const VERIFY_AT_ONCE = 4;

/**
 * Verifies every mailbox of a job, a few at a time (each mailbox one connection per side, within the job's
 * global cap), and records each verdict in the ledger. A mailbox that cannot be compared (a refused
 * sign-in, a lost connection) does not stop the others; it gets no verdict, so an earlier one stands.
 * Returns the outcomes in the job's order.
 */
export async function verifyJob(job: Job, opts: VerifyJobOptions): Promise<VerifyOutcome[]> {
  const queue = new PQueue({ concurrency: Math.max(1, Math.min(VERIFY_AT_ONCE, Math.floor(job.options.globalConnections / 2))) });
  const creds: CredentialOptions = { ...(opts.password ? { password: opts.password } : {}), ...(opts.accessToken ? { accessToken: opts.accessToken } : {}) };
  return Promise.all(
    job.mailboxes.map((mb) =>
      queue.add(async (): Promise<VerifyOutcome> => {
        let outcome: VerifyOutcome;
        try {
          const result = await verifyMailbox(mb, { ...creds, stallTimeoutSeconds: job.options.stallTimeoutSeconds });
          opts.ledger.history.recordEndpoints(mb);
          opts.ledger.history.recordVerification(verificationOf(result, Date.now()));
          outcome = { id: mb.id, result };
        } catch (err) {
          outcome = { id: mb.id, error: classifyAs(mb, 'source', err) };
        }
        opts.onOutcome?.(outcome);
        return outcome;
      }),
    ),
  );
}

/** The verdict as the ledger keeps it: counts per folder (the messages themselves are in verify's output). */
export function verificationOf(r: VerifyResult, verifiedAt: number): VerificationRecord {
  return {
    mailbox: r.id,
    verifiedAt,
    complete: r.ok,
    folders: r.folders.map((f) => ({ source: f.source, target: f.target, expected: f.expected, onDestination: f.destinationCount, missing: f.missing.length, extra: f.extra.length })),
    changes: r.changeNotes,
  };
}
