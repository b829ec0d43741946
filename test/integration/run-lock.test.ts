import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectDestinationExact } from '../support/expect-exact.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { runCli, writeJob, type CliRun, type JobFixture } from '../support/migration-fixture.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

// One run per mailbox: a second run of the same mailbox, by the same job, another job file with its own
// state folder, or after the first was killed, must never lead to a message being copied twice.
const USER = 'carol@example.com';
let source: DovecotServer;
let corpus: CorpusMessage[];
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  source = await startGmailSource();
  corpus = generateCorpus({ seed: 'run-lock', count: 300, profile: 'small', maxSizeMB: 0.2 });
  await seedGmailSource(source, USER, corpus);
});

afterAll(async () => {
  await Promise.all([...cleanup.map((c) => c()), source?.stop()]);
});

/** A fresh destination behind a delay line, so a first run takes long enough to be caught mid-copy. */
async function slowPair(): Promise<{ destination: DovecotServer; job: JobFixture; ports: { source: number; destination: number } }> {
  const destination = await startDestination();
  const proxies: TcpProxy[] = await Promise.all([startTcpProxy({ targetPort: source.port, delayMs: 15 }), startTcpProxy({ targetPort: destination.port, delayMs: 15 })]);
  cleanup.push(() => destination.stop(), ...proxies.map((p) => () => p.close()));
  const ports = { source: proxies[0]!.port, destination: proxies[1]!.port };
  return { destination, job: writeJob(source, destination, USER, {}, ports), ports };
}

/** Starts a run and resolves once it is copying, with the promise of its end. */
function startCopying(args: string[], env: NodeJS.ProcessEnv, opts: { killAfterCopyingMs?: number } = {}): Promise<{ done: Promise<CliRun> }> {
  return new Promise((resolve) => {
    const done = runCli(args, env, {
      killWhen: (stderr) => {
        if (stderr.includes(': copying')) {
          resolve({ done });
          return opts.killAfterCopyingMs !== undefined;
        }
        return false;
      },
      killDelayMs: opts.killAfterCopyingMs ?? 0,
    });
    void done.then(() => resolve({ done }));
  });
}

async function expectRefused(r: CliRun, startedAt: number, holderPid: RegExp, holds: RegExp): Promise<void> {
  expect(r.code, r.stdout + r.stderr).toBe(3);
  expect(Date.now() - startedAt, 'refused at once').toBeLessThan(4000);
  expect(r.stdout).toMatch(holds);
  expect(r.stdout).toMatch(holderPid);
  expect(r.stdout).toMatch(/since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  expect(r.stdout).toMatch(/two runs at once would copy every message twice/);
}

describe('one run per mailbox', () => {
  it('a second run of the same job and state folder is refused at once; the first ends exact', async () => {
    const { destination, job } = await slowPair();
    const args = ['migrate', job.jobFile, '--state', job.stateDir];
    const first = await startCopying(args, job.env);
    const t = Date.now();
    const second = await runCli(args, job.env);
    await expectRefused(second, t, /process \d+/, /Mailbox carol@example\.com is in use by another Mailferry run \(mailferry migrate .*job\.json/);
    expect(second.stdout).toContain(`state folder ${job.stateDir}`);
    const r = await first.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus);
  });

  it('another job file with its own state folder, same destination account, is refused', async () => {
    const { destination, job, ports } = await slowPair();
    const other = writeJob(source, destination, USER, {}, ports); // another job file and state folder
    const first = await startCopying(['migrate', job.jobFile, '--state', job.stateDir], job.env);
    const t = Date.now();
    const second = await runCli(['migrate', other.jobFile, '--state', other.stateDir], other.env);
    await expectRefused(second, t, /process \d+/, /The destination account carol@example\.com on 127\.0\.0\.1:\d+ is being written by another Mailferry run/);
    expect(second.stdout).toContain(job.stateDir);
    expect(fs.existsSync(path.join(other.stateDir, 'mailferry.sqlite')), 'the refused run wrote no ledger').toBe(false);
    expect((await first.done).code).toBe(0);
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus);
  });

  it('a holder killed with SIGKILL does not block: the next run proceeds at once and ends exact', async () => {
    const { destination, job } = await slowPair();
    const args = ['migrate', job.jobFile, '--state', job.stateDir];
    const killed = await (await startCopying(args, job.env, { killAfterCopyingMs: 300 })).done;
    expect(killed.signal).toBe('SIGKILL');
    const t = Date.now();
    const next = await startCopying(args, job.env);
    expect(Date.now() - t, 'started copying without waiting for any lock').toBeLessThan(20_000);
    const r = await next.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus);
  });
});
