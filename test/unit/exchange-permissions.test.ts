/** The PowerShell block `mailferry exchange-permissions JOB.json` prints for the Exchange administrator. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/main/cli/args.js';
import { exchangePermissionsCommand } from '../../src/main/cli/exchange-permissions-command.js';
import { exchangePermissionScript, OBJECT_ID_PLACEHOLDER } from '../../src/main/engine/oauth/microsoft/exchange-permissions.js';

const APP = '4a1aa1d5-c567-49d0-ad0b-cd957a47f842';
const OBJ = '9f0c3a1e-1111-4c2b-8d3e-2f4a5b6c7d8e';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const dir = mkdtempSync(join(tmpdir(), 'mf-exo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function jobFile(destinations: Array<Record<string, unknown>>): string {
  const file = join(dir, `job-${Math.random().toString(36).slice(2)}.json`);
  const mailboxes = destinations.map((d, i) => ({ source: { host: 'imap.gmail.com', user: `u${i}@gmail.com` }, destination: d }));
  writeFileSync(file, JSON.stringify({ mailboxes }));
  return file;
}
const app = (user: string, extra: Record<string, unknown> = {}) => ({ provider: 'microsoft', user, auth: 'oauth2-app', oauthClientId: APP, tenant: TENANT, ...extra });

async function print(argv: string[]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  expect(await exchangePermissionsCommand(argv, out)).toBe(0);
  return text;
}

describe('exchange-permissions', () => {
  it('prints New-ServicePrincipal and one Add-MailboxPermission line per destination mailbox', async () => {
    const text = await print([jobFile([app('ann@contoso.com'), app("o'brien@contoso.com"), app('ann@contoso.com')]), '--object-id', OBJ]);
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => !l.startsWith('#'))).toEqual([
      'Connect-ExchangeOnline',
      `$appId = '${APP}'`,
      `$objectId = '${OBJ}'`,
      'New-ServicePrincipal -AppId $appId -ObjectId $objectId',
      "Add-MailboxPermission -Identity 'ann@contoso.com' -User $objectId -AccessRights FullAccess",
      "Add-MailboxPermission -Identity 'o''brien@contoso.com' -User $objectId -AccessRights FullAccess",
    ]);
    expect(text).toContain('IMAP.AccessAsApp');
    expect(text).not.toContain(OBJECT_ID_PLACEHOLDER);
  });

  it('without --object-id, says which object ID to paste: the Enterprise Application\'s, not the App Registration\'s', () => {
    const text = exchangePermissionScript({ appId: APP, mailboxes: ['ann@contoso.com'] });
    expect(text).toContain(`$objectId = '${OBJECT_ID_PLACEHOLDER}'`);
    expect(text).toMatch(/Enterprise applications > \(this app\) > Overview\. NOT the Object ID of the App Registration/);
    expect(text).toContain('to 1 mailbox.');
  });

  it('takes the app from --app-id when the job signs in with delegated access, and refuses what it cannot tell', async () => {
    const delegated = { provider: 'microsoft', user: 'bo@contoso.com', auth: 'oauth2', oauthClientId: APP, tenant: 'organizations' };
    await expect(exchangePermissionsCommand([jobFile([delegated])], new PassThrough())).rejects.toThrow(UsageError);
    expect(await print([jobFile([delegated]), '--app-id', APP])).toContain("-Identity 'bo@contoso.com'");
    const other = '11111111-2222-4333-8444-555555555555';
    await expect(exchangePermissionsCommand([jobFile([app('a@contoso.com'), app('b@contoso.com', { oauthClientId: other })])], new PassThrough())).rejects.toThrow(/several apps/);
    await expect(exchangePermissionsCommand([jobFile([{ host: 'mail.example.com', user: 'x@example.com' }])], new PassThrough())).rejects.toThrow(/no destination .* "provider": "microsoft"/);
    await expect(exchangePermissionsCommand([jobFile([app('a@contoso.com')]), '--object-id', 'nope'], new PassThrough())).rejects.toThrow(/--object-id must be a GUID/);
  });
});
