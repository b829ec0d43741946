/**
 * "Whole Google Workspace domain (service account)" through the real handler table: the key file comes only
 * from main's dialog, is checked with the engine's parser and stored in the (here: in-memory) keychain; the
 * window gets the client ID and the administrator's steps, never the key or the path; main deletes the file on
 * request, and only that file. Mailboxes then sign in with 'service-account', also for a whole imported list.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { googleSourceHintForTheWindow } from '../../src/main/app/google-source-hints.js';
import { toMailboxJob } from '../../src/main/app/mailbox-config.js';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import { forTheWindow } from '../../src/main/app/app-error.js';
import { serviceAccountError } from '../../src/main/engine/oauth/service-account/token-errors.js';
import type { ImportPreview, MailboxDraft, MailboxView, Method, Result, ServiceAccountImport, ServiceAccountInfo } from '../../src/shared/contract.js';
import { CLIENT_EMAIL, CLIENT_ID, keyFileText, memoryServiceAccounts } from './app-fake-service-accounts.js';
import { fakeRun, idlePlatform, memorySecrets, okReport, tempDir } from './app-fakes.js';

let services: AppServices;
let keys: ReturnType<typeof memoryServiceAccounts>;
let dir: string;
let dialog: string | null;
let batchFile: string | null;

beforeEach(() => {
  dir = tempDir('mf-sa-');
  keys = memoryServiceAccounts();
  dialog = null;
  batchFile = null;
  services = createAppServices({
    dataDir: join(dir, 'data'),
    version: '1',
    secrets: memorySecrets(),
    serviceAccounts: keys,
    run: fakeRun().run,
    connectionTest: async (mb) => okReport(mb.id),
    platform: { ...idlePlatform, chooseServiceAccountKeyFile: async () => dialog, chooseBatchFile: async () => batchFile },
  });
});

const call = (method: Method, request?: unknown): Promise<Result<unknown>> => services.handlers[method](request);
async function ok<T>(method: Method, request?: unknown): Promise<T> {
  const r = await call(method, request);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}
async function refused(method: Method, request: unknown, code: string): Promise<string> {
  const r = await call(method, request);
  expect(r.ok, `${method} should be refused`).toBe(false);
  if (!r.ok) expect(r.error.code).toBe(code);
  return r.ok ? '' : `${r.error.message} ${r.error.hint ?? ''}`;
}

function keyFile(name = 'acme-migration-f00dfeed.json', over: Record<string, unknown> = {}): { path: string; privateKey: string } {
  const { text, privateKey } = keyFileText(over);
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, privateKey };
}

const draft = (over: Partial<MailboxDraft['source']> = {}): MailboxDraft => ({
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@acme.example', auth: 'service-account', serviceAccount: CLIENT_EMAIL, ...over },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: 'ann@example.net' },
  destinationPassword: 'dst',
});

describe('importing a service account key', () => {
  it('stores the key, answers the client ID and the administrator’s steps, and never the key or the path', async () => {
    const file = keyFile();
    dialog = file.path;
    const r = await ok<ServiceAccountImport>('chooseServiceAccountKey');
    expect(r.account).toEqual({ clientEmail: CLIENT_EMAIL, clientId: CLIENT_ID });
    expect(r.scope).toBe('https://mail.google.com/');
    expect(r.steps.join('\n')).toContain(`Client ID: ${CLIENT_ID}`);
    expect(r.steps.join('\n')).toContain('Domain-wide delegation');
    expect(r.fileName).toBe('acme-migration-f00dfeed.json');
    const answer = JSON.stringify(r);
    expect(answer).not.toContain('PRIVATE KEY');
    expect(answer).not.toContain(dir);
    expect(keys.keys.get(CLIENT_EMAIL)).toEqual({ clientEmail: CLIENT_EMAIL, clientId: CLIENT_ID });
    expect(await ok<ServiceAccountInfo[]>('listServiceAccounts')).toEqual([{ clientEmail: CLIENT_EMAIL, clientId: CLIENT_ID }]);

    // The file main's dialog chose is deleted on request; an id main did not give deletes nothing.
    expect(await refused('deleteKeyFile', { fileId: '00000000-0000-4000-8000-000000000000' }, 'NOT_FOUND')).toContain('no longer known');
    expect(await refused('deleteKeyFile', { fileId: '../etc/passwd' }, 'INVALID_REQUEST')).toContain('fileId');
    expect(await ok('deleteKeyFile', { fileId: r.fileId })).toEqual({ deleted: 'acme-migration-f00dfeed.json' });
    expect(existsSync(file.path)).toBe(false);
    expect(await refused('deleteKeyFile', { fileId: r.fileId }, 'NOT_FOUND')).toBeTruthy();
  });

  it('a dismissed dialog imports nothing; a wrong file is named with what it is, never quoted', async () => {
    expect(await ok('chooseServiceAccountKey')).toBeNull();
    dialog = join(dir, 'client_secret.json');
    writeFileSync(dialog, JSON.stringify({ installed: { client_id: 'x.apps.googleusercontent.com', client_secret: 'GOCSPX-very-secret' } }));
    const why = await refused('chooseServiceAccountKey', null, 'OAUTH_APP_CREDENTIAL');
    expect(why).toContain('client_secret.json');
    expect(why).toContain("OAuth client's file");
    expect(why).not.toContain('GOCSPX');
    dialog = keyFile('edited.json', { private_key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' }).path;
    expect(await refused('chooseServiceAccountKey', null, 'OAUTH_APP_CREDENTIAL')).toContain('not a readable PEM key');
    dialog = join(dir, 'big.json');
    writeFileSync(dialog, 'x'.repeat(100_000));
    expect(await refused('chooseServiceAccountKey', null, 'OAUTH_APP_CREDENTIAL')).toContain('too big');
    expect(keys.keys.size).toBe(0);
    await refused('chooseServiceAccountKey', { path: '/tmp/key.json' }, 'INVALID_REQUEST');
    await refused('listServiceAccounts', { all: true }, 'INVALID_REQUEST');
    await refused('deleteKeyFile', {}, 'INVALID_REQUEST');
  });

  it('forgets a key only when no mailbox signs in with it', async () => {
    dialog = keyFile().path;
    await ok('chooseServiceAccountKey');
    await ok('saveMailbox', draft({ serviceAccount: CLIENT_ID }));
    expect(await refused('forgetServiceAccount', { ref: CLIENT_EMAIL }, 'SERVICE_ACCOUNT_IN_USE')).toContain('ann@acme.example');
    await refused('forgetServiceAccount', { ref: 'not a ref' }, 'INVALID_REQUEST');
    await ok('removeMailbox', { id: 'ann@acme.example', forgetPasswords: true });
    // Removing the mailbox does not forget the domain's key; forgetting it is its own step.
    expect(keys.keys.size).toBe(1);
    await ok('forgetServiceAccount', { ref: CLIENT_ID });
    expect(keys.keys.size).toBe(0);
  });
});

describe('a mailbox signing in with a service account', () => {
  it('is saved only once its key is stored, with no password, and runs as "auth": "service-account"', async () => {
    expect(await refused('saveMailbox', draft(), 'SERVICE_ACCOUNT_KEY_REQUIRED')).toContain('Import key file');
    dialog = keyFile().path;
    await ok('chooseServiceAccountKey');
    expect(await refused('saveMailbox', { ...draft(), sourcePassword: 'abcd efgh ijkl mnop' }, 'INVALID_MAILBOX')).toContain('without the user’s app password');
    const v = await ok<MailboxView>('saveMailbox', draft({ serviceAccount: CLIENT_EMAIL.toUpperCase() }));
    expect(v.config.source).toEqual({ host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@acme.example', auth: 'service-account', serviceAccount: CLIENT_EMAIL });
    expect(v.passwordsStored.source).toBe(true);
    const listed = await ok<MailboxView[]>('listMailboxes');
    expect(listed[0]!.passwordsStored.source).toBe(true);
    const job = toMailboxJob(v.config);
    expect(job.source).toMatchObject({ auth: 'service-account', serviceAccount: CLIENT_EMAIL, user: 'ann@acme.example' });
    expect(readFileSync(services.store.file, 'utf8')).not.toContain('PRIVATE KEY');
  });

  it('refuses what the engine refuses: a reference that is no service account, a @gmail.com user', async () => {
    dialog = keyFile().path;
    await ok('chooseServiceAccountKey');
    expect(await refused('saveMailbox', draft({ serviceAccount: 'BEGIN PRIVATE KEY' }), 'INVALID_REQUEST')).not.toContain('BEGIN');
    expect(await refused('saveMailbox', draft({ user: 'ann@gmail.com' }), 'INVALID_MAILBOX')).toContain('Google Workspace');
    expect(await refused('saveMailbox', draft({ auth: 'oauth2-app' as never }), 'INVALID_REQUEST')).toContain('source.auth');
  });
});

describe('Import… with one service account for every row', () => {
  const CSV = ['source_user,destination_host,destination_user,destination_password', 'ann@acme.example,mail.example.net,ann@example.net,d1', 'bob@acme.example,mail.example.net,bob@example.net,d2', ''].join('\n');

  it('rows sign in with the chosen service account; its key is stored or missing; a row with a Gmail password is refused', async () => {
    batchFile = join(dir, 'users.csv');
    writeFileSync(batchFile, CSV);
    const file = await ok<{ fileId: string }>('chooseBatchFile');
    const defaults = { source: { host: 'imap.gmail.com', serviceAccount: CLIENT_EMAIL }, destination: {} };
    let p = await ok<ImportPreview>('previewImport', { fileId: file.fileId, defaults });
    expect(p.rows.map((r) => r.mailbox?.source.auth)).toEqual(['service-account', 'service-account']);
    expect(p.rows.map((r) => r.credentials?.source)).toEqual(['missing', 'missing']);
    dialog = keyFile().path;
    await ok('chooseServiceAccountKey');
    p = await ok<ImportPreview>('previewImport', { fileId: file.fileId, defaults });
    expect(p.rows.map((r) => r.credentials?.source)).toEqual(['stored', 'stored']);
    await ok('importMailboxes', { previewId: p.previewId });
    expect(services.store.mailboxes().map((m) => m.source.serviceAccount)).toEqual([CLIENT_EMAIL, CLIENT_EMAIL]);

    writeFileSync(batchFile, 'source_user,source_password,destination_host,destination_user\ncarl@acme.example,abcdefghijklmnop,mail.example.net,carl@example.net\n');
    const again = await ok<{ fileId: string }>('chooseBatchFile');
    const q = await ok<ImportPreview>('previewImport', { fileId: again.fileId, defaults });
    expect(q.rows[0]!.problem).toContain('leave the source password empty');
    await refused('previewImport', { fileId: again.fileId, defaults: { ...defaults, source: { serviceAccount: 'nope' } } }, 'INVALID_REQUEST');
  });
});

describe('the window’s words for Google’s refusals', () => {
  const target = { clientEmail: CLIENT_EMAIL, clientId: CLIENT_ID, user: 'ann@acme.example', now: Date.UTC(2020, 0, 1) };
  const windowed = (error: string, description: string) => {
    const e = serviceAccountError({ status: 400, json: { error, error_description: description } } as never, target);
    return forTheWindow({ code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
  };

  it('CLOCK_SKEW and OAUTH_CONSENT_REQUIRED end with the window’s next step, not a command', () => {
    const clock = windowed('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    expect(clock.code).toBe('CLOCK_SKEW');
    expect(clock.hint).toMatch(/timedatectl set-ntp true.*then Test the mailbox or start it again\.$/);
    const consent = windowed('unauthorized_client', 'Client is unauthorized to retrieve access tokens using this method.');
    expect(consent.code).toBe('OAUTH_CONSENT_REQUIRED');
    expect(consent.hint).toContain(`client ID ${CLIENT_ID}`);
    expect(consent.hint).toMatch(/; then Test the mailbox or start it again\.$/);
    const scope = windowed('access_denied', 'Requested client not authorized.');
    expect(scope.hint).toContain('; then Test the mailbox or start it again.');
    for (const e of [clock, consent, scope]) expect(e.hint).not.toMatch(/run again|npx|mailferry /);
  });

  it('the key commands become the form’s button', () => {
    const signature = windowed('invalid_grant', 'Invalid JWT Signature.');
    expect(signature.hint).toContain('“Import key file…” under Whole Google Workspace domain in the mailbox’s settings (Edit) (Mailferry offers to delete the file then)');
    const noUser = windowed('invalid_grant', 'Invalid email or User ID');
    expect(noUser.hint).toContain('Use the user’s primary address as the Gmail address');
    const missing = googleSourceHintForTheWindow('Import the service account\'s JSON key once: npx mailferry secrets import-service-account KEY.json. "serviceAccount" in the job is its client e-mail or client ID, as the import printed them.');
    expect(missing).toBe('Import the service account’s JSON key with “Import key file…” under Whole Google Workspace domain in the mailbox’s settings (Edit).');
    expect(googleSourceHintForTheWindow('Nothing to change.')).toBe('Nothing to change.');
  });
});
