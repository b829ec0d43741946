/**
 * The preload as it ships (bundled to CommonJS like scripts/build.mjs does), run with a fake `electron`:
 * it exposes exactly the contract under one name, forwards one argument per call on the contract's
 * channel, never hands the IPC event (or ipcRenderer) to the page, and requires nothing but electron.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS, METHODS, PROGRESS_CHANNEL, type MailferryApi } from '../../src/shared/contract.js';

const ROOT = resolve(import.meta.dirname, '../..');
let code: string;
let exposed: Record<string, unknown>;
const invoked: unknown[][] = [];
const listeners = new Map<string, Array<(...a: unknown[]) => void>>();

beforeAll(async () => {
  const out = await build({
    entryPoints: [resolve(ROOT, 'src/preload/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    write: false,
    logLevel: 'warning',
  });
  code = out.outputFiles[0]!.text;
  exposed = {};
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: unknown) => (exposed[name] = api) },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => {
        invoked.push(args);
        return { ok: true, value: null };
      },
      on: (ch: string, fn: (...a: unknown[]) => void) => listeners.set(ch, [...(listeners.get(ch) ?? []), fn]),
      removeListener: (ch: string, fn: (...a: unknown[]) => void) => listeners.set(ch, (listeners.get(ch) ?? []).filter((f) => f !== fn)),
    },
  };
  const required: string[] = [];
  const fakeRequire = (id: string) => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`the sandboxed preload cannot require ${id}`);
  };
  new Function('require', 'module', 'exports', code)(fakeRequire, { exports: {} }, {});
  expect(required).toEqual(['electron']);
});

describe('preload', () => {
  it('exposes one object with exactly the contract’s calls and onProgress', () => {
    expect(Object.keys(exposed)).toEqual(['mailferry']);
    const api = exposed.mailferry as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...METHODS, 'onProgress'].sort());
    expect(code).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
  });

  it('forwards each call on its channel with at most one argument', async () => {
    const api = exposed.mailferry as MailferryApi;
    await api.listMailboxes();
    await api.start({ ids: ['a'] });
    await (api.pause as (...a: unknown[]) => Promise<unknown>)({ ids: 'all' }, 'smuggled');
    expect(invoked).toEqual([[INVOKE_CHANNELS.listMailboxes], [INVOKE_CHANNELS.start, { ids: ['a'] }], [INVOKE_CHANNELS.pause, { ids: 'all' }]]);
  });

  it('hands progress to the page without the IPC event, and unsubscribes', () => {
    const api = exposed.mailferry as MailferryApi;
    const got: unknown[][] = [];
    const off = api.onProgress((...args: unknown[]) => void got.push(args));
    const sender = { sender: 'ipc internals' };
    for (const fn of listeners.get(PROGRESS_CHANNEL) ?? []) fn(sender, { statuses: [] });
    expect(got).toEqual([[{ statuses: [] }]]);
    off();
    expect(listeners.get(PROGRESS_CHANNEL)).toEqual([]);
    expect(() => api.onProgress('nope' as never)).toThrow(TypeError);
  });
});
