/**
 * "Test all": every mailbox's sign-ins checked several at a time through the engine's testMailboxes (within
 * the connection caps: half the global connections at once, never more than connectionsPerAccount on one
 * account), each row's `check` updated as its result arrives. Writes nothing anywhere.
 *
 * A running mailbox is not tested: its run proves its sign-ins, and a test would add connections to an account
 * Gmail caps at 15 for all clients.
 */
import type { ErrorInfo } from '../engine/errors/errors.js';
import type { MailboxJob } from '../engine/job/job.js';
import { testMailboxes } from '../engine/preflight/test-mailboxes.js';
import type { AppError, MailboxCheck, MailboxStatus, Selection } from '../../shared/contract.js';
import { isActive } from '../../shared/mailbox-actions.js';
import { fail, forTheWindow, toAppError } from './app-error.js';
import type { AppStore } from './app-store.js';
import type { checkMailbox, ConnectionTestReport } from './connection-test-adapter.js';
import { toJob, toMailboxJob } from './mailbox-config.js';
import type { MigrationManager } from './migration-manager.js';
import { passwordResolver, type SecretStore } from './secret-store.js';

export interface TestAllDeps {
  store: AppStore;
  manager: Pick<MigrationManager, 'status' | 'annotate'>;
  secrets: SecretStore;
  connectionTest: typeof checkMailbox;
  now?: () => number;
}

const SIDE_NAMES = { source: 'Gmail', destination: 'Destination' } as const;

/** A test report as the row shows it: ready, or each problem in the window's words. */
export function toCheck(r: ConnectionTestReport, at: number): MailboxCheck {
  const problems: AppError[] = [];
  for (const side of ['source', 'destination'] as const) {
    const s = r[side];
    if (!s.ok) problems.push(sideProblem(SIDE_NAMES[side], s.error));
  }
  for (const b of r.blockers) problems.push({ code: 'NOT_READY', message: b });
  return {
    state: problems.length > 0 ? 'not-ready' : 'ready',
    at,
    problems,
    warnings: [...r.warnings],
    ...(r.source.ok ? { folderCount: r.source.folderCount } : {}),
    ...(r.estimate ? { totalBytes: r.estimate.totalBytes } : {}),
  };
}

function sideProblem(side: string, e: ErrorInfo | undefined): AppError {
  if (!e) return { code: 'INTERNAL', message: `${side}: could not sign in.` };
  const w = forTheWindow({ code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
  return { ...w, message: `${side}: ${w.message}` };
}

export class TestAll {
  readonly #d: TestAllDeps;
  /** Mailboxes being tested now: a second Test all leaves them to the first. */
  readonly #testing = new Set<string>();

  constructor(deps: TestAllDeps) {
    this.#d = deps;
  }

  async run(selection: Selection): Promise<MailboxStatus[]> {
    const { store, manager } = this.#d;
    const now = this.#d.now ?? Date.now;
    const ids = this.#pick(selection);
    const jobs: Array<{ id: string; mb: MailboxJob }> = [];
    for (const id of ids) {
      manager.annotate(id, { check: { state: 'testing', at: now(), problems: [], warnings: [] } });
      try {
        jobs.push({ id, mb: toMailboxJob(store.mailbox(id)!) });
      } catch (err) {
        manager.annotate(id, { check: { state: 'not-ready', at: now(), problems: [toAppError(err)], warnings: [] } });
      }
    }
    jobs.forEach((j) => this.#testing.add(j.id));
    try {
      if (jobs.length > 0) {
        const options = toJob(jobs[0]!.mb, store.settings()).options;
        await testMailboxes(
          { mailboxes: jobs.map((j) => j.mb), options },
          {
            test: (mb) => this.#d.connectionTest(mb, passwordResolver(this.#d.secrets)),
            onReport: (i, report) => {
              this.#testing.delete(jobs[i]!.id);
              manager.annotate(jobs[i]!.id, { check: toCheck(report, now()) });
            },
          },
        );
      }
    } finally {
      jobs.forEach((j) => this.#testing.delete(j.id));
    }
    return ids.map((id) => manager.status(id));
  }

  /** "all": every mailbox not running and not under test; named ones must exist and not be running. */
  #pick(selection: Selection): string[] {
    const { store, manager } = this.#d;
    if (selection.ids === 'all') {
      return store.mailboxes().map((m) => m.id).filter((id) => !this.#testing.has(id) && !isActive(manager.status(id).state));
    }
    for (const id of selection.ids) {
      if (!store.mailbox(id)) fail('NOT_FOUND', `There is no mailbox ${JSON.stringify(id)}.`, 'It may have been removed; reload the list.');
      if (isActive(manager.status(id).state)) fail('MAILBOX_BUSY', `${id} is running: its run already uses its sign-ins.`, 'Pause it first to test it.');
    }
    return selection.ids.filter((id) => !this.#testing.has(id));
  }
}
