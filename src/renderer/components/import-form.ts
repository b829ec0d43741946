/** The Import view's defaults form (ports as typed text) and its conversion to the contract's ImportDefaults. */
import type { ImportDefaults, ImportServer, MicrosoftAuth, Security } from '../../shared/contract.js';
import { DEFAULT_PORTS } from './endpoint-form.js';

export interface ServerForm {
  host: string;
  port: string;
  security: Security;
}

export interface ImportForm {
  source: ServerForm;
  /** How every row's Gmail side signs in: the file's (or stored) app passwords, or one service account for all. */
  sourceAuth: 'password' | 'service-account';
  /** That service account's client e-mail. */
  serviceAccount: string;
  destinationKind: 'imap' | 'microsoft';
  destination: ServerForm;
  microsoft: { clientId: string; tenant: string; auth: MicrosoftAuth };
}

/** A fresh form (the Gmail side on Gmail's server; a batch moves many users: app-only access, unless each user signs in). */
export function newImportForm(): ImportForm {
  return {
    source: { host: 'imap.gmail.com', port: '993', security: 'tls' },
    sourceAuth: 'password',
    serviceAccount: '',
    destinationKind: 'imap',
    destination: { host: '', port: '993', security: 'tls' },
    microsoft: { clientId: '', tenant: '', auth: 'oauth2-app' },
  };
}

/**
 * Only what the user chose: a row's own value always wins, and a field left at what the engine assumes anyway
 * (TLS, and the port of the security chosen) is not sent, so a row that asks for STARTTLS still gets port 143.
 */
function server(f: ServerForm): ImportServer {
  const port = Number(f.port);
  return {
    ...(f.host.trim() ? { host: f.host.trim() } : {}),
    ...(f.security !== 'tls' ? { security: f.security } : {}),
    ...(f.port.trim() && Number.isInteger(port) && port !== DEFAULT_PORTS[f.security] ? { port } : {}),
  };
}

export function toImportDefaults(f: ImportForm): ImportDefaults {
  const source = { ...server(f.source), ...(f.sourceAuth === 'service-account' && f.serviceAccount ? { serviceAccount: f.serviceAccount } : {}) };
  if (f.destinationKind === 'microsoft') {
    const m = f.microsoft;
    return {
      source,
      destination: {
        provider: 'microsoft',
        auth: m.auth,
        ...(m.clientId.trim() ? { oauthClientId: m.clientId.trim() } : {}),
        ...(m.tenant.trim() ? { tenant: m.tenant.trim() } : {}),
      },
    };
  }
  return { source, destination: server(f.destination) };
}
