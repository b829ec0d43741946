/**
 * The mailbox form's Gmail side as pure functions: where the mail is read from and how Mailferry signs in
 * become exactly the draft fields main expects, and a Test or Save without the export or the key is stopped
 * in the window with what to click.
 */
import { describe, expect, it } from 'vitest';
import { missingSource, sourceFields, toSourceForm } from '../../src/renderer/components/source-form.js';
import { newImportForm, toImportDefaults } from '../../src/renderer/components/import-form.js';

const server = { host: 'imap.gmail.com', port: 993, security: 'tls' as const, user: 'ann@acme.example' };

describe('the form’s Gmail side', () => {
  it('round-trips every kind of source', () => {
    expect(sourceFields(toSourceForm(server))).toEqual({});
    expect(sourceFields(toSourceForm({ ...server, auth: 'oauth2', oauthClientId: ' 1-a.apps.googleusercontent.com ' }))).toEqual({ auth: 'oauth2', oauthClientId: '1-a.apps.googleusercontent.com' });
    expect(sourceFields(toSourceForm({ ...server, auth: 'service-account', serviceAccount: 'sa@p.iam.gserviceaccount.com' }))).toEqual({ auth: 'service-account', serviceAccount: 'sa@p.iam.gserviceaccount.com' });
    const takeout = toSourceForm({ ...server, takeout: '/data/takeout-001.tgz' }, { name: 'takeout-001.tgz', kind: 'tgz', sizeBytes: 42 });
    expect(takeout).toMatchObject({ kind: 'takeout', takeout: { path: '/data/takeout-001.tgz', name: 'takeout-001.tgz', kind: 'tgz', sizeBytes: 42 } });
    expect(sourceFields(takeout)).toEqual({ takeout: '/data/takeout-001.tgz' });
    // A sign-in chosen before switching to the export is not sent with it.
    expect(sourceFields({ ...takeout, auth: 'service-account', serviceAccount: 'sa@p.iam.gserviceaccount.com' })).toEqual({ takeout: '/data/takeout-001.tgz' });
  });

  it('a Test or Save without the export or the key says what to click', () => {
    expect(missingSource({ ...toSourceForm(server), kind: 'takeout' })).toMatchObject({ code: 'TAKEOUT_REQUIRED', hint: expect.stringContaining('Choose file…') });
    expect(missingSource({ ...toSourceForm(server), auth: 'service-account' })).toMatchObject({ code: 'SERVICE_ACCOUNT_REQUIRED', hint: expect.stringContaining('Import key file…') });
    expect(missingSource(toSourceForm(server))).toBeNull();
  });

  it('Import…: one service account for every row only when chosen', () => {
    const f = { ...newImportForm(), serviceAccount: 'sa@p.iam.gserviceaccount.com' };
    expect(toImportDefaults(f).source).toEqual({ host: 'imap.gmail.com' });
    expect(toImportDefaults({ ...f, sourceAuth: 'service-account' }).source).toEqual({ host: 'imap.gmail.com', serviceAccount: 'sa@p.iam.gserviceaccount.com' });
    expect(toImportDefaults({ ...f, sourceAuth: 'service-account', destinationKind: 'microsoft' }).source.serviceAccount).toBe('sa@p.iam.gserviceaccount.com');
  });
});
