/** The form's editable copy of an endpoint (ports as typed text), and the conversions to the contract. */
import type { EndpointSettings, Security } from '../../shared/contract.js';

export interface EndpointForm {
  host: string;
  port: string;
  security: Security;
  user: string;
  ca: string;
}

export const DEFAULT_PORTS: Record<Security, number> = { tls: 993, starttls: 143, none: 143 };

export function toForm(e: EndpointSettings | undefined, fallback: Partial<EndpointForm> = {}): EndpointForm {
  if (!e) return { host: '', port: '993', security: 'tls', user: '', ca: '', ...fallback };
  return { host: e.host, port: String(e.port), security: e.security, user: e.user, ca: e.ca ?? '' };
}

export function fromForm(f: EndpointForm): EndpointSettings {
  const port = Number(f.port);
  return {
    host: f.host.trim(),
    port: Number.isInteger(port) ? port : -1,
    security: f.security,
    user: f.user.trim(),
    ...(f.ca.trim() ? { ca: f.ca.trim() } : {}),
  };
}

/** Switching security moves the port along when it was the default of the previous choice. */
export function withSecurity<F extends Pick<EndpointForm, 'port' | 'security'>>(f: F, security: Security): F {
  const wasDefault = f.port === '' || Number(f.port) === DEFAULT_PORTS[f.security];
  return { ...f, security, port: wasDefault ? String(DEFAULT_PORTS[security]) : f.port };
}
