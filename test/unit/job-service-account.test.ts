/** A Google Workspace service account on the source in JOB.json: what it takes, and each refusal with its field path. */
import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/main/engine/job/job.js';

const dir = process.cwd();
const SA = 'mailferry@acme-migration.iam.gserviceaccount.com';

function job(source: Record<string, unknown>, destination: Record<string, unknown> = { host: 'mail.example.net', user: 'ann@example.net' }) {
  return { mailboxes: [{ source: { host: 'imap.gmail.com', user: 'ann@acme.example', ...source }, destination }] };
}
const sourceOf = (j: unknown) => parseJob(j, dir).mailboxes[0]!.source;

describe('a service account in the job file', () => {
  it('names the key by client e-mail or client ID', () => {
    expect(sourceOf(job({ auth: 'service-account', serviceAccount: SA }))).toEqual({ host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@acme.example', auth: 'service-account', serviceAccount: SA });
    expect(sourceOf(job({ auth: 'service-account', serviceAccount: ' 104938572615243987261 ' })).serviceAccount).toBe('104938572615243987261');
  });

  it.each([
    ['no serviceAccount', { auth: 'service-account' }, 'mailboxes[0].source.serviceAccount: must be a non-empty string'],
    ['a name that is neither', { auth: 'service-account', serviceAccount: 'mailferry' }, "mailboxes[0].source.serviceAccount: must be the service account's client e-mail"],
    ['serviceAccount without the auth', { serviceAccount: SA }, 'mailboxes[0].source.serviceAccount: is only used with "auth": "service-account"'],
    ['a passwordEnv', { auth: 'service-account', serviceAccount: SA, passwordEnv: 'GMAIL_PW' }, "mailboxes[0].source.passwordEnv: a service account signs in without the user's password"],
    ['a personal Gmail account', { auth: 'service-account', serviceAccount: SA, user: 'ann@gmail.com' }, 'mailboxes[0].source.user: a service account reaches only the users of a Google Workspace domain'],
    ['the key pasted in', { auth: 'service-account', serviceAccount: SA, privateKey: '-----BEGIN PRIVATE KEY-----' }, 'mailboxes[0].source.privateKey: unknown field'],
  ])('refuses %s', (_name, source, message) => {
    expect(() => parseJob(job(source), dir)).toThrow(message);
  });

  it('keeps it off the destination', () => {
    expect(() => parseJob(job({ host: 'imap.gmail.com' }, { host: 'mail.example.net', user: 'ann', auth: 'service-account', serviceAccount: SA }), dir))
      .toThrow('mailboxes[0].destination.auth: must be "password", "oauth2" or "oauth2-app" (got "service-account")');
  });
});
