/**
 * What proves an app for app-only access ("auth": "oauth2-app"), and where it lives: only in the OS
 * keychain, or (headless runs) in an environment variable the job names. Never in a file Mailferry writes.
 *
 *   client secret   service "mailferry-oauth-app",      account = the app's client ID
 *   certificate     service "mailferry-oauth-app-cert", account = the app's client ID; the value is
 *                   JSON { certificate, privateKey } in PEM (the key unencrypted: the keychain protects it)
 *
 * Order: the job's "clientSecretEnv" when set; else a certificate in the keychain; else a secret there.
 */
import { MailferryError } from '../../errors/errors.js';
import type { Endpoint } from '../../job/job.js';
import { deleteKeychainSecret, getKeychainSecret, setKeychainSecret, type KeychainItem } from '../../connect/secrets.js';
import { parseAppCertificate } from './client-assertion.js';
import type { AppProof } from './token-client.js';

export const APP_SECRET_SERVICE = 'mailferry-oauth-app';
export const APP_CERTIFICATE_SERVICE = 'mailferry-oauth-app-cert';

export const setAppSecretCommand = (clientId: string) => `npx mailferry secrets set-app-secret ${clientId}`;
export const importCertificateCommand = (clientId: string) => `npx mailferry secrets import-app-certificate ${clientId} CERT.pem KEY.pem`;

function secretItem(clientId: string): KeychainItem {
  return { service: APP_SECRET_SERVICE, account: clientId, what: `the client secret of app ${clientId}`, details: { clientId }, storeAgain: setAppSecretCommand(clientId) };
}

function certificateItem(clientId: string): KeychainItem {
  return { service: APP_CERTIFICATE_SERVICE, account: clientId, what: `the certificate of app ${clientId}`, details: { clientId }, storeAgain: importCertificateCommand(clientId) };
}

export const appSecrets = {
  get: (clientId: string) => getKeychainSecret(secretItem(clientId)),
  set: (clientId: string, secret: string) => setKeychainSecret(secretItem(clientId), secret),
  delete: (clientId: string) => deleteKeychainSecret(secretItem(clientId)),
};

export interface StoredCertificate {
  certificate: string;
  privateKey: string;
}

export const appCertificates = {
  get(clientId: string): StoredCertificate | null {
    const raw = getKeychainSecret(certificateItem(clientId));
    if (raw === null) return null;
    try {
      const v = JSON.parse(raw) as Partial<StoredCertificate>;
      if (typeof v.certificate === 'string' && typeof v.privateKey === 'string') return { certificate: v.certificate, privateKey: v.privateKey };
    } catch {
      /* reported below */
    }
    throw new MailferryError({
      code: 'OAUTH_APP_CREDENTIAL',
      message: `The certificate stored for app ${clientId} in the OS keychain is damaged.`,
      hint: `Import it again: ${importCertificateCommand(clientId)}`,
      retryable: false,
      details: { clientId },
    });
  },
  set: (clientId: string, c: StoredCertificate) => setKeychainSecret(certificateItem(clientId), JSON.stringify(c)),
  delete: (clientId: string) => deleteKeychainSecret(certificateItem(clientId)),
};

/** The app's proof for an 'oauth2-app' endpoint. Throws SECRET_MISSING (saying what to run), KEYCHAIN_UNAVAILABLE, OAUTH_APP_CREDENTIAL. */
export function appProofFor(endpoint: Endpoint, env: NodeJS.ProcessEnv = process.env): AppProof {
  const clientId = endpoint.oauthClientId ?? '';
  if (endpoint.clientSecretEnv !== undefined) {
    const value = env[endpoint.clientSecretEnv];
    if (value === undefined || value.trim() === '') {
      throw new MailferryError({
        code: 'SECRET_MISSING',
        message: `The environment variable ${endpoint.clientSecretEnv} ("clientSecretEnv" of app ${clientId}) is ${value === undefined ? 'not set' : 'empty'}.`,
        hint: `Set it to the client secret's Value before running, or remove "clientSecretEnv" and store the secret in the OS keychain: ${setAppSecretCommand(clientId)}.`,
        retryable: false,
        details: { clientId, clientSecretEnv: endpoint.clientSecretEnv },
      });
    }
    return { clientSecret: value.trim() };
  }
  const stored = appCertificates.get(clientId);
  if (stored) return { certificate: parseAppCertificate(stored.certificate, stored.privateKey) };
  const secret = appSecrets.get(clientId);
  if (secret !== null && secret !== '') return { clientSecret: secret };
  throw new MailferryError({
    code: 'SECRET_MISSING',
    message: `Neither a client secret nor a certificate of app ${clientId} is stored in the OS keychain.`,
    hint: `Store one: ${setAppSecretCommand(clientId)} (or ${importCertificateCommand(clientId)}), or name an environment variable in "clientSecretEnv" for a headless run.`,
    retryable: false,
    details: { clientId, user: endpoint.user },
  });
}
