import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { runCli, writeJob } from '../support/migration-fixture.js';
import { freePort } from '../support/ports.js';

const USER = 'carol@example.com';
let source: DovecotServer;
let destination: DovecotServer;

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  await seedGmailSource(source, USER, generateCorpus({ seed: 'connect', count: 30, profile: 'small' }));
});

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

/** Rewrites one field of the job's single mailbox. */
function editJob(file: string, side: 'source' | 'destination', patch: Record<string, unknown>): void {
  const job = JSON.parse(fs.readFileSync(file, 'utf8'));
  Object.assign(job.mailboxes[0][side], patch);
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete job.mailboxes[0][side][k];
  fs.writeFileSync(file, JSON.stringify(job));
}

async function destinationFolders(): Promise<string[]> {
  return [...(await snapshot(destination.imapOptions(USER, 'plain'))).keys()].sort();
}

describe('connection problems give one actionable line and write nothing', () => {
  const cases: Array<[string, (job: ReturnType<typeof writeJob>) => Promise<void> | void, RegExp]> = [
    ['wrong source password', (j) => void (j.env.MF_TEST_SRC_PASS = 'nope'), /password|credentials/i],
    ['wrong destination password', (j) => void (j.env.MF_TEST_DST_PASS = 'nope'), /destination.*127\.0\.0\.1.*(password|credentials)|(password|credentials).*destination/i],
    ['nothing listening on the port', async (j) => editJob(j.jobFile, 'source', { port: await freePort() }), /refused|port/i],
    ['self-signed certificate without a CA file', (j) => editJob(j.jobFile, 'destination', { security: 'tls', port: destination.tlsPort }), /certificate/i],
    ['STARTTLS with an untrusted certificate', (j) => editJob(j.jobFile, 'source', { security: 'starttls' }), /certificate/i],
  ];

  it.each(cases)('%s', async (_name, breakIt, pattern) => {
    const before = await destinationFolders();
    const job = writeJob(source, destination, USER);
    await breakIt(job);
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
    expect(r.code).toBe(1);
    const line = r.stdout.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(pattern);
    expect(line).not.toMatch(/nope|carol-secret/);
    expect(fs.existsSync(job.stateDir), 'no state written').toBe(false);
    expect(await destinationFolders()).toEqual(before);
  });

  it('implicit TLS and STARTTLS work with the CA file', async () => {
    const job = writeJob(source, destination, USER);
    editJob(job.jobFile, 'source', { security: 'starttls', ca: source.caFile });
    editJob(job.jobFile, 'destination', { security: 'tls', port: destination.tlsPort, ca: destination.caFile });
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--dry-run'], job.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('dry run: nothing was written');
    expect(fs.existsSync(job.stateDir), 'a dry run creates no state').toBe(false);
  });
});

describe('passwords from the OS keychain', () => {
  it('secrets set stores them, migrate finds them, nothing else holds them', async () => {
    expect(process.env.DBUS_SESSION_BUS_ADDRESS, 'run the tests through scripts/with-keyring.sh (npm test)').toBeTruthy();
    const job = writeJob(source, destination, USER);
    // Both harness servers give carol the same password, and the keychain entry is per host and user.
    const password = source.users.find((u) => u.user === USER)!.password;
    expect(destination.users.find((u) => u.user === USER)!.password).toBe(password);
    editJob(job.jobFile, 'source', { passwordEnv: undefined });
    editJob(job.jobFile, 'destination', { passwordEnv: undefined });
    const set = await runCli(['secrets', 'set', '127.0.0.1', USER], job.env, { input: `${password}\n` });
    expect(set.code, set.stderr).toBe(0);
    const env = { ...job.env, MF_TEST_SRC_PASS: '', MF_TEST_DST_PASS: '' };
    const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', path.join(job.dir, 'r.json')], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const files = [...fs.readdirSync(job.stateDir).map((f) => path.join(job.stateDir, f)), path.join(job.dir, 'r.json'), job.jobFile];
    for (const file of files) expect(fs.readFileSync(file).includes(Buffer.from(password)), `password in ${file}`).toBe(false);
    expect(r.stdout + r.stderr).not.toContain(password);
  });
});
