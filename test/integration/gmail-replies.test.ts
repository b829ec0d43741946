import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { startFaultProxy, type FaultPlan, type FaultProxy } from '../support/fault-proxy.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { expectedDestination, runCli, writeJob, type JobFixture } from '../support/migration-fixture.js';

// Gmail's replies cannot come from Dovecot: the fault proxy in front of the real source answers LOGIN
// itself or ends the session the way Gmail does, and the real CLI must react as gmail-imap-facts.md says.
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
/** Small waits so a test exercises the retry and quota paths in seconds, not hours. */
const FAST = { retryBaseMs: 50, retryMaxMs: 500, quotaWaitSeconds: 3 };
let source: DovecotServer;
const corpus: Record<string, CorpusMessage[]> = {};
const proxies: FaultProxy[] = [];
const destinations: DovecotServer[] = [];

beforeAll(async () => {
  source = await startGmailSource();
  for (const user of [ALICE, BOB]) {
    corpus[user] = generateCorpus({ seed: `gmail-replies-${user}`, count: 60, profile: 'small' });
    await seedGmailSource(source, user, corpus[user]!);
  }
});

afterAll(async () => {
  await Promise.all([...proxies.map((p) => p.close()), ...destinations.map((d) => d.stop()), source?.stop()]);
});

async function proxy(plan: FaultPlan): Promise<FaultProxy> {
  const p = await startFaultProxy({ targetPort: source.port, seed: 'gmail-replies', plan });
  proxies.push(p);
  return p;
}

async function freshDestination(): Promise<DovecotServer> {
  const d = await startDestination();
  destinations.push(d);
  return d;
}

/** A job whose source goes through `p`, with fast retry options. */
function job(dest: DovecotServer, p: FaultProxy, user = ALICE): JobFixture {
  const j = writeJob(source, dest, user, {}, { source: p.port });
  const data = JSON.parse(fs.readFileSync(j.jobFile, 'utf8'));
  fs.writeFileSync(j.jobFile, JSON.stringify({ ...data, options: FAST }));
  return j;
}

async function expectExact(dest: DovecotServer, user: string): Promise<void> {
  const expected = expectedDestination(corpus[user]!);
  const actual = await snapshot(dest.imapOptions(user, 'plain'));
  for (const [folder, msgs] of expected) expect(actual.get(folder), `${user}: folder ${folder}`).toEqual(msgs);
  for (const [folder, msgs] of actual) if (!expected.has(folder)) expect(msgs, `${user}: unexpected messages in ${folder}`).toEqual([]);
}

describe('Gmail login replies that only the user can fix: one line saying what to do', () => {
  const rows: Array<[string, RegExp]> = [
    ['NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)', /app password/i],
    ['NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)', /myaccount\.google\.com\/apppasswords/i],
    ['NO [ALERT] Please log in via your web browser: https://support.google.com/mail/accounts/answer/78754 (Failure)', /web browser|browser/i],
    ['NO [ALERT] Your account is not enabled for IMAP use. Please visit your Gmail settings page and enable your account for IMAP access. (Failure)', /Settings.*Enable IMAP/i],
    ['NO [ALERT] IMAP access is disabled for your domain. Please contact your domain administrator for questions about this feature. (Failure)', /Admin console/i],
  ];
  let dest: DovecotServer;
  beforeAll(async () => void (dest = await freshDestination()));

  it.each(rows)('%s', async (line, guidance) => {
    const p = await proxy({ loginReply: { text: line } });
    const j = job(dest, p);
    const r = await runCli(['migrate', j.jobFile, '--state', j.stateDir], j.env);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const out = r.stdout.trim();
    expect(out.split('\n'), out).toHaveLength(1);
    expect(out).toMatch(guidance);
    expect(out).not.toContain('alice-secret');
    // Retrying cannot fix these: a loop of logins would only make Google lock the account harder.
    expect(p.faults.loginReplies, p.events.join('\n')).toBeGreaterThanOrEqual(1);
    expect(p.faults.loginReplies).toBeLessThanOrEqual(2);
    expect([...(await snapshot(dest.imapOptions(ALICE, 'plain'))).values()].flat(), 'nothing written').toEqual([]);
  });
});

describe('Gmail replies that say "later": the run carries on by itself', () => {
  it('"Too many simultaneous connections" at login is not a wrong password: fewer connections, completes', async () => {
    const dest = await freshDestination();
    const p = await proxy({ loginReply: { text: 'NO [ALERT] Too many simultaneous connections. (Failure)', count: 2 } });
    const j = job(dest, p);
    const r = await runCli(['migrate', j.jobFile, '--state', j.stateDir], j.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(p.faults.loginReplies).toBe(2);
    expect(r.stdout + r.stderr).not.toMatch(/use an app password|credentials|rejected the username/i); // (the closing revoke reminder may name the app password)
    await expectExact(dest, ALICE);
  });

  it.each([
    ['* BYE [OVERQUOTA] after login', { overQuota: { connections: 1 } }],
    ['NO [ALERT] Account exceeded ... at login', { loginReply: { text: 'NO [ALERT] Account exceeded command or bandwidth limits. (Failure)', count: 1 } }],
  ] as Array<[string, FaultPlan]>)('%s parks the mailbox (waiting-quota, next try shown), then it completes', async (_name, plan) => {
    const dest = await freshDestination();
    const p = await proxy(plan);
    const j = job(dest, p);
    const started = Date.now();
    const r = await runCli(['migrate', j.jobFile, '--state', j.stateDir], j.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(p.faults.overQuota + p.faults.loginReplies).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${ALICE}: waiting-quota .*next try`));
    expect(Date.now() - started, 'it waited quotaWaitSeconds before the next try').toBeGreaterThanOrEqual(FAST.quotaWaitSeconds * 1000);
    await expectExact(dest, ALICE);
  });

  it('one mailbox waiting for its Gmail quota does not hold up another', async () => {
    const dest = await freshDestination();
    const [pa, pb] = [await proxy({ overQuota: { connections: 1 } }), await proxy({})];
    // One job, two mailboxes: alice through the over-quota proxy, bob through a clean one.
    const [ja, jb] = [job(dest, pa, ALICE), job(dest, pb, BOB)];
    const data = JSON.parse(fs.readFileSync(ja.jobFile, 'utf8'));
    const bob = JSON.parse(fs.readFileSync(jb.jobFile, 'utf8')).mailboxes[0];
    bob.source.passwordEnv = 'MF_TEST_SRC_PASS_BOB';
    bob.destination.passwordEnv = 'MF_TEST_DST_PASS_BOB';
    data.mailboxes.push(bob);
    fs.writeFileSync(ja.jobFile, JSON.stringify(data));
    const env = { ...ja.env, MF_TEST_SRC_PASS_BOB: jb.env.MF_TEST_SRC_PASS, MF_TEST_DST_PASS_BOB: jb.env.MF_TEST_DST_PASS };
    const r = await runCli(['migrate', ja.jobFile, '--state', ja.stateDir], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stderr.split('\n');
    const bobDone = lines.findIndex((l) => l.startsWith(`${BOB}: done`));
    const aliceWaiting = lines.findIndex((l) => l.startsWith(`${ALICE}: waiting-quota`));
    expect(aliceWaiting, r.stderr).toBeGreaterThanOrEqual(0);
    expect(bobDone, r.stderr).toBeGreaterThan(aliceWaiting);
    // When bob finished, alice's latest state was still waiting-quota; she finished after him.
    const aliceBefore = lines.slice(0, bobDone).filter((l) => l.startsWith(`${ALICE}:`)).at(-1);
    expect(aliceBefore, r.stderr).toMatch(/: waiting-quota /);
    expect(lines.findIndex((l) => l.startsWith(`${ALICE}: done`)), r.stderr).toBeGreaterThan(bobDone);
    await expectExact(dest, ALICE);
    await expectExact(dest, BOB);
  });
});
