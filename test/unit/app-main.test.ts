/**
 * Electron's main entry, run for real with a recording stand-in for the `electron` module (the binary
 * cannot be downloaded here): the hardened window, the app:// protocol with its CSP, IPC answered only
 * for the app's own page, links and navigation denied, and a quit that waits for the migrations.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS, PROGRESS_CHANNEL } from '../../src/shared/contract.js';
import type { BrowserWindow, state as fakeState } from './app-fake-electron.js';

const ROOT = resolve(import.meta.dirname, '../..');
// Inside the repository so the bundle's bare imports (imapflow, better-sqlite3...) resolve from node_modules.
const OUT = join(ROOT, 'dist', `.main-test-${process.pid}`);
let fake: typeof fakeState;
let win: BrowserWindow;
const signals = ['SIGINT', 'SIGTERM'] as const;
const before = new Map(signals.map((s) => [s, process.listeners(s)]));

beforeAll(async () => {
  mkdirSync(join(OUT, 'renderer'), { recursive: true });
  writeFileSync(join(OUT, 'renderer/index.html'), '<!doctype html><title>Mailferry</title>');
  process.env.MF_FAKE_APPDATA = mkdtempSync(join(tmpdir(), 'mf-appdata-'));
  await build({
    entryPoints: [join(ROOT, 'src/main/app/main.ts')],
    outfile: join(OUT, 'main/app.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
    plugins: [
      {
        name: 'fake-electron',
        setup(b) {
          b.onResolve({ filter: /^electron$/ }, () => ({ path: join(ROOT, 'test/unit/app-fake-electron.ts') }));
        },
      },
    ],
  });
  await import(pathToFileURL(join(OUT, 'main/app.mjs')).href);
  fake = (globalThis as unknown as { __fakeElectron: typeof fakeState }).__fakeElectron;
  await new Promise((r) => setTimeout(r, 50)); // whenReady -> start()
  win = fake.windows[0]!;
});

afterAll(() => {
  // main.ts turns SIGINT/SIGTERM into app.quit(); this worker must stay killable.
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.includes(l)) process.removeListener(s, l);
  rmSync(OUT, { recursive: true, force: true });
});

const trusted = () => ({ sender: win.webContents, senderFrame: { url: 'app://mailferry/index.html' } });

describe('main process', () => {
  it('opens one hardened window on app://mailferry with the sandboxed preload', () => {
    expect(fake.windows).toHaveLength(1);
    expect(fake.sandboxEnabled).toBe(true);
    expect(win.loadedUrl).toBe('app://mailferry/index.html');
    const prefs = win.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false });
    expect(prefs.preload).toBe(join(OUT, 'preload/index.cjs'));
    expect(fake.paths.get('userData')).toBe(join(process.env.MF_FAKE_APPDATA!, 'Mailferry'));
  });

  it('binds exactly the contract’s channels and answers only the app’s own page', async () => {
    expect([...fake.ipcHandlers.keys()].sort()).toEqual(Object.values(INVOKE_CHANNELS).sort());
    const list = fake.ipcHandlers.get(INVOKE_CHANNELS.listMailboxes)!;
    expect(await list(trusted())).toEqual({ ok: true, value: [] });
    expect(await list({ sender: win.webContents, senderFrame: { url: 'https://evil.example/' } })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await list({ sender: {}, senderFrame: { url: 'app://mailferry/index.html' } })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await list(trusted(), null, 'extra')).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    const settings = fake.ipcHandlers.get(INVOKE_CHANNELS.saveSettings)!;
    expect(await settings(trusted(), { connectionsPerAccount: 99, parallelMailboxes: 1, bandwidthLimitKBps: 0 })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });

  it('serves the renderer with the CSP header and nothing outside it', async () => {
    const handle = fake.protocolHandlers.get('app')!;
    expect(fake.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
    const ok = await handle(new Request('app://mailferry/index.html'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self'/);
    expect(ok.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await ok.text()).toContain('<title>Mailferry</title>');
    for (const url of ['app://mailferry/../main/app.mjs', 'app://mailferry/%2e%2e/main/app.mjs', 'app://other/index.html', 'app://mailferry/missing.js']) {
      expect((await handle(new Request(url))).status, url).toBe(404);
    }
  });

  it('denies navigation, new windows, permissions and network requests; opens only safe https links outside', () => {
    let prevented = 0;
    const event = { preventDefault: () => prevented++ };
    win.webContents.emit('will-navigate', event, 'https://evil.example/');
    win.webContents.emit('will-redirect', event, 'https://evil.example/');
    win.webContents.emit('will-attach-webview', event);
    expect(prevented).toBe(3);
    expect(win.webContents.windowOpenHandler!({ url: 'https://myaccount.google.com/apppasswords' })).toEqual({ action: 'deny' });
    expect(win.webContents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(fake.opened).toEqual(['https://myaccount.google.com/apppasswords']);

    let granted: boolean | undefined;
    fake.session.permissionRequest!({}, 'media', (g: boolean) => (granted = g));
    expect(granted).toBe(false);
    expect(fake.session.permissionCheck!()).toBe(false);
    const verdict = (url: string) => {
      let cancel: boolean | undefined;
      fake.session.beforeRequest!({ url }, (r: { cancel: boolean }) => (cancel = r.cancel));
      return cancel;
    };
    expect(verdict('app://mailferry/assets/index.js')).toBe(false);
    expect(verdict('https://example.com/')).toBe(true);
    expect(verdict('http://127.0.0.1:8080/')).toBe(true);
    expect(verdict('file:///etc/passwd')).toBe(true);
  });

  it('quits cleanly: the first request waits for the manager, then the app really quits', async () => {
    fake.quitCalls = 0;
    let prevented = false;
    fake.app.emit('before-quit', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.quitCalls).toBe(1); // app.quit() after shutdown; that second before-quit is let through
    expect(win.webContents.sent.filter(([c]) => c === PROGRESS_CHANNEL)).toEqual([]);
  });
});
