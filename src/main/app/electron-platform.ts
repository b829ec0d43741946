/**
 * The platform hooks of the handler table (handlers.ts PlatformHooks) with Electron: the system browser,
 * open and save dialogs attached to the window (a CA, a certificate, a batch file, a service account's key,
 * a Takeout export; the report), the clipboard, desktop notifications. The e2e bridge
 * supplies its own hooks that record instead.
 */
import { join } from 'node:path';
import { app, clipboard, dialog, Notification, shell, type BrowserWindow } from 'electron';
import type { ReportFormat } from '../../shared/contract.js';
import type { PlatformHooks } from './handlers.js';

const REPORT_FILTERS: Record<ReportFormat, Electron.FileFilter> = {
  html: { name: 'Web page (HTML)', extensions: ['html'] },
  json: { name: 'JSON', extensions: ['json'] },
  csv: { name: 'Spreadsheet (CSV)', extensions: ['csv'] },
};

export function electronPlatform(window: () => BrowserWindow | undefined): PlatformHooks {
  const parent = () => {
    const w = window();
    return w && !w.isDestroyed() ? w : undefined;
  };

  async function chooseFile(title: string, kind: string, extensions: string[]): Promise<string | null> {
    const options: Electron.OpenDialogOptions = {
      title,
      properties: ['openFile'],
      filters: [
        { name: kind, extensions },
        { name: 'All files', extensions: ['*'] },
      ],
    };
    const w = parent();
    const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  }

  return {
    openExternal: (url) => shell.openExternal(url),
    chooseCaFile: () => chooseFile('Choose the CA certificate (PEM) to trust', 'Certificates', ['pem', 'crt', 'cer']),
    chooseAppCertificateFile: () => chooseFile('Choose the app’s certificate and private key (one PEM file)', 'Certificates', ['pem']),
    copyText: async (text) => clipboard.writeText(text),
    chooseBatchFile: () => chooseFile('Choose a list of mailboxes (CSV or imapsync lines)', 'Mailbox lists', ['csv', 'txt']),
    chooseServiceAccountKeyFile: () => chooseFile('Choose the service account’s JSON key (Google Cloud console > Service accounts > Keys)', 'JSON keys', ['json']),
    chooseTakeoutFile: () => chooseFile('Choose the Google Takeout export of Mail', 'Google Takeout exports', ['tgz', 'gz', 'zip', 'mbox']),
    chooseReportFile: async (format) => {
      const options: Electron.SaveDialogOptions = {
        title: 'Save the client report',
        defaultPath: join(app.getPath('documents'), `mailferry-report-${new Date().toISOString().slice(0, 10)}.${format}`),
        filters: [REPORT_FILTERS[format]],
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      };
      const w = parent();
      const r = w ? await dialog.showSaveDialog(w, options) : await dialog.showSaveDialog(options);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    notify: ({ title, body }) => {
      if (!Notification.isSupported()) return;
      const n = new Notification({ title, body });
      // A click brings the window back, where the mailbox's row says the rest.
      n.on('click', () => {
        const w = parent();
        if (!w) return;
        if (w.isMinimized()) w.restore();
        w.show();
        w.focus();
      });
      n.show();
    },
  };
}
