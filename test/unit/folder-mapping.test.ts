import { describe, expect, it } from 'vitest';
import { type FolderFilter, type FolderInfo, type FolderMapping, mapFolders, safeSegment, SUBSTITUTE } from '../../src/main/engine/plan/folder-mapping.js';

/** A folder as imapflow's list() describes it; the flags carry the special-use attribute too, as on the wire. */
function f(path: string, use?: string, extraFlags: string[] = [], delimiter: string | null = '/'): FolderInfo {
  const info: FolderInfo = { path, delimiter, flags: [...(use ? [use] : []), ...extraFlags] };
  if (use && use !== '\\Important' && use !== '\\Noselect') info.specialUse = use;
  return info;
}

const gmailEnglish = (): FolderInfo[] => [
  f('INBOX'),
  f('[Gmail]', '\\Noselect', ['\\HasChildren']),
  f('[Gmail]/All Mail', '\\All'),
  f('[Gmail]/Drafts', '\\Drafts'),
  f('[Gmail]/Important', '\\Important'),
  f('[Gmail]/Sent Mail', '\\Sent'),
  f('[Gmail]/Spam', '\\Junk'),
  f('[Gmail]/Starred', '\\Flagged'),
  f('[Gmail]/Trash', '\\Trash'),
  f('Work'),
  f('Work/2024'),
];

const gmailGerman = (): FolderInfo[] => [
  f('INBOX'),
  f('[Google Mail]', '\\Noselect'),
  f('[Google Mail]/Alle Nachrichten', '\\All'),
  f('[Google Mail]/Entwürfe', '\\Drafts'), // decoded from Entw&APw-rfe
  f('[Google Mail]/Gesendet', '\\Sent'),
  f('[Google Mail]/Markiert', '\\Flagged'),
  f('[Google Mail]/Papierkorb', '\\Trash'),
  f('[Google Mail]/Spam', '\\Junk'),
  f('[Google Mail]/Wichtig', '\\Important'),
];

/** Dovecot Maildir++: "." separator, special-use folders under other names. */
const maildirDest = (): FolderInfo[] => [
  f('INBOX', undefined, [], '.'),
  f('Archive', '\\Archive', [], '.'),
  f('Deleted Items', '\\Trash', [], '.'),
  f('Drafts', '\\Drafts', [], '.'),
  f('Junk E-mail', '\\Junk', [], '.'),
  f('Sent Items', '\\Sent', [], '.'),
];
/** Courier/Cyrus style: everything under "INBOX.", one folder without special-use. */
const inboxNestedDest = (): FolderInfo[] => [f('INBOX', undefined, [], '.'), f('INBOX.Sent', undefined, [], '.'), f('INBOX.Trash', '\\Trash', [], '.')];
const bareSlashDest = (): FolderInfo[] => [f('INBOX')];
const bareDotDest = (): FolderInfo[] => [f('INBOX', undefined, [], '.')];

interface Case {
  name: string;
  source: FolderInfo[];
  destination: FolderInfo[];
  delim: string;
  prefix: string;
  filter?: FolderFilter;
  /** Exact target per source path. */
  targets: Record<string, string | null>;
  /** Further fields per source path. */
  more?: Record<string, Partial<FolderMapping>>;
}

const cases: Case[] = [
  {
    name: 'Gmail English to Maildir++ with special-use folders under other names',
    source: gmailEnglish(),
    destination: maildirDest(),
    delim: '.',
    prefix: '',
    targets: {
      INBOX: 'INBOX', '[Gmail]': null, '[Gmail]/All Mail': 'Archive', '[Gmail]/Drafts': 'Drafts', '[Gmail]/Important': null,
      '[Gmail]/Sent Mail': 'Sent Items', '[Gmail]/Spam': 'Junk E-mail', '[Gmail]/Starred': null, '[Gmail]/Trash': 'Deleted Items',
      Work: 'Work', 'Work/2024': 'Work.2024',
    },
    more: {
      INBOX: { role: 'inbox', targetExists: true },
      '[Gmail]': { role: 'noselect' },
      '[Gmail]/All Mail': { role: 'archive', specialUse: '\\All', targetExists: true },
      '[Gmail]/Sent Mail': { role: 'special', specialUse: '\\Sent', targetExists: true },
      '[Gmail]/Important': { role: 'view' },
      '[Gmail]/Starred': { role: 'view', specialUse: '\\Flagged' },
      'Work/2024': { role: 'label', targetExists: false },
    },
  },
  {
    name: 'Gmail English to an empty "/" server: special folders are created with their special-use',
    source: gmailEnglish(),
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: {
      INBOX: 'INBOX', '[Gmail]/All Mail': 'Archive', '[Gmail]/Drafts': 'Drafts', '[Gmail]/Sent Mail': 'Sent', '[Gmail]/Spam': 'Junk',
      '[Gmail]/Trash': 'Trash', Work: 'Work', 'Work/2024': 'Work/2024',
    },
    more: {
      '[Gmail]/Sent Mail': { createSpecialUse: '\\Sent', targetExists: false },
      '[Gmail]/All Mail': { createSpecialUse: '\\Archive' },
      '[Gmail]/Spam': { createSpecialUse: '\\Junk' },
    },
  },
  {
    name: 'Gmail English to prefix "INBOX.": reuses INBOX.Sent by name, Trash by special-use, creates the rest',
    source: gmailEnglish(),
    destination: inboxNestedDest(),
    delim: '.',
    prefix: 'INBOX.',
    targets: {
      INBOX: 'INBOX', '[Gmail]/All Mail': 'INBOX.Archive', '[Gmail]/Drafts': 'INBOX.Drafts', '[Gmail]/Sent Mail': 'INBOX.Sent',
      '[Gmail]/Spam': 'INBOX.Junk', '[Gmail]/Trash': 'INBOX.Trash', Work: 'INBOX.Work', 'Work/2024': 'INBOX.Work.2024',
    },
    more: { '[Gmail]/Sent Mail': { targetExists: true, createSpecialUse: undefined }, '[Gmail]/Drafts': { createSpecialUse: '\\Drafts' } },
  },
  {
    name: 'a Courier account that another client left: its Sent Items, Deleted Items and cPanel\'s spam are reused by name, any case',
    source: gmailEnglish(),
    destination: [f('INBOX', undefined, [], '.'), f('INBOX.Sent Items', undefined, [], '.'), f('INBOX.Deleted Items', undefined, [], '.'), f('INBOX.spam', undefined, [], '.'), f('INBOX.archives', undefined, ['\\Noselect'], '.')],
    delim: '.',
    prefix: 'INBOX.',
    targets: {
      '[Gmail]/Sent Mail': 'INBOX.Sent Items', '[Gmail]/Trash': 'INBOX.Deleted Items', '[Gmail]/Spam': 'INBOX.spam', '[Gmail]/Drafts': 'INBOX.Drafts',
      '[Gmail]/All Mail': 'INBOX.Archive', Work: 'INBOX.Work',
    },
    more: {
      '[Gmail]/Sent Mail': { targetExists: true, createSpecialUse: undefined, note: 'uses the existing "INBOX.Sent Items", found by its name (the destination marks no special folder for this)' },
      '[Gmail]/Spam': { targetExists: true, note: expect.stringContaining('"INBOX.spam", found by its name') },
      '[Gmail]/All Mail': { targetExists: false, createSpecialUse: '\\Archive', note: 'only messages in no other folder (archived mail) are copied from All Mail' },
    },
  },
  {
    name: 'with both "Sent" and "Sent Items" unmarked, the usual name of the host wins; a marked folder wins over names',
    source: gmailEnglish(),
    destination: [f('INBOX', undefined, [], '.'), f('INBOX.Sent Items', undefined, [], '.'), f('INBOX.Sent', undefined, [], '.'), f('INBOX.Bin', undefined, [], '.'), f('INBOX.Papierkorb', '\\Trash', [], '.')],
    delim: '.',
    prefix: 'INBOX.',
    targets: { '[Gmail]/Sent Mail': 'INBOX.Sent', '[Gmail]/Trash': 'INBOX.Papierkorb' },
  },
  {
    name: 'a prefix given without its trailing delimiter gets one',
    source: [f('INBOX'), f('Work')],
    destination: bareDotDest(),
    delim: '.',
    prefix: 'INBOX',
    targets: { INBOX: 'INBOX', Work: 'INBOX.Work' },
  },
  {
    name: 'German "[Google Mail]" with localised names is mapped by special-use alone',
    source: gmailGerman(),
    destination: maildirDest(),
    delim: '.',
    prefix: '',
    targets: {
      '[Google Mail]': null, '[Google Mail]/Alle Nachrichten': 'Archive', '[Google Mail]/Entwürfe': 'Drafts', '[Google Mail]/Gesendet': 'Sent Items',
      '[Google Mail]/Markiert': null, '[Google Mail]/Papierkorb': 'Deleted Items', '[Google Mail]/Spam': 'Junk E-mail', '[Google Mail]/Wichtig': null,
    },
    more: { '[Google Mail]/Wichtig': { role: 'view', note: expect.stringContaining('Important') }, '[Google Mail]/Markiert': { role: 'view', note: expect.stringContaining('\\Flagged') } },
  },
  {
    name: 'German Gmail with a user label "Sent": it must not take the new Sent folder',
    source: [...gmailGerman(), f('Sent')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { '[Google Mail]/Gesendet': 'Sent', Sent: 'Sent (2)', '[Google Mail]/Papierkorb': 'Trash', '[Google Mail]/Entwürfe': 'Drafts' },
    more: { Sent: { role: 'label', renamed: { wanted: 'Sent', reason: expect.stringContaining('another folder already goes to "Sent"') } } },
  },
  {
    name: 'en-GB "[Gmail]/Bin" is the trash; a user label "Trash" is told apart',
    source: [f('INBOX'), f('[Gmail]', '\\Noselect'), f('[Gmail]/Bin', '\\Trash'), f('Trash')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { '[Gmail]/Bin': 'Trash', Trash: 'Trash (2)' },
    more: { '[Gmail]/Bin': { role: 'special', createSpecialUse: '\\Trash' } },
  },
  {
    name: 'a label with the name of a destination special-use folder is told apart',
    source: [f('INBOX'), f('[Gmail]/Sent Mail', '\\Sent'), f('Sent Items'), f('Junk E-mail')],
    destination: maildirDest(),
    delim: '.',
    prefix: '',
    targets: { '[Gmail]/Sent Mail': 'Sent Items', 'Sent Items': 'Sent Items (2)', 'Junk E-mail': 'Junk E-mail (2)' },
  },
  {
    name: 'Unicode label names (decoded modified UTF-7) pass through',
    source: [f('INBOX'), f('Rechnungen'), f('Rechnungen/Übersicht'), f('日本語'), f('Ελληνικά'), f('Ελληνικά/Ταξίδια')],
    destination: bareDotDest(),
    delim: '.',
    prefix: '',
    targets: { 'Rechnungen/Übersicht': 'Rechnungen.Übersicht', 日本語: '日本語', 'Ελληνικά/Ταξίδια': 'Ελληνικά.Ταξίδια' },
    more: { 'Rechnungen/Übersicht': { renamed: undefined } },
  },
  {
    name: 'a label containing "." going to a "." server: the dot becomes "_", children follow their parent',
    source: [f('INBOX'), f('v1.2'), f('v1.2/notes')],
    destination: bareDotDest(),
    delim: '.',
    prefix: '',
    targets: { 'v1.2': 'v1_2', 'v1.2/notes': 'v1_2.notes' },
    more: {
      'v1.2': { renamed: { wanted: 'v1.2', reason: expect.stringContaining('"." separates folder levels') } },
      'v1.2/notes': { renamed: { wanted: 'v1.2.notes', reason: expect.stringContaining('parent folder has another name') } },
    },
  },
  {
    name: 'a label containing "." going to a "/" server is kept',
    source: [f('INBOX'), f('v1.2'), f('v1.2/notes')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { 'v1.2': 'v1.2', 'v1.2/notes': 'v1.2/notes' },
    more: { 'v1.2': { renamed: undefined } },
  },
  {
    name: 'wildcards and control characters become "_"',
    source: [f('INBOX'), f('a*b%c\x07'), f('tab\there')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { 'a*b%c\x07': 'a_b_c_', 'tab\there': 'tab_here' },
    more: { 'a*b%c\x07': { renamed: { wanted: 'a*b%c\x07', reason: expect.stringContaining('refused') } } },
  },
  {
    name: 'leading and trailing whitespace, a leading "." or "~", and empty segments are made safe',
    source: [f('INBOX'), f(' spaced '), f('.hidden'), f('~tilde'), f('a//b')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { ' spaced ': '_spaced_', '.hidden': '_hidden', '~tilde': '_tilde', 'a//b': 'a/_/b' },
  },
  {
    name: 'a leading "." going to a "." server, and an empty segment',
    source: [f('INBOX'), f('.hidden'), f('a//b')],
    destination: bareDotDest(),
    delim: '.',
    prefix: '',
    targets: { '.hidden': '_hidden', 'a//b': 'a._.b' },
  },
  {
    name: 'names differing only in case are told apart, and the children follow',
    source: [f('INBOX'), f('projects'), f('projects/x'), f('Projects')],
    destination: bareDotDest(),
    delim: '.',
    prefix: '',
    targets: { Projects: 'Projects', projects: 'projects (2)', 'projects/x': 'projects (2).x' },
  },
  {
    name: 'a substitute collision is told apart by sorted source order',
    source: [f('INBOX'), f('a_b'), f('a.b')],
    destination: bareDotDest(),
    delim: '.',
    prefix: '',
    targets: { 'a.b': 'a_b', a_b: 'a_b (2)' },
  },
  {
    name: 'composed and decomposed Unicode spellings collide',
    source: [f('INBOX'), f('Entwu\u0308rfe'), f('Entw\u00fcrfe')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { 'Entwu\u0308rfe': 'Entwu\u0308rfe', 'Entw\u00fcrfe': 'Entw\u00fcrfe (2)' },
  },
  {
    name: 'labels under INBOX on a "/" server with prefix "" do not become children of the inbox',
    source: [f('INBOX'), f('INBOX/Receipts'), f('INBOX/Receipts/2023')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { INBOX: 'INBOX', 'INBOX/Receipts': 'INBOX_/Receipts', 'INBOX/Receipts/2023': 'INBOX_/Receipts/2023' },
    more: { 'INBOX/Receipts': { role: 'label', renamed: { wanted: 'INBOX/Receipts', reason: expect.stringContaining('inbox itself') } } },
  },
  {
    name: 'labels under INBOX on a "." server with prefix ""',
    source: [f('INBOX'), f('Inbox/Old')],
    destination: bareDotDest(),
    delim: '.',
    prefix: '',
    targets: { INBOX: 'INBOX', 'Inbox/Old': 'Inbox_.Old' },
  },
  {
    name: 'labels under INBOX on a server that nests everything under INBOX go there; a same-named label is told apart',
    source: [f('INBOX'), f('INBOX/Receipts'), f('Receipts')],
    destination: inboxNestedDest(),
    delim: '.',
    prefix: 'INBOX.',
    targets: { 'INBOX/Receipts': 'INBOX.Receipts', Receipts: 'INBOX.Receipts (2)' },
  },
  {
    name: 'INBOX in any case is the inbox',
    source: [f('Inbox'), f('Work')],
    destination: [f('inbox')],
    delim: '/',
    prefix: '',
    targets: { Inbox: 'inbox', Work: 'Work' },
    more: { Inbox: { role: 'inbox', targetExists: true } },
  },
  {
    name: 'a source with a "." delimiter going to a "/" server',
    source: [f('INBOX', undefined, [], '.'), f('Work', undefined, [], '.'), f('Work.2024', undefined, [], '.'), f('a/b', undefined, [], '.')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { 'Work.2024': 'Work/2024', 'a/b': 'a_b' },
  },
  {
    name: 'XLIST-era attributes in flags only (no specialUse) still count',
    source: [f('INBOX'), { path: '[Gmail]/All Mail', delimiter: '/', flags: ['\\HasNoChildren', '\\AllMail'] },
      { path: '[Gmail]/Starred', delimiter: '/', flags: ['\\Starred'] }, { path: '[Gmail]/Spam', delimiter: '/', flags: ['\\Spam'] }],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { '[Gmail]/All Mail': 'Archive', '[Gmail]/Starred': null, '[Gmail]/Spam': 'Junk' },
    more: { '[Gmail]/All Mail': { role: 'archive' }, '[Gmail]/Starred': { role: 'view' } },
  },
  {
    name: '\\NonExistent is treated like \\Noselect',
    source: [f('INBOX'), f('Gone', '\\NonExistent')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    targets: { Gone: null },
    more: { Gone: { role: 'noselect' } },
  },
  {
    name: 'of two destination \\Sent folders the first by path is used',
    source: [f('INBOX'), f('[Gmail]/Sent Mail', '\\Sent')],
    destination: [f('INBOX'), f('Sent Messages', '\\Sent'), f('Sent', '\\Sent')],
    delim: '/',
    prefix: '',
    targets: { '[Gmail]/Sent Mail': 'Sent' },
  },
  {
    name: 'targetExists compares exactly; a case-only match is noted',
    source: [f('INBOX'), f('Work'), f('Home')],
    destination: [f('INBOX'), f('work'), f('Home')],
    delim: '/',
    prefix: '',
    targets: { Work: 'Work', Home: 'Home' },
    more: { Work: { targetExists: false, note: expect.stringContaining('"work"') }, Home: { targetExists: true } },
  },
  {
    name: 'exclude: Spam and the sublabels of Work',
    source: gmailEnglish(),
    destination: maildirDest(),
    delim: '.',
    prefix: '',
    filter: { exclude: ['[Gmail]/Spam', 'Work/*'] },
    targets: { '[Gmail]/Spam': null, 'Work/2024': null, Work: 'Work', INBOX: 'INBOX' },
    more: { '[Gmail]/Spam': { role: 'excluded', note: expect.stringContaining('[Gmail]/Spam') }, 'Work/2024': { role: 'excluded' } },
  },
  {
    name: 'include: only Work and below; INBOX and special folders too are left out',
    source: gmailEnglish(),
    destination: maildirDest(),
    delim: '.',
    prefix: '',
    filter: { include: ['Work*'] },
    targets: { Work: 'Work', 'Work/2024': 'Work.2024', INBOX: null, '[Gmail]/Sent Mail': null, '[Gmail]/All Mail': null },
    more: { INBOX: { role: 'excluded' }, '[Gmail]/Sent Mail': { role: 'excluded' } },
  },
  {
    name: 'include matches INBOX in any case, exclude wins over include',
    source: [f('INBOX'), f('INBOX/Receipts'), f('INBOX/Receipts/Old'), f('Work')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    filter: { include: ['inbox', 'Inbox/*'], exclude: ['*/Old'] },
    targets: { INBOX: 'INBOX', 'INBOX/Receipts': 'INBOX_/Receipts', 'INBOX/Receipts/Old': null, Work: null },
  },
  {
    name: 'patterns are case-sensitive outside INBOX',
    source: [f('INBOX'), f('Work'), f('work-old')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    filter: { exclude: ['work*'] },
    targets: { Work: 'Work', 'work-old': null },
  },
  {
    name: 'the filter does not change targets: an excluded folder still holds its name',
    source: [f('INBOX'), f('Projects'), f('projects')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    filter: { exclude: ['Projects'] },
    targets: { Projects: null, projects: 'projects (2)' },
  },
  {
    name: 'an empty include list counts as not given',
    source: [f('INBOX'), f('Work')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    filter: { include: [] },
    targets: { INBOX: 'INBOX', Work: 'Work' },
  },
  {
    name: 'regular-expression characters in patterns are literal',
    source: [f('INBOX'), f('a.c'), f('abc'), f('(x)')],
    destination: bareSlashDest(),
    delim: '/',
    prefix: '',
    filter: { exclude: ['a.c', '(x)'] },
    targets: { 'a.c': null, abc: 'abc', '(x)': null },
  },
];

describe('mapFolders', () => {
  it.each(cases)('$name', (c) => {
    const out = mapFolders({ source: c.source, destination: c.destination, destDelimiter: c.delim, destPrefix: c.prefix, ...(c.filter ? { filter: c.filter } : {}) });
    expect(out.map((m) => m.source).sort()).toEqual(c.source.map((s) => s.path).sort());
    const by = new Map(out.map((m) => [m.source, m]));
    for (const [source, target] of Object.entries(c.targets)) expect(by.get(source)?.target, source).toBe(target);
    for (const [source, fields] of Object.entries(c.more ?? {})) {
      const m = by.get(source)!;
      for (const [k, v] of Object.entries(fields)) expect((m as unknown as Record<string, unknown>)[k], `${source}.${k}`).toEqual(v);
    }
  });

  it('orders the result by source path, INBOX first, whatever the input order', () => {
    const shuffled = [...gmailEnglish()].reverse();
    const out = mapFolders({ source: shuffled, destination: maildirDest(), destDelimiter: '.', destPrefix: '' });
    expect(out.map((m) => m.source)).toEqual(['INBOX', 'Work', 'Work/2024', '[Gmail]', '[Gmail]/All Mail', '[Gmail]/Drafts', '[Gmail]/Important',
      '[Gmail]/Sent Mail', '[Gmail]/Spam', '[Gmail]/Starred', '[Gmail]/Trash']);
    expect(out).toEqual(mapFolders({ source: gmailEnglish(), destination: maildirDest(), destDelimiter: '.', destPrefix: '' }));
  });

  it('never puts two source folders into one target (case-insensitively)', () => {
    const source = [f('INBOX'), f('A'), f('a'), f('a (2)'), f('A.'), f('A_'), f('[Gmail]/Trash', '\\Trash'), f('Trash'), f('trash')];
    const out = mapFolders({ source, destination: bareDotDest(), destDelimiter: '.', destPrefix: '' });
    const targets = out.filter((m) => m.target !== null).map((m) => m.target!.toLowerCase());
    expect(new Set(targets).size).toBe(targets.length);
  });

  it('leaves safe names alone and records nothing', () => {
    const out = mapFolders({ source: gmailEnglish(), destination: maildirDest(), destDelimiter: '.', destPrefix: '' });
    expect(out.filter((m) => m.renamed)).toEqual([]);
  });
});

describe('safeSegment', () => {
  it.each([
    ['plain', '.', 'plain', 0],
    ['a.b', '.', `a${SUBSTITUTE}b`, 1],
    ['a/b', '.', 'a_b', 1],
    ['', '/', '_', 1],
    ['  x ', '/', '__x_', 1],
    ['~x', '/', '_x', 1],
    ['x.', '/', 'x.', 0],
  ])('%j to a %j server is %j', (input, delim, value, reasons) => {
    const r = safeSegment(input, delim);
    expect(r.value).toBe(value);
    expect(r.reasons.length).toBe(reasons);
  });
});
