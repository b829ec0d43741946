import { describe, expect, it } from 'vitest';
import type { ErrorInfo } from '../../src/main/engine/errors/errors.js';
import { nextStep } from '../../src/main/engine/run/run-migration.js';

const o = { retryBaseMs: 1000, retryMaxMs: 8000, retryAttempts: 5, quotaWaitSeconds: 3600 };
const err = (code: ErrorInfo['code'], retryable: boolean): ErrorInfo => ({ code, message: code, retryable });

describe('nextStep after a failed mailbox attempt', () => {
  it.each([
    ['Gmail quota used up, even at login', err('SOURCE_OVER_QUOTA', true), 1, false, 'waiting-quota'],
    ['Gmail quota used up mid-run', err('SOURCE_OVER_QUOTA', true), 9, true, 'waiting-quota'],
    ['lost connection mid-run', err('CONNECTION_LOST', true), 1, true, 'retrying'],
    ['session expired', err('SESSION_EXPIRED', true), 2, true, 'retrying'],
    ['too many connections at the first login', err('TOO_MANY_CONNECTIONS', true), 1, false, 'retrying'],
    ['timeout before ever connecting: report at once', err('TIMEOUT', true), 1, false, undefined],
    ['connection dropped during the first login: the server is there, retry', err('CONNECTION_LOST', true), 1, false, 'retrying'],
    ['server went quiet during the first login (it had answered): retry', err('CONNECTION_STALLED', true), 1, false, 'retrying'],
    ['wrong password', err('AUTH_FAILED', false), 1, true, undefined],
    ['destination full', err('DEST_OVER_QUOTA', false), 1, true, undefined],
    ['destination daily upload limit', err('DEST_OVER_QUOTA', true), 1, true, 'waiting-quota'],
    ['attempts used up', err('CONNECTION_LOST', true), 5, true, undefined],
  ] as const)('%s', (_name, e, attempt, connected, state) => {
    expect(nextStep(e, attempt, connected, o)?.state).toBe(state);
  });

  it('waits the configured quota time, and backs off within the cap otherwise', () => {
    expect(nextStep(err('SOURCE_OVER_QUOTA', true), 1, true, o)?.delayMs).toBe(3_600_000);
    const d = nextStep(err('CONNECTION_LOST', true), 4, true, o)!.delayMs;
    expect(d).toBeGreaterThanOrEqual(4000);
    expect(d).toBeLessThanOrEqual(8000);
  });
});
