import { describe, expect, it } from 'vitest';
import { runOutcome } from '../../src/main/app/run-outcome.js';
import { restoreRuntime } from '../../src/main/app/app-store.js';
import { progress } from './app-fakes.js';

const auth = { code: 'AUTH_FAILED', message: 'rejected' };

describe('runOutcome', () => {
  it.each([
    // intent, engine state, error, restart pending -> state, error shown, log line
    [undefined, 'done', undefined, false, 'done', null, 'done'],
    [undefined, 'done', undefined, true, 'queued', null, 'done'],
    [undefined, 'failed', auth, false, 'failed', auth, 'failed'],
    [undefined, undefined, auth, false, 'failed', auth, 'failed'],
    [undefined, 'cancelled', undefined, false, 'failed', null, 'failed'],
    ['pause', 'cancelled', undefined, false, 'paused', null, 'paused'],
    ['pause', 'failed', auth, false, 'paused', null, 'paused'],
    ['pause', 'cancelled', undefined, true, 'queued', null, 'paused'],
    ['quit', 'cancelled', undefined, false, 'paused', null, 'quit'],
    ['cancel', 'done', undefined, false, 'cancelled', null, 'cancelled'],
  ] as const)('%s / engine %s / %o / restart %s -> %s', (intent, engineState, error, restart, state, lastError, kind) => {
    expect(runOutcome(intent, engineState, error, restart)).toEqual({ state, lastError, kind });
  });
});

describe('restoreRuntime', () => {
  it('a new mailbox is idle; a saved running one comes back paused; others as saved; "in use" is looked for again', () => {
    expect(restoreRuntime('a', undefined).status).toEqual({ id: 'a', state: 'idle', progress: null, lastError: null, nextAttemptAt: null, inUse: null, check: null, verification: null });
    const inUse = { code: 'MAILBOX_IN_USE', message: 'held' };
    const running = { status: { id: 'a', state: 'waiting-quota' as const, progress: progress('a', { state: 'waiting-quota' }), lastError: auth, nextAttemptAt: 5, inUse, check: null, verification: null }, carry: null, failures: [], notes: [], log: [] };
    const r = restoreRuntime('a', running);
    expect(r.status).toMatchObject({ state: 'paused', nextAttemptAt: null, progress: { state: 'paused' }, inUse: null });
    const done = { ...running, status: { ...running.status, state: 'done' as const } };
    expect(restoreRuntime('a', done)).toEqual({ ...done, status: { ...done.status, inUse: null } });
  });
});
