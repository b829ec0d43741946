/**
 * The desktop app and the command line see each other's runs. A real CLI run (bin/mailferry) that is
 * copying holds the mailbox's destination account; the app (real handler table, manager and engine, its
 * own state folder, the same destination account) refuses to start that mailbox with MAILBOX_IN_USE naming
 * the CLI run, and shows it as in use. Once the CLI run has ended the app notices by itself, its Start
 * works, and the destination ends exact: nothing copied twice.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppServices } from '../../src/main/app/services.js';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectDestinationExact } from '../support/expect-exact.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { runCli, writeJob, type CliRun } from '../support/migration-fixture.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { idlePlatform, memorySecrets, tempDir } from '../unit/app-fakes.js';

const USER = 'dave@example.com';
let source: DovecotServer;
let destination: DovecotServer;
let proxies: TcpProxy[] = [];
let corpus: CorpusMessage[];

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  corpus = generateCorpus({ seed: 'app-run-lock', count: 300, profile: 'small', maxSizeMB: 0.2 });
  await seedGmailSource(source, USER, corpus);
  // A delay line each way, so the CLI run is still copying when the app tries.
  proxies = await Promise.all([startTcpProxy({ targetPort: source.port, delayMs: 15 }), startTcpProxy({ targetPort: destination.port, delayMs: 15 })]);
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all([source?.stop(), destination?.stop()]);
});

/** Starts the CLI and resolves once it is copying, with the promise of its end. */
function cliCopying(args: string[], env: NodeJS.ProcessEnv): Promise<{ done: Promise<CliRun> }> {
  return new Promise((resolve) => {
    const done = runCli(args, env, {
      killWhen: (stderr) => {
        if (stderr.includes(': copying')) resolve({ done });
        return false; // never killed: it runs to its end
      },
    });
    void done.then(() => resolve({ done }));
  });
}

describe('the desktop app and a command-line run of the same mailbox', () => {
  it('the app refuses while the CLI copies, naming it; afterwards it starts and nothing is copied twice', async () => {
    const ports = { source: proxies[0]!.port, destination: proxies[1]!.port };
    const job = writeJob(source, destination, USER, {}, ports);
    const password = (s: DovecotServer) => s.users.find((u) => u.user === USER)!.password;
    const app = createAppServices({
      dataDir: tempDir('mf-app-lock-'),
      version: 'test',
      secrets: memorySecrets(),
      platform: idlePlatform,
      batchIntervalMs: 50,
      holders: { intervalMs: 200 },
    });
    const saved = await app.handlers.saveMailbox({
      source: { host: '127.0.0.1', port: ports.source, security: 'none', user: USER },
      destination: { host: '127.0.0.1', port: ports.destination, security: 'none', user: USER },
      sourcePassword: password(source),
      destinationPassword: password(destination),
    });
    if (!saved.ok) throw new Error(saved.error.message);
    const id = saved.value.config.id;

    const cli = await cliCopying(['migrate', job.jobFile, '--state', job.stateDir], job.env);
    const refused = await app.handlers.start({ ids: [id] });
    if (refused.ok) throw new Error('the app started a mailbox the CLI is copying');
    expect(refused.error.code).toBe('MAILBOX_IN_USE');
    const holder = new RegExp(
      `^The destination account ${USER} on 127\\.0\\.0\\.1:${ports.destination} is being written by another Mailferry run ` +
        `\\(mailferry migrate ${job.jobFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, process (\\d+), since .+ UTC, state folder ${job.stateDir}\\)\\.$`,
    );
    expect(refused.error.message).toMatch(holder);
    expect(Number(holder.exec(refused.error.message)![1])).not.toBe(process.pid);
    expect(refused.error.hint).toMatch(/Wait for that run to finish/);
    expect(app.manager.status(id)).toMatchObject({ state: 'idle', inUse: { code: 'MAILBOX_IN_USE', message: refused.error.message } });
    expect(app.manager.active).toBe(false);

    const r = await cli.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await vi.waitFor(() => expect(app.manager.status(id).inUse).toBeNull(), { timeout: 5000, interval: 50 });
    const started = await app.handlers.start({ ids: [id] });
    expect(started).toMatchObject({ ok: true, value: [{ id, inUse: null }] });
    await vi.waitFor(() => expect(app.manager.status(id).state).toBe('done'), { timeout: 60_000, interval: 100 });
    // Its own state folder has no ledger: it finds everything already there on the destination.
    expect(app.manager.status(id).progress).toMatchObject({ copied: 0, failed: 0 });
    await expectDestinationExact(destination.imapOptions(USER, 'plain'), corpus);
    await app.manager.shutdown();
  }, 120_000);
});
