/**
 * Error shaping for the raw APPEND client: everything goes through the engine's one classifier, so the
 * sentences and hints match the imapflow paths. Only the decision "does this concern one message or the
 * whole mailbox/connection" is made here.
 */
import { classifyError, classifyServerText, type ErrorContext } from '../../errors/classify-error.js';
import { MailferryError, type ErrorInfo } from '../../errors/errors.js';
import type { TaggedResponse } from './wire.js';

export type { ErrorContext };

/** A server reply as an ErrorInfo (the whole tagged line goes to the classifier; it never holds a secret). */
export function replyInfo(resp: TaggedResponse, ctx: ErrorContext): ErrorInfo {
  return classifyServerText(resp.line, ctx);
}

/** A socket, TLS or protocol failure (or anything thrown) as an ErrorInfo. */
export function failureInfo(err: unknown, ctx: ErrorContext): ErrorInfo {
  return classifyError(err, ctx);
}

export function fail(info: ErrorInfo, cause?: unknown): MailferryError {
  return new MailferryError(info, cause === undefined ? undefined : { cause });
}

/** An error of Node's shape, for conditions we detect ourselves (the classifier reads `code`). */
export function coded(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** A message bigger than the server's APPENDLIMIT, refused before sending (imapflow's shape for the same case). */
export function appendLimitInfo(size: number, limit: number, ctx: ErrorContext): ErrorInfo {
  const err = Object.assign(new Error(`Message content too big for APPENDLIMIT=${limit}`), { serverResponseCode: 'APPENDLIMIT' });
  const info = classifyError(err, ctx);
  const details = { limit, ...info.details, size };
  if (info.code === 'MESSAGE_TOO_BIG') return { ...info, details };
  return {
    code: 'MESSAGE_TOO_BIG',
    message: `A message of ${size} bytes is larger than the ${limit} bytes the destination server accepts.`,
    hint: 'The message is listed in the report; the others are copied.',
    retryable: false,
    details,
  };
}

const PER_MESSAGE = new Set(['MESSAGE_TOO_BIG', 'MESSAGE_REFUSED']);
/** Codes that are never about one message: stop the batch and let the caller decide. */
const STOP = new Set([
  'DEST_OVER_QUOTA', 'FOLDER_MISSING', 'FOLDER_REFUSED', 'CONNECTION_LOST', 'CONNECTION_STALLED', 'SESSION_EXPIRED', 'THROTTLED', 'TIMEOUT',
  'AUTH_FAILED', 'CANCELLED', 'TOO_MANY_CONNECTIONS',
]);
const MAILBOX_WIDE_CODES = new Set(['OVERQUOTA', 'TRYCREATE', 'NONEXISTENT', 'NOPERM', 'UNAVAILABLE', 'INUSE', 'LIMIT_MAILBOX']);

/**
 * Decides what a refused APPEND means. 'stop': mailbox-wide or connection-wide (over quota, no such folder,
 * throttled, retry later): throw. 'message': the refused message(s) alone are at fault; for a MULTIAPPEND of
 * several messages that means split and retry the halves.
 */
export function refusalKind(resp: TaggedResponse, info: ErrorInfo): 'stop' | 'message' {
  if (STOP.has(info.code)) return 'stop';
  if (resp.code && MAILBOX_WIDE_CODES.has(resp.code)) return 'stop';
  if (/quota/i.test(resp.text)) return 'stop';
  if (!PER_MESSAGE.has(info.code) && info.retryable) return 'stop';
  return 'message';
}

/**
 * The outcome for one message the server refused on its own. A refusal the classifier has no name for is
 * still about this message (its siblings went in), so it becomes MESSAGE_REFUSED with the server's words.
 */
export function perMessageInfo(info: ErrorInfo): ErrorInfo {
  if (PER_MESSAGE.has(info.code)) return info;
  const reply = info.details?.['serverResponse'];
  return {
    code: 'MESSAGE_REFUSED',
    message: `The destination server refused a message${reply ? `: "${String(reply)}"` : ''}.`,
    hint: 'The message is listed in the report; the others are copied.',
    retryable: false,
    ...(info.details ? { details: info.details } : {}),
  };
}
