/**
 * `test` and `verify` talk to IMAP sources. A job's mailboxes whose source is a Google Takeout export are
 * taken out of those commands with a line each saying so (test still opens the export to see that it is
 * one), instead of asking for a password of a server that is not there.
 */
import { basename } from 'node:path';
import { MailferryError } from '../engine/errors/errors.js';
import { openExport } from '../engine/takeout/export-file.js';
import { isTakeoutMailbox, type TakeoutMailbox } from '../engine/takeout/takeout-run.js';
import { formatBytes } from '../../shared/format-bytes.js';
import type { JobSource } from './job-source.js';

/** The job without its Takeout mailboxes (a batch file holds none), and those mailboxes. */
export function withoutTakeout(source: JobSource): { rest: JobSource; takeout: TakeoutMailbox[] } {
  const takeout = source.job.mailboxes.filter(isTakeoutMailbox);
  if (takeout.length === 0) return { rest: source, takeout };
  return { rest: { ...source, job: { ...source.job, mailboxes: source.job.mailboxes.filter((m) => !isTakeoutMailbox(m)) } }, takeout };
}

/** `test`: whether the export can be opened and is one; the destination is signed in to by `migrate`. */
export async function takeoutTestLine(mb: TakeoutMailbox): Promise<{ line: string; ready: boolean }> {
  try {
    const file = await openExport(mb.source.takeout);
    return {
      ready: true,
      line: `Mailbox ${mb.id}: source: the Google Takeout export ${basename(file.path)} (.${file.kind}, ${formatBytes(file.size)}); nothing to sign in to. ` +
        '`migrate` reads it once before writing anything and refuses a cut or damaged file.',
    };
  } catch (err) {
    const e = err instanceof MailferryError ? err : new MailferryError({ code: 'INTERNAL', message: String(err), retryable: false });
    return { ready: false, line: `Mailbox ${mb.id}: NOT READY: ${e.message}${e.hint ? ` ${e.hint}` : ''}` };
  }
}

export function takeoutVerifyLine(mb: TakeoutMailbox): string {
  return `Mailbox ${mb.id}: NOT VERIFIED: its source is the Google Takeout export ${basename(mb.source.takeout)}, and verify compares with Gmail over IMAP: ` +
    "run it with the account's IMAP job (same destination) once the migration is over.";
}
