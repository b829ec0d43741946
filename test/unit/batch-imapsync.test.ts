import { describe, expect, it } from 'vitest';
import { readImapsyncLines } from '../../src/main/engine/batch/imapsync-lines.js';
import { regexToGlobs } from '../../src/main/engine/batch/regex-globs.js';

const NOW = new Date('2026-06-15T12:00:00Z');

describe("imapsync's batch lines", () => {
  it('reads host:port, skips comments and blank lines, keeps passwords literal and numbers every line', () => {
    const r = readImapsyncLines(
      '\uFEFF# host1;user1;password1;host2;user2;password2;extra\r\n' +
        'imap.gmail.com;ann@gmail.com;ab cd#;mail.example:1993;ann;p\\w ;\r\n' +
        '\r\n' +
        ';bob@gmail.com;;[::1]:143;bob;x;--ssl1;ignored\r\n',
      NOW,
    );
    expect(r.problems).toEqual([]);
    expect(r.rows).toEqual([
      { line: 2, source: { user: 'ann@gmail.com', host: 'imap.gmail.com' }, destination: { user: 'ann', host: 'mail.example', port: 1993 }, passwords: { source: 'ab cd#', destination: 'p\\w ' }, notes: [] },
      { line: 4, source: { user: 'bob@gmail.com', security: 'tls' }, destination: { user: 'bob', host: '::1', port: 143 }, passwords: { source: '', destination: 'x' }, notes: [] },
    ]);
  });

  it('maps the common options: ports, ssl/tls, folders, ages; notes what Mailferry does anyway', () => {
    const r = readImapsyncLines(
      'h1;u1;p1;h2;u2;p2;--port1 1993 --tls2 --port2=2143 --folder "Sent Items" --folder INBOX --exclude ^Trash$|Spam --maxage 30 --minage 7 --automap --syncinternaldates\n',
      NOW,
    );
    expect(r.problems).toEqual([]);
    const row = r.rows[0]!;
    expect(row.source).toEqual({ user: 'u1', host: 'h1', port: 1993 });
    expect(row.destination).toEqual({ user: 'u2', host: 'h2', security: 'starttls', port: 2143 });
    expect(row.folders).toEqual({ include: ['Sent Items', 'INBOX'], exclude: ['Trash', '*Spam*'] });
    expect(row.since).toBe('2026-05-16T12:00:00Z');
    expect(row.before).toBe('2026-06-08T12:00:00Z');
    expect(row.notes).toEqual([expect.stringMatching(/^--automap ignored/), expect.stringMatching(/^--syncinternaldates ignored/)]);
  });

  it('names each bad line by number and why; the good lines go on', () => {
    const r = readImapsyncLines(
      [
        'h1;u1;p1;h2;u2;p2',
        'h1;u1;p1;h2',
        'h1;u1;p1;h2;u2;p2;--delete2',
        'h1;u1;p1;h2;u2;p2;--regextrans2 s/a/b/ --exclude Tr.sh',
        'h1;u1;p1;h2;u2;p2;--frobnicate',
        'h1;u1;p1;h2;u2;p2;--ssl1 --tls1',
        'h1;u1;p1;h2;u2;p2;--folder "Sent',
        'h1;u1;p1;h2;u2;p2;--port1 imaps stray',
      ].join('\n'),
      NOW,
    );
    expect(r.rows.map((x) => x.line)).toEqual([1]);
    const byLine = Object.fromEntries(r.problems.map((p) => [p.line, p.message]));
    expect(byLine[2]).toMatch(/needs 6 fields.*found 4/);
    expect(byLine[3]).toMatch(/--delete2: .*--delete-missing/);
    expect(byLine[4]).toMatch(/--regextrans2: Mailferry names destination folders itself.*; --exclude "Tr.sh" cannot be written as a folder pattern: "\." matches any character/);
    expect(byLine[5]).toMatch(/--frobnicate is an imapsync option Mailferry does not understand/);
    expect(byLine[6]).toMatch(/--tls1 asks for starttls but the line also asks for tls/);
    expect(byLine[7]).toMatch(/unmatched double quote/);
    expect(byLine[8]).toMatch(/--port1 takes a port number \(got "imaps"\); the options column holds a word that is no option/);
    expect(byLine[8]).not.toContain('stray');
  });
});

describe('imapsync --exclude regexes as folder patterns', () => {
  it.each([
    ['^INBOX\\.Trash$', ['INBOX.Trash']],
    ['Spam', ['*Spam*']],
    ['^Archive', ['Archive*']],
    ['^\\[Gmail\\]/All Mail$|^Old/.*', ['[Gmail]/All Mail', 'Old/*']],
    ['.*backup.*', ['*backup*']],
  ])('%s -> %j', (regex, globs) => {
    expect(regexToGlobs(regex)).toEqual({ globs });
  });

  it.each([
    ['^Trash|', /empty alternative/],
    ['^(Trash|Spam)$', /groups/],
    ['^Junk[0-9]$', /character classes/],
    ['\\d+', /"\\d"/],
    ['Tra.h', /matches any character/],
    ['^Sent.+', /matches any character/],
    ['a\\*b', /literal "\*"/],
  ])('refuses %s with the reason', (regex, why) => {
    const r = regexToGlobs(regex);
    expect('problem' in r && r.problem).toMatch(why);
  });
});
