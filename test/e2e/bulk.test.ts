/**
 * Many mailboxes in the desktop window end to end: the built renderer in Debian's Chromium, the real handler
 * table, engine and keychain through the e2e bridge, a Gmail-like Dovecot and a destination Dovecot. The CSV a
 * consultant has is imported (one row per line, with the bad lines named), Test all, Start all, the client
 * report exported; then the table is filled with 500 mailboxes and its rendering timed.
 *
 * Run alone with `npm run test:e2e` (it wraps the keyring session); `npm test` includes it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPassword } from '../../src/main/engine/connect/secrets.js';
import type { MailboxConfig } from '../../src/shared/contract.js';
import { generateCorpus } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedGmailSource } from '../support/maildir-seed.js';
import { tempDir } from '../unit/app-fakes.js';
import { startBridge, type Bridge } from './support/bridge-server.js';
import { buildRenderer, CHROMIUM, CHROMIUM_ARGS, requireKeyringSession, shot } from './support/browser.js';

const USERS = [
  { src: 'amy.lee@example.com', srcPw: 'amy-app-secret', dst: 'amy@example.net', dstPw: 'amy dst secret' },
  { src: 'ben.kim@example.com', srcPw: 'ben-app-secret', dst: 'ben@example.net', dstPw: 'ben;dst,secret' },
  { src: 'cat.ng@example.com', srcPw: 'cat-app-secret', dst: 'cat@example.net', dstPw: 'cat-dst-secret' },
];
const SECRETS = USERS.flatMap((u) => [u.srcPw, u.dstPw]);
/** How many mailboxes the table is timed with. */
const MANY = 500;

let source: DovecotServer;
let destination: DovecotServer;
let bridge: Bridge;
let browser: Browser;
let page: Page;
let dir: string;

beforeAll(async () => {
  requireKeyringSession();
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (never playwright install)`);
  dir = tempDir('mf-e2e-bulk-');
  const rendererDir = tempDir('mf-e2e-renderer-');
  [source, destination] = await Promise.all([
    startGmailSource({ users: USERS.map((u) => ({ user: u.src, password: u.srcPw })) }),
    startDestination({ users: USERS.map((u) => ({ user: u.dst, password: u.dstPw })) }),
    buildRenderer(rendererDir),
  ]);
  await Promise.all(USERS.map((u, i) => seedGmailSource(source, u.src, generateCorpus({ seed: `bulk-${i}`, count: 15 + 5 * i, profile: 'small', maxSizeMB: 1 }))));
  bridge = await startBridge({ rendererDir, dataDir: join(dir, 'data') });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 820 }, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
  page.on('pageerror', (err) => console.error('page error:', err));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  await Promise.all([source?.stop(), destination?.stop()]);
});

const row = (user: string) => page.locator(`tr[data-mailbox="${user}"]`);
const statusOf = async (user: string) => (await row(user).locator('.status-line').textContent()) ?? '';
const stateOf = async (user: string) => (await row(user).locator('.badge').textContent()) ?? '';

describe('many mailboxes in the desktop window', () => {
  it('imports a CSV, tests and starts them all, exports the client report; 500 rows stay fast', async () => {
    // A consultant's CSV (Mailferry's columns): three good rows, a bad date, a row without a destination user.
    const csv = join(dir, 'client-users.csv');
    writeFileSync(
      csv,
      [
        'source_user,source_password,destination_user,destination_password,since',
        ...USERS.map((u) => `${u.src},${u.srcPw},${u.dst},"${u.dstPw}",`),
        'dan.oz@example.com,dan-secret,dan@example.net,dan-dst,2024-13-01',
        'eve@example.com,eve-secret,,eve-dst,',
        '',
      ].join('\n'),
    );
    bridge.dialogs.batchFile = csv;

    await page.goto(bridge.url);
    await page.getByRole('button', { name: 'Import a list…' }).click();
    // The servers the rows do not name: both Dovecots, on this computer.
    await page.locator('#import-source-host').fill('127.0.0.1');
    await page.locator('#import-source-security').selectOption('none');
    await page.locator('#import-source-port').fill(String(source.port));
    await page.locator('#import-destination-host').fill('127.0.0.1');
    await page.locator('#import-destination-security').selectOption('none');
    await page.locator('#import-destination-port').fill(String(destination.port));
    await page.getByRole('button', { name: 'Choose file…' }).click();
    await expect.poll(() => page.locator('table.import-preview tbody tr').count(), { timeout: 10_000 }).toBe(5);
    const line = (n: number) => page.locator(`tr.import-row[data-line="${n}"]`);
    expect(await line(2).textContent()).toMatch(/amy\.lee@example\.com on 127\.0\.0\.1.*amy@example\.net on 127\.0\.0\.1.*Gmail: in the file.*Destination: in the file.*Ready to add/);
    expect(await line(5).textContent()).toMatch(/Not imported: since: must be a date/);
    expect(await line(6).textContent()).toMatch(/Not imported: destination\.user/);
    expect(await page.locator('p.totals').textContent()).toBe("client-users.csv (Mailferry's batch columns): 3 mailboxes to add, 2 lines with a problem (not imported).");
    const previewHtml = await page.content();
    for (const s of SECRETS) expect(previewHtml).not.toContain(s);
    await shot(page, '16-import-preview');

    await page.getByRole('button', { name: 'Import 3 mailboxes' }).click();
    await expect.poll(() => page.locator('.import-result').textContent()).toMatch(/^Added 3 mailboxes; 6 passwords stored in your system’s keychain\.2 lines were not imported/);
    for (const u of USERS) {
      expect(getPassword('127.0.0.1', u.src)).toBe(u.srcPw);
      expect(getPassword('127.0.0.1', u.dst)).toBe(u.dstPw);
    }
    const settingsFile = readFileSync(bridge.services.store.file, 'utf8');
    for (const s of SECRETS) expect(settingsFile).not.toContain(s);
    await page.getByRole('button', { name: 'Show the mailboxes' }).click();

    // --- Test all: every row says ready, as its result arrives
    await page.getByRole('button', { name: 'Test all' }).click();
    for (const u of USERS) await expect.poll(() => statusOf(u.src), { timeout: 20_000 }).toMatch(/^Ready: both servers accept Mailferry \(\d+ folders/);

    // --- Start all: every mailbox to the end; the totals row adds them up; a notification says so
    await page.getByRole('button', { name: 'Start all' }).click();
    for (const u of USERS) await expect.poll(() => stateOf(u.src), { timeout: 30_000 }).toBe('Done');
    expect(await page.locator('[data-total="done"]').textContent()).toBe('3 / 3 done');
    expect(await page.locator('[data-total="gmail-days"]').textContent()).toBe('Gmail’s daily download limit: nothing left');
    await expect.poll(() => bridge.notified.map((n) => n.title)).toContain('Everything is done');
    expect(bridge.notified.find((n) => n.title === 'Everything is done')!.body).toMatch(/^3 mailboxes finished; \d+ messages copied\.$/);

    // --- Verify all: both sides compared, the verdict in each row (and in the ledger, for the report)
    await page.getByRole('button', { name: 'Verify all' }).click();
    for (const u of USERS) await expect.poll(() => statusOf(u.src), { timeout: 20_000 }).toMatch(/^Verified: every message is on the destination/);

    // --- the mapping step: a pre-stage date, and deleting what Gmail deleted only after the dialog says what it does
    await row(USERS[0]!.src).getByRole('button', { name: `Details of ${USERS[0]!.src}` }).click();
    expect(await page.locator('.facts').textContent()).toContain('Gmail’s daily limitnothing left');
    expect(await page.locator('.verdict').textContent()).toMatch(/^Verified complete: every message is on the destination/);
    await page.getByRole('button', { name: 'Folders…' }).click();
    await page.locator('#received-before').fill('2030-01-01');
    await page.getByRole('checkbox', { name: 'Delete on the destination what was deleted in Gmail' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete on the destination what was deleted in Gmail?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('Mailferry cannot bring a deleted copy back');
    // Not on until confirmed.
    expect(await page.getByRole('checkbox', { name: 'Delete on the destination what was deleted in Gmail' }).isChecked()).toBe(false);
    await dialog.getByRole('button', { name: 'Delete what Gmail deleted' }).click();
    expect(await page.getByRole('checkbox', { name: 'Delete on the destination what was deleted in Gmail' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Save folder choice' }).click();
    await expect.poll(() => page.locator('#detail-title').textContent()).toBe(USERS[0]!.src);
    expect(bridge.services.store.mailbox(USERS[0]!.src)).toMatchObject({ before: '2030-01-01', deleteMissing: true });
    await page.getByRole('button', { name: 'Mailboxes' }).click();

    // --- sorting and the state filter
    await page.getByRole('button', { name: 'Mailbox', exact: true }).click(); // by name, descending now
    expect(await page.locator('tr.mailbox-row').first().getAttribute('data-mailbox')).toBe('cat.ng@example.com');
    await page.locator('#state-filter').selectOption('attention');
    expect(await page.locator('tr.mailbox-row').count()).toBe(0);
    await page.locator('#state-filter').selectOption('done');
    expect(await page.locator('tr.mailbox-row').count()).toBe(3);
    await page.getByRole('button', { name: 'Mailbox', exact: true }).click();
    await page.locator('#state-filter').selectOption('all');
    await shot(page, '17-many-mailboxes');

    // --- the client report, saved where the (recorded) save dialog says
    const report = join(dir, 'report for the client.html');
    bridge.dialogs.reportFile = (format) => (format === 'html' ? report : null);
    await page.getByRole('button', { name: 'Export report…' }).click();
    await page.getByRole('button', { name: 'Save…' }).click();
    await expect.poll(() => page.locator('.report-saved').textContent()).toBe(`Saved the report of 3 mailboxes to ${report}.`);
    const html = readFileSync(report, 'utf8');
    for (const u of USERS) expect(html).toContain(u.src);
    for (const s of SECRETS) expect(html).not.toContain(s);

    // --- 500 mailboxes: the table draws only the rows in view, and every step is timed
    const extra = MANY - USERS.length;
    for (let i = 0; i < extra; i++) {
      const n = String(i).padStart(3, '0');
      const c: MailboxConfig = {
        id: `user${n}@example.org`,
        source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: `user${n}@example.org` },
        destination: { host: 'mail.example.net', port: 993, security: 'tls', user: `user${n}@example.net` },
        exclude: [],
        labelPolicy: 'folder-per-label',
        labelsAsKeywords: false,
      };
      bridge.services.store.putMailbox(c, { later: true });
      bridge.services.manager.added(c.id);
    }
    bridge.services.store.save();
    const t0 = Date.now();
    await page.reload();
    await page.locator('tr.mailbox-row').first().waitFor();
    const loadMs = Date.now() - t0;
    const drawn = await page.locator('tr.mailbox-row').count();
    expect(drawn).toBeLessThan(40);
    expect(await page.locator('[data-total="done"]').textContent()).toBe(`3 / ${MANY} done`);
    // One frame after an action the table is drawn again: sorting, filtering, scrolling to the end.
    // In the page (a string: this file is type-checked without the DOM's types).
    const timed = async (act: string): Promise<number> =>
      Number(
        await page.evaluate(`(async () => {
          const t = performance.now();
          ${act};
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          return performance.now() - t;
        })()`),
      );
    const SORT_BY_SIZE = `document.querySelectorAll('th button.sort')[3].click()`;
    const SCROLL_TO_END = `document.querySelector('.table-scroll').scrollTop = 1e9`;
    // React listens for the select's change the way a user makes it (its value setter, then a bubbling event).
    const FILTER_NOT_STARTED = `(() => {
      const s = document.querySelector('#state-filter');
      Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set.call(s, 'not-started');
      s.dispatchEvent(new Event('change', { bubbles: true }));
    })()`;
    const sortMs = await timed(SORT_BY_SIZE);
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toMatch(/^Size/);
    const scrollMs = await timed(SCROLL_TO_END);
    expect(await page.locator('tr.mailbox-row').last().getAttribute('data-mailbox')).toMatch(/^user\d{3}@example\.org$/);
    const filterMs = await timed(FILTER_NOT_STARTED);
    expect(await page.locator('#state-filter').inputValue()).toBe('not-started');
    await page.locator('#state-filter').selectOption('all');
    // A progress batch naming all 500 (each row's test result): the table takes it in one go.
    const batchStart = Date.now();
    for (const v of bridge.services.store.mailboxes()) bridge.services.manager.annotate(v.id, { check: { state: 'testing', at: Date.now(), problems: [], blockers: [], warnings: [] } });
    await expect.poll(() => page.locator('tr.mailbox-row .status-line').first().textContent(), { interval: 20 }).toBe('Testing the sign-ins…');
    const batchMs = Date.now() - batchStart;
    console.log(
      `${MANY} mailboxes: list loaded and drawn in ${loadMs} ms (${drawn} rows in the DOM); sort ${sortMs.toFixed(0)} ms, ` +
        `scroll to the end ${scrollMs.toFixed(0)} ms, filter ${filterMs.toFixed(0)} ms to the next frame; a batch of ${MANY} statuses shown within ${batchMs} ms`,
    );
    for (const ms of [sortMs, scrollMs, filterMs]) expect(ms).toBeLessThan(250);
  }, 60_000);
});
