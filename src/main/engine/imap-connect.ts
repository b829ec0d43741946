import fs from 'node:fs';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { classifyError } from './classify-error.js';
import { MailferryError } from './errors.js';
import type { Credential } from './credentials.js';
import type { Endpoint } from './job.js';

export type Side = 'source' | 'destination';

export interface ConnectOptions {
  side: Side;
  endpoint: Endpoint;
  credential: Credential;
  /** Called with every raw line the server sends (Gmail's [THROTTLED] is only visible there). */
  onServerLine?: (line: string) => void;
  /** Socket inactivity limit in ms. Default 5 minutes (a 35 MB APPEND on a slow uplink takes a while). */
  socketTimeout?: number;
}

/** Builds imapflow options: certificates verified by default, a CA file for self-signed servers, no COMPRESS. */
export function imapOptions(opts: ConnectOptions): ImapFlowOptions {
  const { endpoint } = opts;
  const tls: NonNullable<ImapFlowOptions['tls']> = { rejectUnauthorized: true, minVersion: 'TLSv1.2' };
  if (endpoint.ca) tls.ca = fs.readFileSync(endpoint.ca);
  return {
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    // true: STARTTLS is required (fail if not offered); false: never (plain loopback only).
    doSTARTTLS: endpoint.security === 'starttls' ? true : endpoint.security === 'none' ? false : undefined,
    auth: 'accessToken' in opts.credential ? { user: endpoint.user, accessToken: opts.credential.accessToken } : { user: endpoint.user, pass: opts.credential.password },
    tls,
    // DEFLATE quadruples CPU and halves throughput on a fast link (measured); off unless proven to pay.
    disableCompression: true,
    disableAutoIdle: true,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: opts.socketTimeout ?? 5 * 60_000,
    logger: rawLineLogger(opts.onServerLine),
    clientInfo: { name: 'Mailferry' },
  };
}

/**
 * Connects and logs in. Any failure becomes a classified MailferryError naming the side and server.
 * imapflow instances are single-use: reconnecting means calling this again.
 */
export async function connectImap(opts: ConnectOptions): Promise<ImapFlow> {
  const ctx = { side: opts.side, host: opts.endpoint.host, port: opts.endpoint.port, user: opts.endpoint.user, phase: 'connect' as const };
  let client: ImapFlow;
  try {
    client = new ImapFlow(imapOptions(opts));
  } catch (err) {
    throw new MailferryError(classifyError(err, ctx), { cause: err });
  }
  // Without a listener a socket error after connect would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw new MailferryError(classifyError(err, ctx), { cause: err });
  }
  return client;
}

/** Closes politely when possible, never throws. */
export async function disconnect(client: ImapFlow | undefined): Promise<void> {
  if (!client) return;
  if (client.usable) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([client.logout(), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    } catch {
      /* already gone */
    } finally {
      clearTimeout(timer);
    }
  }
  client.close();
}

type LogFn = (obj: unknown) => void;

/** imapflow's logger interface; we only listen to raw server lines and never print (they may hold data). */
function rawLineLogger(onServerLine?: (line: string) => void): ImapFlowOptions['logger'] {
  const noop: LogFn = () => {};
  const debug: LogFn = onServerLine
    ? (obj) => {
        const o = obj as { src?: string; msg?: string };
        if (o?.src === 's' && typeof o.msg === 'string') onServerLine(o.msg);
      }
    : noop;
  // isLevelEnabled keeps imapflow from serialising every FETCH response (trace) just to drop it.
  const isLevelEnabled = (level: string) => level === 'debug' && onServerLine !== undefined;
  return { debug, trace: noop, info: noop, warn: noop, error: noop, isLevelEnabled } as unknown as ImapFlowOptions['logger'];
}
