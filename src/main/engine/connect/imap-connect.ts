import fs from 'node:fs';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { classifyError, type ErrorContext } from '../errors/classify-error.js';
import { MailferryError, type ErrorInfo } from '../errors/errors.js';
import type { Credential } from './credentials.js';
import { IMAPFLOW_UPGRADE_MS, nodeTransport, type SocketFacts } from './imap-transport.js';
import type { Endpoint } from '../job/job.js';
import { DEFAULT_STALL_MS, stallError } from './stall-watch.js';
import { watchCalls } from './watched-client.js';

export type Side = 'source' | 'destination';

export interface ConnectOptions {
  side: Side;
  endpoint: Endpoint;
  credential: Credential;
  /** Called with every raw line the server sends (Gmail's [THROTTLED] is only visible there). */
  onServerLine?: (line: string) => void;
  /**
   * How long anything may wait for the server without a byte coming back, ms (connecting, TLS, greeting,
   * sign-in, commands). Default 60 s (the job's options.stallTimeoutSeconds).
   */
  stallTimeoutMs?: number;
  /** Called once for each connection dropped as stalled (CONNECTION_STALLED), for the report's counter. */
  onStall?: (info: ErrorInfo) => void;
  /** Aborting closes the connection while it is still signing in (the server asked the mailbox to wait). */
  signal?: AbortSignal;
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
    // Every wait is bounded by the one stall limit. The socket timer covers sign-in; imapflow also caps a
    // server-requested back-off at half of it, so a back-off never looks like a stall.
    connectionTimeout: opts.stallTimeoutMs ?? DEFAULT_STALL_MS,
    greetingTimeout: opts.stallTimeoutMs ?? DEFAULT_STALL_MS,
    socketTimeout: opts.stallTimeoutMs ?? DEFAULT_STALL_MS,
    logger: rawLineLogger(opts.onServerLine),
    clientInfo: { name: 'Mailferry' },
  };
}

/**
 * Connects and logs in. Any failure becomes a classified MailferryError naming the side and server.
 * imapflow instances are single-use: reconnecting means calling this again.
 *
 * A server that goes quiet is dropped after opts.stallTimeoutMs: while connecting by imapflow's own timers
 * (read here with what the sockets saw), once signed in by a watch on the calls (watched-client.ts).
 */
export async function connectImap(opts: ConnectOptions): Promise<ImapFlow> {
  const ctx: ErrorContext = { side: opts.side, host: opts.endpoint.host, port: opts.endpoint.port, user: opts.endpoint.user, phase: 'connect', ...(opts.endpoint.auth ? { auth: opts.endpoint.auth } : {}) };
  const limitMs = opts.stallTimeoutMs ?? DEFAULT_STALL_MS;
  const { transport, facts } = nodeTransport(limitMs);
  const fail = (err: unknown, cause: unknown): MailferryError => {
    const info = classifyError(err, ctx);
    if (info.code === 'CONNECTION_STALLED') opts.onStall?.(info);
    return new MailferryError(info, { cause });
  };
  let client: ImapFlow;
  try {
    client = new ImapFlow({ ...imapOptions(opts), transport });
  } catch (err) {
    throw fail(err, err);
  }
  // Without a listener a socket error after connect would crash the process.
  client.on('error', () => {});
  const abandon = (): void => client.close();
  opts.signal?.addEventListener('abort', abandon, { once: true });
  try {
    opts.signal?.throwIfAborted();
    await client.connect();
  } catch (err) {
    client.close();
    throw fail(signInStall(err, facts, limitMs) ?? err, err);
  } finally {
    opts.signal?.removeEventListener('abort', abandon);
  }
  // Signed in: from now on only a waiting call can stall. imapflow's timer would also end idle connections.
  const session = facts.session!;
  session.setTimeout(0);
  return watchCalls(client, session, limitMs, (method) => {
    const command = COMMAND_OF[method];
    return fail(stallError({ stallMs: limitMs, during: command ? `the ${command} command` : 'a command', heard: true }), undefined);
  });
}

/** The IMAP command behind the imapflow calls the engine makes, for the stall's sentence. */
const COMMAND_OF: Record<string, string> = {
  fetch: 'FETCH', fetchAll: 'FETCH', fetchOne: 'FETCH', status: 'STATUS', list: 'LIST', listTree: 'LIST', search: 'SEARCH',
  getMailboxLock: 'SELECT', mailboxOpen: 'SELECT', mailboxCreate: 'CREATE', getQuota: 'GETQUOTA', append: 'APPEND', noop: 'NOOP',
};

/** imapflow's timers while connecting, as stalls: "during what", and whether the server had said anything. */
function signInStall(err: unknown, facts: SocketFacts, limitMs: number): Error | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const heard = facts.heard() > 0;
  const plain = !(facts.session && 'encrypted' in facts.session);
  if (code === 'ETIMEOUT') return stallError({ stallMs: limitMs, during: heard ? 'sign-in' : 'the greeting', heard, plain });
  if (code === 'GREETING_TIMEOUT') return stallError({ stallMs: limitMs, during: 'the greeting', heard, plain });
  if (code === 'UPGRADE_TIMEOUT') return stallError({ stallMs: IMAPFLOW_UPGRADE_MS, during: 'the TLS handshake', heard: true });
  // Before the TCP connection is accepted this stays a connect timeout (wrong host, firewall).
  if (code === 'CONNECT_TIMEOUT' && facts.connected) return stallError({ stallMs: limitMs, during: 'the TLS handshake', heard, plain: false });
  return undefined;
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
