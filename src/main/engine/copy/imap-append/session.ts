/**
 * Opens an AppendConnection: TCP or implicit TLS, greeting, STARTTLS when the endpoint says 'starttls'
 * (required: no silent fallback to plain text), CAPABILITY, sign-in, and the capabilities that hold after
 * it (Dovecot announces MULTIAPPEND only once signed in).
 *
 * TLS follows imap-connect.ts: certificates verified, an endpoint's `ca` file is the trust anchor, TLS 1.2+,
 * SNI for host names. The password (or OAuth access token, as XOAUTH2) goes into exactly one command and
 * never into an error or a log line.
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Endpoint } from '../../job/job.js';
import { coded, fail, failureInfo, replyInfo, type ErrorContext } from './append-errors.js';
import { AppendConnection, type ConnectionHooks } from './append-connection.js';
import { WAIT_CONTINUATION, astring, parseRespText, type LiteralMode } from './wire.js';
import type { Credential } from '../../connect/credentials.js';
import { isMailferryError, type ErrorInfo } from '../../errors/errors.js';
import { XOAUTH2_ERROR_ACK, xoauth2InitialResponse } from '../../oauth/sasl.js';
import { DEFAULT_STALL_MS } from '../../connect/stall-watch.js';

export interface SessionOptions extends ConnectionHooks {
  /** Sign-in: AUTHENTICATE PLAIN when offered (default), or always LOGIN. */
  auth?: 'auto' | 'login';
  /** Aborting closes the connection while it is still signing in (the server asked the mailbox to wait). */
  signal?: AbortSignal;
}

export function tlsOptions(endpoint: Endpoint): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = { host: endpoint.host, rejectUnauthorized: true, minVersion: 'TLSv1.2' };
  if (endpoint.ca) o.ca = fs.readFileSync(endpoint.ca);
  if (net.isIP(endpoint.host) === 0) o.servername = endpoint.host;
  return o;
}

/** Literal mode the capabilities allow. */
export function literalModeOf(caps: ReadonlySet<string>): LiteralMode {
  return caps.has('LITERAL+') ? 'plus' : caps.has('LITERAL-') ? 'minus' : 'sync';
}

export async function openSession(endpoint: Endpoint, credential: Credential, opts: SessionOptions = {}): Promise<AppendConnection> {
  const ctx: ErrorContext = { side: 'destination', host: endpoint.host, port: endpoint.port, user: endpoint.user, phase: 'connect', ...(endpoint.auth ? { auth: endpoint.auth } : {}) };
  const conn = new AppendConnection(ctx, opts);
  const abandon = (): void => conn.destroy(coded('EConnectionClosed', 'closed while signing in'));
  opts.signal?.addEventListener('abort', abandon, { once: true });
  // Until the server accepts the connection; from then on the connection's stall watch times every wait.
  const tcp = net.connect({ host: endpoint.host, port: endpoint.port });
  const timer = setTimeout(() => conn.destroy(coded('CONNECT_TIMEOUT', 'no connection in time')), opts.stallTimeoutMs ?? DEFAULT_STALL_MS);
  tcp.once('connect', () => clearTimeout(timer));
  try {
    // Attached at once: a refused connection or a bad certificate closes it with a classified error. TLS
    // runs over our own TCP socket, so the handshake bytes are counted (a server that never said a word
    // is told apart from one that went quiet).
    conn.attach(endpoint.security === 'tls' ? tls.connect({ ...tlsOptions(endpoint), socket: tcp }) : tcp, tcp);
    const greeting = await conn.nextUntagged();
    const g = /^\* (OK|PREAUTH|BYE)\b ?(.*)$/is.exec(greeting.text);
    if (!g || g[1]!.toUpperCase() === 'BYE') {
      throw fail(replyInfo({ tag: '*', status: 'NO', text: greeting.text, line: greeting.text }, ctx));
    }
    const preauth = g[1]!.toUpperCase() === 'PREAUTH';
    if (parseRespText(g[2]!).code !== 'CAPABILITY') await capability(conn);

    if (endpoint.security === 'starttls' && !preauth) {
      if (!conn.capabilities.has('STARTTLS')) throw fail(startTlsMissing(ctx));
      const r = await conn.command(['STARTTLS']);
      if (r.status !== 'OK') throw fail(startTlsMissing(ctx));
      const secure = tls.connect({ ...tlsOptions(endpoint), socket: conn.detach() as net.Socket });
      conn.attach(secure);
      await Promise.race([new Promise((r) => secure.once('secureConnect', r)), conn.whenClosed()]);
      if (conn.closed) throw conn.closeError;
      await capability(conn); // never trust what was said in plain text
    }
    if (!preauth) {
      ctx.phase = 'login';
      const r = 'accessToken' in credential
        ? await signInXoauth2(conn, endpoint.user, credential.accessToken)
        : await signIn(conn, endpoint.user, credential.password, opts.auth === 'login');
      if (r.status !== 'OK') throw fail(replyInfo(r, ctx));
      if (r.code !== 'CAPABILITY') await capability(conn);
    }
    ctx.phase = 'append';
    return conn;
  } catch (err) {
    if (isMailferryError(err)) {
      conn.destroy();
      throw err;
    }
    conn.destroy(err);
    await conn.whenClosed();
    throw conn.closeError ?? fail(failureInfo(err, ctx), err);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', abandon);
  }
}

async function capability(conn: AppendConnection): Promise<void> {
  const r = await conn.command(['CAPABILITY']);
  if (r.status !== 'OK') throw fail(replyInfo(r, conn.ctx));
}

/** AUTHENTICATE PLAIN (with SASL-IR when offered: one round trip), else LOGIN with properly quoted strings. */
function signIn(conn: AppendConnection, user: string, password: string, forceLogin: boolean) {
  const caps = conn.capabilities;
  if (caps.has('LOGINDISABLED') && (forceLogin || !caps.has('AUTH=PLAIN'))) throw fail(plaintextRefused(conn.ctx));
  if (caps.has('AUTH=PLAIN') && !forceLogin) {
    const ir = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
    return caps.has('SASL-IR')
      ? conn.command([`AUTHENTICATE PLAIN ${ir}`])
      : conn.command(['AUTHENTICATE PLAIN\r\n', WAIT_CONTINUATION, ir]);
  }
  const mode = literalModeOf(caps);
  return conn.command(['LOGIN ', ...astring(user, mode), ' ', ...astring(password, mode)]);
}

/**
 * AUTHENTICATE XOAUTH2 (Microsoft 365, Gmail). On a refused token Gmail first sends a `+` challenge with a
 * JSON reason, which is acknowledged with an empty line; Exchange answers NO at once.
 */
function signInXoauth2(conn: AppendConnection, user: string, accessToken: string) {
  const ir = xoauth2InitialResponse(user, accessToken);
  return conn.capabilities.has('SASL-IR')
    ? conn.command([`AUTHENTICATE XOAUTH2 ${ir}\r\n`, WAIT_CONTINUATION, XOAUTH2_ERROR_ACK])
    : conn.command(['AUTHENTICATE XOAUTH2\r\n', WAIT_CONTINUATION, ir, '\r\n', WAIT_CONTINUATION, XOAUTH2_ERROR_ACK]);
}

function base(ctx: ErrorContext): ErrorInfo['details'] {
  return { side: ctx.side, host: ctx.host, port: ctx.port, ...(ctx.user ? { user: ctx.user } : {}) };
}

function startTlsMissing(ctx: ErrorContext): ErrorInfo {
  return {
    code: 'STARTTLS_UNAVAILABLE',
    message: `The destination server ${ctx.host}:${ctx.port} does not offer STARTTLS, so the connection would not be encrypted.`,
    hint: 'Use port 993 with "security": "tls" if the server offers it; plain text is only allowed to this computer.',
    retryable: false,
    details: base(ctx),
  };
}

function plaintextRefused(ctx: ErrorContext): ErrorInfo {
  return {
    code: 'PLAINTEXT_REFUSED',
    message: `The destination server ${ctx.host}:${ctx.port} refuses to sign in over an unencrypted connection.`,
    hint: 'Use "security": "tls" (port 993) or "starttls" (port 143).',
    retryable: false,
    details: base(ctx),
  };
}
