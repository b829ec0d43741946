/**
 * "Test all": every mailbox's sign-ins checked several at a time through the engine's testMailboxes (within
 * the connection caps: half the global connections at once, never more than connectionsPerAccount on one
 * account), each row's `check` updated as its result arrives (blockers apart from warnings). Writes nothing
 * anywhere. A Takeout mailbox's test opens its export and signs in to the destination only.
 *
 * A running mailbox is not tested: its run proves its sign-ins, and a test would add connections to an account
 * Gmail caps at 15 for all clients.
 */
import type { MailboxJob } from '../engine/job/job.js';
import { testMailboxes } from '../engine/preflight/test-mailboxes.js';
import type { MailboxStatus, Selection } from '../../shared/contract.js';
import { toAppError } from './app-error.js';
import type { AppStore } from './app-store.js';
import type { checkMailbox } from './connection-test-adapter.js';
import { toCheck } from './connection-views.js';
import { toJob, toMailboxJob } from './mailbox-config.js';
import type { MigrationManager } from './migration-manager.js';
import { pickIdle } from './pick-idle.js';
import { passwordResolver, type SecretStore } from './secret-store.js';

export interface TestAllDeps {
  store: AppStore;
  manager: Pick<MigrationManager, 'status' | 'annotate'>;
  secrets: SecretStore;
  connectionTest: typeof checkMailbox;
  now?: () => number;
}

/** The row's view of a report (connection-views.ts); exported here too, where Test all's tests look for it. */
export { toCheck };

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
      manager.annotate(id, { check: { state: 'testing', at: now(), problems: [], blockers: [], warnings: [] } });
      try {
        jobs.push({ id, mb: toMailboxJob(store.mailbox(id)!) });
      } catch (err) {
        manager.annotate(id, { check: { state: 'not-ready', at: now(), problems: [toAppError(err)], blockers: [], warnings: [] } });
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

  #pick(selection: Selection): string[] {
    return pickIdle(selection, this.#d, this.#testing, (id) => ({ message: `${id} is running: its run already uses its sign-ins.`, hint: 'Pause it first to test it.' }));
  }
}
