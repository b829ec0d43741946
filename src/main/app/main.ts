/**
 * Mailferry's Electron entry: lifecycle only. Everything else lives in modules without Electron
 * (services.ts, handlers.ts, migration-manager.ts) or in small Electron adapters (window.ts,
 * app-protocol.ts, ipc-binding.ts, electron-platform.ts).
 *
 * Where the engine runs: here, in the main process. It is asynchronous network I/O plus short synchronous
 * SQLite commits; the window is a separate (renderer) process, so it keeps drawing and scrolling while
 * main works, and main only owes it a progress batch every 250 ms and the odd request. A utility process
 * would add a second message hop for every call and every batch, and the keychain (@napi-rs/keyring) and
 * the ledger (better-sqlite3) already work here. If profiling ever shows main's event loop lagging,
 * the handler table moves as a whole: it has no Electron dependency and speaks plain data.
 */
import { join } from 'node:path';
import { app, powerSaveBlocker, type BrowserWindow } from 'electron';
import { PROGRESS_CHANNEL, type ProgressEvent } from '../../shared/contract.js';
import { isAppUrl, registerAppScheme, serveRenderer } from './app-protocol.js';
import { electronPlatform } from './electron-platform.js';
import { bindIpc } from './ipc-binding.js';
import { createAppServices, type AppServices } from './services.js';
import { createMainWindow, guardWebContents, hardenSession } from './window.js';

const here = import.meta.dirname;
const RENDERER_DIR = join(here, '../renderer');
const PRELOAD = join(here, '../preload/index.cjs');

// One data folder whatever the package name says: ~/.config/Mailferry, %APPDATA%\Mailferry, ~/Library/...
app.setPath('userData', join(app.getPath('appData'), 'Mailferry'));
registerAppScheme();
app.enableSandbox();

let win: BrowserWindow | undefined;
let services: AppServices | undefined;
let blockerId: number | undefined;
let quitting = false;
let readyToExit = false;

if (!app.requestSingleInstanceLock()) {
  // Another Mailferry is running: two would run the same ledger. It is brought to the front instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  app.whenReady().then(start, (err: unknown) => {
    console.error('mailferry: could not start', err);
    app.exit(1);
  });
}

function openWindow(): BrowserWindow {
  win = createMainWindow(PRELOAD, !app.isPackaged);
  win.on('closed', () => {
    win = undefined;
    services?.manager.watchHolders(false);
  });
  // Other Mailferry runs are looked for only while the window can show them.
  const watch = (visible: boolean) => () => services?.manager.watchHolders(visible);
  win.on('show', watch(true));
  win.on('restore', watch(true));
  win.on('hide', watch(false));
  win.on('minimize', watch(false));
  return win;
}

async function start(): Promise<void> {
  hardenSession();
  serveRenderer(RENDERER_DIR);
  services = createAppServices({
    dataDir: app.getPath('userData'),
    version: app.getVersion(),
    platform: electronPlatform(() => win),
  });
  bindIpc(services.handlers, (event) => !!win && event.sender === win.webContents && isAppUrl(event.senderFrame?.url));
  services.manager.onStatus((statuses) => {
    if (win && !win.isDestroyed()) win.webContents.send(PROGRESS_CHANNEL, { statuses } satisfies ProgressEvent);
  });
  // No system sleep while a migration runs (the screen may still turn off).
  services.manager.onActivity((active) => {
    if (active && blockerId === undefined) blockerId = powerSaveBlocker.start('prevent-app-suspension');
    if (!active && blockerId !== undefined) {
      powerSaveBlocker.stop(blockerId);
      blockerId = undefined;
    }
  });
  openWindow();
  services.manager.resumeLastSession();
}

app.on('window-all-closed', () => {
  // macOS keeps the app (and its migrations) running without a window, as Mac apps do.
  if (process.platform !== 'darwin') app.quit();
});

app.on('activate', () => {
  if (services && !win) openWindow();
});

/**
 * A clean quit stops every run (in-flight messages finish, the ledger is saved), waits for them, and
 * remembers what to resume at the next start. A second quit request while waiting is ignored.
 */
app.on('before-quit', (event) => {
  if (readyToExit || !services) return;
  event.preventDefault();
  if (quitting) return;
  quitting = true;
  services.manager
    .shutdown()
    .catch((err: unknown) => console.error('mailferry: shutdown', err))
    .finally(() => {
      readyToExit = true;
      app.quit();
    });
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
