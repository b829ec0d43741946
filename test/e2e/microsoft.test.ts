/**
 * The Microsoft 365 / Outlook.com preset of the mailbox form end to end: the built renderer in Chromium,
 * the real handler table and keychain, a fake Microsoft identity platform (the only authority the bridge
 * lets in besides Microsoft's) whose authorize page the bridge "opens" by following it as a browser would,
 * and an Exchange-shaped IMAP front (XOAUTH2 only) over a real Dovecot that takes the fake's tokens.
 *
 * Run alone with `npm run test:e2e` (it wraps the keyring session); `npm test` includes it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MICROSOFT_AUTHORITIES } from '../../src/main/app/external-url.js';
import { appSecrets } from '../../src/main/engine/oauth/microsoft/app-credentials.js';
import { keychainRefreshTokens } from '../../src/main/engine/oauth/token-store.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { startExchangeFront, type ExchangeFront } from '../support/exchange-front/index.js';
import { approveInBrowser, startFakeMicrosoftIdentity, type FakeMicrosoftIdentity } from '../support/fake-microsoft-identity.js';
import { tempDir } from '../unit/app-fakes.js';
import { startBridge, type Bridge } from './support/bridge-server.js';
import { buildRenderer, CHROMIUM, CHROMIUM_ARGS, requireKeyringSession, shot, waitForMapping } from './support/browser.js';

const SRC = { user: 'cam.diaz@example.com', password: 'cam-app-secret' };
const DST = { user: 'cam@contoso.example', password: 'exchange-side-password' };

let source: DovecotServer;
let destination: DovecotServer;
let identity: FakeMicrosoftIdentity;
let front: ExchangeFront;
let bridge: Bridge;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  requireKeyringSession();
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (never playwright install)`);
  const rendererDir = tempDir('mf-e2e-renderer-');
  [source, destination, identity] = await Promise.all([
    startGmailSource({ users: [SRC] }),
    startDestination({ users: [DST], separator: '/', specialFolders: [] }),
    startFakeMicrosoftIdentity(),
    buildRenderer(rendererDir),
  ]);
  front = await startExchangeFront({ destination, tokens: identity.accessTokens });
  bridge = await startBridge({
    rendererDir,
    dataDir: tempDir('mf-e2e-ms-data-'),
    caFile: front.caFile,
    // The user's browser: approves at once and follows Microsoft's redirect back to the app's loopback address.
    onOpen: (url) => void approveInBrowser(url),
    microsoftSignIn: { authorities: [...MICROSOFT_AUTHORITIES, identity.authority] },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 820 }, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' });
  page.on('pageerror', (err) => console.error('page error:', err));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  await front?.close();
  await Promise.all([source?.stop(), destination?.stop(), identity?.close()]);
});

describe('a Microsoft 365 destination in the desktop window', () => {
  it('signs in with Microsoft, tests the connection with the token, and saves no secret in the settings', async () => {
    await page.goto(bridge.url);
    await page.getByRole('button', { name: 'Add your first mailbox' }).click();
    await page.getByLabel('Gmail address').fill(SRC.user);
    await page.locator('#gmail-password').fill(SRC.password);
    await page.locator('.advanced summary').first().click();
    await page.locator('#source-host').fill('127.0.0.1');
    await page.locator('#source-security').selectOption('none');
    await page.locator('#source-port').fill(String(source.port));

    // --- the preset: Exchange Online's server, no password field, the tenant explained
    await page.getByRole('radio', { name: 'Microsoft 365 / Outlook.com' }).check();
    expect(await page.locator('#destination-host').inputValue()).toBe('outlook.office365.com');
    expect(await page.locator('#destination-port').inputValue()).toBe('993');
    expect(await page.locator('#destination-security').inputValue()).toBe('tls');
    expect(await page.locator('#destination-password').count()).toBe(0);
    expect(await page.locator('#microsoft-tenant').inputValue()).toBe('organizations');
    expect(await page.locator('#microsoft-tenant-note').textContent()).toContain('“consumers” for Outlook.com');
    expect(await page.locator('.help').last().textContent()).toMatch(/Mobile and desktop applications, redirect URI http:\/\/localhost.*IMAP\.AccessAsUser\.All.*offline_access/);
    await page.locator('#destination-user').fill(DST.user);
    expect(await page.getByRole('button', { name: 'Sign in with Microsoft' }).isDisabled()).toBe(true); // no client ID yet
    // This test's Exchange and identity platform live on 127.0.0.1.
    await page.getByText('Server and sign-in service (advanced)').click();
    await page.locator('#destination-host').fill('127.0.0.1');
    await page.locator('#destination-port').fill(String(front.tlsPort));
    await page.locator('#destination-ca').fill(front.caFile);
    await page.locator('#microsoft-authority').fill(identity.authority);

    // --- whole organisation: the secret is checked with Microsoft, stored, never shown again; the PowerShell copied
    await page.getByRole('radio', { name: 'Whole organisation (administrator)' }).check();
    expect(await page.locator('.help').last().textContent()).toMatch(/IMAP\.AccessAsApp.*Grant admin consent.*New-ServicePrincipal/);
    await page.locator('#microsoft-client-id').fill(identity.appClientId);
    await page.locator('#microsoft-tenant').fill(identity.tenant);
    await page.locator('#microsoft-client-secret').fill(identity.appSecret);
    await page.getByRole('button', { name: 'Check and store' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'The app’s client secret is in your keychain.' }).isVisible()).toBe(true);
    expect(await page.locator('#microsoft-client-secret').inputValue()).toBe('');
    expect(appSecrets.get(identity.appClientId)).toBe(identity.appSecret);
    await page.getByRole('button', { name: 'Copy PowerShell' }).click();
    await expect.poll(() => page.locator('pre.script').textContent()).toContain(`Add-MailboxPermission -Identity '${DST.user}'`);
    expect(bridge.copied).toEqual([await page.locator('pre.script').textContent()]);

    // --- sign in with Microsoft: main opens the authorize page, the "browser" approves, the token is stored
    await page.getByRole('radio', { name: 'Sign in with Microsoft' }).check();
    await page.locator('#microsoft-client-id').fill(identity.clientId);
    await page.locator('#microsoft-tenant').fill('organizations');
    await page.getByRole('button', { name: 'Sign in with Microsoft' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: `Signed in with Microsoft as ${DST.user}.` }).isVisible(), { timeout: 15_000 }).toBe(true);
    expect(bridge.opened).toHaveLength(1);
    expect(bridge.opened[0]!.startsWith(`${identity.authority}/organizations/oauth2/v2.0/authorize?`)).toBe(true);
    expect(identity.authorizeRequests[0]).toMatchObject({ client_id: identity.clientId, login_hint: DST.user, code_challenge_method: 'S256' });
    const refreshToken = keychainRefreshTokens.get('127.0.0.1', DST.user)!;
    expect(identity.refreshTokens.get(refreshToken)).toBe(DST.user);

    // --- test connection: XOAUTH2 with a token from the stored sign-in
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('.connection-result');
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('Both servers accept Mailferry.');
    expect(await result.textContent()).toContain('Destination: signed in.');
    expect(front.log.some((c) => c.account === DST.user && c.command.toUpperCase() === 'AUTHENTICATE')).toBe(true);
    await page.getByText('Server and sign-in service (advanced)').click(); // the README shows the preset, not this test's addresses
    await shot(page, '15-microsoft-365');

    // --- save: the settings file names the app and tenant, never a token or secret
    await page.getByRole('button', { name: 'Save and choose folders' }).click();
    await waitForMapping(page);
    const saved = bridge.services.store.mailbox(SRC.user)!;
    expect(saved.destination).toMatchObject({ provider: 'microsoft', auth: 'oauth2', oauthClientId: identity.clientId, tenant: 'organizations', authority: identity.authority });
    const file = readFileSync(bridge.services.store.file, 'utf8');
    for (const secret of [keychainRefreshTokens.get('127.0.0.1', DST.user)!, identity.appSecret, SRC.password]) expect(file).not.toContain(secret);
  }, 120_000);
});
