import { describe, expect, it } from 'vitest';
import { budgetFinding, connectionBudgets } from '../../src/main/engine/preflight/connection-budget.js';
import type { MappingRow } from '../../src/main/engine/preflight/connection-test.js';
import { strictRenames, strictRenameWarning } from '../../src/main/engine/preflight/folder-renames.js';
import { folderSizeLimitFinding, hiddenLabelFindings, hiddenSystemFolders, type LabelSample } from '../../src/main/engine/preflight/gmail-settings.js';
import { DEFAULT_JOB_OPTIONS, type Job, type MailboxJob } from '../../src/main/engine/job/job.js';
import { mapFolders, type FolderInfo } from '../../src/main/engine/plan/folder-mapping.js';

const folder = (path: string, specialUse?: string): FolderInfo => ({ path, delimiter: '/', flags: [], ...(specialUse ? { specialUse } : {}) });
const GMAIL: FolderInfo[] = [
  folder('INBOX'), folder('Work'), folder('[Gmail]/All Mail', '\\All'), folder('[Gmail]/Sent Mail', '\\Sent'),
  folder('[Gmail]/Drafts', '\\Drafts'), folder('[Gmail]/Trash', '\\Trash'), folder('[Gmail]/Spam', '\\Junk'), folder('[Gmail]/Starred', '\\Flagged'),
];
/** Mapping rows as connection-test.ts makes them, with message counts by source folder. */
function rows(listed: FolderInfo[], counts: Record<string, number>): MappingRow[] {
  return mapFolders({ source: listed, destination: [], destDelimiter: '.', destPrefix: '' })
    .map((m) => ({ source: m.source, target: m.target, role: m.role, messages: counts[m.source] ?? 0, sizeBytes: null, ...(m.specialUse ? { specialUse: m.specialUse } : {}) }));
}
const sample = (messages: number, counts: Record<string, number>): LabelSample => ({ messages, counts: new Map(Object.entries(counts)), bytes: 0 });

describe("Gmail's folder size limit", () => {
  it.each([
    ['INBOX at 1,000, All Mail holds more', { INBOX: 1000, '[Gmail]/All Mail': 4200 }, ['"INBOX" (1,000)']],
    ['every folder at the limit, All Mail too', { INBOX: 5000, Work: 5000, '[Gmail]/All Mail': 5000 }, ['"INBOX" (5,000)', '"Work" (5,000)', '"[Gmail]/All Mail" (5,000)']],
    ['a label at 2,000 of 10,000', { Work: 2000, '[Gmail]/All Mail': 10_500 }, ['"Work" (2,000)']],
  ])('%s: a blocker naming the folders and the setting', (_, counts, named) => {
    const b = folderSizeLimitFinding(rows(GMAIL, counts))!;
    for (const n of named) expect(b).toContain(n);
    expect(b).toContain('Settings > See all settings > Forwarding and POP/IMAP > Folder size limits');
    expect(b).toContain('"Do not limit the number of messages in an IMAP folder"');
  });

  it.each([
    ['counts that are no limit', { INBOX: 999, '[Gmail]/All Mail': 4000 }],
    ['a label at 1,000 while All Mail holds fewer (Trash is not in All Mail)', { '[Gmail]/Trash': 1000, '[Gmail]/All Mail': 300 }],
    ['Starred at the limit (a view, not copied)', { '[Gmail]/Starred': 1000, '[Gmail]/All Mail': 3000 }],
  ])('%s: nothing', (_, counts) => {
    expect(folderSizeLimitFinding(rows(GMAIL, counts))).toBeUndefined();
  });
});

describe('labels hidden from IMAP', () => {
  const listedRows = rows(GMAIL, { INBOX: 40, Work: 12, '[Gmail]/Sent Mail': 30 });

  it('a label X-GM-LABELS names and LIST does not show: a blocker naming it and the setting', () => {
    const f = hiddenLabelFindings(sample(100, { '\\Inbox': 40, Work: 12, 'Old/2019': 7, '\\Important': 50, '\\Starred': 3 }), GMAIL, listedRows);
    expect(f.blockers).toHaveLength(1);
    expect(f.blockers[0]).toContain('"Old/2019" (7 messages)');
    expect(f.blockers[0]).toContain('Settings > See all settings > Labels, tick "Show in IMAP"');
    expect(f.blockers[0]).not.toMatch(/Important|Starred|"Work"/);
    expect(f.warnings).toEqual([]);
  });

  it('a hidden label the folder filter leaves out is not asked for', () => {
    const f = hiddenLabelFindings(sample(100, { 'Old/2019': 7 }), GMAIL, listedRows, { exclude: ['Old/*'] });
    expect(f.blockers).toEqual([]);
  });

  it('Sent Mail hidden: a blocker of its own', () => {
    const listed = GMAIL.filter((f) => f.specialUse !== '\\Sent');
    const f = hiddenLabelFindings(sample(100, { '\\Sent': 30 }), listed, rows(listed, {}));
    expect(f.blockers).toEqual([expect.stringContaining('Gmail hides Sent Mail from IMAP')]);
  });

  it('a folder showing fewer messages than the sample finds with its label: a warning with both counts', () => {
    const f = hiddenLabelFindings(sample(100, { Work: 20, '\\Inbox': 40 }), GMAIL, listedRows);
    expect(f.blockers).toEqual([]);
    expect(f.warnings).toEqual([expect.stringContaining('"Work" shows 12 but 20 of the 100 newest messages in All Mail carry its label')]);
  });

  it('All Mail, Trash or Spam missing from the listing', () => {
    const f = hiddenSystemFolders(GMAIL.filter((x) => !['\\All', '\\Trash'].includes(x.specialUse ?? '')));
    expect(f.blockers).toEqual([expect.stringContaining('Gmail shows no All Mail folder over IMAP')]);
    expect(f.warnings).toEqual([expect.stringContaining('Gmail shows no Trash folder over IMAP')]);
    expect(hiddenSystemFolders(GMAIL)).toEqual({ blockers: [], warnings: [] });
  });
});

describe('names the destination will rename', () => {
  const src = [folder('INBOX'), folder('Say "hi"'), folder('a;b'), folder('Plain')];
  const ns = { prefix: 'INBOX.', delimiter: '.' };
  const mappings = mapFolders({ source: src, destination: [], destDelimiter: '.', destPrefix: 'INBOX.' });

  it('Cyrus: "will be renamed to" with the name the run creates', () => {
    const r = strictRenames(mappings, 'cyrus', ns);
    expect(r.map((x) => [x.source, x.safe])).toEqual([['Say "hi"', 'INBOX.Say _hi_'], ['a;b', 'INBOX.a_b']]);
    expect(strictRenameWarning(r, 'cyrus')).toMatch(/^"Say "hi"" will be renamed to "INBOX.Say _hi_"; "a;b" will be renamed to "INBOX.a_b": the destination \(Cyrus\) refuses/);
  });

  it('an unknown server: the same names, said as what happens if it refuses; Dovecot and Courier: nothing', () => {
    expect(strictRenameWarning(strictRenames(mappings, undefined, ns), undefined)).toContain('if the destination refuses');
    expect(strictRenames(mappings, 'dovecot', ns)).toEqual([]);
    expect(strictRenames(mappings, 'courier', ns)).toEqual([]);
  });
});

describe('the connection budget per Gmail account', () => {
  const gmail = (user: string) => ({ host: 'imap.gmail.com', port: 993, security: 'tls' as const, user });
  const other = (user: string) => ({ ...gmail(user), host: 'mail.example.net' });
  const job = (mailboxes: MailboxJob[], cap = 4): Job => ({ mailboxes, options: { ...DEFAULT_JOB_OPTIONS, connectionsPerAccount: cap } });

  it('reading: mailboxes of one account share one cap, so it never passes 10 of 15', () => {
    const b = connectionBudgets(job([{ id: 'a', source: gmail('ann@x.com'), destination: other('a') }, { id: 'b', source: gmail('ANN@x.com'), destination: other('b') }], 10));
    expect(b).toEqual([{ side: 'source', user: 'ann@x.com', mailboxes: [0, 1], upTo: 10 }]);
    expect(budgetFinding(b[0]!, 10)).toEqual({});
  });

  it('writing to one Gmail account: mailboxes add up; a warning past 12, a blocker past 15, each with the value that fits', () => {
    const into = (n: number, cap: number) => connectionBudgets(job(Array.from({ length: n }, (_, i) => ({ id: `m${i}`, source: other(`s${i}`), destination: gmail('team@x.com') })), cap))[0]!;
    expect(into(1, 4).upTo).toBe(7);
    expect(budgetFinding(into(1, 4), 4)).toEqual({});
    const warn = budgetFinding(into(2, 4), 4); // 14
    expect(warn.blocker).toBeUndefined();
    expect(warn.warning).toMatch(/may hold 14 connections.*leaving 1 for its phones.*set connectionsPerAccount to 3/);
    const block = budgetFinding(into(3, 4), 4); // 21
    expect(block.blocker).toMatch(/may hold 21 connections.*Gmail allows 15.*Set connectionsPerAccount to 2 /);
    expect(budgetFinding(into(8, 1), 1).blocker).toContain('Run these mailboxes one after another');
  });
});
