/**
 * Binds the handler table to Electron's IPC: one ipcMain.handle per contract channel. Calls are answered
 * only for the app's own page in the app's own window; the handlers validate every argument.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { INVOKE_CHANNELS, METHODS, type Result } from '../../shared/contract.js';
import type { HandlerTable } from './handlers.js';

const FORBIDDEN: Result<never> = { ok: false, error: { code: 'FORBIDDEN', message: 'This window may not use Mailferry.' } };

export function bindIpc(handlers: HandlerTable, isTrusted: (event: IpcMainInvokeEvent) => boolean): () => void {
  for (const method of METHODS) {
    ipcMain.handle(INVOKE_CHANNELS[method], (event, ...args: unknown[]) => {
      if (!isTrusted(event)) return FORBIDDEN;
      if (args.length > 1) return { ok: false, error: { code: 'INVALID_REQUEST', message: `Mailferry refused a request (${method}): too many arguments.` } };
      return handlers[method](args[0]);
    });
  }
  return () => METHODS.forEach((m) => ipcMain.removeHandler(INVOKE_CHANNELS[m]));
}
