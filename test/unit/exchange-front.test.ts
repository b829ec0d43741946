import { describe, expect, it } from 'vitest';
import { foreignFlags, serialize, tokenize, verbatim } from '../support/exchange-front/args.js';
import { decodeXoauth2, sessionDeadline, tokenCheck } from '../support/exchange-front/auth.js';
import { decodeMailboxName, encodeMailboxName, isReservedName } from '../support/exchange-front/folders.js';
import { rewriteFetchLine, rewriteResponseLine, rewriteTaggedLine } from '../support/exchange-front/rewrites.js';
import { EXCHANGE_FLAGS } from '../support/exchange-front/strings.js';

describe('Exchange front: names and arguments', () => {
  it('reads and writes modified UTF-7 folder names', () => {
    for (const [wire, name] of [['Re&AOc-us', 'Reçus'], ['A&-B', 'A&B'], ['&ZeVnLIqe-', '日本語'], ['Sent Items', 'Sent Items']]) {
      expect(decodeMailboxName(wire!)).toBe(name);
      expect(encodeMailboxName(name!)).toBe(wire);
    }
    expect(isReservedName('fILES')).toBe(true);
    expect(isReservedName('Files/Old')).toBe(false);
  });

  it('tokenizes atoms, quoted strings, lists and literals, and leaves an announced message out', () => {
    const tokens = tokenize(['a1 APPEND "My \\"Box\\"" (\\Seen $X) "24-Dec-2025 18:30:00 +0000" {300}\r\n'], true)!;
    expect(tokens.map((t) => [t.kind, t.value])).toEqual([
      ['atom', 'a1'], ['atom', 'APPEND'], ['string', 'My "Box"'], ['list', '\\Seen $X'], ['string', '24-Dec-2025 18:30:00 +0000'],
    ]);
    expect(foreignFlags(tokens[3], EXCHANGE_FLAGS)).toEqual(['$X']);
    expect(foreignFlags({ kind: 'atom', raw: '$MDNSent', value: '$MDNSent' }, EXCHANGE_FLAGS)).toEqual([]);
    const withLiteral = tokenize(['a2 SELECT {5}\r\n', Buffer.from('Inbox'), '\r\n'])!;
    expect(withLiteral.map((t) => t.value)).toEqual(['a2', 'SELECT', 'Inbox']);
    expect(serialize(withLiteral).toString()).toBe('a2 SELECT {5+}\r\nInbox\r\n');
    expect(verbatim(['a3 SEARCH TEXT {3}\r\n', Buffer.from('abc'), ' ALL\r\n']).toString()).toBe('a3 SEARCH TEXT {3+}\r\nabc ALL\r\n');
    expect(tokenize(['a4 SEARCH (OR {3}\r\n', Buffer.from('abc'), ' ALL)\r\n'])).toBeUndefined();
  });
});

describe('Exchange front: sign-in', () => {
  it('decodes XOAUTH2 and judges a token from a table', () => {
    const b64 = Buffer.from('user=a@example.com\x01auth=Bearer t0k\x01\x01').toString('base64');
    expect(decodeXoauth2(b64)).toEqual({ user: 'a@example.com', token: 't0k' });
    expect(decodeXoauth2(Buffer.from('user=a\x01auth=t0k\x01\x01').toString('base64'))).toBeUndefined();
    expect(decodeXoauth2('not base64!')).toBeUndefined();
    const check = tokenCheck(new Map<string, string | { user: string; expiresAt: number }>([
      ['t0k', 'a@example.com'], ['old', { user: 'a@example.com', expiresAt: 1 }], ['new', { user: 'a@example.com', expiresAt: 9e15 }],
    ]));
    expect([check('A@example.com', 't0k'), check('b@example.com', 't0k'), check('a@example.com', 'nope'), check('a@example.com', 'old')])
      .toEqual(['ok', 'other-user', 'bad', 'bad']);
    expect(check('a@example.com', 'new')).toEqual({ expiresAt: 9e15 });
    expect(sessionDeadline({ expiresAt: 5000 }, 1000, 1000)).toBe(2000);
    expect(sessionDeadline('ok', undefined, 1000)).toBeUndefined();
  });
});

describe('Exchange front: response rewrites', () => {
  const uses = new Map([['Sent Items', '\\Sent'], ['Drafts', '\\Drafts']]);
  it('marks special folders in LIST by name, and speaks Exchange\'s capabilities and flags', () => {
    expect(rewriteResponseLine('* LIST (\\HasNoChildren) "/" "Sent Items"\r\n', uses)).toBe('* LIST (\\HasNoChildren \\Sent) "/" "Sent Items"\r\n');
    expect(rewriteResponseLine('* LIST () "/" Drafts\r\n', uses)).toBe('* LIST (\\Drafts) "/" Drafts\r\n');
    expect(rewriteResponseLine('* LIST (\\HasNoChildren) "/" "Sent Items/2024"\r\n', uses)).toBe('* LIST (\\HasNoChildren) "/" "Sent Items/2024"\r\n');
    expect(rewriteResponseLine('* FLAGS (\\Seen $Label1)\r\n', uses)).toBe('* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)\r\n');
    expect(rewriteResponseLine('* OK [PERMANENTFLAGS (\\Seen $X \\*)] Flags permitted.\r\n', uses))
      .toBe('* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)] Flags permitted.\r\n');
    expect(rewriteTaggedLine('A4 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n', 'SELECT')).toBe('A4 OK [READ-WRITE] SELECT completed.\r\n');
    expect(rewriteTaggedLine('A5 OK Fetch completed (0.001 + 0.000 secs).\r\n', 'UID FETCH')).toBe('A5 OK FETCH completed.\r\n');
    expect(rewriteTaggedLine('A6 NO [TRYCREATE] Mailbox doesn\'t exist: X\r\n', 'SELECT')).toBe('A6 NO [TRYCREATE] Mailbox doesn\'t exist: X\r\n');
  });

  it('grows RFC822.SIZE and whole-message literals by the added headers, not partial or other parts', () => {
    expect(rewriteFetchLine('* 1 FETCH (UID 7 RFC822.SIZE 100 BODY[] {100}\r\n', 30)).toEqual({ line: '* 1 FETCH (UID 7 RFC822.SIZE 130 BODY[] {130}\r\n', rebuilt: true });
    expect(rewriteFetchLine('* 1 FETCH (RFC822 {100}\r\n', 30)).toEqual({ line: '* 1 FETCH (RFC822 {130}\r\n', rebuilt: true });
    expect(rewriteFetchLine(' BODY[HEADER] {40}\r\n', 30)).toEqual({ line: ' BODY[HEADER] {70}\r\n', rebuilt: true });
    for (const item of ['BODY[TEXT] {60}', 'BODY[]<0> {10}', 'RFC822.TEXT {60}', 'BODY[HEADER.FIELDS (SUBJECT)] {12}']) {
      expect(rewriteFetchLine(`* 2 FETCH (${item}\r\n`, 30).rebuilt, item).toBe(false);
    }
    expect(rewriteFetchLine(' FLAGS (\\Seen) RFC822.SIZE 5)\r\n', 30).line).toBe(' FLAGS (\\Seen) RFC822.SIZE 35)\r\n');
  });
});
