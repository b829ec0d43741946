import { describe, expect, it } from 'vitest';
import { mapFolders, type FolderInfo } from '../../src/main/engine/plan/folder-mapping.js';
import { GMAIL, placer, sourceFolders, viewsOf } from '../../src/main/engine/takeout/takeout-folders.js';
import { decodeWords, readLabels, splitLabels } from '../../src/main/engine/takeout/takeout-labels.js';

describe('splitLabels', () => {
  it.each([
    ['Inbox,Opened,Category Updates', ['Inbox', 'Opened', 'Category Updates']],
    ['Inbox, Work/Projects ,Opened', ['Inbox', 'Work/Projects', 'Opened']],
    ['"Clients, old",Opened', ['Clients, old', 'Opened']],
    ['"say ""hi""",Unread', ['say "hi"', 'Unread']],
    ['=?UTF-8?Q?Re=C3=A7us=2F2024?=,Opened', ['Reçus/2024', 'Opened']],
    ['=?UTF-8?B?5pel5pys6Kqe?= =?UTF-8?B?44Op44OZ44Or?=,Opened', ['日本語ラベル', 'Opened']],
    ['Projets été,Opened', ['Projets été', 'Opened']],
    ['', []],
  ])('%s', (header, names) => expect(splitLabels(header)).toEqual(names));

  it('leaves an encoded word of an unknown charset as written', () => {
    expect(decodeWords('=?x-unknown?Q?abc?=')).toBe('=?x-unknown?Q?abc?=');
  });
});

describe('readLabels', () => {
  it('turns Takeout names into X-GM-LABELS and flags', () => {
    expect(readLabels('Inbox,Starred,Important,Opened,Category Updates,Work/Projects')).toEqual({
      labels: ['\\Inbox', '\\Starred', '\\Important', 'Work/Projects'], flags: ['\\Flagged', '\\Seen'], chat: false, categories: ['Category Updates'],
    });
  });

  it.each([
    ['Unread', { labels: [], flags: [] }],
    ['Drafts,Opened', { labels: ['\\Draft'], flags: ['\\Draft', '\\Seen'] }],
    ['Archived,Opened', { labels: [], flags: ['\\Seen'] }],
    ['Trash,Work,Opened', { labels: ['Work'], flags: ['\\Seen'], bin: 'trash' }],
    ['Spam,Unread', { labels: [], flags: [], bin: 'spam' }],
    ['Chat,Opened', { labels: [], flags: ['\\Seen'], chat: true }],
  ])('%s', (header, want) => expect(readLabels(header)).toEqual({ chat: false, categories: [], ...want }));
});

/** The folders a message lands in on a Maildir++ destination (the harness's), by Takeout label header. */
function landing(headers: string[], opts: { filter?: { exclude: string[] }; policy?: 'folder-per-label' | 'one-copy' } = {}) {
  const labels = headers.map((h) => readLabels(h));
  const folders = sourceFolders(labels.flatMap((l) => l.labels.filter((x) => !x.startsWith('\\'))));
  const destination: FolderInfo[] = [
    { path: 'INBOX', delimiter: '.', flags: [] },
    { path: 'Sent Items', delimiter: '.', specialUse: '\\Sent', flags: [] },
    { path: 'Deleted Items', delimiter: '.', specialUse: '\\Trash', flags: [] },
    { path: 'Junk E-mail', delimiter: '.', specialUse: '\\Junk', flags: [] },
    { path: 'Drafts', delimiter: '.', specialUse: '\\Drafts', flags: [] },
    { path: 'Archive', delimiter: '.', specialUse: '\\Archive', flags: [] },
  ];
  const mappings = mapFolders({ source: folders, destination, destDelimiter: '.', destPrefix: '', ...(opts.filter ? { filter: opts.filter } : {}) });
  const target = new Map(mappings.map((m) => [m.source, m.target]));
  const place = placer(folders, mappings, opts.policy ?? 'folder-per-label');
  return labels.map((l) => place(l).map((p) => target.get(p)));
}

describe('where a Takeout message goes (the IMAP pass\'s mapping)', () => {
  it.each([
    ['Inbox,Opened', ['INBOX']],
    ['Sent,Opened', ['Sent Items']],
    ['Drafts', ['Drafts']],
    ['Trash,Work,Opened', ['Deleted Items']],
    ['Spam,Unread', ['Junk E-mail']],
    ['Inbox,Work,Reçus/2024,Opened', ['INBOX', 'Work', 'Reçus.2024']],
    ['Sent,Clients/acme.com', ['Sent Items', 'Clients.acme_com']],
    ['Archived,Opened', ['Archive']],
    ['Important,Unread', ['Archive']],
    ['Starred,Opened', ['Archive']],
    ['Archived,Category Promotions', ['Archive']],
    ['Inbox,Category Social', ['INBOX']],
    ['Work/Projects/2024', ['Work.Projects.2024']],
    ['Chat,Opened', []],
  ])('%s -> %j', (header, folders) => {
    expect(landing([header])[0]).toEqual(folders);
  });

  it('counts an excluded label as a place (not archived), as the IMAP pass does', () => {
    expect(landing(['Work,Opened', 'Inbox'], { filter: { exclude: ['Work'] } })).toEqual([[], ['INBOX']]);
  });

  it('one copy per message: the first of Inbox, Sent, Drafts, labels by name, Archive', () => {
    expect(landing(['Work,Sent,Inbox', 'Work,Sent', 'Zeta,Alpha', 'Important', 'Trash,Inbox'], { policy: 'one-copy' })).toEqual([['INBOX'], ['Sent Items'], ['Alpha'], ['Archive'], ['Deleted Items']]);
  });

  it('lists Starred and Important as views, not folders', () => {
    expect(viewsOf(readLabels('Inbox,Starred,Important'))).toEqual([GMAIL.starred, GMAIL.important]);
    expect(viewsOf(readLabels('Trash,Starred'))).toEqual([]);
  });
});
