/**
 * The shape of every request in the contract. The type annotation ties each schema to the contract's
 * request type, so a change to the contract that is not mirrored here fails type-checking.
 * Shape only: whether a mailbox makes sense (loopback for "none", a readable CA file, source and
 * destination differ) is checked by the engine's parseJob in mailbox-config.ts.
 */
import { parseDate } from '../engine/job/date-window.js';
import { authorityProblem, isGuid, isValidTenant, TENANT_ALIASES } from '../engine/oauth/microsoft/endpoints.js';
import { isServiceAccountRef } from '../engine/oauth/service-account/key-file.js';
import {
  DESTINATION_AUTHS,
  LABEL_POLICIES,
  MICROSOFT_AUTHS,
  REPORT_FORMATS,
  SECURITIES,
  SETTINGS_LIMITS,
  SOURCE_AUTHS,
  type Method,
  type NumericSetting,
  type Requests,
} from '../../shared/contract.js';
import { arrayOf, bool, either, int, literal, none, obj, oneOf, optional, refine, str, type Check } from './validate.js';

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
/** The Microsoft app registration's Application (client) ID. Never echoed: a secret pasted here by mistake stays unseen. */
const appId = refine(str({ max: 100 }), isGuid, 'must be the Application (client) ID of the app registration, a GUID such as 4a1aa1d5-c567-49d0-ad0b-cd957a47f842');
const objectId = refine(str({ max: 100 }), isGuid, 'must be the Object ID of the Enterprise application, a GUID');
const tenant = refine(
  str({ max: 253 }),
  isValidTenant,
  'must be "organizations" (work or school accounts), "consumers" (Outlook.com), "common", or the tenant’s ID or domain such as contoso.onmicrosoft.com',
);
/** App-only access signs in to one organisation: Microsoft refuses client credentials at the aliases. */
const appTenant = refine(tenant, (t) => !(TENANT_ALIASES as readonly string[]).includes(t), 'must be the organisation’s Directory (tenant) ID or domain, not an alias');
/** The shape only; which authorities main accepts at all is the Microsoft sign-in service's list. */
const authority = refine(str({ max: 200 }), (a) => authorityProblem(a) === undefined, 'must be the origin of Microsoft’s sign-in service, such as https://login.microsoftonline.com');
const appSecret = str({ max: 1024, pattern: /^\S+$/, patternText: 'must be the client secret’s Value, without spaces' });
const address = str({ max: 320, pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, patternText: 'must be a full email address (name@example.com)' });

const server = { host, port: int(1, 65535), security: oneOf(SECURITIES), user, ca: optional(absolutePath) };
/** Never echoed: a key pasted here by mistake stays unseen. */
const serviceAccountRef = refine(str({ max: 320 }), isServiceAccountRef, 'must be the service account’s client e-mail (name@project.iam.gserviceaccount.com) or its numeric client ID');

/**
 * The Gmail side: an app password, Sign in with Google, a Workspace service account, or a Google Takeout
 * export (`takeout`: a path main's dialog gave; main refuses any other, takeout-source.ts).
 */
const source = { ...server, auth: optional(oneOf(SOURCE_AUTHS)), oauthClientId: optional(clientId), serviceAccount: optional(serviceAccountRef) };
export const sourceEndpointSchema = obj({ ...source, takeout: optional(absolutePath) });
/** An imported row's Gmail side: a server (a batch file names no Takeout export). */
export const batchSourceSchema = obj(source);

/**
 * The destination: any IMAP server with a password, or Microsoft 365 / Outlook.com. Which fields go together
 * (a tenant only with the provider, app-only not at an alias...) is the engine's parseJob's call.
 */
export const destinationEndpointSchema = obj({
  ...server,
  provider: optional(literal('microsoft')),
  auth: optional(oneOf(DESTINATION_AUTHS)),
  oauthClientId: optional(appId),
  tenant: optional(tenant),
  authority: optional(authority),
});

export const draftSchema = obj({
  id: optional(id),
  source: sourceEndpointSchema,
  destination: destinationEndpointSchema,
  sourcePassword: optional(password),
  destinationPassword: optional(password),
});

/** Source folder names as the server spells them (kept byte for byte). */
export const folderNames = arrayOf(str({ max: 1000, trim: false }), 2000, { unique: true });
export const labelPolicy = oneOf(LABEL_POLICIES);
/** A job file's folder patterns (an imported row's include). */
export const folderPatterns = arrayOf(str({ max: 1000, trim: false }), 200);
/** A received date as a job file takes it: "2024-06-01" (midnight UTC) or an ISO instant. */
export const receivedDate = refine(str({ max: 40 }), (v) => parseDate(v) !== undefined, 'must be a date such as 2024-06-01');
/** The mapping step's date fields: a date, or "" for no bound. */
const dateOrNone = either(literal(''), receivedDate);

/** A batch file's defaults: any server field a row may leave out, and the Microsoft preset. */
const importServer = { host: optional(host), port: optional(int(1, 65535)), security: optional(oneOf(SECURITIES)) };
const importDefaults = obj({
  source: obj({ ...importServer, serviceAccount: optional(serviceAccountRef) }),
  destination: obj({
    ...importServer,
    provider: optional(literal('microsoft')),
    tenant: optional(tenant),
    oauthClientId: optional(appId),
    auth: optional(oneOf(MICROSOFT_AUTHS)),
  }),
});
/** Ids main made up (a chosen file, a preview): letters, digits and "-" only. */
const token = str({ max: 100, pattern: /^[A-Za-z0-9-]+$/, patternText: 'is not one Mailferry gave' });

const ids = either(literal('all'), arrayOf(id, 1000, { unique: true }));
const selection = obj({ ids });
const startSelection = obj({ ids, despiteBlockers: optional(bool) });
const byId = obj({ id });
const limit = (k: NumericSetting) => int(SETTINGS_LIMITS[k].min, SETTINGS_LIMITS[k].max);

export const requestSchemas: { readonly [M in Method]: Check<Requests[M]> } = {
  getAppInfo: none,
  listMailboxes: none,
  saveMailbox: draftSchema,
  removeMailbox: obj({ id, forgetPasswords: bool }),
  testConnection: draftSchema,
  previewMapping: byId,
  setExclusions: obj({
    id,
    exclude: folderNames,
    labelPolicy: optional(labelPolicy),
    labelsAsKeywords: optional(bool),
    since: optional(dateOrNone),
    before: optional(dateOrNone),
    deleteMissing: optional(bool),
  }),
  start: startSelection,
  pause: selection,
  resume: startSelection,
  cancel: selection,
  getDetail: byId,
  getSettings: none,
  saveSettings: obj({
    connectionsPerAccount: limit('connectionsPerAccount'),
    parallelMailboxes: limit('parallelMailboxes'),
    bandwidthLimitKBps: limit('bandwidthLimitKBps'),
    notifications: bool,
  }),
  openExternal: obj({ url: str({ max: 2048 }) }),
  chooseCaFile: none,
  signInWithGoogle: obj({ address, clientId, clientSecret: optional(clientSecret), host: optional(host) }),
  hasGoogleSignIn: obj({ address, host: optional(host), clientId: optional(clientId) }),
  signInWithMicrosoft: obj({ address, clientId: appId, tenant, authority: optional(authority), host: optional(host) }),
  storeMicrosoftAppCredential: obj({
    address,
    clientId: appId,
    tenant: appTenant,
    authority: optional(authority),
    host: optional(host),
    clientSecret: optional(appSecret),
    certificateFile: optional(absolutePath),
  }),
  hasMicrosoftCredential: obj({ address, host: optional(host), clientId: optional(appId) }),
  chooseAppCertificateFile: none,
  copyExchangePermissions: obj({ clientId: appId, mailbox: address, objectId: optional(objectId) }),
  chooseBatchFile: none,
  previewImport: obj({ fileId: token, defaults: importDefaults }),
  importMailboxes: obj({ previewId: token }),
  testMailboxes: selection,
  verifyMailboxes: selection,
  retryFailed: byId,
  exportReport: obj({ format: oneOf(REPORT_FORMATS) }),
  chooseServiceAccountKey: none,
  deleteKeyFile: obj({ fileId: token }),
  listServiceAccounts: none,
  forgetServiceAccount: obj({ ref: serviceAccountRef }),
  chooseTakeoutFile: none,
};
