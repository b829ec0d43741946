/**
 * How a finished engine run shows in the window: a stop the user asked for wins over whatever the engine
 * reported (its 'cancelled' becomes 'paused' for a pause or a quit), an error makes it 'failed', and a
 * resume clicked while the run was still settling shows 'queued'. Pure, so the rules have their own test.
 */
import type { AppError, AppMailboxState, MailboxState } from '../../shared/contract.js';

export type StopIntent = 'pause' | 'cancel' | 'quit';
export type OutcomeKind = 'done' | 'failed' | 'paused' | 'cancelled' | 'quit';

export interface RunOutcome {
  state: AppMailboxState;
  /** Shown in the row; a stop on request is not a problem. */
  lastError: AppError | null;
  /** Which log line ends the run. */
  kind: OutcomeKind;
}

export function runOutcome(intent: StopIntent | undefined, engineState: MailboxState | undefined, error: AppError | undefined, restartPending: boolean): RunOutcome {
  let state: AppMailboxState;
  let kind: OutcomeKind;
  if (intent === 'pause' || intent === 'quit') {
    state = 'paused';
    kind = intent === 'pause' ? 'paused' : 'quit';
  } else if (intent === 'cancel') {
    state = kind = 'cancelled';
  } else if (error || engineState !== 'done') {
    state = kind = 'failed';
  } else {
    state = kind = 'done';
  }
  return { state: restartPending ? 'queued' : state, lastError: intent ? null : (error ?? null), kind };
}
