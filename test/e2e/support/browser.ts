/**
 * What every e2e test file needs around its scenario: Debian's Chromium and its flags, where screenshots
 * go, the private keyring session, and the built renderer.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';

export const ROOT = resolve(import.meta.dirname, '../../..');
/**
 * `npm run test:e2e` refreshes the README's screenshots (MAILFERRY_UPDATE_SCREENSHOTS=1); other runs (the
 * whole suite) write them to test-results/ so a test run never dirties the working tree.
 */
export const SHOTS = join(ROOT, process.env.MAILFERRY_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots');
export const CHROMIUM = process.env.MAILFERRY_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export function requireKeyringSession(): void {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS || process.env.MAILFERRY_KEYRING_SESSION !== '1') {
    throw new Error(
      'The e2e test stores passwords in a real Secret Service and needs the private one: run it via ' +
        '`npm run test:e2e` (or `bash scripts/with-keyring.sh npx vitest run test/e2e`).',
    );
  }
}

/**
 * Builds the renderer into `outDir` (vite.config.ts otherwise): test files run in parallel, and one
 * rebuilding dist/renderer would pull the files from under another's window.
 */
export async function buildRenderer(outDir: string): Promise<void> {
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
}

/**
 * Waits for the folder step's table; if it does not come, the failure quotes what the step shows instead
 * (an error, or still "Signing in…"), so a failed run says why.
 */
export async function waitForMapping(page: Page, timeout = 60_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let shown = '';
  while (Date.now() < deadline) {
    if (await page.locator('table.mapping').isVisible()) return;
    const step = page.locator('section[aria-labelledby="preview-title"]');
    shown = (await step.count()) > 0 ? ((await step.textContent()) ?? '') : `no folder step; the window shows: ${await page.locator('body').innerText()}`;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The folder step shows no table after ${timeout / 1000} s; it shows: ${shown.slice(0, 600)}`);
}
