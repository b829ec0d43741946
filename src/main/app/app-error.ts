/**
 * Errors of the app layer (bad requests, unknown mailboxes, wrong state) in the contract's shape, and
 * the conversion of anything thrown into that shape. Handlers return these as { ok: false, error }.
 */
import { MailferryError } from '../engine/errors.js';
import type { AppError } from '../../shared/contract.js';

export class AppFailure extends Error {
  readonly info: AppError;
  constructor(info: AppError) {
    super(info.message);
    this.name = 'AppFailure';
    this.info = info;
  }
}

export function fail(code: string, message: string, hint?: string): never {
  throw new AppFailure({ code, message, ...(hint ? { hint } : {}) });
}

/** The engine's and the app's errors reduced to what the window shows (no details, no stack). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppFailure) return { ...err.info };
  if (err instanceof MailferryError) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { code: 'INTERNAL', message: `Unexpected error: ${(err as Error)?.message ?? String(err)}` };
}
