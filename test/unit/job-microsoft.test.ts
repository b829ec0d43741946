/** Microsoft 365 and Outlook.com destinations in JOB.json: defaults, the OAuth fields, and every refusal with its field path. */
import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/main/engine/job/job.js';

const dir = process.cwd();
const APP = '4a1aa1d5-c567-49d0-ad0b-cd957a47f842';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

function job(destination: Record<string, unknown>, source: Record<string, unknown> = {}) {
  return { mailboxes: [{ source: { host: 'imap.gmail.com', user: 'ann@gmail.com', ...source }, destination: { user: 'ann@contoso.com', ...destination } }] };
}
const destinationOf = (j: unknown) => parseJob(j, dir).mailboxes[0]!.destination;

describe('a Microsoft destination in the job file', () => {
  it('fills host, port and security for "provider": "microsoft" (delegated sign-in)', () => {
    expect(destinationOf(job({ provider: 'microsoft', auth: 'oauth2', oauthClientId: APP, tenant: 'organizations' }))).toEqual({
      host: 'outlook.office365.com', port: 993, security: 'tls', user: 'ann@contoso.com', provider: 'microsoft', auth: 'oauth2', oauthClientId: APP, tenant: 'organizations',
    });
  });

  it('keeps host, port, security and ca when set (tests), and a national-cloud or loopback authority', () => {
    const d = destinationOf(job({ provider: 'microsoft', host: '127.0.0.1', port: 1993, security: 'none', auth: 'oauth2', oauthClientId: APP, tenant: 'consumers', authority: 'http://127.0.0.1:8080/' }));
    expect(d).toMatchObject({ host: '127.0.0.1', port: 1993, security: 'none', authority: 'http://127.0.0.1:8080', tenant: 'consumers' });
    expect(destinationOf(job({ provider: 'microsoft', auth: 'oauth2', oauthClientId: APP, tenant: 'contoso.onmicrosoft.com', authority: 'https://login.microsoftonline.us' })).authority).toBe('https://login.microsoftonline.us');
  });

  it('accepts app-only access with a secret in an environment variable, or from the keychain', () => {
    expect(destinationOf(job({ provider: 'microsoft', auth: 'oauth2-app', oauthClientId: APP, tenant: TENANT, clientSecretEnv: 'MF_APP_SECRET' }))).toMatchObject({
      auth: 'oauth2-app', oauthClientId: APP, tenant: TENANT, clientSecretEnv: 'MF_APP_SECRET',
    });
    expect(destinationOf(job({ provider: 'microsoft', auth: 'oauth2-app', oauthClientId: APP, tenant: 'contoso.com' })).clientSecretEnv).toBeUndefined();
  });

  it.each([
    ['no auth', { provider: 'microsoft' }, 'mailboxes[0].destination.auth: Microsoft 365 and Outlook.com take IMAP only with OAuth: set "auth": "oauth2"'],
    ['a password', { provider: 'microsoft', auth: 'password' }, 'take IMAP only with OAuth'],
    ['passwordEnv', { provider: 'microsoft', auth: 'oauth2', oauthClientId: APP, tenant: TENANT, passwordEnv: 'X' }, 'mailboxes[0].destination.passwordEnv: Microsoft 365 and Outlook.com take no password over IMAP'],
    ['oauth2 without the provider', { host: 'mail.contoso.com', auth: 'oauth2', oauthClientId: APP }, 'mailboxes[0].destination.auth: "oauth2" on the destination is for Microsoft 365 and Outlook.com: add "provider": "microsoft"'],
    ['oauth2-app without the provider', { host: 'mail.contoso.com', auth: 'oauth2-app', oauthClientId: APP }, 'mailboxes[0].destination.auth: "oauth2-app" on the destination is for Microsoft 365'],
    ['another auth', { provider: 'microsoft', auth: 'ntlm' }, 'mailboxes[0].destination.auth: must be "password", "oauth2" or "oauth2-app" (got "ntlm")'],
    ['another provider', { host: 'x', provider: 'google' }, 'mailboxes[0].destination.provider: must be "microsoft"'],
    ['no client ID', { provider: 'microsoft', auth: 'oauth2', tenant: TENANT }, 'mailboxes[0].destination.oauthClientId: must be a non-empty string'],
    ['a client ID that is no GUID', { provider: 'microsoft', auth: 'oauth2', tenant: TENANT, oauthClientId: 'abc~secret-looking' }, 'mailboxes[0].destination.oauthClientId: must be the Application (client) ID'],
    ['no tenant', { provider: 'microsoft', auth: 'oauth2', oauthClientId: APP }, 'mailboxes[0].destination.tenant: must be a non-empty string'],
    ['a bad tenant', { provider: 'microsoft', auth: 'oauth2', oauthClientId: APP, tenant: 'my tenant' }, 'mailboxes[0].destination.tenant: must be "organizations", "consumers" (Outlook.com), "common"'],
    ['app-only with "organizations"', { provider: 'microsoft', auth: 'oauth2-app', oauthClientId: APP, tenant: 'organizations' }, 'mailboxes[0].destination.tenant: app-only access signs in to one organisation'],
    ['an http authority', { provider: 'microsoft', auth: 'oauth2', oauthClientId: APP, tenant: TENANT, authority: 'http://login.example.com' }, 'mailboxes[0].destination.authority: The OAuth authority http://login.example.com is not https'],
    ['an authority with a path', { provider: 'microsoft', auth: 'oauth2', oauthClientId: APP, tenant: TENANT, authority: 'https://login.microsoftonline.com/common' }, 'must be an origin only'],
    ['clientSecretEnv with delegated sign-in', { provider: 'microsoft', auth: 'oauth2', oauthClientId: APP, tenant: TENANT, clientSecretEnv: 'X' }, 'mailboxes[0].destination.clientSecretEnv: is only used with "auth": "oauth2-app"'],
    ['a bad clientSecretEnv', { provider: 'microsoft', auth: 'oauth2-app', oauthClientId: APP, tenant: TENANT, clientSecretEnv: 'MY-SECRET' }, 'mailboxes[0].destination.clientSecretEnv: must be the NAME of an environment variable'],
    ['tenant without the provider', { host: 'x', tenant: TENANT }, 'mailboxes[0].destination.tenant: is only used with "provider": "microsoft"'],
    ['authority without the provider', { host: 'x', authority: 'https://login.microsoftonline.us' }, 'mailboxes[0].destination.authority: is only used with "provider": "microsoft"'],
    ['a client ID without OAuth', { host: 'x', oauthClientId: APP }, 'mailboxes[0].destination.oauthClientId: is only used with "auth": "oauth2" or "oauth2-app"'],
    ['a client secret in the file', { provider: 'microsoft', auth: 'oauth2-app', oauthClientId: APP, tenant: TENANT, clientSecret: 'Fk8Q~abc' }, 'mailboxes[0].destination.clientSecret: passwords never go in job files'],
  ])('refuses %s', (_name, destination, message) => {
    expect(() => parseJob(job(destination), dir)).toThrow(message);
  });

  it('keeps Microsoft off the Gmail source', () => {
    expect(() => parseJob(job({ host: 'x' }, { provider: 'microsoft' }), dir)).toThrow('mailboxes[0].source.provider: "microsoft" is for the destination');
    expect(() => parseJob(job({ host: 'x' }, { auth: 'oauth2-app' }), dir)).toThrow('mailboxes[0].source.auth: must be "password", "oauth2" or "service-account" (got "oauth2-app")');
  });

  it('never echoes a secret someone put in clientSecretEnv', () => {
    const secret = 'Fk8Q~0123456789abcdefghijABCDEFGHIJ-_.x';
    const err = (() => {
      try {
        parseJob(job({ provider: 'microsoft', auth: 'oauth2-app', oauthClientId: APP, tenant: TENANT, clientSecretEnv: secret }), dir);
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(err.message).toContain('clientSecretEnv: must be the NAME');
    expect(err.message).not.toContain(secret);
  });
});
