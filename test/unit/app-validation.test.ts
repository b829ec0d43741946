/**
 * Every contract call through the real handler table (as main binds it): good requests work, bad ones are
 * refused with INVALID_REQUEST (or the engine's own field check) before anything happens, and nothing
 * ever throws across the boundary.
 */
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../../src/main/app/services.js';
import { METHODS, type MailboxDraft, type MappingPreview, type Method, type Result } from '../../src/shared/contract.js';
import { fakeRun, idlePlatform, memorySecrets, okReport, settle, tempDir } from './app-fakes.js';

let services: AppServices;
let secrets: ReturnType<typeof memorySecrets>;
let opened: string[];
let lastTestPasswords: Array<[string, string]>;

const draft = (over: Partial<MailboxDraft> = {}): MailboxDraft => ({
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@gmail.com' },
  destination: { host: 'mail.example.net', port: 993, security: 'tls', user: 'ann@example.net' },
  sourcePassword: 'abcd efgh ijkl mnop',
  destinationPassword: ' dest pass ',
  ...over,
});

beforeEach(() => {
  secrets = memorySecrets();
  opened = [];
  lastTestPasswords = [];
  services = createAppServices({
    dataDir: tempDir(),
    version: '9.9.9',
    secrets,
    run: fakeRun().run,
    connectionTest: async (mb, password) => {
      lastTestPasswords = [
        ['source', safe(() => password('source', mb.source))],
        ['destination', safe(() => password('destination', mb.destination))],
      ];
      return okReport(mb.id);
    },
    platform: { ...idlePlatform, openExternal: async (u) => void opened.push(u), chooseCaFile: async () => '/etc/ssl/ca.pem' },
  });
});

function safe(f: () => string): string {
  try {
    return f();
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

async function call(method: Method, request?: unknown): Promise<Result<unknown>> {
  return services.handlers[method](request);
}

async function refused(method: Method, request: unknown, code = 'INVALID_REQUEST'): Promise<string> {
  const r = await call(method, request);
  expect(r.ok, `${method} ${JSON.stringify(request)} should be refused`).toBe(false);
  if (r.ok) return '';
  expect(r.error.code).toBe(code);
  return r.error.message;
}

async function ok<T = unknown>(method: Method, request?: unknown): Promise<T> {
  const r = await call(method, request);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

async function added(): Promise<string> {
  const v = await ok<{ config: { id: string } }>('saveMailbox', draft());
  return v.config.id;
}

describe('the handler table', () => {
  it('has one handler per contract call', () => {
    expect(Object.keys(services.handlers).sort()).toEqual([...METHODS].sort());
  });

  it('calls without a request refuse any argument', async () => {
    for (const m of ['getAppInfo', 'listMailboxes', 'getSettings', 'chooseCaFile'] as const) {
      await ok(m);
      await ok(m, null);
      await refused(m, { x: 1 });
      await refused(m, 'x');
    }
    expect(await ok('getAppInfo')).toMatchObject({ version: '9.9.9' });
    expect(await ok('chooseCaFile')).toBe('/etc/ssl/ca.pem');
  });
});

describe('saveMailbox', () => {
  it('stores passwords in the keychain (Gmail spaces stripped, destination kept as typed) and never in the settings file', async () => {
    const v = await ok<{ config: { id: string }; passwordsStored: unknown; status: { state: string } }>('saveMailbox', draft());
    expect(v.config.id).toBe('ann@gmail.com');
    expect(v.passwordsStored).toEqual({ source: true, destination: true });
    expect(v.status.state).toBe('idle');
    expect(secrets.get('imap.gmail.com', 'ann@gmail.com')).toBe('abcdefghijklmnop');
    expect(secrets.get('mail.example.net', 'ann@example.net')).toBe(' dest pass ');
    const file = readFileSync(services.store.file, 'utf8');
    expect(file).not.toMatch(/abcd|dest pass|password/i);
  });

  it('gives a second mailbox of the same address its own id, and never reuses a removed one', async () => {
    await added();
    const second = await ok<{ config: { id: string } }>('saveMailbox', draft({ destination: { host: 'other.example', port: 993, security: 'tls', user: 'x' } }));
    expect(second.config.id).toBe('ann@gmail.com (2)');
    await ok('removeMailbox', { id: 'ann@gmail.com', forgetPasswords: false });
    const third = await ok<{ config: { id: string } }>('saveMailbox', draft());
    expect(third.config.id).toBe('ann@gmail.com (3)');
  });

  it('edits keep stored passwords when none is typed, and refuse a different account', async () => {
    const id = await added();
    const edited = await ok<{ config: { destination: { port: number } } }>('saveMailbox', {
      id,
      source: draft().source,
      destination: { ...draft().destination, port: 143, security: 'starttls' },
    });
    expect(edited.config.destination.port).toBe(143);
    expect(secrets.get('mail.example.net', 'ann@example.net')).toBe(' dest pass ');
    await refused('saveMailbox', { id, source: draft().source, destination: { ...draft().destination, user: 'bob@example.net' } }, 'ACCOUNT_LOCKED');
    await refused('saveMailbox', { ...draft(), id: 'nobody' }, 'NOT_FOUND');
  });

  it('refuses bad shapes without echoing the password', async () => {
    const bad: unknown[] = [
      undefined,
      'x',
      [],
      { ...draft(), password: 'hunter2' },
      { ...draft(), source: { ...draft().source, pass: 'hunter2' } },
      { ...draft(), source: { ...draft().source, port: 70000 } },
      { ...draft(), source: { ...draft().source, port: '993' } },
      { ...draft(), source: { ...draft().source, port: 99.5 } },
      { ...draft(), source: { ...draft().source, security: 'ssl' } },
      { ...draft(), source: { ...draft().source, host: 'https://imap.gmail.com/' } },
      { ...draft(), source: { ...draft().source, host: '' } },
      { ...draft(), source: { ...draft().source, user: 'x'.repeat(400) } },
      { ...draft(), destination: { ...draft().destination, ca: 'relative/ca.pem' } },
      { ...draft(), destination: undefined },
      { ...draft(), sourcePassword: 'hunter2\r\nA1 LOGOUT' },
      { ...draft(), sourcePassword: 42 },
      { ...draft(), id: 7 },
      JSON.parse('{"__proto__": {"polluted": true}, "source": {}, "destination": {}}'),
    ];
    for (const request of bad) {
      const message = await refused('saveMailbox', request);
      expect(message).not.toContain('hunter2');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(services.store.mailboxes()).toEqual([]);
    expect(secrets.map.size).toBe(0);
  });

  it('applies the engine’s own rules: plain text only to loopback, a readable CA file, two different accounts, a password', async () => {
    const msg = await refused('saveMailbox', draft({ destination: { ...draft().destination, security: 'none', port: 143 } }), 'INVALID_MAILBOX');
    expect(msg).toMatch(/^Destination security: .*loopback/);
    expect(await refused('saveMailbox', draft({ destination: { ...draft().destination, ca: '/nonexistent/ca.pem' } }), 'INVALID_MAILBOX')).toMatch(/Destination CA file: file not found/);
    await refused('saveMailbox', draft({ destination: { ...draft().source } }), 'INVALID_MAILBOX');
    const { sourcePassword: _s, ...noPassword } = draft();
    await refused('saveMailbox', noPassword, 'PASSWORD_REQUIRED');
    await refused('saveMailbox', draft({ sourcePassword: '   ' }), 'PASSWORD_REQUIRED');
    expect(secrets.map.size).toBe(0);
    expect(services.store.mailboxes()).toEqual([]);
  });
});

describe('the other calls', () => {
  it('removeMailbox', async () => {
    const id = await added();
    await refused('removeMailbox', { id });
    await refused('removeMailbox', { id, forgetPasswords: 'yes' });
    await refused('removeMailbox', { id: 'nobody', forgetPasswords: true }, 'NOT_FOUND');
    await ok('removeMailbox', { id, forgetPasswords: true });
    expect(secrets.map.size).toBe(0);
    expect(await ok('listMailboxes')).toEqual([]);
  });

  it('testConnection uses the typed passwords (Gmail spaces stripped) without storing them', async () => {
    const check = await ok<{ source: { ok: boolean }; destination: { quota: unknown } }>('testConnection', draft());
    expect(check.source.ok).toBe(true);
    expect(check.destination.quota).toEqual({ usedBytes: 10, limitBytes: 1000 });
    expect(lastTestPasswords).toEqual([
      ['source', 'abcdefghijklmnop'],
      ['destination', ' dest pass '],
    ]);
    expect(secrets.map.size).toBe(0);
    const { sourcePassword: _s, destinationPassword: _d, ...none } = draft();
    await ok('testConnection', none);
    expect(lastTestPasswords[0]![1]).toMatch(/^error: No password is stored/);
    await refused('testConnection', { ...draft(), extra: true });
  });

  it('previewMapping and setExclusions', async () => {
    const id = await added();
    await refused('previewMapping', { id: 5 });
    await refused('previewMapping', {});
    await ok('setExclusions', { id, exclude: ['Work'] });
    const p = await ok<MappingPreview>('previewMapping', { id });
    expect(p.labelPolicy).toBe('folder-per-label');
    expect(p.labelsAsKeywords).toBe(false);
    expect(p.labelPolicies.map((x) => x.id)).toEqual(['folder-per-label', 'one-copy']);
    expect(p.gmailLabels).toBe(false);
    expect(p.warnings).toEqual([]);
    expect(p.rows.map((r) => [r.source, r.included, r.toggleable])).toEqual([
      ['INBOX', true, true],
      ['Work', false, true],
      ['[Gmail]/Starred', false, false],
    ]);
    await refused('setExclusions', { id, exclude: 'Work' });
    await refused('setExclusions', { id, exclude: ['Work', 'Work'] });
    await refused('setExclusions', { id, exclude: [''] });
    await refused('setExclusions', { id, exclude: [1] });
    await refused('setExclusions', { id: 'nobody', exclude: [] }, 'NOT_FOUND');
  });

  it('setExclusions saves the label policy with the folder choice; absent fields keep the saved ones', async () => {
    const id = await added();
    expect(services.store.mailbox(id)).toMatchObject({ labelPolicy: 'folder-per-label', labelsAsKeywords: false });
    await ok('setExclusions', { id, exclude: ['Work'], labelPolicy: 'one-copy', labelsAsKeywords: true });
    expect(services.store.mailbox(id)).toMatchObject({ exclude: ['Work'], labelPolicy: 'one-copy', labelsAsKeywords: true });
    const p = await ok<MappingPreview>('previewMapping', { id });
    expect([p.labelPolicy, p.labelsAsKeywords]).toEqual(['one-copy', true]);
    await ok('setExclusions', { id, exclude: [] });
    expect(services.store.mailbox(id)).toMatchObject({ exclude: [], labelPolicy: 'one-copy', labelsAsKeywords: true });
    // An edit of the accounts keeps the choice.
    await ok('saveMailbox', { ...draft(), id, sourcePassword: undefined, destinationPassword: undefined });
    expect(services.store.mailbox(id)).toMatchObject({ labelPolicy: 'one-copy', labelsAsKeywords: true });

    expect(await refused('setExclusions', { id, exclude: [], labelPolicy: 'merge' })).toMatch(/labelPolicy: must be one of "folder-per-label", "one-copy"/);
    await refused('setExclusions', { id, exclude: [], labelPolicy: null });
    await refused('setExclusions', { id, exclude: [], labelsAsKeywords: 'yes' });
    await refused('setExclusions', { id, exclude: [], labelsAsKeyword: true });
    expect(services.store.mailbox(id)).toMatchObject({ labelPolicy: 'one-copy', labelsAsKeywords: true });
  });

  it('the mapping preview shows what will not come across as it is', async () => {
    const warning = 'The destination does not keep keywords (its PERMANENTFLAGS have no \\*): message keywords and labels kept as keywords will be left off the copies; every message is still copied.';
    const s = createAppServices({ dataDir: tempDir(), version: '1', secrets, run: fakeRun().run, connectionTest: async (mb) => okReport(mb.id, [warning]), platform: idlePlatform });
    const a = await s.handlers.saveMailbox(draft());
    if (!a.ok) throw new Error('save failed');
    const p = await s.handlers.previewMapping({ id: a.value.config.id });
    // Apart from the blockers, split into what it is and what to do.
    expect(p.ok && p.value.blockers).toEqual([]);
    expect(p.ok && p.value.warnings).toEqual([
      { code: 'KEYWORDS', message: 'The destination does not keep keywords (its PERMANENTFLAGS have no \\*): message keywords and labels kept as keywords will be left off the copies.', hint: 'Nothing to do: every message is still copied.' },
    ]);
  });

  it('each run gets its own mailbox’s label policy', async () => {
    const fake = fakeRun();
    const dir = tempDir();
    const s = createAppServices({ dataDir: dir, version: '1', secrets, run: fake.run, connectionTest: async (mb) => okReport(mb.id), platform: idlePlatform });
    const a = await s.handlers.saveMailbox(draft());
    // Its own destination account: two mailboxes into one account run one after the other (one writer each).
    const b = await s.handlers.saveMailbox(draft({ source: { ...draft().source, user: 'bob@gmail.com' }, destination: { ...draft().destination, user: 'bob@example.net' } }));
    if (!a.ok || !b.ok) throw new Error('save failed');
    await s.handlers.setExclusions({ id: b.value.config.id, exclude: [], labelPolicy: 'one-copy', labelsAsKeywords: true });
    await s.handlers.start({ ids: 'all' });
    await settle();
    const options = new Map(fake.calls.map((c) => [c.job.mailboxes[0]!.id, c.job.options]));
    expect(options.get('ann@gmail.com')).toMatchObject({ labelPolicy: 'folder-per-label', labelsAsKeywords: false });
    expect(options.get('bob@gmail.com')).toMatchObject({ labelPolicy: 'one-copy', labelsAsKeywords: true });
    for (const c of fake.calls) c.finish({ state: 'done' });
    await settle();
  });

  it('start / pause / resume / cancel take ids or "all", and only in a state where they apply', async () => {
    const id = await added();
    for (const m of ['start', 'pause', 'resume', 'cancel'] as const) {
      await refused(m, { ids: 'some' });
      await refused(m, { ids: [1] });
      await refused(m, { ids: [id, id] });
      await refused(m, { id });
      await refused(m, { ids: ['nobody'] }, 'NOT_FOUND');
    }
    await refused('pause', { ids: [id] }, 'WRONG_STATE');
    await refused('resume', { ids: [id] }, 'WRONG_STATE');
    expect(await ok('pause', { ids: 'all' })).toEqual([]);
    const started = await ok<Array<{ state: string }>>('start', { ids: [id] });
    expect(started[0]!.state).toBe('queued');
    await refused('start', { ids: [id] }, 'WRONG_STATE');
    expect((await ok<Array<{ state: string }>>('pause', { ids: 'all' }))[0]!.state).toBe('paused');
    expect((await ok<Array<{ state: string }>>('cancel', { ids: [id] }))[0]!.state).toBe('cancelled');
  });

  it('getDetail', async () => {
    const id = await added();
    const d = await ok<{ view: { config: { id: string } }; failures: unknown[]; log: unknown[] }>('getDetail', { id });
    expect(d.view.config.id).toBe(id);
    await refused('getDetail', { id: '' });
    await refused('getDetail', { id, more: 1 });
  });

  it('saveSettings takes whole numbers in range and the notifications switch, all four fields, nothing else', async () => {
    expect(await ok('getSettings')).toEqual({ connectionsPerAccount: 4, parallelMailboxes: 2, bandwidthLimitKBps: 0, notifications: true });
    const good = { connectionsPerAccount: 6, parallelMailboxes: 1, bandwidthLimitKBps: 500, notifications: false };
    expect(await ok('saveSettings', good)).toEqual(good);
    await refused('saveSettings', { ...good, connectionsPerAccount: 11 });
    await refused('saveSettings', { ...good, connectionsPerAccount: 0 });
    await refused('saveSettings', { ...good, parallelMailboxes: 1.5 });
    await refused('saveSettings', { ...good, bandwidthLimitKBps: -1 });
    await refused('saveSettings', { connectionsPerAccount: 6, parallelMailboxes: 1 });
    await refused('saveSettings', { ...good, theme: 'dark' });
    await refused('saveSettings', { ...good, notifications: 'yes' });
    await refused('saveSettings', { connectionsPerAccount: 6, parallelMailboxes: 1, bandwidthLimitKBps: 500 });
    expect(await ok('getSettings')).toEqual(good);
  });

  it('openExternal opens only public https links', async () => {
    await ok('openExternal', { url: 'https://myaccount.google.com/apppasswords' });
    expect(opened).toEqual(['https://myaccount.google.com/apppasswords']);
    for (const url of [
      'http://myaccount.google.com/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'https://user:pw@example.com/',
      'https://localhost/',
      'https://127.0.0.1/',
      'https://example.com:8443/',
      'mailto:a@b.c',
      'https://intranet/',
      'https://exa mple.com/',
    ]) {
      await refused('openExternal', { url }, 'URL_REFUSED');
    }
    await refused('openExternal', { url: 5 });
    await refused('openExternal', 'https://example.com');
    expect(opened).toHaveLength(1);
  });
});
