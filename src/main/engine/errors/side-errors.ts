import { classifyError, type ErrorContext } from './classify-error.js';
import { MailferryError, type ErrorInfo } from './errors.js';
import type { Side } from '../connect/imap-connect.js';
import type { MailboxJob } from '../job/job.js';

/**
 * imapflow's errors do not say which connection failed. Work on the destination runs inside onSide so its
 * failures are classified as the destination's; what is left unclassified came from the source.
 */
export async function onSide<T>(job: MailboxJob, side: Side, fn: () => Promise<T>, phase: ErrorContext['phase'] = 'other'): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MailferryError) throw err;
    throw new MailferryError(classifyAs(job, side, err, phase), { cause: err });
  }
}

/** A MailferryError's info, or the classification of a raw error as the given side's. */
export function classifyAs(job: MailboxJob, side: Side, err: unknown, phase: ErrorContext['phase'] = 'other'): ErrorInfo {
  if (err instanceof MailferryError) return err.toInfo();
  const e = job[side];
  return classifyError(err, { side, host: e.host, port: e.port, user: e.user, phase, ...(e.auth ? { auth: e.auth } : {}) });
}
