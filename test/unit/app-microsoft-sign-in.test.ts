/**
 * Sign in with Microsoft and app-only access through the handler table, with Microsoft's flows injected:
 * validation before anything opens, only the configured authority's authorize page opened, tokens and
 * secrets to the keychain stores (only once Microsoft accepted them) and never back, and Microsoft's
 * refusals in the window's words.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import { microsoftError } from '../../src/main/engine/oauth/microsoft/aad-errors.js';
import type { Result } from '../../src/shared/contract.js';
import { fakeJwt } from '../support/fake-microsoft-answers.js';
import { tempDir } from './app-fakes.js';
import { APP_ID, AUTHORIZE, microsoftApp, TENANT_ID, type MicrosoftApp } from './app-microsoft-fakes.js';

const SIGN_IN = { address: 'ann@contoso.com', clientId: APP_ID, tenant: 'organizations' };
const APP = { address: 'ann@contoso.com', clientId: APP_ID, tenant: TENANT_ID };
const SECRET = 'Fk8Q~abcdefghijklmnopqrstuvwxyz0123456789';

let h: MicrosoftApp;
beforeEach(() => {
  h = microsoftApp();
});

function failure(r: Result<unknown>, code: string): string {
  expect(r.ok, JSON.stringify(r)).toBe(false);
  if (r.ok) return '';
  expect(r.error.code).toBe(code);
  return `${r.error.message} ${r.error.hint ?? ''}`;
}

describe('signInWithMicrosoft', () => {
  it('opens Microsoft’s authorize page, stores the refresh token for the mailbox, and returns nothing secret', async () => {
    const r = await h.call('signInWithMicrosoft', { ...SIGN_IN, clientId: ` ${APP_ID} ` });
    expect(r).toEqual({ ok: true, value: { signedIn: true, appCredential: 'none' } });
    expect(JSON.stringify(r)).not.toMatch(/refresh-1|eyJ/);
    expect(h.opened).toEqual([AUTHORIZE]);
    expect(h.flows[0]).toMatchObject({ host: 'outlook.office365.com', user: 'ann@contoso.com', clientId: APP_ID, tenant: 'organizations', authority: 'https://login.microsoftonline.com', timeoutMs: 1234 });
    expect(h.flows[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(h.tokens.get('outlook.office365.com', 'ann@contoso.com')).toBe('refresh-1');
    expect(await h.call('hasMicrosoftCredential', { address: 'ann@contoso.com' })).toEqual({ ok: true, value: { signedIn: true, appCredential: null } });
    expect(await h.call('hasMicrosoftCredential', { address: 'bob@contoso.com', host: '127.0.0.1', clientId: APP_ID })).toEqual({ ok: true, value: { signedIn: false, appCredential: 'none' } });
  });

  it('validates every field before anything opens', async () => {
    const refused = async (request: unknown, code = 'INVALID_REQUEST') => failure(await h.call('signInWithMicrosoft', request), code);
    await refused(undefined);
    await refused({ ...SIGN_IN, address: 'ann' });
    expect(await refused({ ...SIGN_IN, clientId: 'Fk8Q~pasted-secret' })).not.toContain('Fk8Q'); // never echoed
    expect(await refused({ ...SIGN_IN, clientId: 'Fk8Q~pasted-secret' })).toMatch(/clientId: must be the Application \(client\) ID/);
    await refused({ ...SIGN_IN, clientId: `${APP_ID}0` });
    expect(await refused({ ...SIGN_IN, tenant: 'contoso' })).toMatch(/tenant: must be "organizations" \(work or school accounts\), "consumers" \(Outlook.com\)/);
    await refused({ ...SIGN_IN, tenant: 'a/b.com' });
    await refused({ ...SIGN_IN, tenant: '' });
    await refused({ ...SIGN_IN, authority: 'http://login.microsoftonline.com' });
    await refused({ ...SIGN_IN, authority: 'https://login.microsoftonline.com/organizations' });
    await refused({ ...SIGN_IN, host: 'imaps://outlook.office365.com' });
    await refused({ ...SIGN_IN, redirectUri: 'http://evil.example/' });
    await refused({ ...SIGN_IN, clientSecret: SECRET });
    // A well-formed authority that is not Microsoft's: no token or secret is ever sent there.
    expect(await refused({ ...SIGN_IN, authority: 'https://login.evil.example' }, 'AUTHORITY_REFUSED')).toMatch(/only at Microsoft’s own sign-in service/);
    await failure(await h.call('hasMicrosoftCredential', { address: 'ann@contoso.com', clientId: 'x' }), 'INVALID_REQUEST');
    expect(h.flows).toEqual([]);
    expect(h.opened).toEqual([]);
  });

  it('signs in at a national cloud’s authority, and opens only the authorize page of the authority configured', async () => {
    h.urlToOpen = 'https://login.microsoftonline.us/organizations/oauth2/v2.0/authorize?client_id=x';
    expect((await h.call('signInWithMicrosoft', { ...SIGN_IN, authority: 'https://login.microsoftonline.us/' })).ok).toBe(true);
    expect(h.flows[0]!.authority).toBe('https://login.microsoftonline.us');
    expect(h.opened).toEqual([h.urlToOpen]);
    h.tokens.delete('outlook.office365.com', 'ann@contoso.com');
    for (const url of [
      'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize', // another cloud than configured
      'http://login.microsoftonline.us/organizations/oauth2/v2.0/authorize',
      'https://login.microsoftonline.us.evil.example/organizations/oauth2/v2.0/authorize',
      'https://user:pw@login.microsoftonline.us/organizations/oauth2/v2.0/authorize',
      'https://login.microsoftonline.us/organizations/oauth2/v2.0/token',
      'https://login.microsoftonline.us:8443/organizations/oauth2/v2.0/authorize',
      'file:///etc/passwd',
    ]) {
      h.urlToOpen = url;
      failure(await h.call('signInWithMicrosoft', { ...SIGN_IN, authority: 'https://login.microsoftonline.us' }), 'URL_REFUSED');
    }
    expect(h.opened).toHaveLength(1);
    expect(h.tokens.get('outlook.office365.com', 'ann@contoso.com')).toBeNull();
  });

  it('keeps nothing when Microsoft signed in another account; an opaque token (Outlook.com) is kept', async () => {
    h.tokenFor = () => fakeJwt({ aud: 'https://outlook.office.com', upn: 'admin@contoso.com' });
    expect(failure(await h.call('signInWithMicrosoft', SIGN_IN), 'OAUTH_WRONG_ACCOUNT')).toMatch(/signed in admin@contoso.com, not ann@contoso.com.*choose ann@contoso.com/);
    expect(h.tokens.get('outlook.office365.com', 'ann@contoso.com')).toBeNull();
    h.tokenFor = (user) => fakeJwt({ upn: user.toUpperCase() });
    expect((await h.call('signInWithMicrosoft', SIGN_IN)).ok).toBe(true);
    h.tokenFor = () => 'EwBwA-opaque-outlook-token';
    expect((await h.call('signInWithMicrosoft', { ...SIGN_IN, address: 'ann@outlook.com', tenant: 'consumers' })).ok).toBe(true);
    expect(h.tokens.get('outlook.office365.com', 'ann@outlook.com')).toBe('refresh-1');
  });

  it('says what Microsoft refused and what to do, in the window’s words', async () => {
    h.behaviour = async (o) => {
      throw microsoftError({ status: 400, json: { error: 'invalid_grant', error_description: 'AADSTS65001: The user has not consented.', error_codes: [65001] } }, { ...o, flow: 'delegated' }, 'code');
    };
    const consent = failure(await h.call('signInWithMicrosoft', SIGN_IN), 'OAUTH_CONSENT_REQUIRED');
    expect(consent).toMatch(/^Microsoft sign-in: nobody has consented to app .* \(AADSTS65001\)\. Sign in with Microsoft again in the mailbox’s settings \(Edit\) and accept the request/);
    expect(consent).not.toContain('npx mailferry');
    h.behaviour = async () => {
      throw new MailferryError({ code: 'TIMEOUT', message: 'The Microsoft sign-in was not completed in the browser within 5 minutes.', hint: 'Run the command again (ssh -L).', retryable: false });
    };
    expect(await h.call('signInWithMicrosoft', SIGN_IN)).toEqual({
      ok: false,
      error: { code: 'TIMEOUT', message: 'The Microsoft sign-in was not completed in the browser within 5 minutes.', hint: 'Click Sign in with Microsoft again and finish in the browser window that opens on this computer.' },
    });
    expect(h.tokens.entries.size).toBe(0);
  });
});

describe('storeMicrosoftAppCredential', () => {
  it('checks the client secret with Microsoft, then stores it by client ID and says only that it is there', async () => {
    const r = await h.call('storeMicrosoftAppCredential', { ...APP, clientSecret: ` ${SECRET} ` });
    expect(r).toEqual({ ok: true, value: { signedIn: false, appCredential: 'secret' } });
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(h.appRequests[0]).toEqual({ target: { host: 'outlook.office365.com', user: 'ann@contoso.com', clientId: APP_ID, tenant: TENANT_ID, authority: 'https://login.microsoftonline.com' }, proof: { clientSecret: SECRET } });
    expect(h.appSecrets.get(APP_ID)).toBe(SECRET);
  });

  it('stores nothing Microsoft refused, and says so in the window’s words', async () => {
    h.appBehaviour = async (t) => {
      throw microsoftError({ status: 401, json: { error: 'invalid_client', error_codes: [7000215] } }, { ...t, flow: 'app' }, 'app', [SECRET]);
    };
    const m = failure(await h.call('storeMicrosoftAppCredential', { ...APP, clientSecret: SECRET }), 'OAUTH_APP_CREDENTIAL');
    expect(m).toMatch(/Copy the secret's Value \(not its Secret ID\) .* and store it again under Whole organisation in the mailbox’s settings \(Edit\)\.$/);
    expect(m).not.toContain(SECRET);
    expect(h.appSecrets.get(APP_ID)).toBeNull();
  });

  it('refuses an alias as the tenant, both or neither credential, and an authority that is not Microsoft’s', async () => {
    const refused = async (request: unknown, code = 'INVALID_REQUEST') => failure(await h.call('storeMicrosoftAppCredential', request), code);
    expect(await refused({ ...APP, tenant: 'organizations', clientSecret: SECRET })).toMatch(/tenant: must be the organisation’s Directory \(tenant\) ID or domain/);
    await refused({ ...APP, tenant: 'common', clientSecret: SECRET });
    expect(await refused({ ...APP, clientSecret: 'two words' })).not.toContain('two words');
    await refused({ ...APP, certificateFile: 'cert.pem' });
    await refused(APP);
    await refused({ ...APP, clientSecret: SECRET, certificateFile: '/tmp/cert.pem' });
    await refused({ ...APP, clientSecret: SECRET, authority: 'https://login.evil.example' }, 'AUTHORITY_REFUSED');
    expect(h.appRequests).toEqual([]);
  });

  it('imports a certificate and its key from one PEM file, and then uses it instead of an older secret', async () => {
    const dir = tempDir('mf-app-cert-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=Mailferry app', '-days', '2'], { stdio: 'pipe' });
    const both = join(dir, 'app.pem');
    writeFileSync(both, readFileSync(join(dir, 'cert.pem'), 'utf8') + readFileSync(join(dir, 'key.pem'), 'utf8'));
    h.appSecrets.set(APP_ID, 'old-secret');
    const r = await h.call('storeMicrosoftAppCredential', { ...APP, certificateFile: both });
    expect(r).toEqual({ ok: true, value: { signedIn: false, appCredential: 'certificate' } });
    expect(JSON.stringify(r)).not.toContain('PRIVATE KEY');
    expect('certificate' in h.appRequests[0]!.proof).toBe(true);
    expect(h.appCertificates.get(APP_ID)!.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(h.appSecrets.get(APP_ID)).toBeNull();

    expect(failure(await h.call('storeMicrosoftAppCredential', { ...APP, certificateFile: join(dir, 'cert.pem') }), 'OAUTH_APP_CREDENTIAL')).toMatch(/no PEM private key/);
    expect(failure(await h.call('storeMicrosoftAppCredential', { ...APP, certificateFile: join(dir, 'missing.pem') }), 'OAUTH_APP_CREDENTIAL')).toMatch(/Could not read .*missing\.pem \(ENOENT\)/);
    expect(h.appRequests).toHaveLength(1);
  });
});
