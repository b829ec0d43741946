/**
 * The preload: exposes `window.mailferry`, one function per contract call plus onProgress, and nothing
 * else. The page never sees ipcRenderer, Node or Electron. Runs sandboxed, so it is bundled to CommonJS
 * with only `electron` left as an import (scripts/build.mjs).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { INVOKE_CHANNELS, METHODS, PROGRESS_CHANNEL, type MailferryApi, type ProgressEvent, type ProgressListener } from '../shared/contract.js';

const calls = Object.fromEntries(
  METHODS.map((method) => {
    const channel = INVOKE_CHANNELS[method];
    // Exactly one argument (or none) crosses, whatever the page passes.
    const call = (request?: unknown) => (request === undefined ? ipcRenderer.invoke(channel) : ipcRenderer.invoke(channel, request));
    return [method, call];
  }),
);

const api = {
  ...calls,
  onProgress(listener: ProgressListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('onProgress needs a function');
    // The IPC event (with its sender) stays here; the page gets the data only.
    const relay = (_event: IpcRendererEvent, payload: ProgressEvent) => listener(payload);
    ipcRenderer.on(PROGRESS_CHANNEL, relay);
    return () => {
      ipcRenderer.removeListener(PROGRESS_CHANNEL, relay);
    };
  },
} as MailferryApi;

contextBridge.exposeInMainWorld('mailferry', api);
