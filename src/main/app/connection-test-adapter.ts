/**
 * The one place the app reaches the engine's connection test, so a change of its module or signature is
 * a change here only (it moved from a password callback to credential options once already). A mailbox
 * whose source is a Google Takeout export has no Gmail server to test: its export is opened instead.
 */
import { testMailboxConnection, type ConnectionTestReport } from '../engine/preflight/connection-test.js';
import type { Side } from '../engine/connect/imap-connect.js';
import type { Endpoint, MailboxJob } from '../engine/job/job.js';
import { testTakeout, type TakeoutReport } from './takeout-source.js';

export type { ConnectionTestReport };
/** The engine's report, and the export a Takeout mailbox reads. */
export type AppTestReport = TakeoutReport;
export type PasswordFn = (side: Side, endpoint: Endpoint) => string;

/** Signs in to both sides (or opens the export), reports each and previews the folder mapping. Writes nothing. */
export function checkMailbox(mb: MailboxJob, password: PasswordFn): Promise<AppTestReport> {
  if (mb.source.takeout !== undefined) return testTakeout(mb as MailboxJob & { source: { takeout: string } }, password);
  return testMailboxConnection(mb, { password });
}
