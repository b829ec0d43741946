/**
 * "Import…" through the real handler table: a batch file chosen in main's dialog is previewed line by line
 * (the mailbox, or the line's problem in the window's words), and the confirmation saves the good rows with
 * their passwords in the keychain. The window never gets a password, nor a way to name a file itself.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { forTheWindow, toBatchDefaults } from '../../src/main/app/batch-import.js';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import type { ImportDefaults, ImportFile, ImportPreview, ImportResult, MailboxView, Method, Result } from '../../src/shared/contract.js';
import { fakeRun, idlePlatform, memorySecrets, okReport, tempDir } from './app-fakes.js';

const CSV = [
  'id,source_host,source_user,source_password,destination_host,destination_user,destination_password,since,exclude',
  ',imap.gmail.com,ann@example.com,abcd efgh ijkl mnop,mail.example.net,ann@example.net,S3cret;pw,,Trash|Old/*',
  ',,bob@example.com,,mail.example.net,bob@example.net,,2024-01-01,',
  ',imap.gmail.com,carl@example.com,carl-pw,mail.example.net,carl@example.net,carl-dst,not-a-date,',
  ',imap.gmail.com,dora@example.com,dora-pw,,dora@example.net,dora-dst,,',
  '',
].join('\n');

const GMAIL: ImportDefaults = { source: { host: 'imap.gmail.com' }, destination: {} };

let services: AppServices;
let secrets: ReturnType<typeof memorySecrets>;
let dir: string;
let chosen: string | null;

beforeEach(() => {
  dir = tempDir('mf-import-');
  secrets = memorySecrets();
  chosen = null;
  services = createAppServices({
    dataDir: join(dir, 'data'),
    version: '9.9.9',
    secrets,
    run: fakeRun().run,
    connectionTest: async (mb) => okReport(mb.id),
    platform: { ...idlePlatform, chooseBatchFile: async () => chosen },
  });
});

async function call(method: Method, request?: unknown): Promise<Result<unknown>> {
  return services.handlers[method](request);
}

async function ok<T>(method: Method, request?: unknown): Promise<T> {
  const r = await call(method, request);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

async function choose(text: string, name = 'users.csv'): Promise<ImportFile> {
  chosen = join(dir, name);
  writeFileSync(chosen, text);
  return ok<ImportFile>('chooseBatchFile');
}

describe('importing a batch file', () => {
  it('previews one row per line: the mailbox with where its passwords come from, or the line’s problem', async () => {
    const file = await choose(CSV);
    expect(file).toEqual({ fileId: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'users.csv' });
    const preview = await ok<ImportPreview>('previewImport', { fileId: file.fileId, defaults: GMAIL });
    expect(preview.format).toBe("Mailferry's batch columns");
    expect(preview.rows.map((r) => r.line)).toEqual([2, 3, 4, 5]);
    const [ann, bob, carl, dora] = preview.rows;
    expect(ann).toMatchObject({
      mailbox: { source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@example.com' }, destination: { host: 'mail.example.net', user: 'ann@example.net' }, exclude: ['Trash', 'Old/*'] },
      credentials: { source: 'file', destination: 'file' },
    });
    // The default server fills the empty cell; no password in the file and none stored yet.
    expect(bob).toMatchObject({ mailbox: { source: { host: 'imap.gmail.com' }, since: '2024-01-01' }, credentials: { source: 'missing', destination: 'missing' } });
    expect(carl!.problem).toMatch(/since/);
    expect(carl!.mailbox).toBeUndefined();
    // The command line's flag is the form's field here.
    expect(dora!.problem).toBe('destination.host: none given: put it in the file or fill in the default destination server');
    // Nothing of the file's passwords reaches the window.
    const text = JSON.stringify(preview);
    for (const secret of ['abcd efgh', 'S3cret', 'carl-pw', 'dora-dst']) expect(text).not.toContain(secret);
  });

  it('imports the good rows: mailboxes saved without passwords, the file’s passwords in the keychain, bad lines listed', async () => {
    const file = await choose(CSV);
    const preview = await ok<ImportPreview>('previewImport', { fileId: file.fileId, defaults: GMAIL });
    const result = await ok<ImportResult>('importMailboxes', { previewId: preview.previewId });
    expect(result.added).toEqual(['ann@example.com', 'bob@example.com']);
    expect(result.updated).toEqual([]);
    expect(result.passwordsStored).toBe(2);
    expect(result.problems.map((p) => p.line)).toEqual([4, 5]);
    // Gmail's app password without its spaces, the destination's byte for byte.
    expect(secrets.get('imap.gmail.com', 'ann@example.com')).toBe('abcdefghijklmnop');
    expect(secrets.get('mail.example.net', 'ann@example.net')).toBe('S3cret;pw');
    const views = await ok<MailboxView[]>('listMailboxes');
    expect(views.map((v) => [v.config.id, v.passwordsStored])).toEqual([
      ['ann@example.com', { source: true, destination: true }],
      ['bob@example.com', { source: false, destination: false }],
    ]);
    expect(views[0]!.config).toMatchObject({ exclude: ['Trash', 'Old/*'] });
    expect(views[1]!.config).toMatchObject({ since: '2024-01-01' });
    expect(views[0]!.status).toMatchObject({ state: 'idle', check: null, verification: null });
    const settings = readFileSync(services.store.file, 'utf8');
    expect(settings).not.toContain('S3cret');
    expect(settings).not.toContain('abcd');
    // A preview is used once.
    expect(await call('importMailboxes', { previewId: preview.previewId })).toMatchObject({ ok: false, error: { code: 'PREVIEW_EXPIRED' } });
  });

  it('a mailbox already in the list is not added twice; the file’s passwords replace the stored ones', async () => {
    const first = await choose(CSV);
    await ok('importMailboxes', { previewId: (await ok<ImportPreview>('previewImport', { fileId: first.fileId, defaults: GMAIL })).previewId });
    const again = await choose(CSV.replace('S3cret;pw', 'N3w-secret'), 'users-2.csv');
    const preview = await ok<ImportPreview>('previewImport', { fileId: again.fileId, defaults: GMAIL });
    expect(preview.rows[0]).toMatchObject({ existing: 'ann@example.com' });
    const result = await ok<ImportResult>('importMailboxes', { previewId: preview.previewId });
    expect(result).toMatchObject({ added: [], updated: ['ann@example.com', 'bob@example.com'], passwordsStored: 2 });
    expect(secrets.get('mail.example.net', 'ann@example.net')).toBe('N3w-secret');
    expect((await ok<MailboxView[]>('listMailboxes')).length).toBe(2);
  });

  it('a file with no usable line still shows each line’s problem; a file in no known format says so', async () => {
    const file = await choose('source_user,destination_user\nann@example.com,ann@example.net\n');
    const preview = await ok<ImportPreview>('previewImport', { fileId: file.fileId, defaults: { source: {}, destination: {} } });
    expect(preview.rows).toEqual([{ line: 2, problem: expect.stringMatching(/^source\.host: none given: put it in the file or fill in the default source server; destination\.host/) }]);
    expect(await ok<ImportResult>('importMailboxes', { previewId: preview.previewId })).toMatchObject({ added: [], problems: [{ line: 2 }] });

    const odd = await choose('Dear Ann,\nhere are the accounts.\n', 'odd.txt');
    const r = await call('previewImport', { fileId: odd.fileId, defaults: GMAIL });
    expect(r).toMatchObject({ ok: false, error: { code: 'JOB_INVALID', message: expect.stringMatching(/^odd\.txt: its first line is neither a CSV header/), hint: expect.stringContaining('Batch files') } });
  });

  it('Microsoft’s file with the Microsoft preset: app-only access unless each user signs in', async () => {
    const file = await choose('EmailAddress,UserName,Password\nann@contoso.com,ann@example.com,abcdefghijklmnop\n', 'microsoft.csv');
    const defaults: ImportDefaults = {
      source: { host: 'imap.gmail.com' },
      destination: { provider: 'microsoft', tenant: 'contoso.onmicrosoft.com', oauthClientId: '4a1aa1d5-c567-49d0-ad0b-cd957a47f842' },
    };
    const preview = await ok<ImportPreview>('previewImport', { fileId: file.fileId, defaults });
    expect(preview.rows[0]).toMatchObject({
      mailbox: { destination: { host: 'outlook.office365.com', provider: 'microsoft', auth: 'oauth2-app', user: 'ann@contoso.com' } },
      credentials: { source: 'file', destination: 'missing' },
    });
  });

  it('takes only files main’s dialog chose, and checks every field of the request', async () => {
    expect(await ok('chooseBatchFile')).toBeNull(); // dismissed
    expect(await call('previewImport', { fileId: '00000000-0000-0000-0000-000000000000', defaults: GMAIL })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const file = await choose(CSV);
    for (const bad of [
      { fileId: '/etc/passwd', defaults: GMAIL },
      { fileId: file.fileId },
      { fileId: file.fileId, defaults: { source: { host: 'a b' }, destination: {} } },
      { fileId: file.fileId, defaults: { source: { port: 0 }, destination: {} } },
      { fileId: file.fileId, defaults: { source: {}, destination: { provider: 'google' } } },
      { fileId: file.fileId, defaults: { source: {}, destination: { oauthClientId: 'not a guid' } } },
      { fileId: file.fileId, defaults: { source: {}, destination: {}, path: '/etc/passwd' } },
    ]) {
      expect(await call('previewImport', bad), JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    }
    expect(await call('importMailboxes', { previewId: '../x' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(await call('chooseBatchFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  });
});

describe('import helpers', () => {
  it('defaults keep only what the form gives', () => {
    expect(toBatchDefaults({ source: { host: 'imap.gmail.com', port: undefined }, destination: { provider: 'microsoft', tenant: 't' } })).toEqual({
      source: { host: 'imap.gmail.com' },
      destination: { provider: 'microsoft', tenant: 't' },
    });
  });

  it('the engine’s command-line words become the window’s', () => {
    expect(forTheWindow('--delete2: per mailbox it is not supported: `mailferry migrate --delete-missing` does it for the whole batch')).toBe(
      '--delete2: per mailbox it is not supported: choose “Delete on the destination what was deleted in Gmail” under Folders… instead',
    );
    expect(forTheWindow('--justlogin: use `mailferry test` for the whole batch')).toBe('--justlogin: use Test all instead');
  });
});
