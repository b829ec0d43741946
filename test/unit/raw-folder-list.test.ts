import { describe, expect, it } from 'vitest';
import { tokens } from '../../src/main/engine/connect/imap-reply.js';
import { foldersOf, personalNamespaceOf } from '../../src/main/engine/plan/raw-folder-list.js';

const list = (line: string) => ({ name: 'LIST', args: tokens(line, []) });
const status = (line: string) => ({ name: 'STATUS', args: tokens(line, []) });

describe('folder lists read by the quick look', () => {
  it('gives a special use to one folder only, the shallowest, then the first by name (as imapflow does)', () => {
    const { folders } = foldersOf([
      list('(\\HasNoChildren \\Sent) "." "Archive.Sent"'),
      list('(\\HasNoChildren \\Sent) "." "Sent Items"'),
      list('(\\HasNoChildren \\sent) "." "Outbox"'),
      list('(\\HasNoChildren \\Trash \\Junk) "." "Bin"'),
    ], { prefix: '', delimiter: '.' });
    expect(folders.map((f) => [f.path, f.specialUse])).toEqual([['Archive.Sent', undefined], ['Sent Items', undefined], ['Outbox', '\\Sent'], ['Bin', '\\Junk']]);
  });

  it('decodes names, keeps INBOX in capitals, adds the namespace prefix, marks \\NonExistent as \\Noselect, drops \\Subscribed', () => {
    const { folders, status: counts } = foldersOf([
      list('(\\Subscribed) "." inbox'),
      list('(\\NonExistent \\HasChildren) "." "INBOX.Re&AOc-us"'),
      list('(\\Subscribed \\HasNoChildren) "." "Work"'),
      status('"inbox" (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 77 HIGHESTMODSEQ 12)'),
      status('"INBOX.Work" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 78)'),
      status('"INBOX.Re&AOc-us" (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 79)'),
    ], { prefix: 'INBOX.', delimiter: '.' });
    expect(folders).toEqual([
      { path: 'INBOX', delimiter: '.', flags: [] },
      { path: 'INBOX.Reçus', delimiter: '.', flags: ['\\NonExistent', '\\HasChildren', '\\Noselect'] },
      { path: 'INBOX.Work', delimiter: '.', flags: ['\\HasNoChildren'] },
    ]);
    // A folder that holds no messages has no counts; HIGHESTMODSEQ only where the server gave it.
    expect([...counts]).toEqual([
      ['INBOX', { uidValidity: 77, uidNext: 9, messages: 3, highestModseq: '12' }],
      ['INBOX.Work', { uidValidity: 78, uidNext: 2, messages: 1 }],
    ]);
  });

  it('takes the first personal namespace, its prefix ending in its delimiter, and imapflow\'s default without one', () => {
    expect(personalNamespaceOf(tokens('(("INBOX" ".")) NIL NIL', []))).toEqual({ prefix: 'INBOX.', delimiter: '.' });
    expect(personalNamespaceOf(tokens('(("" "/")("[Gmail]/" "/")) NIL NIL', []))).toEqual({ prefix: '', delimiter: '/' });
    expect(personalNamespaceOf(tokens('NIL NIL NIL', []))).toEqual({ prefix: '', delimiter: '.' });
    expect(personalNamespaceOf(undefined)).toEqual({ prefix: '', delimiter: '.' });
  });
});
