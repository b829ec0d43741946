/**
 * A Google service account's JSON key, as Google Cloud console downloads it (IAM & Admin > Service
 * accounts > Keys > Add key > JSON):
 *   { "type": "service_account", "project_id", "private_key_id", "private_key": "-----BEGIN PRIVATE KEY-----...",
 *     "client_email": "name@project.iam.gserviceaccount.com", "client_id": "1234...", "token_uri": "https://oauth2.googleapis.com/token", ... }
 * Checked field by field so a wrong file (an OAuth client's client_secret.json, a key with a pasted-in line
 * break) is named before anything is stored. No message ever quotes the file's content.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { MailferryError } from '../../errors/errors.js';
import { GOOGLE_TOKEN_ENDPOINT } from '../google-endpoints.js';

export interface ServiceAccountKey {
  clientEmail: string;
  /** The numeric client ID (the "Unique ID") the administrator enters for domain-wide delegation. */
  clientId: string;
  /** Names the key in the JWT header (kid), so Google knows which of the account's keys signed. */
  privateKeyId: string;
  key: KeyObject;
  tokenUri: string;
  projectId?: string;
}

/** Google's token endpoint, as new keys and older ones name it; anything else only on this machine (tests). */
const GOOGLE_TOKEN_URIS = new Set([GOOGLE_TOKEN_ENDPOINT, 'https://accounts.google.com/o/oauth2/token']);
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?\//;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const CLIENT_ID = /^\d{6,32}$/;

/** How a job names the key: its client e-mail or its numeric client ID. */
export function isServiceAccountRef(ref: string): boolean {
  return EMAIL.test(ref) || CLIENT_ID.test(ref);
}

export const isClientIdRef = (ref: string) => CLIENT_ID.test(ref);

function invalid(where: string, problem: string, hint: string): MailferryError {
  return new MailferryError({ code: 'OAUTH_APP_CREDENTIAL', message: `${where} ${problem}.`, hint, retryable: false });
}

const NEW_KEY = 'Download a new JSON key: Google Cloud console (console.cloud.google.com) > IAM & Admin > Service accounts > the account > Keys > Add key > Create new key > JSON.';

/** Reads and checks a key file's text. `where` names it in messages ("The file KEY.json"). Throws OAUTH_APP_CREDENTIAL. */
export function parseServiceAccountKey(text: string, where: string): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw invalid(where, 'is not JSON', NEW_KEY);
  }
  const o = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string).trim() : '');
  if (o['installed'] !== undefined || o['web'] !== undefined) {
    throw invalid(where, "is an OAuth client's file (client_secret.json), not a service account key", `For one user, use its client ID with "auth": "oauth2" (Sign in with Google). For the whole domain: ${NEW_KEY}`);
  }
  if (str('type') !== 'service_account') throw invalid(where, `is not a service account key ("type" is ${JSON.stringify(str('type') || null)}, not "service_account")`, NEW_KEY);
  const missing = ['client_email', 'client_id', 'private_key_id', 'private_key'].filter((k) => str(k) === '');
  if (missing.length > 0) throw invalid(where, `lacks ${missing.join(', ')}`, NEW_KEY);
  if (!EMAIL.test(str('client_email'))) throw invalid(where, 'has no valid "client_email"', NEW_KEY);
  if (!CLIENT_ID.test(str('client_id'))) throw invalid(where, 'has no numeric "client_id"', NEW_KEY);
  const tokenUri = str('token_uri') || GOOGLE_TOKEN_ENDPOINT;
  // The signed grant goes there: a file edited to send it elsewhere is refused, not trusted.
  if (!GOOGLE_TOKEN_URIS.has(tokenUri) && !LOOPBACK.test(tokenUri)) throw invalid(where, `names a "token_uri" that is not Google's (${GOOGLE_TOKEN_ENDPOINT})`, NEW_KEY);
  let key: KeyObject;
  try {
    key = createPrivateKey(str('private_key'));
  } catch {
    throw invalid(where, 'holds a "private_key" that is not a readable PEM key (was the file edited, or its line breaks changed?)', NEW_KEY);
  }
  if (key.asymmetricKeyType !== 'rsa') throw invalid(where, `holds a ${key.asymmetricKeyType ?? 'non-RSA'} key; Google's service account keys are RSA`, NEW_KEY);
  const out: ServiceAccountKey = { clientEmail: str('client_email').toLowerCase(), clientId: str('client_id'), privateKeyId: str('private_key_id'), key, tokenUri };
  if (str('project_id')) out.projectId = str('project_id');
  return out;
}

/** The key as Mailferry keeps it in the keychain: the file's own fields (the key as PKCS#8 PEM), nothing else. */
export function serializeServiceAccountKey(k: ServiceAccountKey): string {
  return JSON.stringify({
    type: 'service_account',
    ...(k.projectId ? { project_id: k.projectId } : {}),
    private_key_id: k.privateKeyId,
    private_key: k.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: k.clientEmail,
    client_id: k.clientId,
    token_uri: k.tokenUri,
  });
}
