/**
 * The desktop window end to end: the built renderer in Debian's Chromium (playwright-core), talking to
 * the real handler table (engine, keychain in a private gnome-keyring session, settings file) through the
 * e2e bridge instead of Electron's IPC; a Gmail-like Dovecot source and a Dovecot destination, each
 * behind a small delay line so the migration lasts long enough to pause and resume it. At the end another
 * Mailferry run holds the destination account for a moment: the rows say so and hold Start back.
 *
 * Run alone with `npm run test:e2e` (it wraps the keyring session); `npm test` includes it.
 * Screenshots go to docs/screenshots/ (the README shows them).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toMailboxJob } from '../../src/main/app/mailbox-config.js';
import { MailboxLock } from '../../src/main/engine/state/run-lock.js';
import { getPassword } from '../../src/main/engine/connect/secrets.js';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { snapshot } from '../support/mailbox-snapshot.js';
import { expectedDestination } from '../support/migration-fixture.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { tempDir } from '../unit/app-fakes.js';
import { startBridge, type Bridge } from './support/bridge-server.js';
import { CHROMIUM, CHROMIUM_ARGS, requireKeyringSession, ROOT, shot as shotOf, waitForMapping } from './support/browser.js';

/** Messages in the source mailbox and the one-way delay in front of each server: a run of several seconds. */
const COUNT = Number(process.env.MAILFERRY_E2E_COUNT ?? 400);
const DELAY_MS = Number(process.env.MAILFERRY_E2E_DELAY_MS ?? 20);
const EXCLUDED = 'Newsletters';

// Distinct account names on each side: the keychain keys passwords by user and host, and both servers
// are 127.0.0.1 here. The keyring is the throw-away one of this test session.
const SRC = { user: 'ann.lee@example.com', password: 'src-app-secret' };
const SRC2 = { user: 'bob.kim@example.com', password: 'other-app-secret' };
const DST = { user: 'ann@example.net', password: 'dst secret with spaces' };

let source: DovecotServer;
let destination: DovecotServer;
let proxies: TcpProxy[] = [];
let bridge: Bridge;
let browser: Browser;
let page: Page;
let corpus: CorpusMessage[];

async function shot(name: string): Promise<void> {
  await shotOf(page, name);
}

function row(user = SRC.user): Locator {
  return page.locator(`tr[data-mailbox="${user}"]`);
}

async function stateOf(user = SRC.user): Promise<string> {
  return (await row(user).locator('.badge').textContent()) ?? '';
}

/** Messages done / planned as the row shows them ("12 / 300 msgs"). */
async function messageCounts(): Promise<[number, number]> {
  const text = (await row().locator('.bar-text').first().textContent()) ?? '';
  const m = /([\d,.\s]+)\s*\/\s*([\d,.\s]+)\s*msgs/.exec(text.replace(/\u202f|\u00a0/g, ' '));
  if (!m) return [0, 0];
  const n = (s: string) => Number(s.replace(/[^\d]/g, ''));
  return [n(m[1]!), n(m[2]!)];
}

beforeAll(async () => {
  requireKeyringSession();
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (never playwright install)`);
  execFileSync(process.execPath, ['scripts/build.mjs', 'renderer'], { cwd: ROOT, stdio: 'inherit' });

  [source, destination] = await Promise.all([startGmailSource({ users: [SRC, SRC2] }), startDestination({ users: [DST] })]);
  corpus = generateCorpus({ seed: 'desktop-e2e', count: COUNT, profile: 'small', maxSizeMB: 1 });
  await seedGmailSource(source, SRC.user, corpus);
  // The second mailbox has a few messages of its own, so its label policy has something to act on.
  await seedGmailSource(source, SRC2.user, generateCorpus({ seed: 'desktop-e2e-2', count: 12, profile: 'small', maxSizeMB: 1 }));
  proxies = await Promise.all([startTcpProxy({ targetPort: source.port, delayMs: DELAY_MS }), startTcpProxy({ targetPort: destination.port, delayMs: DELAY_MS })]);

  bridge = await startBridge({ rendererDir: join(ROOT, 'dist/renderer'), dataDir: tempDir('mf-e2e-data-'), caFile: destination.caFile });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 820 }, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
  page.on('pageerror', (err) => console.error('page error:', err));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all([source?.stop(), destination?.stop()]);
});

describe('the desktop window against the real engine', () => {
  it('adds a mailbox, tests it, previews folders, migrates with pause and resume, and shows the detail', async () => {
    // --- empty state
    await page.goto(bridge.url);
    await expect.poll(() => page.getByText('No mailboxes yet').isVisible()).toBe(true);
    await shot('01-empty');

    // --- settings: one connection per account keeps the run long enough to pause it
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.locator('#setting-connectionsPerAccount').fill('1');
    await page.locator('#setting-parallelMailboxes').fill('1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByText('Saved.').isVisible()).toBe(true);
    await shot('02-settings');
    await page.getByRole('button', { name: 'Mailboxes' }).click();

    // --- add, with the keyboard only: Tab to the button, Enter; then a wrong app password first
    let focused = '';
    for (let i = 0; i < 15 && focused !== 'Add your first mailbox'; i++) {
      await page.keyboard.press('Tab');
      focused = String(await page.evaluate('document.activeElement ? document.activeElement.textContent : ""'));
    }
    expect(focused).toBe('Add your first mailbox');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate('document.activeElement ? document.activeElement.tagName : ""')).toBe('H1'); // focus moves to the new view
    await page.getByLabel('Gmail address').fill(SRC.user);
    // Sign in with Google is the other choice: the client ID fields and how to get a client (not used here).
    await page.getByRole('radio', { name: 'Sign in with Google' }).check();
    await expect.poll(() => page.locator('#oauth-client-id').isVisible()).toBe(true);
    expect(await page.locator('.help').textContent()).toContain('Desktop app');
    expect(await page.getByRole('button', { name: 'Sign in with Google' }).isDisabled()).toBe(true); // no client ID yet
    await page.locator('#oauth-client-id').fill('1234-abc.apps.googleusercontent.com');
    expect(await page.getByRole('button', { name: 'Sign in with Google' }).isDisabled()).toBe(false);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Not signed in yet.' }).isVisible()).toBe(true);
    await shot('03a-sign-in-with-google');
    await page.getByRole('radio', { name: 'App password' }).check();
    await page.locator('#gmail-password').fill('wrong password');
    // Inline guidance while the host is still Gmail's: app passwords are 16 letters.
    await expect.poll(() => page.locator('#gmail-password-note').textContent()).toContain('Google app passwords are 16 letters');
    await page.locator('.advanced summary').click();
    await page.locator('#source-host').fill('127.0.0.1');
    await page.locator('#source-security').selectOption('none');
    await page.locator('#source-port').fill(String(proxies[0]!.port));
    await page.locator('#destination-host').fill('127.0.0.1');
    await page.locator('#destination-security').selectOption('none');
    await page.locator('#destination-port').fill(String(proxies[1]!.port));
    await page.locator('#destination-user').fill(DST.user);
    await page.getByLabel('Password', { exact: true }).fill(DST.password);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('.connection-result');
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('The connection test found a problem.');
    expect(await result.textContent()).toMatch(/Gmail: could not sign in\..*rejected the username or password/);
    expect(await result.textContent()).toContain('Destination: signed in.');
    await shot('03-test-connection-failed');

    // --- the right one
    await page.locator('#gmail-password').fill(SRC.password);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('Both servers accept Mailferry.');
    await shot('04-test-connection-ok');

    // --- save: the passwords go to the keychain, the settings file never sees them
    await page.getByRole('button', { name: 'Save and choose folders' }).click();
    await waitForMapping(page);
    expect(getPassword('127.0.0.1', SRC.user)).toBe(SRC.password);
    expect(getPassword('127.0.0.1', DST.user)).toBe(DST.password);
    const settingsFile = readFileSync(bridge.services.store.file, 'utf8');
    expect(settingsFile).not.toContain(SRC.password);
    expect(settingsFile).not.toContain(DST.password);

    // --- mapping preview: leave one label out
    const mapping = await page.locator('table.mapping').textContent();
    expect(mapping).toContain('[Gmail]/Sent Mail');
    expect(mapping).toContain('Sent Items');
    expect(mapping).toContain('[Gmail]/All Mail');
    expect(mapping).toContain('Archive');
    expect(mapping).toMatch(/\[Gmail\]\/Starred.*not copied/);
    // The label policy: a folder per label unless chosen otherwise (this source has no X-GM-EXT-1).
    expect(await page.getByRole('radio', { name: /^A folder per label \(a message with three labels lands in three folders\)/ }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: /^One copy per message \(Inbox, then Sent, Drafts, its first label, else Archive\)/ }).isChecked()).toBe(false);
    expect(await page.getByRole('checkbox', { name: 'Also keep every label as a keyword' }).isChecked()).toBe(false);
    await page.getByRole('checkbox', { name: `Copy ${EXCLUDED}` }).uncheck();
    await shot('05-mapping-preview');
    await page.getByRole('button', { name: 'Start migration' }).click();

    // --- copying
    await expect.poll(() => stateOf(), { timeout: 30_000 }).toBe('Copying');
    // Far enough in for a meaningful rate and time left, still far from the end.
    await expect.poll(async () => (await messageCounts())[0], { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(30);
    await shot('06-copying');

    // --- pause: shown at once, settles with part of the mailbox copied
    await row().getByRole('button', { name: `Pause ${SRC.user}` }).click();
    await expect.poll(() => stateOf()).toBe('Paused');
    await page.waitForTimeout(1500); // in-flight messages finish
    expect(bridge.services.manager.status(SRC.user).state).toBe('paused');
    const [donePaused, plannedPaused] = await messageCounts();
    expect(donePaused).toBeGreaterThan(0);
    expect(donePaused).toBeLessThan(plannedPaused);
    await shot('07-paused');

    // --- resume: continues to 100%, nothing twice
    await row().getByRole('button', { name: `Resume ${SRC.user}` }).click();
    await expect.poll(() => stateOf(), { timeout: 120_000, interval: 500 }).toBe('Done');
    const [done, planned] = await messageCounts();
    expect(done).toBe(planned);
    expect(await row().getByRole('progressbar').first().getAttribute('aria-valuenow')).toBe('100');
    expect(await row().locator('.status-line').textContent()).toBe('Everything is on the destination.');
    await shot('08-done');

    const expected = expectedDestination(corpus);
    expected.delete(EXCLUDED);
    const actual = await snapshot(destination.imapOptions(DST.user, 'plain'));
    for (const [folder, msgs] of expected) expect(actual.get(folder), `folder ${folder}`).toEqual(msgs);
    for (const [folder, msgs] of actual) if (!expected.has(folder)) expect(msgs, `unexpected messages in ${folder}`).toEqual([]);
    const total = [...expected.values()].reduce((s, l) => s + l.length, 0);
    expect(planned).toBe(total);

    // --- detail view
    await row().getByRole('button', { name: `Details of ${SRC.user}` }).click();
    await expect.poll(() => page.locator('table.folders').isVisible()).toBe(true);
    const folders = await page.locator('table.folders').textContent();
    expect(folders).toContain('Sent Items');
    expect(folders).toContain('Archive');
    const log = await page.locator('ol.log').textContent();
    expect(log).toContain('Paused.');
    expect(log).toContain('Resumed.');
    expect(log).toMatch(/Finished\. [\d,]+ messages copied/);
    await shot('09-detail');

    // --- a second mailbox with a wrong app password: the preview and the row say why, in words
    await page.getByRole('button', { name: 'Mailboxes' }).click();
    await page.getByRole('button', { name: 'Add mailbox' }).click();
    await page.getByLabel('Gmail address').fill(SRC2.user);
    await page.locator('#gmail-password').fill('not the app password');
    await page.locator('.advanced summary').click();
    await page.locator('#source-host').fill('127.0.0.1');
    await page.locator('#source-security').selectOption('none');
    await page.locator('#source-port').fill(String(proxies[0]!.port));
    await page.locator('#destination-host').fill('127.0.0.1');
    await page.locator('#destination-security').selectOption('none');
    await page.locator('#destination-port').fill(String(proxies[1]!.port));
    await page.locator('#destination-user').fill(DST.user); // its password is in the keychain already
    await page.getByRole('button', { name: 'Save and choose folders' }).click();
    await expect.poll(() => page.locator('[role=alert]').textContent(), { timeout: 30_000 }).toMatch(/rejected the username or password.*mailbox’s settings \(Edit\)/);
    await page.getByRole('button', { name: 'Back' }).click();

    // "Start all" starts both: the first has nothing new (its counters stay whole), the second fails at once.
    await page.getByRole('button', { name: 'Start all' }).click();
    await expect.poll(() => stateOf(SRC2.user), { timeout: 30_000 }).toBe('Failed');
    await expect.poll(() => stateOf(SRC.user), { timeout: 30_000 }).toBe('Done');
    expect(await row(SRC2.user).locator('.status-line').textContent()).toMatch(/rejected the username or password/);
    expect(await messageCounts()).toEqual([planned, planned]);
    await shot('10-mailboxes');

    // --- the theme follows the OS
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('11-mailboxes-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // --- fix it: Details, Edit, the right app password (the stored one is replaced), Retry
    await row(SRC2.user).getByRole('button', { name: `Details of ${SRC2.user}` }).click();
    await page.getByRole('button', { name: 'Edit…' }).click();
    expect(await page.getByLabel('Gmail address').getAttribute('readonly')).not.toBeNull();
    expect(await page.locator('#gmail-password').getAttribute('placeholder')).toBe('Leave empty to keep the stored password');
    await page.locator('#gmail-password').fill(SRC2.password);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('#detail-title').textContent()).toBe(SRC2.user);
    expect(getPassword('127.0.0.1', SRC2.user)).toBe(SRC2.password);

    // --- one copy per message needs Gmail's labels: this source has none, and the row says so in words
    await page.getByRole('button', { name: 'Folders…' }).click();
    await waitForMapping(page);
    await page.getByRole('radio', { name: /^One copy per message/ }).check();
    await page.getByRole('checkbox', { name: 'Also keep every label as a keyword' }).check();
    await shot('12-label-policy');
    await page.getByRole('button', { name: 'Start migration' }).click();
    await expect.poll(() => stateOf(SRC2.user), { timeout: 30_000 }).toBe('Failed');
    expect(bridge.services.store.mailbox(SRC2.user)).toMatchObject({ labelPolicy: 'one-copy', labelsAsKeywords: true });
    expect(await row(SRC2.user).locator('.status-line').textContent()).toMatch(/"one-copy" label policy needs Gmail's labels \(X-GM-EXT-1\).*A folder per label/);

    // --- back to a folder per label (the saved choice is shown again), and it runs to the end
    await row(SRC2.user).getByRole('button', { name: `Details of ${SRC2.user}` }).click();
    await page.getByRole('button', { name: 'Folders…' }).click();
    await waitForMapping(page);
    expect(await page.getByRole('radio', { name: /^One copy per message/ }).isChecked()).toBe(true);
    await page.getByRole('radio', { name: /^A folder per label/ }).check();
    await page.getByRole('checkbox', { name: 'Also keep every label as a keyword' }).uncheck();
    await page.getByRole('button', { name: 'Start migration' }).click();
    await expect.poll(() => stateOf(SRC2.user), { timeout: 60_000 }).toBe('Done');
    expect(bridge.services.store.mailbox(SRC2.user)).toMatchObject({ labelPolicy: 'folder-per-label', labelsAsKeywords: false });

    // --- another Mailferry run (a command line; here the test takes its locks) writes the destination account
    const other = MailboxLock.acquire(toMailboxJob(bridge.services.store.mailbox(SRC.user)!), tempDir('mf-e2e-cli-state-'), 'mailferry migrate /home/ann/move.json');
    const runAgain = row().getByRole('button', { name: `Run again ${SRC.user}` });
    await expect.poll(() => stateOf(), { timeout: 10_000 }).toBe('In use elsewhere');
    const holder = /The destination account ann@example\.net on 127\.0\.0\.1:\d+ is being written by another Mailferry run \(mailferry migrate \/home\/ann\/move\.json, process \d+, since .+ UTC/;
    expect(await row().locator('.status-line').textContent()).toMatch(new RegExp(`^In use by another Mailferry run\\. ${holder.source}.*Wait for that run to finish`));
    expect(await runAgain.getAttribute('aria-disabled')).toBe('true');
    expect(await runAgain.getAttribute('title')).toMatch(new RegExp(`^In use by another Mailferry run: ${holder.source}`));
    // Still reachable with the keyboard, described by the visible line; Enter does nothing.
    const reason = page.locator(`[id="${await runAgain.getAttribute('aria-describedby')}"]`);
    expect(await reason.textContent()).toMatch(/^In use by another Mailferry run\./);
    await runAgain.focus();
    expect(await runAgain.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    expect(bridge.services.manager.status(SRC.user)).toMatchObject({ state: 'done', inUse: { code: 'MAILBOX_IN_USE' } });
    // The second mailbox writes the same account: held too, so "Start all" has nothing to start.
    expect(await stateOf(SRC2.user)).toBe('In use elsewhere');
    expect(await page.getByRole('button', { name: 'Start all' }).isDisabled()).toBe(true);
    await shot('13-in-use');
    other.release();
    await expect.poll(() => stateOf(), { timeout: 10_000 }).toBe('Done');
    expect(await runAgain.getAttribute('aria-disabled')).toBeNull();
    expect(await page.getByRole('button', { name: 'Start all' }).isDisabled()).toBe(false);

    // Nothing asked to open a link on its own.
    expect(bridge.opened).toEqual([]);
  }, 300_000);
});
