/**
 * A re-run with nothing to do, finished from the quick look (plan/rerun-check.ts): both sides signed in
 * and listed, each in one round trip, no folder opened, no connection pool, imapflow not even loaded.
 * The progress, the per-folder rows, the notes and the ledger's run record are those the full plan would
 * give for the same mailbox (its folders are registered in the plan's order: copied folders with All
 * Mail last, then the others), so a re-run reads the same whichever way it went.
 */
import fs from 'node:fs';
import path from 'node:path';
import { accountSlots } from '../connect/account-slots.js';
import type { Login } from '../connect/credentials.js';
import type { MailboxJob } from '../job/job.js';
import { COPIED_ROLES } from '../plan/folder-checkpoint.js';
import { lookAtBoth, unchangedMailbox, type Looked } from '../plan/rerun-check.js';
import type { Ledger } from '../ledger/ledger.js';
import type { ProgressTracker } from './progress-tracker.js';
import { firstNotes, settle, type MailboxResult, type Shared } from './run-migration.js';

/** A quick look waits this long at most for any answer: a silent server is then left to the full run. */
const LOOK_IDLE_MS = 15_000;

/** The finished result when nothing changed since the last run; undefined to run the usual way. */
export async function quickRerun(shared: Shared, mb: MailboxJob, secret: { source: Login; destination: Login }, tracker: ProgressTracker): Promise<MailboxResult | undefined> {
  const { opts, job } = shared;
  // Only a re-run with a ledger to compare with, and never a dry run (which must show what it would copy).
  if (opts.dryRun || !fs.existsSync(path.join(opts.stateDir, 'mailferry.sqlite'))) return undefined;
  tracker.setState('connecting');
  let looked: Looked | undefined;
  let ledger: Ledger | undefined;
  try {
    // The look's source connection counts against the account's connection cap like any other.
    const release = await accountSlots(mb.source, job.options.connectionsPerAccount).acquire(opts.signal);
    try {
      const looking = lookAtBoth(mb, secret, Math.min(LOOK_IDLE_MS, job.options.stallTimeoutSeconds * 1000), opts.signal);
      // The ledger opens (and checks its integrity) while the connections are on their way: once they have
      // started (a turn of the event loop), since opening it holds the thread.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        ledger = shared.openLedger();
      } finally {
        looked = await looking;
      }
    } finally {
      release();
    }
  } catch {
    return undefined; // stopped while waiting for a slot, or a ledger that cannot open: the full run says so
  }
  let look;
  try {
    look = looked && unchangedMailbox(mb, ledger, looked);
  } catch {
    return undefined; // a listing this reading did not expect: the full run reads it with imapflow
  }
  if (!look || opts.signal.aborted) return undefined;
  try {
    ledger.history.recordEndpoints(mb); // the client report names them (hosts and users only)
  } catch {
    return undefined; // a ledger that cannot be written: the full run reports it
  }

  const notes = firstNotes(mb);
  if (ledger.privacyNote) notes.push(ledger.privacyNote);
  tracker.setState('planning');
  tracker.beginPlan();
  for (const m of look.mappings) if (m.renamed) notes.push(`Folder "${m.source}" is called "${m.target}" on the destination: ${m.renamed.reason}.`);
  const copied = look.mappings.filter((m) => COPIED_ROLES.has(m.role) && m.target !== null);
  copied.sort((a, b) => Number(a.role === 'archive') - Number(b.role === 'archive'));
  for (const m of copied) tracker.addFolder({ source: m.source, target: m.target, role: m.role, sourceCount: look.status.get(m.source)!.messages });
  for (const m of look.mappings.filter((x) => !COPIED_ROLES.has(x.role))) {
    tracker.addFolder({ source: m.source, target: null, role: m.role, sourceCount: 0 });
    tracker.folderDone(m.source);
  }
  for (const m of copied) {
    tracker.plan(m.source, 0, 0);
    tracker.folderDone(m.source);
  }
  tracker.setState('copying');
  return settle(shared, mb, tracker, { connected: true, failures: [], notes });
}
