/**
 * Errors of the app layer (bad requests, unknown mailboxes, wrong state) in the contract's shape, and
 * the conversion of anything thrown into that shape. Handlers return these as { ok: false, error }.
 */
import { MailferryError } from '../engine/errors/errors.js';
import type { AppError } from '../../shared/contract.js';
import { googleSourceHintForTheWindow } from './google-source-hints.js';
import { microsoftHintForTheWindow } from './microsoft-hints.js';

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

/** The engine's sign-in timeout speaks of running a command again; in the form it is the button. */
export function timeoutForTheForm(err: unknown, button: string): unknown {
  if (!(err instanceof MailferryError) || err.code !== 'TIMEOUT') return err;
  return new MailferryError({ code: err.code, message: err.message, hint: `Click ${button} again and finish in the browser window that opens on this computer.`, retryable: false });
}

/**
 * The engine's hints are written for the command line ("store it with `npx mailferry secrets set ...`");
 * in the window the password is typed into the mailbox's settings instead.
 */
export function forTheWindow<T extends { hint?: string; code?: string }>(given: T): T {
  // A service account's or a Takeout export's hint: the form's buttons instead of commands and job fields.
  const reworded = given.hint ? googleSourceHintForTheWindow(given.hint, given.code) : given.hint;
  const e = reworded !== given.hint ? { ...given, hint: reworded } : given;
  if (e.hint && /"labelPolicy": "folder-per-label"/.test(e.hint)) {
    // The engine's hint names the job-file option; in the window it is a choice in the mapping preview.
    return { ...e, hint: 'Choose “A folder per label” under Folders… and start again.' };
  }
  if (e.hint && e.hint.includes('npx mailferry signin') && !e.hint.includes('--provider microsoft')) return { ...e, hint: signInForTheWindow(e.hint) };
  const microsoft = e.hint ? microsoftHintForTheWindow(e.hint) : e.hint;
  if (microsoft !== e.hint) return { ...e, hint: microsoft };
  if (!e.hint || !e.hint.includes('mailferry secrets set')) return e;
  const hint = e.hint
    .replace(/\s*[Ss]tore the new one with `npx mailferry secrets set [^`]*`\.?/g, ' Then enter it in the mailbox’s settings (Edit).')
    .replace(/;\s*store a new one with `npx mailferry secrets set [^`]*`\.?/g, ', and enter the right one in the mailbox’s settings (Edit).')
    .replace(/`npx mailferry secrets set [^`]*`/g, 'the mailbox’s settings (Edit)')
    .trim();
  return { ...e, hint };
}

const SIGNIN = String.raw`npx mailferry signin \S+ \S+ --client-id \S+?(?: --ask-client-secret)?(?=\.?(?:\s|$))`;
const sameCase = (like: string, text: string) => (/^[a-z]/.test(like) ? text[0]!.toLowerCase() + text.slice(1) : text);

/** `npx mailferry signin HOST USER --client-id ID` in the engine's hints is the form's button in the window. */
export function signInForTheWindow(hint: string): string {
  return hint
    .replace(new RegExp(String.raw`run ${SIGNIN} again`, 'gi'), (m) => sameCase(m, 'Sign in with Google again in the mailbox’s settings (Edit)'))
    .replace(new RegExp(String.raw`(?:Run:?|Run the sign-in again:|Sign in again with:?)\s+${SIGNIN}`, 'gi'), (m) =>
      sameCase(m, 'Sign in with Google again in the mailbox’s settings (Edit)'),
    )
    .replace(new RegExp(SIGNIN, 'g'), 'Sign in with Google in the mailbox’s settings (Edit)');
}
