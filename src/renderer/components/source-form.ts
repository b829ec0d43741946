/** The Gmail side's choices in the mailbox form (where the mail comes from, how Mailferry signs in) and their conversion to the contract. */
import type { AppError, EndpointSettings, SourceAuth, TakeoutFile, TakeoutSourceView } from '../../shared/contract.js';

export type SourceKind = 'imap' | 'takeout';

export interface SourceForm {
  kind: SourceKind;
  auth: SourceAuth;
  /** Sign in with Google: the user's OAuth client. */
  clientId: string;
  /** Whole Google Workspace domain: the service account's client e-mail. */
  serviceAccount: string;
  /** A Google Takeout export: the path main's dialog gave (or the saved one), and what to show of it. */
  takeout: { path: string; name: string; kind?: TakeoutFile['kind'] | null; sizeBytes?: number | null } | null;
}

export function toSourceForm(e: EndpointSettings | undefined, saved?: TakeoutSourceView): SourceForm {
  const takeout = e?.takeout !== undefined ? { path: e.takeout, name: saved?.name ?? e.takeout, kind: saved?.kind ?? null, sizeBytes: saved?.sizeBytes ?? null } : null;
  return {
    kind: takeout ? 'takeout' : 'imap',
    auth: e?.auth === 'oauth2' || e?.auth === 'service-account' ? e.auth : 'password',
    clientId: e?.oauthClientId ?? '',
    serviceAccount: e?.serviceAccount ?? '',
    takeout,
  };
}

/** The sign-in fields of the draft's source (the server fields come from the endpoint form). */
export function sourceFields(f: SourceForm): Pick<EndpointSettings, 'auth' | 'oauthClientId' | 'serviceAccount' | 'takeout'> {
  if (f.kind === 'takeout') return f.takeout ? { takeout: f.takeout.path } : {};
  if (f.auth === 'oauth2') return { auth: 'oauth2', oauthClientId: f.clientId.trim() };
  if (f.auth === 'service-account') return { auth: 'service-account', ...(f.serviceAccount ? { serviceAccount: f.serviceAccount } : {}) };
  return {};
}

/** Whether the app password field applies (it is sent only then). */
export function usesAppPassword(f: SourceForm): boolean {
  return f.kind === 'imap' && f.auth === 'password';
}

/** What the form still needs before a Test or a Save makes sense, or null. */
export function missingSource(f: SourceForm): AppError | null {
  if (f.kind === 'takeout' && !f.takeout) return { code: 'TAKEOUT_REQUIRED', message: 'Choose the Google Takeout export first.', hint: 'Click “Choose file…” under Google Takeout export.' };
  if (f.kind === 'imap' && f.auth === 'service-account' && !f.serviceAccount) {
    return { code: 'SERVICE_ACCOUNT_REQUIRED', message: 'Import the service account’s JSON key first.', hint: 'Click “Import key file…” under Service account.' };
  }
  return null;
}
