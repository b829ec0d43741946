/**
 * One POST to an OAuth endpoint (token, device code), shared by Google's and Microsoft's clients: an
 * application/x-www-form-urlencoded body, a JSON answer, a time limit, and network failures as retryable
 * MailferryErrors that name the service. Redirects are never followed: the body holds codes, refresh tokens
 * or client secrets. Nothing here puts a form value into a message or a detail.
 */
import { MailferryError } from '../errors/errors.js';
import type { TokenSet } from './token-client.js';

const DEFAULT_TIMEOUT_MS = 30_000;
/** Google's and Microsoft's access tokens live about an hour; used when an answer has no expires_in. */
const DEFAULT_ACCESS_TOKEN_LIFETIME_S = 3599;

export interface FormPost {
  url: URL;
  form: Record<string, string>;
  /** Who answers, for messages: "Google's sign-in service". */
  service: string;
  /** What Mailferry was doing, for messages: "renew the access token". */
  what: string;
  /** Facts for error details (never secrets). */
  details: Record<string, string>;
  fetch?: typeof fetch;
  /** Per request, ms. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface FormReply {
  status: number;
  /** The answer when it is a JSON object. */
  json?: Record<string, unknown>;
}

/** Sends the form; resolves with whatever HTTP answer came back, rejects only on network trouble (MailferryError). */
export async function postForm(post: FormPost): Promise<FormReply> {
  const timeout = AbortSignal.timeout(post.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = post.signal ? AbortSignal.any([post.signal, timeout]) : timeout;
  let status: number;
  let text: string;
  try {
    const res = await (post.fetch ?? fetch)(post.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(post.form).toString(),
      redirect: 'error',
      signal,
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    throw networkError(err, post);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { status, json: parsed as Record<string, unknown> };
  } catch {
    /* not JSON: the caller decides what that means */
  }
  return { status };
}

/** The token set of a successful answer, or undefined when it is not one. `sentAt`: when the request left. */
export function tokenSetOf(reply: FormReply, sentAt: number): TokenSet | undefined {
  const json = reply.json;
  if (reply.status < 200 || reply.status >= 300 || !json || typeof json['access_token'] !== 'string' || json['access_token'] === '') return undefined;
  const expiresIn = Number(json['expires_in']);
  const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_ACCESS_TOKEN_LIFETIME_S;
  const set: TokenSet = {
    accessToken: json['access_token'],
    expiresAt: sentAt + lifetime * 1000,
    tokenType: typeof json['token_type'] === 'string' ? json['token_type'] : 'Bearer',
  };
  if (typeof json['refresh_token'] === 'string' && json['refresh_token'] !== '') set.refreshToken = json['refresh_token'];
  if (typeof json['scope'] === 'string') set.scope = json['scope'];
  return set;
}

/** The first line of an error_description, without the values Mailferry sent (`sent`: secrets, assertions, codes). */
export function safeDescription(description: unknown, sent: readonly string[]): string | undefined {
  if (typeof description !== 'string' || description === '') return undefined;
  let line = description.split(/\r?\n/)[0]!.slice(0, 300);
  for (const s of sent) if (s.length >= 8) line = line.split(s).join('[redacted]');
  return line;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);

/** The Node error code (ECONNREFUSED, ENOTFOUND, UND_ERR_...) on an error or its causes. */
function causeCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function networkError(err: unknown, post: FormPost): MailferryError {
  const where = post.url.host;
  if (post.signal?.aborted) {
    return new MailferryError({ code: 'CANCELLED', message: `Cancelled while trying to ${post.what}.`, retryable: false }, { cause: err });
  }
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new MailferryError(
      {
        code: 'TIMEOUT',
        message: `${post.service} (${where}) did not answer in time while Mailferry tried to ${post.what}.`,
        hint: 'Check the internet connection; Mailferry tries again.',
        retryable: true,
        details: post.details,
      },
      { cause: err },
    );
  }
  const code = causeCode(err) ?? 'unknown';
  return new MailferryError(
    {
      code: DNS_CODES.has(code) ? 'HOST_NOT_FOUND' : 'HOST_UNREACHABLE',
      message: `Mailferry could not reach ${post.service} (${where}) to ${post.what} (${code}).`,
      hint: 'Check the internet connection, proxy or firewall; Mailferry tries again.',
      retryable: true,
      details: { ...post.details, network: code },
    },
    { cause: err },
  );
}
