/**
 * `mailferry test` for a whole batch: every mailbox's sign-ins checked several at a time, so 50 mailboxes
 * take a few rounds instead of 50 in a row. Each test holds one connection per side, so at most
 * globalConnections / 2 run together, and no account is in more than connectionsPerAccount of them at once
 * (two rows may share a destination account; Gmail allows 15 connections per account for all clients).
 */
import type { CredentialOptions } from '../connect/credentials.js';
import { keychainAccount } from '../connect/secrets.js';
import { MailferryError } from '../errors/errors.js';
import type { Endpoint, Job, MailboxJob } from '../job/job.js';
import { testMailboxConnection, type ConnectionTestReport } from './connection-test.js';
import { budgetFinding, connectionBudgets, GMAIL_CONNECTIONS } from './connection-budget.js';

export interface TestMailboxesOptions extends CredentialOptions {
  /** Called as each mailbox's test ends, with its index in job.mailboxes. */
  onReport?: (index: number, report: ConnectionTestReport) => void;
  /** The test of one mailbox; default testMailboxConnection (a seam for tests of the scheduling). */
  test?: (mb: MailboxJob, creds: CredentialOptions) => Promise<ConnectionTestReport>;
}

const accountOf = (e: Endpoint) => `${keychainAccount(e.host, e.user)}:${e.port}`;

/** Tests every mailbox of the job; the reports come back in the job's order. */
export function testMailboxes(job: Job, opts: TestMailboxesOptions = {}): Promise<ConnectionTestReport[]> {
  const test = opts.test ?? testMailboxConnection;
  const creds: CredentialOptions = { ...(opts.password ? { password: opts.password } : {}), ...(opts.accessToken ? { accessToken: opts.accessToken } : {}) };
  const atOnce = Math.max(1, Math.floor(job.options.globalConnections / 2));
  const perAccount = job.options.connectionsPerAccount;
  const reports: ConnectionTestReport[] = new Array(job.mailboxes.length);
  const waiting = job.mailboxes.map((_, i) => i);
  const busy = new Map<string, number>();
  let running = 0;
  // The connection budget is the job's, not one mailbox's: two mailboxes may use one Gmail account.
  const budgets = connectionBudgets(job);
  const withBudget = (i: number, report: ConnectionTestReport): ConnectionTestReport => {
    const mine = budgets.filter((b) => b.mailboxes.includes(i));
    if (mine.length === 0) return report;
    const found = mine.map((b) => budgetFinding(b, perAccount));
    return {
      ...report,
      blockers: [...report.blockers, ...found.flatMap((f) => (f.blocker ? [f.blocker] : []))],
      warnings: [...report.warnings, ...found.flatMap((f) => (f.warning ? [f.warning] : []))],
      connections: mine.map((b) => ({ side: b.side, user: b.user, upTo: b.upTo, limit: GMAIL_CONNECTIONS, mailboxes: b.mailboxes.length })),
    };
  };

  return new Promise((resolve) => {
    const accounts = (mb: MailboxJob) => [accountOf(mb.source), accountOf(mb.destination)];
    const fits = (i: number) => accounts(job.mailboxes[i]!).every((a) => (busy.get(a) ?? 0) < perAccount);
    const hold = (i: number, delta: number) => accounts(job.mailboxes[i]!).forEach((a) => busy.set(a, (busy.get(a) ?? 0) + delta));
    const next = (): void => {
      if (waiting.length === 0 && running === 0) return resolve(reports);
      while (running < atOnce) {
        const at = waiting.findIndex(fits);
        if (at < 0) return;
        const [i] = waiting.splice(at, 1) as [number];
        running++;
        hold(i, +1);
        void test(job.mailboxes[i]!, creds)
          .catch((err: unknown) => stopped(job.mailboxes[i]!, err))
          .then((tested) => {
            const report = withBudget(i, tested);
            reports[i] = report;
            opts.onReport?.(i, report);
            hold(i, -1);
            running--;
            next();
          });
      }
    };
    next();
  });
}

/** A test that failed past its own error handling (a connection lost while listing) still gives a report. */
function stopped(mb: MailboxJob, err: unknown): ConnectionTestReport {
  const message = err instanceof MailferryError ? err.message : String((err as Error)?.message ?? err);
  const side = { ok: true, capabilities: [], notable: {}, folderCount: 0 };
  return { mailbox: mb.id, warnings: [], blockers: [`The test stopped: ${message}`], source: side, destination: side, mapping: [], estimate: null };
}
