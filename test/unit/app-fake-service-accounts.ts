/**
 * A service account's key file as Google Cloud console downloads it (a fresh RSA key), and a keychain of
 * service accounts in memory that checks files with the engine's own parseServiceAccountKey.
 */
import { generateKeyPairSync } from 'node:crypto';
import { parseServiceAccountKey } from '../../src/main/engine/oauth/service-account/key-file.js';
import type { ServiceAccountStore } from '../../src/main/app/service-accounts.js';
import type { ServiceAccountInfo } from '../../src/shared/contract.js';

export const CLIENT_EMAIL = 'mailferry@acme-migration.iam.gserviceaccount.com';
export const CLIENT_ID = '112233445566778899001';

export function keyFileText(over: Record<string, unknown> = {}): { text: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const json = {
    type: 'service_account',
    project_id: 'acme-migration',
    private_key_id: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
    private_key: pem,
    client_email: CLIENT_EMAIL,
    client_id: CLIENT_ID,
    token_uri: 'https://oauth2.googleapis.com/token',
    ...over,
  };
  return { text: JSON.stringify(json, null, 2), privateKey: pem };
}

export function memoryServiceAccounts(): ServiceAccountStore & { keys: Map<string, ServiceAccountInfo> } {
  const keys = new Map<string, ServiceAccountInfo>();
  const find = (ref: string) => [...keys.values()].find((a) => a.clientEmail === ref.trim().toLowerCase() || a.clientId === ref.trim());
  return {
    keys,
    import(text, fileName) {
      const k = parseServiceAccountKey(text, `The file ${fileName}`);
      keys.set(k.clientEmail, { clientEmail: k.clientEmail, clientId: k.clientId });
      return { clientEmail: k.clientEmail, clientId: k.clientId };
    },
    list: async () => [...keys.values()],
    has: (ref) => find(ref) !== undefined,
    delete: (ref) => {
      const a = find(ref);
      return a ? keys.delete(a.clientEmail) : false;
    },
  };
}
