import { MailferryError } from '../errors/errors.js';

/** For a file cut short or damaged: what happened to the message being read, and how to finish. */
export const CUT_HINT =
  'Nothing of the message being read was copied. Download the export again from takeout.google.com (or finish copying the file) and ' +
  'run the same job again: what was copied already is recognised and not copied twice.';

/**
 * The Takeout export cannot be read to its end: cut short, damaged, or not an export at all. Never
 * retryable with the same file: the user needs a complete one. `what` is the sentence saying which file
 * and where (byte, message); details carry the same for the report.
 */
export function takeoutDamaged(what: string, details: Record<string, string | number>, hint = CUT_HINT): MailferryError {
  return new MailferryError({ code: 'TAKEOUT_DAMAGED', message: `${what}.`, hint, retryable: false, details });
}
