/**
 * The loopback redirect of the installed-app flow (RFC 8252 section 7.3): a one-shot HTTP server on
 * 127.0.0.1 (never 0.0.0.0) on a port the kernel picks. Google sends the browser to
 * http://127.0.0.1:PORT/?code=...&state=...; the server answers a small "you can close this window" page,
 * hands the code over and closes. Microsoft matches the redirect against the registered `http://localhost`
 * (ignoring the port), so its URI is written `http://localhost:PORT` while the server still listens on
 * 127.0.0.1 only (browsers fall back from ::1 to 127.0.0.1 for localhost).
 *
 * A request with the wrong `state` ends the sign-in (it is not the answer to this request). Requests
 * without code or error (a favicon, a stray reload) get a 404 and the wait goes on. After `timeoutMs`
 * (default 5 minutes) without an answer the wait fails with a TIMEOUT error that says what to do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MailferryError } from '../errors/errors.js';

export const DEFAULT_SIGNIN_TIMEOUT_MS = 5 * 60_000;

export interface LoopbackOptions {
  /** The `state` sent in the authorization URL. */
  expectedState: string;
  /** How long to wait for the browser, ms. Default 5 minutes. */
  timeoutMs?: number;
  /** Aborting ends the wait with CANCELLED. */
  signal?: AbortSignal;
  /** Who the user signs in with, for messages. Default "Google". */
  provider?: string;
  /** The host written in the redirect URI. Default "127.0.0.1". */
  redirectHost?: '127.0.0.1' | 'localhost';
  /** The error for an `error=...` answer. Default: Google's wording. */
  refusal?: (error: string, description: string | null) => MailferryError;
}

export interface LoopbackRedirect {
  /** http://127.0.0.1:PORT (or http://localhost:PORT), exactly as it must appear in the authorization and token requests. */
  redirectUri: string;
  port: number;
  /** Resolves with the authorization code; rejects with a MailferryError (TIMEOUT, CANCELLED, OAUTH_SIGN_IN_AGAIN). */
  code: Promise<string>;
  /** Stops listening (idempotent); a pending `code` rejects with CANCELLED. */
  close(): Promise<void>;
}

const PAGE_STYLE = 'body{font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em;color:#222}';

function page(title: string, text: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>Mailferry: ${esc(title)}</title><style>${PAGE_STYLE}</style></head><body><h1>${esc(title)}</h1><p>${esc(text)}</p></body></html>`;
}

function answer(res: ServerResponse, status: number, title: string, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    // The page's URL holds the code: never send it on as a Referer.
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    Connection: 'close',
  });
  res.end(page(title, text));
}

function timeoutError(provider: string, minutes: string, redirectUri: string): MailferryError {
  return new MailferryError({
    code: 'TIMEOUT',
    message: `The ${provider} sign-in was not completed in the browser within ${minutes}.`,
    hint:
      `Run the command again and finish the sign-in in the browser. The browser must run on this computer: ${provider} sends it back to ${redirectUri}, ` +
      'which only this computer can reach (over SSH, forward that port with ssh -L, or sign in on a computer with a browser).',
    retryable: false,
    details: { redirectUri },
  });
}

function cancelledError(provider: string): MailferryError {
  return new MailferryError({ code: 'CANCELLED', message: `The ${provider} sign-in was cancelled.`, retryable: false });
}

function refusedError(error: string, description: string | null): MailferryError {
  if (error === 'access_denied') {
    return new MailferryError({
      code: 'CANCELLED',
      message: 'Access was not granted in the browser, so Mailferry cannot sign in with Google.',
      hint: 'Run the sign-in again and allow Mailferry to read, compose and send email (the only scope Gmail IMAP accepts).',
      retryable: false,
      details: { oauthError: error },
    });
  }
  return new MailferryError({
    code: 'OAUTH_SIGN_IN_AGAIN',
    message: `Google refused the sign-in request (${error}${description ? `: ${description}` : ''}).`,
    hint: 'Check the OAuth client ID (a "Desktop app" client of your Google Cloud project) and sign in again.',
    retryable: false,
    details: { oauthError: error },
  });
}

/** "5 minutes", "90 seconds", "300 ms". */
export function describeDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  if (ms >= 1000) return `${Math.round(ms / 1000)} seconds`;
  return `${ms} ms`;
}

export async function startLoopbackRedirect(opts: LoopbackOptions): Promise<LoopbackRedirect> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SIGNIN_TIMEOUT_MS;
  const provider = opts.provider ?? 'Google';
  if (opts.signal?.aborted) throw cancelledError(provider);
  let settle!: { resolve: (code: string) => void; reject: (err: MailferryError) => void };
  let settled = false;
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  code.catch(() => {}); // a caller that stops early need not observe the rejection

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    if (req.method !== 'GET' || url.pathname !== '/' || (!q.has('code') && !q.has('error'))) {
      answer(res, 404, 'Not found', 'This address only receives the answer of a Mailferry sign-in.');
      return;
    }
    if (settled) {
      answer(res, 409, 'Already done', 'This sign-in has already ended. You can close this window.');
      return;
    }
    if (q.get('state') !== opts.expectedState) {
      answer(res, 400, 'Sign-in failed', 'This answer does not belong to the sign-in Mailferry started. Close this window and run the sign-in again.');
      finish(
        new MailferryError({
          code: 'OAUTH_SIGN_IN_AGAIN',
          message: 'The browser brought back a sign-in answer that does not belong to this sign-in (its "state" does not match).',
          hint: 'Close other Mailferry sign-in tabs and run the sign-in again.',
          retryable: false,
        }),
      );
      return;
    }
    const error = q.get('error');
    const value = q.get('code');
    if (error !== null || !value) {
      answer(res, 400, 'Sign-in failed', `${provider} did not grant access. You can close this window; Mailferry says what to do next.`);
      finish((opts.refusal ?? refusedError)(error ?? 'no_code', q.get('error_description')));
      return;
    }
    answer(res, 200, 'Signed in', 'Mailferry received the sign-in. You can close this window.');
    finish(undefined, value);
  });
  server.keepAliveTimeout = 1;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const redirectUri = `http://${opts.redirectHost ?? '127.0.0.1'}:${port}`;
  const minutes = describeDuration(timeoutMs);
  const timer = setTimeout(() => finish(timeoutError(provider, minutes, redirectUri)), timeoutMs);
  const onAbort = () => finish(cancelledError(provider));
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      server.close(() => resolve());
      // Let the answer page go out before dropping idle browser connections.
      setImmediate(() => server.closeIdleConnections());
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    });
    return closing;
  }

  function finish(err: MailferryError | undefined, value?: string): void {
    if (settled) return;
    settled = true;
    if (err) settle.reject(err);
    else settle.resolve(value!);
    void close();
  }

  return {
    redirectUri,
    port,
    code,
    close: () => {
      finish(cancelledError(provider));
      return close();
    },
  };
}
