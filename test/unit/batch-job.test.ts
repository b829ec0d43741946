import { describe, expect, it } from 'vitest';
import { readBatchText } from '../../src/main/engine/batch/batch-file.js';
import { batchToJob } from '../../src/main/engine/batch/batch-job.js';
import type { BatchDefaults } from '../../src/main/engine/batch/batch-row.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const DIR = '/tmp';
const GMAIL: BatchDefaults = { source: { host: 'imap.gmail.com' }, destination: { host: 'mail.example.com' } };

function load(text: string, defaults: BatchDefaults = GMAIL, options: Record<string, unknown> = {}) {
  const read = readBatchText(text, NOW);
  return batchToJob(read.rows, read.problems, defaults, options, DIR);
}

describe('batch rows become a Job through parseJob', () => {
  it('fills each row from the command-line defaults; the row wins; the passwords stay out of the job', () => {
    const b = load('source_user,source_password,destination_host,destination_user,destination_password\nann@gmail.com,abcd efgh ijkl mnop,other.example,ann,dest pw \nbob@gmail.com,,,bob,\n');
    expect(b.problems).toEqual([]);
    expect(b.lines).toEqual([2, 3]);
    expect(b.job.mailboxes.map((m) => [m.id, m.source.host, m.destination.host, m.destination.port])).toEqual([
      ['ann@gmail.com', 'imap.gmail.com', 'other.example', 993],
      ['bob@gmail.com', 'imap.gmail.com', 'mail.example.com', 993],
    ]);
    expect(JSON.stringify(b.jobFile)).not.toMatch(/abcd|dest pw/);
    expect(JSON.stringify(b)).not.toMatch(/abcd|dest pw/);
    const [ann] = b.job.mailboxes;
    // Spaces of a Gmail app password go; a destination password is used exactly as written.
    expect(b.passwords.lookup('source', ann!.source)).toBe('abcdefghijklmnop');
    expect(b.passwords.lookup('destination', ann!.destination)).toBe('dest pw ');
    expect(b.passwords.has('source', b.job.mailboxes[1]!.source)).toBe(false);
  });

  it("names a row that breaks the job's rules by its line, in the job's words, and keeps the others", () => {
    const b = load(
      [
        'imap.gmail.com;ann@gmail.com;p;127.0.0.1;ann;q',
        'imap.gmail.com;bob@gmail.com;p;127.0.0.1:99999;bob;q',
        'imap.gmail.com;carl@gmail.com;p;far.example;carl;q',
        'imap.gmail.com;ann@gmail.com;p;127.0.0.1;ann2;q',
        'imap.gmail.com;dora@gmail.com;p;127.0.0.1;dora;q;--maxage 10',
      ].join('\n'),
      { source: {}, destination: { security: 'none' } },
    );
    expect(b.lines).toEqual([1, 5]);
    expect(b.problems).toEqual([
      { line: 2, message: expect.stringMatching(/^destination\.port: must be an integer 1-65535/) },
      { line: 3, message: expect.stringMatching(/^destination\.security: "none" sends the password/) },
      { line: 4, message: expect.stringMatching(/source\.user "ann@gmail\.com", which line 1 already uses/) },
    ]);
    expect(b.job.mailboxes[1]!.received?.since?.toISOString()).toBe('2026-06-05T12:00:00.000Z');
    expect(b.jobFile.mailboxes[1]).toMatchObject({ since: '2026-06-05T12:00:00Z' });
  });

  it('one account given two passwords: the later line is refused', () => {
    const b = load('id,source_user,source_password,destination_host,destination_user\nann-a,ann@gmail.com,one,a.example,ann\nann-b,ann@gmail.com,two,b.example,ann\n');
    expect(b.problems).toEqual([{ line: 3, message: 'another line gives ann@gmail.com on imap.gmail.com a different password' }]);
    expect(b.lines).toEqual([2]);
  });

  it('a Microsoft destination from the flags signs in app-only and refuses a password in the file', () => {
    const ms: BatchDefaults = { source: { host: 'imap.gmail.com' }, destination: { provider: 'microsoft', tenant: 'contoso.onmicrosoft.com', oauthClientId: '4a1aa1d5-c567-49d0-ad0b-cd957a47f842' } };
    const b = load('EmailAddress,UserName,Password\nann@contoso.com,ann@gmail.com,pw\n', ms);
    expect(b.job.mailboxes[0]!.destination).toMatchObject({ host: 'outlook.office365.com', auth: 'oauth2-app', tenant: 'contoso.onmicrosoft.com' });
    const refused = load('imap.gmail.com;ann@gmail.com;p;;ann@contoso.com;q\nimap.gmail.com;bob@gmail.com;p;;bob@contoso.com;\n', ms);
    expect(refused.problems).toEqual([{ line: 1, message: expect.stringContaining('take no password over IMAP') }]);
    expect(refused.lines).toEqual([2]);
  });

  it('a service account from the flags (or the column) signs every source in and refuses a source password in the file', () => {
    const sa: BatchDefaults = { source: { host: 'imap.gmail.com', serviceAccount: 'mailferry@acme.iam.gserviceaccount.com' }, destination: { host: 'mail.example.com' } };
    const b = load('Source Email,Destination Email\nann@acme.example,ann@example.com\nbob@acme.example,bob@example.com\n', sa);
    expect(b.problems).toEqual([]);
    expect(b.job.mailboxes.map((m) => m.source)).toEqual([
      { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@acme.example', auth: 'service-account', serviceAccount: 'mailferry@acme.iam.gserviceaccount.com' },
      { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'bob@acme.example', auth: 'service-account', serviceAccount: 'mailferry@acme.iam.gserviceaccount.com' },
    ]);
    expect(b.jobFile.mailboxes[0]).toMatchObject({ source: { auth: 'service-account', serviceAccount: 'mailferry@acme.iam.gserviceaccount.com' } });
    const refused = load('imap.gmail.com;ann@acme.example;apppw;;ann;q\nimap.gmail.com;bob@acme.example;;;bob;q\n', sa);
    expect(refused.problems).toEqual([{ line: 1, message: 'the service account mailferry@acme.iam.gserviceaccount.com signs in for every user: leave the source password empty' }]);
    const column = load('source_user,source_service_account,destination_user\ncarl@acme.example,104938572615243987261,carl\n');
    expect(column.job.mailboxes[0]!.source).toMatchObject({ auth: 'service-account', serviceAccount: '104938572615243987261' });
  });

  it('bad options from the flags are said once; a file with no usable line is an error listing every line', () => {
    expect(() => load('imap.gmail.com;a@gmail.com;p;m.example;a;q\n', GMAIL, { globalConnections: 0 })).toThrow(/^Batch options: options\.globalConnections: must be an integer 1-100/);
    expect(() => load('h;u\n# c\nh;u;p\n')).toThrow(/no line could be used \(line 1: needs 6 fields.*; line 3: needs 6 fields/);
    expect(() => load('# nothing\n\n')).toThrow(/holds no mailbox/);
    expect(() => load('EmailAddress,UserName,Password\nann@contoso.com,ann@gmail.com,pw\n', { source: { host: 'imap.gmail.com' }, destination: {} }))
      .toThrow(/line 2: destination\.host: none given: put it in the file or give --destination-host/);
    expect(() => readBatchText('just some words\n', NOW)).toThrow(/neither a CSV header Mailferry knows/);
  });
});
