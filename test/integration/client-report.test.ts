/**
 * verify and the client report against a real Dovecot pair: three mailboxes migrated, verified (verdicts
 * in the ledger), reported as JSON, CSV and HTML; the report's counts are the destination's own, across
 * a second run that covers one mailbox only. The HTML opens in Debian's Chromium from a file: URL with
 * every other request refused. `MAILFERRY_UPDATE_SCREENSHOTS=1` refreshes the README's screenshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ImapFlow } from 'imapflow';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/main/engine/ledger/ledger.js';
import type { ClientReport } from '../../src/main/engine/report/client-report.js';
import { generateCorpus } from '../support/corpus.js';
import { DEFAULT_USERS, startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { runCli, writeJob, type JobFixture } from '../support/migration-fixture.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, process.env.MAILFERRY_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const USERS = DEFAULT_USERS.slice(0, 3).map((u) => u.user);
const PASSWORDS = DEFAULT_USERS.map((u) => u.password);

let source: DovecotServer;
let destination: DovecotServer;
let job: JobFixture;
let aliceOnly: JobFixture;

/** A job of several mailboxes, each with its own password variables (writeJob makes one-mailbox jobs). */
function jobOf(users: string[], into: JobFixture = writeJob(source, destination, users[0])): JobFixture {
  const env = { ...into.env };
  const mailboxes = users.map((user, i) => {
    const one = writeJob(source, destination, user);
    const mb = JSON.parse(fs.readFileSync(one.jobFile, 'utf8')).mailboxes[0];
    mb.source.passwordEnv = `MF_SRC_${i}`;
    mb.destination.passwordEnv = `MF_DST_${i}`;
    env[`MF_SRC_${i}`] = one.env.MF_TEST_SRC_PASS;
    env[`MF_DST_${i}`] = one.env.MF_TEST_DST_PASS;
    fs.rmSync(one.dir, { recursive: true, force: true });
    return mb;
  });
  fs.writeFileSync(into.jobFile, JSON.stringify({ mailboxes }, null, 2));
  return { ...into, env };
}

/** The destination's own count: STATUS MESSAGES over every selectable folder of the account. */
async function serverCount(user: string): Promise<number> {
  const client = new ImapFlow(destination.imapOptions(user, 'plain'));
  await client.connect();
  try {
    let total = 0;
    for (const f of await client.list()) {
      if (f.flags.has('\\Noselect')) continue;
      const status = await client.status(f.path, { messages: true });
      total += (status && status.messages) || 0;
    }
    return total;
  } finally {
    await client.logout();
  }
}

async function report(name: string): Promise<{ file: string; text: string }> {
  const file = path.join(job.dir, name);
  const r = await runCli(['report', '--state', job.stateDir, '--out', file], job.env);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain(`Report written to ${file}: 3 mailboxes`);
  if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  const text = fs.readFileSync(file, 'utf8');
  for (const p of PASSWORDS) expect(text, `a password in ${name}`).not.toContain(p);
  return { file, text };
}

beforeAll(async () => {
  [source, destination] = await Promise.all([startGmailSource(), startDestination()]);
  for (const user of USERS) await seedGmailSource(source, user, generateCorpus({ seed: `client-report-${user}`, count: 40, profile: 'small' }));
  job = jobOf(USERS);
  aliceOnly = jobOf([USERS[0]!], { ...job, jobFile: path.join(job.dir, 'alice-only.json') });
});

afterAll(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

describe('verify and the client report', () => {
  it('verify records a complete verdict per mailbox and exits 0', async () => {
    const run = await runCli(['migrate', job.jobFile, '--state', job.stateDir], job.env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const check = await runCli(['verify', job.jobFile, '--state', job.stateDir], job.env);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    for (const user of USERS) expect(check.stdout).toContain(`Mailbox ${user}: complete`);
    const ledger = Ledger.open(job.stateDir);
    try {
      for (const user of USERS) {
        const v = ledger.history.latestVerification(user);
        expect(v, user).toMatchObject({ complete: true });
        expect(v!.folders.find((f) => f.source === 'INBOX')).toMatchObject({ target: 'INBOX', missing: 0, extra: 0 });
        expect(v!.folders.reduce((s, f) => s + f.onDestination, 0)).toBe(await serverCount(user));
      }
    } finally {
      ledger.close();
    }
  });

  it('the JSON report counts what is on the destination, all runs together', async () => {
    const first = JSON.parse((await report('report.json')).text) as ClientReport;
    expect(first.mailboxes.map((m) => m.id)).toEqual(USERS);
    for (const m of first.mailboxes) {
      expect(m).toMatchObject({ source: { user: m.id, host: '127.0.0.1' }, destination: { user: m.id }, verified: 'complete', state: 'done', runs: 1, messagesToCopy: 0, messagesFailed: 0, revokeAppPassword: true });
      expect(m.messagesOnDestination, m.id).toBe(await serverCount(m.id));
    }

    // New mail for alice only, copied by a run of a job that names only her: a second, partial run.
    await seedGmailSource(source, USERS[0]!, generateCorpus({ seed: 'client-report-more', count: 30, profile: 'small' }));
    const second = await runCli(['migrate', aliceOnly.jobFile, '--state', job.stateDir], aliceOnly.env);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const after = JSON.parse((await report('report.json')).text) as ClientReport;
    const [alice, ...others] = after.mailboxes;
    expect(alice).toMatchObject({ runs: 2, messagesToCopy: 0 });
    expect(alice!.messagesOnDestination).toBe(await serverCount(USERS[0]!));
    expect(alice!.messagesOnDestination).toBeGreaterThan(first.mailboxes[0]!.messagesOnDestination + 29);
    expect(others).toEqual(first.mailboxes.slice(1));
    expect(after.summary.messagesOnDestination).toBe(after.mailboxes.reduce((s, m) => s + m.messagesOnDestination, 0));
  });

  it('the CSV parses back: one row per mailbox, the same numbers as the JSON', async () => {
    const json = JSON.parse((await report('report.json')).text) as ClientReport;
    const rows = parse((await report('report.csv')).text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.id, r['source.user'], r['destination.user'], Number(r.messagesOnDestination), r.verified])).toEqual(
      json.mailboxes.map((m) => [m.id, m.source.user, m.destination.user, m.messagesOnDestination, m.verified]),
    );
  });

  it('the HTML report opens offline in Chromium and names every mailbox', async () => {
    const { file } = await report('report.html');
    const browser = await chromium.launch({ executablePath: process.env.MAILFERRY_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ viewport: { width: 1100, height: 1300 } });
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        requests.push(route.request().url());
        return route.request().url().startsWith('file:') ? route.continue() : route.abort();
      });
      const page = await context.newPage();
      await page.goto(`file://${file}`);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      await expect.poll(() => page.title()).toBe('Mail migration report');
      const text = await page.locator('body').innerText();
      for (const user of USERS) expect(await page.locator('section.mailbox h2', { hasText: user }).count(), user).toBe(1);
      expect(text).toMatch(/All [\d,]+ messages of 3 mailboxes are on the new server, and every mailbox was checked message by message\./);
      expect(text).toContain('revoke the Gmail app password');
      for (const p of PASSWORDS) expect(text).not.toContain(p);
      expect(await page.locator('svg.chart rect').count()).toBeGreaterThan(0);
      fs.mkdirSync(SHOTS, { recursive: true });
      // The top of the report (summary, chart, table, the first mailbox), as the README shows it.
      await page.screenshot({ path: path.join(SHOTS, '14-client-report.png'), animations: 'disabled', caret: 'hide' });
      // On paper: each mailbox on its own page.
      await page.emulateMedia({ media: 'print' });
      expect(await page.evaluate(`getComputedStyle(document.querySelector('section.mailbox')).breakBefore`)).toBe('page');
    } finally {
      await browser.close();
    }
  });

  it('a mailbox verify cannot sign in to gets no verdict and does not hold up the others', async () => {
    const mixed = jobOf([USERS[0]!, 'dave@example.com']);
    mixed.env.MF_DST_1 = 'not-the-password';
    const check = await runCli(['verify', mixed.jobFile, '--state', mixed.stateDir], mixed.env);
    expect(check.code, check.stdout + check.stderr).toBe(1);
    expect(check.stdout).toContain(`Mailbox ${USERS[0]}: complete`);
    expect(check.stdout).toMatch(/^Mailbox dave@example\.com: NOT VERIFIED: .*rejected the username or password/m);
    const ledger = Ledger.open(mixed.stateDir);
    try {
      expect(ledger.history.latestVerification(USERS[0]!)).toMatchObject({ complete: true });
      expect(ledger.history.latestVerification('dave@example.com')).toBeUndefined();
      expect(ledger.history.mailboxes()).toEqual([USERS[0]]);
    } finally {
      ledger.close();
    }
  });
});
