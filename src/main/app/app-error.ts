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
  if (err instanceof MailferryError) return forTheWindow({ code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
  return { code: 'INTERNAL', message: `Unexpected error: ${(err as Error)?.message ?? String(err)}` };
}

/**
 * The engine's hints are written for the command line ("store it with `npx mailferry secrets set ...`");
 * in the window the password is typed into the mailbox's settings instead.
 */
export function forTheWindow<T extends { hint?: string }>(e: T): T {
  if (e.hint && /"labelPolicy": "folder-per-label"/.test(e.hint)) {
    // The engine's hint names the job-file option; in the window it is a choice in the mapping preview.
    return { ...e, hint: 'Choose “A folder per label” under Folders… and start again.' };
  }
  if (!e.hint || !e.hint.includes('mailferry secrets set')) return e;
  const hint = e.hint
    .replace(/\s*[Ss]tore the new one with `npx mailferry secrets set [^`]*`\.?/g, ' Then enter it in the mailbox’s settings (Edit).')
    .replace(/;\s*store a new one with `npx mailferry secrets set [^`]*`\.?/g, ', and enter the right one in the mailbox’s settings (Edit).')
    .replace(/`npx mailferry secrets set [^`]*`/g, 'the mailbox’s settings (Edit)')
    .trim();
  return { ...e, hint };
}
