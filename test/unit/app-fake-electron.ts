/**
 * A stand-in for the `electron` module, bundled in place of the real one by app-main.test.ts (the Electron
 * binary cannot be downloaded here). It records what main.ts asks of Electron so the test can check the
 * window's hardening, the IPC binding, the app:// protocol and the quit sequence.
 */
type Listener = (...args: any[]) => unknown;

class Emitter {
  listeners = new Map<string, Listener[]>();
  on(event: string, fn: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  once(event: string, fn: Listener) {
    return this.on(event, fn);
  }
  emit(event: string, ...args: unknown[]) {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }
}

export const state = {
  paths: new Map<string, string>([['appData', process.env.MF_FAKE_APPDATA ?? '/tmp']]),
  sandboxEnabled: false,
  privilegedSchemes: [] as unknown[],
  protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
  ipcHandlers: new Map<string, Listener>(),
  windows: [] as BrowserWindow[],
  opened: [] as string[],
  clipboard: '' as string,
  notifications: [] as Array<{ title: string; body: string }>,
  quitCalls: 0,
  exitCode: undefined as number | undefined,
  blockers: new Set<number>(),
  /** The app object itself (the test's own import of this file is a different copy than the bundle's). */
  app: undefined as unknown as { emit(event: string, ...args: unknown[]): void },
  session: {
    permissionRequest: undefined as Listener | undefined,
    permissionCheck: undefined as Listener | undefined,
    beforeRequest: undefined as Listener | undefined,
    headersReceived: undefined as Listener | undefined,
  },
};
(globalThis as Record<string, unknown>).__fakeElectron = state;

class App extends Emitter {
  isPackaged = false;
  setPath(name: string, value: string) {
    state.paths.set(name, value);
  }
  getPath(name: string) {
    return state.paths.get(name) ?? `/tmp/${name}`;
  }
  getVersion() {
    return '0.1.0';
  }
  enableSandbox() {
    state.sandboxEnabled = true;
  }
  requestSingleInstanceLock() {
    return true;
  }
  whenReady() {
    return Promise.resolve();
  }
  quit() {
    state.quitCalls++;
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('before-quit', event);
  }
  exit(code = 0) {
    state.exitCode = code;
  }
}
export const app = new App();
state.app = app;

export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]) {
    state.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: (req: Request) => Promise<Response>) {
    state.protocolHandlers.set(scheme, handler);
  },
};

export const ipcMain = {
  handle(channel: string, fn: Listener) {
    if (state.ipcHandlers.has(channel)) throw new Error(`second handler for ${channel}`);
    state.ipcHandlers.set(channel, fn);
  },
  removeHandler(channel: string) {
    state.ipcHandlers.delete(channel);
  },
};

export class WebContents extends Emitter {
  sent: Array<[string, unknown]> = [];
  windowOpenHandler: Listener | undefined;
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  setWindowOpenHandler(fn: Listener) {
    this.windowOpenHandler = fn;
  }
}

export class BrowserWindow extends Emitter {
  webContents = new WebContents();
  loadedUrl: string | undefined;
  constructor(readonly options: Record<string, any>) {
    super();
    state.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string) {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  isDestroyed() {
    return false;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
  show() {}
}

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (fn: Listener) => (state.session.permissionRequest = fn),
    setPermissionCheckHandler: (fn: Listener) => (state.session.permissionCheck = fn),
    setDevicePermissionHandler: () => undefined,
    webRequest: {
      onBeforeRequest: (fn: Listener) => (state.session.beforeRequest = fn),
      onHeadersReceived: (fn: Listener) => (state.session.headersReceived = fn),
    },
  },
};

export const shell = {
  openExternal: async (url: string) => void state.opened.push(url),
};

export const dialog = {
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showSaveDialog: async () => ({ canceled: true, filePath: '' }),
};

/** Desktop notifications: recorded, never shown. */
export class Notification extends Emitter {
  static isSupported() {
    return true;
  }
  constructor(readonly options: { title: string; body: string }) {
    super();
  }
  show() {
    state.notifications.push(this.options);
  }
}

export const clipboard = {
  writeText: (text: string) => void (state.clipboard = text),
};

export const nativeTheme = { shouldUseDarkColors: false };

let nextBlocker = 1;
export const powerSaveBlocker = {
  start: () => {
    const id = nextBlocker++;
    state.blockers.add(id);
    return id;
  },
  stop: (id: number) => state.blockers.delete(id),
};
