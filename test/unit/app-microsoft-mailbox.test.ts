/**
 * A mailbox whose destination is Microsoft 365 / Outlook.com, through the handler table: the new fields
 * validated in main (each refused input), the mapping to the engine's job, what saving needs and what
 * removing forgets, the connection test, the Exchange PowerShell, and the engine's Microsoft hints in the
 * window's words.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { forTheWindow } from '../../src/main/app/app-error.js';
import { draftToConfig, toMailboxJob } from '../../src/main/app/mailbox-config.js';
import { microsoftError, type ErrorTarget } from '../../src/main/engine/oauth/microsoft/aad-errors.js';
import { importCertificateCommand, setAppSecretCommand } from '../../src/main/engine/oauth/microsoft/app-credentials.js';
import { MicrosoftUserTokens } from '../../src/main/engine/oauth/microsoft/token-providers.js';
import { classifyServerText } from '../../src/main/engine/errors/classify-error.js';
import type { EndpointSettings, MailboxDraft, MailboxView, Result } from '../../src/shared/contract.js';
import { APP_ID, microsoftApp, TENANT_ID, type MicrosoftApp } from './app-microsoft-fakes.js';

const SOURCE = { host: 'imap.gmail.com', port: 993, security: 'tls' as const, user: 'ann@gmail.com' };
const M365: EndpointSettings = { host: 'outlook.office365.com', port: 993, security: 'tls', user: 'ann@contoso.com', provider: 'microsoft', auth: 'oauth2', oauthClientId: APP_ID, tenant: 'organizations' };
const draft = (destination: Partial<EndpointSettings> = {}, over: Partial<MailboxDraft> = {}): MailboxDraft => ({
  source: SOURCE,
  sourcePassword: 'abcd efgh ijkl mnop',
  destination: { ...M365, ...destination },
  ...over,
});

let h: MicrosoftApp;
beforeEach(() => {
  h = microsoftApp();
});

async function ok<T>(r: Promise<Result<unknown>>): Promise<T> {
  const v = await r;
  if (!v.ok) throw new Error(`${v.error.code}: ${v.error.message}`);
  return v.value as T;
}

/** Refused by saveMailbox and (unless it is only about what is stored) by testConnection too. */
async function refused(request: unknown, code: string, methods: ReadonlyArray<'saveMailbox' | 'testConnection'> = ['saveMailbox', 'testConnection']): Promise<string> {
  for (const method of methods) {
    const r = await h.call(method, request);
    expect(r.ok, `${method} ${JSON.stringify(request)} should be refused`).toBe(false);
    if (!r.ok) expect(r.error.code, r.error.message).toBe(code);
  }
  const r = await h.call('saveMailbox', request);
  return r.ok ? '' : `${r.error.message} ${r.error.hint ?? ''}`;
}

describe('the Microsoft fields of a mailbox', () => {
  it('are checked in main: each wrong one is refused before anything is stored or tested', async () => {
    await h.call('signInWithMicrosoft', { address: 'ann@contoso.com', clientId: APP_ID, tenant: 'organizations' });
    expect(await refused(draft({ provider: 'google' as never }), 'INVALID_REQUEST')).toMatch(/destination\.provider: must be "microsoft"/);
    expect(await refused(draft({ auth: 'token' as never }), 'INVALID_REQUEST')).toMatch(/destination\.auth: must be one of "password", "oauth2", "oauth2-app"/);
    expect(await refused(draft({ oauthClientId: 'Fk8Q~secret-pasted-here' }), 'INVALID_REQUEST')).not.toContain('Fk8Q');
    expect(await refused(draft({ tenant: 'contoso' }), 'INVALID_REQUEST')).toMatch(/destination\.tenant: must be "organizations"/);
    expect(await refused(draft({ authority: 'http://login.microsoftonline.com' }), 'INVALID_REQUEST')).toMatch(/destination\.authority: must be the origin of Microsoft’s sign-in service/);
    await refused(draft({ authority: 'https://login.microsoftonline.com/organizations' }), 'INVALID_REQUEST');
    expect(await refused(draft({ authority: 'https://login.evil.example' }), 'AUTHORITY_REFUSED')).toMatch(/login\.microsoftonline\.us/);
    // The job file's headless fields are not the window's: refused as unknown.
    expect(await refused(draft({ clientSecretEnv: 'APP_SECRET' } as never), 'INVALID_REQUEST')).toMatch(/destination\.clientSecretEnv: unknown field/);
    await refused({ ...draft(), source: { ...SOURCE, provider: 'microsoft' } }, 'INVALID_REQUEST');
    await refused({ ...draft(), source: { ...SOURCE, tenant: 'organizations' } }, 'INVALID_REQUEST');
    // Which fields go together is the engine's call, in the form's words.
    expect(await refused(draft({ auth: undefined }), 'INVALID_MAILBOX')).toMatch(/^Destination sign-in: Microsoft 365 and Outlook.com take IMAP only with OAuth/);
    expect(await refused(draft({ tenant: undefined }), 'INVALID_MAILBOX')).toMatch(/^Destination tenant: /);
    expect(await refused(draft({ oauthClientId: undefined }), 'INVALID_MAILBOX')).toMatch(/^Destination Application \(client\) ID: /);
    expect(await refused(draft({ provider: undefined, auth: 'password', oauthClientId: undefined }), 'INVALID_MAILBOX')).toMatch(/^Destination tenant: is only used with "provider": "microsoft"/);
    expect(await refused(draft({ provider: undefined, tenant: undefined }), 'INVALID_MAILBOX')).toMatch(/^Destination sign-in: "oauth2" on the destination is for Microsoft 365/);
    expect(await refused(draft({ auth: 'oauth2-app' }), 'INVALID_MAILBOX')).toMatch(/^Destination tenant: app-only access signs in to one organisation/);
    expect(h.services.store.mailboxes()).toEqual([]);
    expect(h.tested).toEqual([]);
  });

  it('go to the engine’s job as the command line’s job file has them', () => {
    const job = toMailboxJob(draftToConfig(draft({ authority: 'https://login.microsoftonline.us/' }), 'ann'));
    expect(job.destination).toEqual({ ...M365, authority: 'https://login.microsoftonline.us' });
    const app = toMailboxJob(draftToConfig(draft({ auth: 'oauth2-app', tenant: TENANT_ID }), 'ann'));
    expect(app.destination).toMatchObject({ provider: 'microsoft', auth: 'oauth2-app', oauthClientId: APP_ID, tenant: TENANT_ID });
    // A password server keeps no client ID left over from an OAuth choice.
    const plain = draftToConfig(draft({ host: 'mail.example.net', provider: undefined, auth: 'password', tenant: undefined }), 'ann').destination;
    expect(plain).toEqual({ host: 'mail.example.net', port: 993, security: 'tls', user: 'ann@contoso.com' });
  });
});

describe('saving, testing and removing a Microsoft mailbox', () => {
  it('needs the sign-in first, takes no password, shows the sign-in as stored, and tests with it', async () => {
    expect(await refused(draft(), 'SIGN_IN_REQUIRED', ['saveMailbox'])).toMatch(/Sign in with Microsoft as ann@contoso.com first/);
    await h.call('signInWithMicrosoft', { address: 'ann@contoso.com', clientId: APP_ID, tenant: 'organizations' });
    expect((await h.call('saveMailbox', draft({}, { destinationPassword: 'pw' }))).ok).toBe(false);
    const v = await ok<MailboxView>(h.call('saveMailbox', draft()));
    expect(v.config.destination).toEqual(M365);
    expect(v.passwordsStored).toEqual({ source: true, destination: true });
    expect(h.secrets.map.has('ann@contoso.com@outlook.office365.com')).toBe(false);

    await ok(h.call('testConnection', { ...draft(), id: v.config.id }));
    expect(h.tested.at(-1)!.destination).toMatchObject({ provider: 'microsoft', auth: 'oauth2', oauthClientId: APP_ID, tenant: 'organizations' });
  });

  it('app-only: needs the app’s secret or certificate, and removing forgets it only with the last mailbox of that app', async () => {
    const app = (user: string) => draft({ user, auth: 'oauth2-app', tenant: TENANT_ID }, { source: { ...SOURCE, user: user.replace('contoso.com', 'gmail.com') } });
    expect(await refused(app('ann@contoso.com'), 'APP_CREDENTIAL_REQUIRED', ['saveMailbox'])).toMatch(/Store the client secret or certificate of app/);
    await h.call('storeMicrosoftAppCredential', { address: 'ann@contoso.com', clientId: APP_ID, tenant: TENANT_ID, clientSecret: 'Fk8Q~s' });
    const ann = await ok<MailboxView>(h.call('saveMailbox', app('ann@contoso.com')));
    const bob = await ok<MailboxView>(h.call('saveMailbox', app('bob@contoso.com')));
    expect(bob.passwordsStored.destination).toBe(true);
    expect(JSON.stringify(h.services.store.mailboxes())).not.toContain('Fk8Q');

    await ok(h.call('removeMailbox', { id: ann.config.id, forgetPasswords: true }));
    expect(h.appSecrets.get(APP_ID)).toBe('Fk8Q~s'); // bob's mailbox still uses the app
    await ok(h.call('removeMailbox', { id: bob.config.id, forgetPasswords: true }));
    expect(h.appSecrets.get(APP_ID)).toBeNull();
  });

  it('removing with forgetPasswords deletes the Microsoft sign-in, and keeps it without', async () => {
    await h.call('signInWithMicrosoft', { address: 'ann@contoso.com', clientId: APP_ID, tenant: 'organizations' });
    const v = await ok<MailboxView>(h.call('saveMailbox', draft()));
    await ok(h.call('removeMailbox', { id: v.config.id, forgetPasswords: false }));
    expect(h.tokens.get('outlook.office365.com', 'ann@contoso.com')).toBe('refresh-1');
    const again = await ok<MailboxView>(h.call('saveMailbox', draft()));
    await ok(h.call('removeMailbox', { id: again.config.id, forgetPasswords: true }));
    expect(h.tokens.get('outlook.office365.com', 'ann@contoso.com')).toBeNull();
    expect(h.secrets.get('imap.gmail.com', 'ann@gmail.com')).toBeNull();
  });
});

describe('copyExchangePermissions', () => {
  it('puts the administrator’s PowerShell for this mailbox on the clipboard and shows it', async () => {
    const { script } = await ok<{ script: string }>(h.call('copyExchangePermissions', { clientId: APP_ID, mailbox: 'ann@contoso.com' }));
    expect(h.copied).toEqual([script]);
    expect(script).toContain(`$appId = '${APP_ID}'`);
    expect(script).toContain("Add-MailboxPermission -Identity 'ann@contoso.com' -User $objectId -AccessRights FullAccess");
    expect(script).toContain('<ENTERPRISE-APPLICATION-OBJECT-ID>');
    const withId = await ok<{ script: string }>(h.call('copyExchangePermissions', { clientId: APP_ID, mailbox: 'ann@contoso.com', objectId: TENANT_ID }));
    expect(withId.script).toContain(`$objectId = '${TENANT_ID}'`);
    for (const bad of [{ clientId: 'x', mailbox: 'ann@contoso.com' }, { clientId: APP_ID, mailbox: "a'; Remove-Mailbox" }, { clientId: APP_ID, mailbox: 'a@b.c', objectId: 'x' }]) {
      expect((await h.call('copyExchangePermissions', bad)).ok).toBe(false);
    }
    expect(h.copied).toHaveLength(2);
  });
});

describe('the engine’s Microsoft hints in the window', () => {
  const target = (flow: 'delegated' | 'app'): ErrorTarget => ({ host: 'outlook.office365.com', user: 'ann@contoso.com', clientId: APP_ID, tenant: flow === 'app' ? TENANT_ID : 'organizations', authority: 'https://login.microsoftonline.us', flow });
  const hints = (): string[] => {
    const out: string[] = [];
    for (const aadsts of [700016, 7000218, 700025, 7000215, 7000222, 700027, 65001, 50076, 50079, 50011]) {
      for (const flow of ['delegated', 'app'] as const) out.push(microsoftError({ status: 400, json: { error: 'invalid_grant', error_codes: [aadsts] } }, target(flow), flow === 'app' ? 'app' : 'code').hint!);
    }
    for (const error of ['invalid_scope', 'invalid_grant', 'invalid_client', 'unauthorized_client', 'consent_required', 'access_denied']) {
      out.push(microsoftError({ status: 400, json: { error } }, target('delegated'), 'refresh').hint!);
    }
    return out;
  };

  it('name the form’s buttons and fields, never a command or a job-file field', async () => {
    const missingToken = await new MicrosoftUserTokens({ ...target('delegated') }, { refreshTokens: h.tokens }).getToken().then(
      () => 'signed in?',
      (e: { hint: string }) => e.hint,
    );
    // appProofFor's (it reads the real keychain, which unit tests do not have).
    const missingApp = `Store one: ${setAppSecretCommand(APP_ID)} (or ${importCertificateCommand(APP_ID)}), or name an environment variable in "clientSecretEnv" for a headless run.`;
    const refused = ['oauth2', 'oauth2-app'].map(
      (auth) => classifyServerText('A1 NO AUTHENTICATE failed.', { side: 'destination', host: 'outlook.office365.com', port: 993, user: 'ann@contoso.com', auth, phase: 'login' } as never).hint!,
    );
    for (const hint of [...hints(), missingToken, missingApp, ...refused]) {
      const words = forTheWindow({ hint }).hint!;
      expect(words, hint).not.toMatch(/npx mailferry|"oauthClientId"|"tenant"|"auth"|clientSecretEnv|--device-code/);
    }
    expect(forTheWindow({ hint: missingToken }).hint).toBe('Sign in with Microsoft again in the mailbox’s settings (Edit)');
    expect(forTheWindow({ hint: missingApp }).hint).toBe('Store the app’s client secret or certificate under Whole organisation in the mailbox’s settings (Edit).');
    expect(forTheWindow({ hint: hints()[14] }).hint).toBe('Sign in with Microsoft again in the mailbox’s settings (Edit); Microsoft asks for the second factor in the browser');
    expect(forTheWindow({ hint: refused[0] }).hint).toBe(
      'Sign in with Microsoft again as ann@contoso.com in the mailbox’s settings (Edit), in a browser signed in as that account, not as an administrator.',
    );
    expect(forTheWindow({ hint: refused[1] }).hint).toMatch(/: click Copy PowerShell under Whole organisation in the mailbox’s settings \(Edit\) and have an Exchange administrator paste it\.$/);
  });
});
