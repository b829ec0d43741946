import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/main/engine/batch/batch-csv.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';

const rowsOf = (text: string) => {
  const r = readCsv(text);
  if (!r) throw new Error('not read as CSV');
  return r;
};

describe('CSV batch files', () => {
  it("MigrationWiz's user list: login names sign in, emails name the mailbox, passwords kept beside", () => {
    const r = rowsOf(
      'Source Email,Source Login Name,Source Password,Destination Email,Destination Login Name,Destination Password\n' +
        'ann@gmail.com,,abcd efgh ijkl mnop,ann@corp.example,ann.login,dest-pw\n' +
        'bob@gmail.com,bob.src,,bob@corp.example,,\n',
    );
    expect(r.format).toBe('a MigrationWiz user list');
    expect(r.problems).toEqual([]);
    expect(r.rows).toEqual([
      { line: 2, id: 'ann@gmail.com', source: { user: 'ann@gmail.com' }, destination: { user: 'ann.login' }, passwords: { source: 'abcd efgh ijkl mnop', destination: 'dest-pw' }, notes: [] },
      { line: 3, id: 'bob@gmail.com', source: { user: 'bob.src' }, destination: { user: 'bob@corp.example' }, passwords: {}, notes: [] },
    ]);
  });

  it("Microsoft's IMAP migration file: EmailAddress is the destination, UserName and Password the source", () => {
    const r = rowsOf('EmailAddress,UserName,Password\r\nann@contoso.com,ann@gmail.com,app-pw\r\n');
    expect(r.format).toBe("Microsoft's IMAP migration file");
    expect(r.rows).toEqual([{ line: 2, source: { user: 'ann@gmail.com' }, destination: { user: 'ann@contoso.com' }, passwords: { source: 'app-pw' }, notes: [] }]);
  });

  it('refuses UserRoot (administrator sign-in) by line', () => {
    const r = rowsOf('EmailAddress,UserName,Password,UserRoot\nann@contoso.com,ann@gmail.com,pw,/users/ann\nbob@contoso.com,bob@gmail.com,pw,\n');
    expect(r.problems).toEqual([{ line: 2, message: expect.stringContaining('UserRoot') }]);
    expect(r.rows.map((x) => x.line)).toEqual([3]);
  });

  it("Mailferry's own columns, any spelling of the header, folder lists split at |", () => {
    const r = rowsOf(
      'id,Source Host,source-port,SOURCE_SECURITY,source_user,source_password,destination_host,destination_user,destination_password,exclude,include,since,before,destination_provider,destination_tenant,destination_client_id,destination_auth\n' +
        'ann,imap.gmail.com,993,tls,ann@gmail.com,pw1,mail.example,ann@example,pw2,Trash|Old/*, INBOX ,2024-01-01,2025-01-01,,,,\n',
    );
    expect(r.format).toBe("Mailferry's batch columns");
    expect(r.rows[0]).toEqual({
      line: 2, id: 'ann',
      source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@gmail.com' },
      destination: { host: 'mail.example', user: 'ann@example' },
      passwords: { source: 'pw1', destination: 'pw2' },
      folders: { exclude: ['Trash', 'Old/*'], include: ['INBOX'] },
      since: '2024-01-01', before: '2025-01-01', notes: [],
    });
  });

  it('a quoted field with the delimiter, "" inside quotes, a BOM, CRLF and a field over two lines keep their line numbers', () => {
    const text =
      '\uFEFFsource_user,source_password,destination_user\r\n' +
      'ann@gmail.com,"pa,ss ""q""",ann@example\r\n' +
      '\r\n' +
      '# bob is moved later\r\n' +
      'carl@gmail.com,"two\r\nlines",carl@example\r\n' +
      'dora@gmail.com,pw,dora@example\r\n';
    const r = rowsOf(text);
    expect(r.problems).toEqual([]);
    expect(r.rows.map((x) => [x.line, x.source.user, x.passwords.source])).toEqual([
      [2, 'ann@gmail.com', 'pa,ss "q"'],
      [5, 'carl@gmail.com', 'two\nlines'],
      [7, 'dora@gmail.com', 'pw'],
    ]);
  });

  it("Excel's semicolon export (with or without its sep= line) and tab-separated files", () => {
    const semi = rowsOf('Source Email;Source Login Name;Source Password;Destination Email;Destination Login Name;Destination Password\nann@gmail.com;;p,w;ann@x.example;;\n');
    expect(semi.rows[0]!.passwords.source).toBe('p,w');
    const hinted = rowsOf('sep=;\nsource_user;destination_user\nann@gmail.com;ann@x.example\n');
    expect(hinted.rows).toEqual([{ line: 3, source: { user: 'ann@gmail.com' }, destination: { user: 'ann@x.example' }, passwords: {}, notes: [] }]);
    const tabs = rowsOf('source_user\tdestination_user\nann@gmail.com\tann@x.example\n');
    expect(tabs.rows[0]!.destination.user).toBe('ann@x.example');
  });

  it('a row with more fields than the header (an unquoted comma in a password) is named by line, not read shifted', () => {
    const r = rowsOf('source_user,source_password,destination_user\nann@gmail.com,pa,ss,ann@example\nbob@gmail.com,pw,bob@example\n');
    expect(r.problems).toEqual([{ line: 2, message: expect.stringMatching(/has 4 fields but the header has 3.*double quotes/) }]);
    expect(r.rows.map((x) => x.line)).toEqual([3]);
  });

  it('an unknown column, or a quote never closed, stops the file with its line and without the content', () => {
    expect(() => readCsv('source_user,destination_user,colour\nann,bob,red\n')).toThrow(/line 1: unknown column "colour"/);
    try {
      readCsv('source_user,source_password,destination_user\nann,"secret-pw,bob\n');
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(MailferryError);
      expect((err as Error).message).toMatch(/line \d+: a quoted field is never closed/);
      expect((err as Error).message).not.toContain('secret-pw');
    }
  });

  it('is not CSV when the first data line is no known header (an imapsync file)', () => {
    expect(readCsv('# comment\nimap.gmail.com;ann;pw;mail.example;ann;"pw2;\n')).toBeUndefined();
  });
});
