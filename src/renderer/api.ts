/**
 * The window's only way out: `window.mailferry`, exposed by the preload. `call` unwraps a Result into
 * a value or a thrown CallError, which components catch and show in words.
 */
import type { AppError, MailferryApi, Result } from '../shared/contract.js';

export class CallError extends Error {
  readonly error: AppError;
  constructor(error: AppError) {
    super(error.message);
    this.error = error;
  }
}

export function getApi(): MailferryApi | undefined {
  return window.mailferry;
}

export function api(): MailferryApi {
  const a = window.mailferry;
  if (!a) throw new CallError({ code: 'NO_BRIDGE', message: 'This page must be opened by the Mailferry app.' });
  return a;
}

export async function call<T>(pending: Promise<Result<T>>): Promise<T> {
  let r: Result<T>;
  try {
    r = await pending;
  } catch (err) {
    throw new CallError({ code: 'IPC_FAILED', message: `Mailferry did not answer: ${(err as Error)?.message ?? String(err)}` });
  }
  if (r.ok) return r.value;
  throw new CallError(r.error);
}

export function asAppError(err: unknown): AppError {
  if (err instanceof CallError) return err.error;
  return { code: 'INTERNAL', message: (err as Error)?.message ?? String(err) };
}
