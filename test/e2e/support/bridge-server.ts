/**
 * Serves the built renderer on 127.0.0.1 with the app's security headers, and the contract's handler
 * table in place of Electron's IPC: POST /__mailferry/call/<method> with {"request": ...} answers the
 * handler's Result; GET /__mailferry/events streams progress batches (Server-Sent Events). The handler
 * table, the migration manager, the engine and the keychain are the real ones (services.ts); only the
 * platform hooks (open a link, a file dialog, the clipboard, a desktop notification) are recorded instead of
 * performed (a dialog answers what the test set), and a test may let its fake Microsoft identity platform in
 * as a sign-in authority and "open" its pages itself.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SECURITY_HEADERS } from '../../../src/main/app/csp.js';
import { createAppServices, type AppServices, type AppServicesOptions } from '../../../src/main/app/services.js';
import { contentType, resolveStaticPath } from '../../../src/main/app/static-files.js';
import { METHODS, type Method, type ProgressEvent, type ReportFormat } from '../../../src/shared/contract.js';
import { shimSource } from './shim.js';

export interface Bridge {
  url: string;
  services: AppServices;
  /** Links the window asked to open (after main's validation). */
  opened: string[];
  /** What was put on the clipboard. */
  copied: string[];
  /** Desktop notifications shown (after the settings' switch). */
  notified: Array<{ title: string; body: string }>;
  /** What the dialogs answer next: the batch file to import, where to save the report (by format), a key file, a Takeout export. */
  dialogs: { batchFile: string | null; reportFile: (format: ReportFormat) => string | null; keyFile: string | null; takeoutFile: string | null };
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export interface BridgeOptions {
  rendererDir: string;
  dataDir: string;
  caFile?: string;
  appCertificateFile?: string;
  /** Called with each link opened, after it is recorded (a test "browser"). */
  onOpen?: (url: string) => void;
  microsoftSignIn?: AppServicesOptions['microsoftSignIn'];
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const opened: string[] = [];
  const copied: string[] = [];
  const notified: Bridge['notified'] = [];
  const dialogs: Bridge['dialogs'] = { batchFile: null, reportFile: () => null, keyFile: null, takeoutFile: null };
  const services = createAppServices({
    dataDir: opts.dataDir,
    version: (JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version,
    platform: {
      openExternal: async (url) => {
        opened.push(url);
        opts.onOpen?.(url);
      },
      chooseCaFile: async () => opts.caFile ?? null,
      chooseAppCertificateFile: async () => opts.appCertificateFile ?? null,
      copyText: async (text) => void copied.push(text),
      chooseBatchFile: async () => dialogs.batchFile,
      chooseReportFile: async (format) => dialogs.reportFile(format),
      notify: (n) => void notified.push({ ...n }),
      chooseServiceAccountKeyFile: async () => dialogs.keyFile,
      chooseTakeoutFile: async () => dialogs.takeoutFile,
    },
    ...(opts.microsoftSignIn ? { microsoftSignIn: opts.microsoftSignIn } : {}),
    // Looks for other Mailferry runs more often than the app's 2 s, so the test waits less for a change.
    holders: { intervalMs: 300 },
  });
  const clients = new Set<ServerResponse>();
  services.manager.onStatus((statuses) => {
    const data = `data: ${JSON.stringify({ statuses } satisfies ProgressEvent)}\n\n`;
    for (const c of clients) c.write(data);
  });

  const send = (res: ServerResponse, status: number, body: string | Buffer, type: string) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const call = /^\/__mailferry\/call\/([A-Za-z]+)$/.exec(url.pathname);
      if (call && req.method === 'POST') {
        const method = call[1] as Method;
        if (!METHODS.includes(method)) return send(res, 404, '{}', 'application/json');
        let body: { request?: unknown };
        try {
          body = JSON.parse(await readBody(req)) as { request?: unknown };
        } catch {
          return send(res, 400, '{}', 'application/json');
        }
        const result = await services.handlers[method](body.request);
        return send(res, 200, JSON.stringify(result), 'application/json');
      }
      if (url.pathname === '/__mailferry/events' && req.method === 'GET') {
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.write(': connected\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (url.pathname === '/__mailferry/shim.js') return send(res, 200, shimSource(), 'text/javascript; charset=utf-8');
      const file = req.method === 'GET' ? resolveStaticPath(opts.rendererDir, url.pathname) : null;
      if (!file) return send(res, 404, 'Not found', 'text/plain');
      let content: Buffer;
      try {
        content = await readFile(file);
      } catch {
        return send(res, 404, 'Not found', 'text/plain');
      }
      if (file.endsWith('index.html')) {
        // The shim must define window.mailferry before the app's module script runs.
        content = Buffer.from(content.toString('utf8').replace('<title>', '<script src="./__mailferry/shim.js"></script>\n    <title>'));
      }
      send(res, 200, content, contentType(file));
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, String(err), 'text/plain');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    services,
    opened,
    copied,
    notified,
    dialogs,
    async close() {
      await services.manager.shutdown(10_000);
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
