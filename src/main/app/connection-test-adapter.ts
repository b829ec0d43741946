/**
 * The one place the app reaches the engine's connection test, so a change of its module or signature is
 * a change here only (it moved from a password callback to credential options once already).
 */
import { testMailboxConnection, type ConnectionTestReport } from '../engine/preflight/connection-test.js';
import type { Side } from '../engine/connect/imap-connect.js';
import type { Endpoint, MailboxJob } from '../engine/job/job.js';

export type { ConnectionTestReport };
export type PasswordFn = (side: Side, endpoint: Endpoint) => string;

/** Signs in to both sides, reports each and previews the folder mapping. Writes nothing. */
export function checkMailbox(mb: MailboxJob, password: PasswordFn): Promise<ConnectionTestReport> {
  return testMailboxConnection(mb, { password });
}
