/**
 * The shape of every request in the contract. The type annotation ties each schema to the contract's
 * request type, so a change to the contract that is not mirrored here fails type-checking.
 * Shape only: whether a mailbox makes sense (loopback for "none", a readable CA file, source and
 * destination differ) is checked by the engine's parseJob in mailbox-config.ts.
 */
import { LABEL_POLICIES, SECURITIES, SETTINGS_LIMITS, SOURCE_AUTHS, type Method, type Requests } from '../../shared/contract.js';
import { arrayOf, bool, either, int, literal, none, obj, oneOf, optional, str, type Check } from './validate.js';

const id = str({ max: 200 });
const host = str({ max: 253, pattern: /^[^\s/\\@]+$/, patternText: 'must be a host name or IP address, without spaces, scheme or path' });
const user = str({ max: 320 });
/** Absolute on any platform: /x, C:\x, C:/x, \\server\share. */
const absolutePath = str({
  max: 4096,
  pattern: /^(\/|[A-Za-z]:[\\/]|\\\\)/,
  patternText: 'must be the full path of a file (choose it with Browse…)',
});
/** Kept byte for byte (no trimming: a destination password may start or end with a space). */
const password = str({ min: 1, max: 1024, trim: false, pattern: /^[^\r\n\0]*$/, patternText: 'must not contain line breaks' });

/** What Google Cloud console shows for an OAuth client: "123-abc.apps.googleusercontent.com". */
const clientId = str({
  max: 200,
  pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*\.apps\.googleusercontent\.com$/,
  patternText: 'must be the client ID Google Cloud console shows (it ends in .apps.googleusercontent.com)',
});
/** Client secrets are one word ("GOCSPX-..."); surrounding spaces from a paste are trimmed. */
const clientSecret = str({ max: 512, pattern: /^\S+$/, patternText: 'must be the client secret Google Cloud console shows, without spaces' });
const address = str({ max: 320, pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, patternText: 'must be a full email address (name@example.com)' });

export const endpointSchema = obj({
  host,
  port: int(1, 65535),
  security: oneOf(SECURITIES),
  user,
  ca: optional(absolutePath),
  auth: optional(oneOf(SOURCE_AUTHS)),
  oauthClientId: optional(clientId),
});

export const draftSchema = obj({
  id: optional(id),
  source: endpointSchema,
  destination: endpointSchema,
  sourcePassword: optional(password),
  destinationPassword: optional(password),
});

/** Source folder names as the server spells them (kept byte for byte). */
export const folderNames = arrayOf(str({ max: 1000, trim: false }), 2000, { unique: true });
export const labelPolicy = oneOf(LABEL_POLICIES);

const selection = obj({ ids: either(literal('all'), arrayOf(id, 1000, { unique: true })) });
const byId = obj({ id });
const limit = (k: keyof typeof SETTINGS_LIMITS) => int(SETTINGS_LIMITS[k].min, SETTINGS_LIMITS[k].max);

export const requestSchemas: { readonly [M in Method]: Check<Requests[M]> } = {
  getAppInfo: none,
  listMailboxes: none,
  saveMailbox: draftSchema,
  removeMailbox: obj({ id, forgetPasswords: bool }),
  testConnection: draftSchema,
  previewMapping: byId,
  setExclusions: obj({ id, exclude: folderNames, labelPolicy: optional(labelPolicy), labelsAsKeywords: optional(bool) }),
  start: selection,
  pause: selection,
  resume: selection,
  cancel: selection,
  getDetail: byId,
  getSettings: none,
  saveSettings: obj({
    connectionsPerAccount: limit('connectionsPerAccount'),
    parallelMailboxes: limit('parallelMailboxes'),
    bandwidthLimitKBps: limit('bandwidthLimitKBps'),
  }),
  openExternal: obj({ url: str({ max: 2048 }) }),
  chooseCaFile: none,
  signInWithGoogle: obj({ address, clientId, clientSecret: optional(clientSecret), host: optional(host) }),
  hasGoogleSignIn: obj({ address, host: optional(host), clientId: optional(clientId) }),
};
