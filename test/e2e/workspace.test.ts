/**
 * The Gmail side's other ways in and the preflight, in the desktop window end to end: the built renderer in
 * Chromium, the real handler table, engine and keychain (a private gnome-keyring session).
 * - A Workspace service account: its JSON key picked in "main's dialog" (the bridge answers with a file),
 *   imported into the keychain, the file deleted on request; a fake of Google's token endpoint checks every
 *   signed grant and a Gmail-like Dovecot takes its tokens (XOAUTH2). The destination is too small for that
 *   mailbox: Test shows the blocker with what to do, and Start asks before going past it.
 * - A Google Takeout export (.tgz) as a mailbox's source: chosen, tested, copied (the row says it reads the
 *   export first), then Verify, the detail view and the client report with its ledger key.
 *
 * Run alone with `npm run test:e2e` (it wraps the keyring session); `npm test` includes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServiceAccountKey } from '../../src/main/engine/oauth/service-account/key-file.js';
import { serviceAccountKeys } from '../../src/main/engine/oauth/service-account/key-store.js';
import { ServiceAccountTokens } from '../../src/main/engine/oauth/service-account/tokens.js';
import { generateCorpus } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { turnOnOAuth } from '../support/dovecot-xoauth2.js';
import { startFakeGoogleJwt, type FakeGoogleJwt } from '../support/fake-google-jwt.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { packTgz, prepareTakeoutCorpus, takeoutView, writeTakeoutMbox } from '../support/takeout.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { tempDir } from '../unit/app-fakes.js';
import { startBridge, type Bridge } from './support/bridge-server.js';
import { buildRenderer, CHROMIUM, CHROMIUM_ARGS, requireKeyringSession, shot, SHOTS, waitForMapping } from './support/browser.js';

const SA_USER = 'dan.ruiz@acme.example';
const TK_USER = 'eva.lund@acme.example';
const DST = [
  { user: 'dan@acme-new.example', password: 'dan-dst-secret' },
  { user: 'eva@acme-new.example', password: 'eva-dst-secret' },
];

let fake: FakeGoogleJwt;
let source: DovecotServer;
let destination: DovecotServer;
let slow: TcpProxy;
let bridge: Bridge;
let browser: Browser;
let page: Page;
let work: string;
let keyFile: string;
let exportFile: string;
let exportMessages: number;

const row = (user: string): Locator => page.locator(`tr[data-mailbox="${user}"]`);

async function serverFields(prefix: 'source' | 'destination', port: number): Promise<void> {
  await page.locator(`#${prefix}-host`).fill('127.0.0.1');
  await page.locator(`#${prefix}-security`).selectOption('none');
  await page.locator(`#${prefix}-port`).fill(String(port));
}

beforeAll(async () => {
  requireKeyringSession();
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (never playwright install)`);
  work = tempDir('mf-e2e-workspace-');
  const rendererDir = path.join(work, 'renderer');
  // The export: small messages with every label case, packed as Takeout delivers it.
  const corpus = prepareTakeoutCorpus(generateCorpus({ seed: 'e2e-workspace-takeout', count: 50, profile: 'small', maxSizeMB: 0.01 }));
  exportMessages = takeoutView(corpus).length;
  // Each destination account's quota: room for the export (a message per label), not for the service account's mailbox.
  const bytes = (list: ReadonlyArray<{ raw: Buffer }>) => list.reduce((n, m) => n + m.raw.length, 0);
  const quotaKB = Math.ceil((2 * bytes(takeoutView(corpus))) / 1024);
  const big = generateCorpus({ seed: 'e2e-workspace-sa', count: 250, profile: 'small', maxSizeMB: 1 });
  expect(bytes(big)).toBeGreaterThan(3 * quotaKB * 1024);
  fake = await startFakeGoogleJwt({ users: [SA_USER] });
  [source, destination] = await Promise.all([
    startGmailSource({ users: [{ user: SA_USER, password: 'not-used-by-a-service-account' }] }),
    startDestination({ users: DST, quota: { storageKB: quotaKB } }),
    buildRenderer(rendererDir),
  ]);
  await seedGmailSource(source, SA_USER, big);
  const key = fake.newKey();
  keyFile = path.join(work, 'acme-migration-5f1e.json');
  fs.writeFileSync(keyFile, key.json, { mode: 0o600 });
  await turnOnOAuth(source, fake.introspectionEndpoint, { user: SA_USER, accessToken: await new ServiceAccountTokens(parseServiceAccountKey(key.json, 'key'), SA_USER).get() });

  const mbox = path.join(work, 'All mail Including Spam and Trash.mbox');
  await writeTakeoutMbox(mbox, corpus);
  exportFile = path.join(work, 'takeout-20261201T101500Z-001.tgz');
  await packTgz(mbox, exportFile);
  // Folders are made through a slow line: the row's "reading the export" lasts long enough to be seen.
  slow = await startTcpProxy({ targetPort: destination.port, delayMs: 120 });

  bridge = await startBridge({ rendererDir, dataDir: path.join(work, 'data') });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 820 }, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
  page.on('pageerror', (err) => console.error('page error:', err));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  await slow?.close();
  await Promise.all([source?.stop(), destination?.stop(), fake?.close()]);
  try {
    serviceAccountKeys.delete(fake.clientEmail);
  } catch {
    /* the keyring session is gone */
  }
});

describe('a whole Workspace domain and a Takeout export in the desktop window', () => {
  it('imports a service account key, shows the administrator’s steps, deletes the file; Test shows a blocker and Start asks first', async () => {
    await page.goto(bridge.url);
    await page.getByRole('button', { name: 'Add your first mailbox' }).click();
    await page.getByLabel('Gmail address').fill(SA_USER);
    await page.getByRole('radio', { name: 'Whole Google Workspace domain (service account)' }).check();
    await expect.poll(() => page.locator('#service-account').textContent()).toContain('No key imported yet');

    // --- the key: main's dialog, the keychain, the client ID and the administrator's steps; the file deleted
    bridge.dialogs.keyFile = keyFile;
    await page.getByRole('button', { name: 'Import key file…' }).click();
    const imported = page.locator('.key-imported');
    await expect.poll(() => imported.isVisible()).toBe(true);
    expect(await imported.locator('.client-id').textContent()).toBe(fake.clientId);
    expect(await imported.textContent()).toMatch(/Domain-wide delegation > Add new.*OAuth scopes: https:\/\/mail\.google\.com\//);
    expect(await page.locator('#service-account').inputValue()).toBe(fake.clientEmail);
    expect(await page.getByRole('status').filter({ hasText: `Its key (client ID ${fake.clientId}) is in your keychain` }).count()).toBe(1);
    expect(serviceAccountKeys.get(fake.clientEmail)?.clientId).toBe(fake.clientId);
    await page.locator('.advanced summary').first().click();
    await serverFields('source', source.port);
    await serverFields('destination', destination.port);
    await page.locator('#destination-user').fill(DST[0]!.user);
    await page.locator('#destination-password').fill(DST[0]!.password);
    await page.locator('.advanced summary').first().click(); // the README shows Gmail's server, not this test's
    await shot(page, '18-service-account');
    await page.getByRole('button', { name: 'Delete acme-migration-5f1e.json' }).click();
    await expect.poll(() => page.getByText('Deleted acme-migration-5f1e.json.').isVisible()).toBe(true);
    expect(fs.existsSync(keyFile)).toBe(false);

    // --- Test: signed in with the service account's token; the destination is too small: a blocker, with what to do
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('.connection-result');
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('the test found what would stop the migration');
    expect(await result.textContent()).toContain('Gmail: signed in.');
    expect(fake.tokenRequests.some((r) => r.status === 200 && r.claims?.['sub'] === SA_USER)).toBe(true);
    const blockers = result.locator('.findings.blockers');
    expect(await blockers.locator('h3').textContent()).toContain('1 blocker');
    expect(await blockers.locator('.finding-message').textContent()).toMatch(/^The destination has .* free but this mailbox needs at least .* there\.$/);
    expect(await blockers.locator('.finding-hint').textContent()).toBe('What to do: Free space or raise the quota before the migration, or it stops when the destination is full.');
    await result.scrollIntoViewIfNeeded();
    await shot(page, '19-preflight-blocker');

    // --- saved without any secret in the settings file; the folder step shows the blocker and Start asks first
    await page.getByRole('button', { name: 'Save and choose folders' }).click();
    await waitForMapping(page);
    expect(bridge.services.store.mailbox(SA_USER)?.source).toMatchObject({ auth: 'service-account', serviceAccount: fake.clientEmail });
    const settings = fs.readFileSync(bridge.services.store.file, 'utf8');
    for (const secret of ['PRIVATE KEY', keyFile, DST[0]!.password]) expect(settings).not.toContain(secret);
    // The keychain's list of service accounts (no key read) says the mailbox's sign-in is stored.
    expect(await bridge.services.handlers.listServiceAccounts(null)).toMatchObject({ ok: true, value: expect.arrayContaining([{ clientEmail: fake.clientEmail, clientId: fake.clientId }]) });
    const listed = await bridge.services.handlers.listMailboxes(null);
    expect(listed.ok && listed.value.find((v) => v.config.id === SA_USER)?.passwordsStored.source).toBe(true);
    expect(await page.locator('.findings.blockers').textContent()).toContain('free but this mailbox needs');
    await page.getByRole('button', { name: 'Start migration' }).click();
    const ask = page.locator('dialog.blockers-dialog');
    await expect.poll(() => ask.isVisible()).toBe(true);
    expect(await ask.locator('.finding-hint').textContent()).toContain('Free space or raise the quota');
    // A modal dialog: the window as it is seen (a full-page shot would leave the backdrop at the viewport's edge).
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, '20-start-asks.png'), animations: 'disabled', caret: 'hide' });
    await ask.getByRole('button', { name: 'Don’t start' }).click();
    expect(await ask.count()).toBe(0);
    expect(bridge.services.manager.status(SA_USER).state).toBe('idle');

    // --- Test all: the row leads with the blocker and opens the whole test in a dialog
    await page.getByRole('button', { name: 'Back', exact: true }).click();
    await page.getByRole('button', { name: 'Test all' }).click();
    await expect.poll(() => row(SA_USER).locator('.status-line').textContent(), { timeout: 30_000 }).toContain('Not ready: The destination has');
    await row(SA_USER).getByRole('button', { name: /Test results of/ }).click();
    const findings = page.locator('dialog.findings-dialog');
    await expect.poll(() => findings.isVisible()).toBe(true);
    expect(await findings.locator('.findings.blockers .finding').count()).toBe(1);
    await findings.getByRole('button', { name: 'Close' }).click();
  }, 180_000);

  it('copies a Google Takeout export: chosen, tested, read before copying; Verify, detail and report cope with its ledger key', async () => {
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByLabel('Gmail address').fill(TK_USER);
    await page.getByRole('radio', { name: 'A Google Takeout export' }).check();
    expect(await page.locator('#gmail-password').count()).toBe(0);
    bridge.dialogs.takeoutFile = exportFile;
    await page.getByRole('button', { name: 'Choose file…' }).click();
    await expect.poll(() => page.locator('.takeout-source .field-note').textContent()).toMatch(/^A Google Takeout export \(\.tgz, [\d.]+ [KM]B\)\.$/);
    await page.locator('#destination-host').fill('127.0.0.1');
    await page.locator('#destination-security').selectOption('none');
    await page.locator('#destination-port').fill(String(slow.port));
    await page.locator('#destination-user').fill(DST[1]!.user);
    await page.locator('#destination-password').fill(DST[1]!.password);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('.connection-result');
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('The export opens and the destination accepts Mailferry.');
    expect(await result.textContent()).toContain('Takeout export: takeout-20261201T101500Z-001.tgz opens.');
    await shot(page, '21-takeout-source');

    // --- the folder step: its folders come from the export's labels; no blocker, so Start starts
    await page.getByRole('button', { name: 'Save and choose folders' }).click();
    await expect.poll(() => page.locator('.takeout-note').isVisible(), { timeout: 30_000 }).toBe(true);
    expect(bridge.services.store.mailbox(TK_USER)?.source.takeout).toBe(exportFile);
    await page.getByRole('button', { name: 'Start migration' }).click();
    await expect.poll(() => row(TK_USER).locator('.status-line').textContent(), { timeout: 30_000, interval: 50 }).toContain('Reading the export takeout-20261201T101500Z-001.tgz');
    expect(await row(TK_USER).locator('.bar-text').first().textContent()).toBe('reading the export');
    await shot(page, '22-takeout-reading');
    await expect.poll(() => row(TK_USER).locator('.badge').textContent(), { timeout: 120_000 }).toBe('Done');
    const done = bridge.services.manager.status(TK_USER).progress!;
    expect(done.failed).toBe(0);
    expect(done.planned).toBeGreaterThanOrEqual(exportMessages);

    // --- Verify says why it does not compare an export; the detail view shows its folders
    await row(TK_USER).getByRole('button', { name: `Details of ${TK_USER}` }).click();
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.locator('.verdict').textContent(), { timeout: 30_000 }).toContain('Not verified: Its source is the Google Takeout export takeout-20261201T101500Z-001.tgz');
    expect(await page.locator('table.folders tbody tr').count()).toBeGreaterThan(3);
    expect(await page.locator('.facts').textContent()).toContain('none: a Takeout export');

    // --- the client report: the import under its ledger key, once; the service account's mailbox not run
    const reportFile = path.join(work, 'report.json');
    bridge.dialogs.reportFile = () => reportFile;
    await page.getByRole('button', { name: 'Mailboxes' }).click();
    await page.getByRole('button', { name: 'Export report…' }).click();
    await page.locator('#report-format').selectOption('json');
    await page.getByRole('button', { name: 'Save…' }).click();
    await expect.poll(() => fs.existsSync(reportFile), { timeout: 15_000 }).toBe(true);
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as { mailboxes: Array<{ id: string; state: string; source: { signIn: string | null } }> };
    expect(report.mailboxes.map((m) => [m.id, m.state, m.source.signIn]).sort()).toEqual([
      [SA_USER, 'not run', 'service-account'],
      [`${TK_USER} (Google Takeout)`, 'done', 'takeout'],
    ]);
  }, 240_000);
});
