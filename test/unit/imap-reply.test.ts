import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeFolderName, ReplyReader, statusOf, tokens } from '../../src/main/engine/connect/imap-reply.js';

describe('the quick look reads IMAP replies', () => {
  it('splits the stream into whole responses, a literal and a line cut anywhere included', () => {
    const wire = Buffer.from('* LIST (\\HasNoChildren) "/" {11}\r\nWork "2024"\r\n* STATUS INBOX (MESSAGES 3)\r\nQ1 OK done\r\n');
    for (let cut = 1; cut < wire.length; cut++) {
      const r = new ReplyReader();
      const out = [...r.push(wire.subarray(0, cut)), ...r.push(wire.subarray(cut))];
      expect(out.map((x) => tokens(x.text.replace(/^\S+ \S+ /, ''), x.literals)), `cut at ${cut}`).toEqual([
        [['\\HasNoChildren'], '/', 'Work "2024"'],
        ['INBOX', ['MESSAGES', '3']],
        ['done'],
      ]);
      expect(out.map((x) => x.text.slice(0, 6))).toEqual(['* LIST', '* STAT', 'Q1 OK ']);
    }
  });

  it('gives atoms, quoted strings (with their escapes), NIL and nested lists as the server sent them', () => {
    expect(tokens('(("" "/")("[Gmail]/" "/")) NIL NIL', [])).toEqual([[['', '/'], ['[Gmail]/', '/']], null, null]);
    expect(tokens('(\\Noselect \\HasChildren) NIL [Gmail]', [])).toEqual([['\\Noselect', '\\HasChildren'], null, '[Gmail]']);
    expect(tokens('() "." "say \\"hi\\" \\\\ bye"', [])).toEqual([[], '.', 'say "hi" \\ bye']);
    expect(tokens('"NIL" nil', [])).toEqual(['NIL', null]);
  });

  it('decodes modified UTF-7 folder names exactly as imapflow (iconv-lite) does', () => {
    const names = ['Projets été', '日本語ラベル', 'Reçus/2024', 'Family & Friends', '&', 'a&b&c', 'Ünïcødé & more/🙂 emoji', 'plain', 'Привет, мир'];
    for (const name of names) {
      const wire = iconv.encode(name, 'utf-7-imap').toString();
      expect(decodeFolderName(wire), wire).toBe(name);
      expect(decodeFolderName(wire)).toBe(iconv.decode(Buffer.from(wire), 'utf-7-imap'));
    }
    expect(decodeFolderName('Family &- Friends')).toBe('Family & Friends');
    expect(decodeFolderName('broken &AOk')).toBe('broken &AOk'); // not closed: kept as sent
  });

  it('reads status responses with their response code', () => {
    expect(statusOf('OK [CAPABILITY IMAP4rev1 LIST-STATUS] Logged in')).toEqual({ status: 'OK', code: 'CAPABILITY', codeArgs: 'IMAP4rev1 LIST-STATUS', text: 'Logged in' });
    expect(statusOf('NO [AUTHENTICATIONFAILED] Authentication failed.')).toMatchObject({ status: 'NO', code: 'AUTHENTICATIONFAILED', text: 'Authentication failed.' });
    expect(statusOf('BAD Error in IMAP command')).toMatchObject({ status: 'BAD', code: undefined, text: 'Error in IMAP command' });
  });
});
