/** Google's answers to a service account's delegation grant: one cause and the exact fix per row. */
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/main/engine/errors/errors.js';
import { serviceAccountError } from '../../src/main/engine/oauth/service-account/token-errors.js';

const T = { clientEmail: 'mailferry@acme-migration.iam.gserviceaccount.com', clientId: '104938572615243987261', user: 'ann@acme.example', now: Date.UTC(2026, 0, 2, 3, 4, 5) };
const ASSERTION = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1iZS1yZXBlYXRlZA';
const DWD = 'Admin console (admin.google.com) > Security > Access and data control > API controls > Domain-wide delegation';
const NEW_KEY = 'npx mailferry secrets import-service-account KEY.json';

const table: Array<[string, number, object, ErrorCode, RegExp, string[]]> = [
  ['delegation not granted', 401, { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' },
    'OAUTH_CONSENT_REQUIRED', /acme\.example has not given service account mailferry@.* \(client ID 104938572615243987261\) domain-wide delegation for https:\/\/mail\.google\.com\//,
    [DWD, 'Add new', 'client ID 104938572615243987261 (the number, not the e-mail address)', 'OAuth scope https://mail.google.com/', 'up to 24 hours']],
  ['delegation for another domain', 401, { error: 'unauthorized_client', error_description: 'Unauthorized client or scope in request.' }, 'OAUTH_CONSENT_REQUIRED', /has not given/, [DWD]],
  ['the scope missing', 400, { error: 'access_denied', error_description: 'Requested client not authorized.' }, 'OAUTH_CONSENT_REQUIRED', /does not include the scope https:\/\/mail\.google\.com\//, [DWD, 'Manage Google services']],
  ['API controls block the app', 400, { error: 'admin_policy_enforced' }, 'OAUTH_CONSENT_REQUIRED', /API access controls of acme\.example block client ID/, ['Manage third-party app access', 'Trusted']],
  ['a user that is suspended or not in the domain', 400, { error: 'invalid_grant', error_description: 'Invalid email or User ID' }, 'AUTH_FAILED',
    /no active user ann@acme\.example .* suspended or deleted user/, ['primary address', 'Directory > Users', 'never @gmail.com']],
  ['"Not a valid email"', 400, { error: 'invalid_grant', error_description: 'Not a valid email.' }, 'AUTH_FAILED', /no active user/, ['primary address']],
  ['the key deleted', 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }, 'OAUTH_APP_CREDENTIAL', /deleted, disabled or has expired/, ['Keys > Add key > Create new key > JSON', NEW_KEY]],
  ['the key or account disabled', 401, { error: 'disabled_client', error_description: 'The OAuth client was disabled.' }, 'OAUTH_APP_CREDENTIAL', /is disabled/, ['IAM & Admin > Service accounts > mailferry@', NEW_KEY]],
  ['the account deleted', 400, { error: 'invalid_grant', error_description: 'Invalid grant: account not found' }, 'OAUTH_APP_CREDENTIAL', /was deleted/, ['Undelete it within 30 days']],
  ['clock skew', 400, { error: 'invalid_grant', error_description: "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim." },
    'CLOCK_SKEW', /this computer's clock is wrong \(it says 2026-01-02T03:04:05Z\)/, ['timedatectl set-ntp true', 'Set time automatically']],
  ['a refused scope', 400, { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' }, 'OAUTH_APP_SETUP', /refused the scope/, []],
  ['a user outside the organisation', 400, { error: 'org_internal', error_description: 'This client is restricted to users within its organization.' }, 'AUTH_FAILED', /its own Google Cloud organisation/, []],
  ['another invalid_grant', 400, { error: 'invalid_grant', error_description: 'Invalid JWT: Failed audience check.' }, 'AUTH_FAILED', /refused an access token for ann@acme\.example/, [DWD]],
];

describe('serviceAccountError', () => {
  it.each(table)('%s', (_name, status, body, code, cause, fix) => {
    const err = serviceAccountError({ status, json: body as Record<string, unknown> }, T, [ASSERTION]);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(cause);
    expect(err.message.split('. ').length, 'one sentence').toBeLessThanOrEqual(2);
    for (const f of fix) expect(err.hint).toContain(f);
    expect(err.details).toMatchObject({ serviceAccount: T.clientEmail, clientId: T.clientId, user: T.user, status });
  });

  it('keeps Google\'s description in details only, without anything Mailferry sent', () => {
    const err = serviceAccountError({ status: 400, json: { error: 'invalid_grant', error_description: `Invalid JWT Signature. ${ASSERTION}\nsecond line` } }, T, [ASSERTION]);
    expect(err.details?.['reason']).toBe('Invalid JWT Signature. [redacted]');
    expect(JSON.stringify(err.toInfo())).not.toContain(ASSERTION);
  });

  it.each([
    [429, { error: 'rate_limit_exceeded' }, 'THROTTLED'],
    [503, { error: 'backend_error' }, 'HOST_UNREACHABLE'],
    [200, undefined, 'HOST_UNREACHABLE'],
  ])('HTTP %i is worth another try (%s)', (status, json, code) => {
    const err = serviceAccountError({ status, ...(json ? { json } : {}) }, T);
    expect(err).toMatchObject({ code, retryable: true });
  });
});
