/**
 * Proves the real-server test harness (test/support): both Dovecots start, the source looks like Gmail,
 * seeded messages come back byte for byte with their dates and flags, TLS works with the CA file, and
 * the destination has its special-use folders, quota and append limit.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ImapFlow, type ImapFlowOptions, type ListResponse } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_LABELS, corpusStats, generateCorpus, type CorpusMessage } from '../support/corpus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { expectedGmailCounts, gmailPhysicalFolders, seedFolder, seedGmailSource } from '../support/maildir-seed.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const ALICE = 'alice@example.com';

const clients: ImapFlow[] = [];
async function connect(options: ImapFlowOptions): Promise<ImapFlow> {
  const client = new ImapFlow(options);
  client.on('error', () => {}); // failures surface through the awaited calls
  clients.push(client);
  await client.connect();
  return client;
}

async function messageCount(client: ImapFlow, path: string): Promise<number> {
  const status = await client.status(path, { messages: true });
  if (!status || status.messages === undefined) throw new Error(`STATUS ${path} failed`);
  return status.messages;
}

function byPath(list: ListResponse[], path: string): ListResponse {
  const entry = list.find((l) => l.path === path);
  if (!entry) throw new Error(`${path} not listed; got ${list.map((l) => l.path).join(', ')}`);
  return entry;
}

describe('test harness: Dovecot pair with a seeded Gmail-like source', () => {
  let source: DovecotServer;
  let dest: DovecotServer;
  let tight: DovecotServer;
  let corpus: CorpusMessage[];

  beforeAll(async () => {
    corpus = generateCorpus({ seed: 'harness', count: 60, profile: 'small' });
    const started = Date.now();
    [source, dest, tight] = await Promise.all([
      startGmailSource(),
      startDestination(),
      startDestination({ quota: { messages: 3, storageKB: 200 }, appendLimit: 100_000 }),
    ]);
    console.log(`three Dovecots up in ${Date.now() - started} ms`);
    await seedGmailSource(source, ALICE, corpus);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.logout().catch(() => c.close())));
    await Promise.all([source?.stop(), dest?.stop(), tight?.stop()]);
  });

  it('generates the same corpus for the same seed, with every special case', () => {
    const again = generateCorpus({ seed: 'harness', count: 60, profile: 'small' });
    expect(again.map((m) => sha256(m.raw))).toEqual(corpus.map((m) => sha256(m.raw)));
    expect(generateCorpus({ seed: 'other', count: 60, profile: 'small' })[0]!.raw.equals(corpus[0]!.raw)).toBe(false);
    const tags = new Set(corpus.flatMap((m) => m.tags));
    for (const tag of ['no-message-id', 'shared-message-id', 'identical-pair', 'empty-body', 'three-labels', 'archived',
      'sent', 'drafts', 'trash', 'spam', 'flagged', 'important', 'custom-keyword', 'unicode-subject', 'large']) {
      expect(tags, tag).toContain(tag);
    }
    for (const label of CORPUS_LABELS) expect(corpus.some((m) => m.placement.labels.includes(label)), label).toBe(true);
    for (const m of corpus) expect(/(?<!\r)\n/.test(m.raw.toString('latin1')), `bare LF in #${m.index}`).toBe(false);
    const pair = corpus.filter((m) => m.tags.includes('identical-pair'));
    expect(pair).toHaveLength(2);
    expect(pair[0]!.raw.equals(pair[1]!.raw)).toBe(true);
    expect(pair[0]!.placement).toEqual(pair[1]!.placement);
    const empty = corpus.find((m) => m.tags.includes('empty-body'))!;
    expect(empty.raw.subarray(-4).toString()).toBe('\r\n\r\n');
    const stats = corpusStats(corpus);
    expect(stats.largestBytes).toBeGreaterThan(1024 * 1024);
    expect(Math.min(...corpus.map((m) => m.raw.length))).toBeLessThan(2048);
  });

  it('lists INBOX, unicode labels, a \\Noselect [Gmail] and the seven [Gmail]/ folders', async () => {
    const client = await connect(source.imapOptions(ALICE));
    const list = await client.list();
    for (const label of CORPUS_LABELS) byPath(list, label);
    expect(byPath(list, '[Gmail]').flags).toContain('\\Noselect');
    const special: Record<string, string> = {
      'All Mail': '\\All', 'Sent Mail': '\\Sent', Drafts: '\\Drafts', Trash: '\\Trash', Spam: '\\Junk', Starred: '\\Flagged',
    };
    for (const [name, use] of Object.entries(special)) expect(byPath(list, `[Gmail]/${name}`).specialUse, name).toBe(use);
    expect(byPath(list, '[Gmail]/Important').flags).toContain('\\Important');
    expect(list.filter((l) => l.path.startsWith('[Gmail]/'))).toHaveLength(7);
    expect(list.some((l) => l.path.toLowerCase().startsWith('backing'))).toBe(false);
    expect(byPath(list, 'INBOX').delimiter).toBe('/');
  });

  it('counts: All Mail = INBOX + labels + sent + drafts + archived copies; Starred = flagged', async () => {
    const client = await connect(source.imapOptions(ALICE));
    const expected = expectedGmailCounts(corpus);
    const physical = corpus.flatMap((m) => gmailPhysicalFolders(m).map((f) => ({ m, f })));
    const allMail = physical.filter(({ f }) => f !== 'backing/Trash' && f !== 'backing/Spam');
    expect(expected.get('[Gmail]/All Mail')).toBe(allMail.length);
    expect(expected.get('[Gmail]/Starred')).toBe(allMail.filter(({ m }) => m.flags.includes('\\Flagged')).length);
    expect(expected.get('[Gmail]/Starred')).toBeGreaterThanOrEqual(2);
    for (const [path, count] of expected) {
      expect(await messageCount(client, path), path).toBe(count);
    }
  });

  it('returns seeded messages byte for byte, with INTERNALDATE and keywords', async () => {
    const client = await connect(source.imapOptions(ALICE));
    // UIDs in a freshly seeded folder follow the seeding order (corpus order), starting at 1.
    const check = async (message: CorpusMessage, folder: string): Promise<void> => {
      const uid = corpus.filter((m) => gmailPhysicalFolders(m).includes(folder)).indexOf(message) + 1;
      const lock = await client.getMailboxLock(folder);
      try {
        const got = await client.fetchOne(String(uid), { source: true, internalDate: true, flags: true, size: true }, { uid: true });
        expect(got, `${folder} uid ${uid}`).toBeTruthy();
        if (!got) return;
        expect(sha256(got.source!), `#${message.index} in ${folder}`).toBe(sha256(message.raw));
        expect(got.size).toBe(message.raw.length);
        expect(new Date(got.internalDate!).getTime()).toBe(message.internalDate.getTime());
        for (const flag of message.flags) expect(got.flags, `#${message.index}`).toContain(flag);
      } finally {
        lock.release();
      }
    };
    const tagged = (tag: string): CorpusMessage => corpus.find((m) => m.tags.includes(tag))!;
    const large = tagged('large');
    await check(large, gmailPhysicalFolders(large)[0]!);
    await check(tagged('empty-body'), gmailPhysicalFolders(tagged('empty-body'))[0]!);
    const keyworded = tagged('custom-keyword');
    expect(keyworded.flags).toContain('custom_kw');
    await check(keyworded, 'Projets été');
    await check(tagged('three-labels'), 'Reçus/2024');
    const unicode = tagged('unicode-subject');
    await check(unicode, gmailPhysicalFolders(unicode)[0]!);
  });

  it('shows the byte-identical pair twice and the unicode subject decoded', async () => {
    const client = await connect(source.imapOptions(ALICE));
    const pair = corpus.filter((m) => m.tags.includes('identical-pair'));
    const folder = pair[0]!.placement.labels[0]!;
    const lock = await client.getMailboxLock(folder);
    try {
      const hashes: string[] = [];
      for await (const msg of client.fetch('1:*', { source: true })) hashes.push(sha256(msg.source!));
      expect(hashes.filter((h) => h === sha256(pair[0]!.raw))).toHaveLength(2);
    } finally {
      lock.release();
    }
    const unicode = corpus.find((m) => m.tags.includes('unicode-subject'))!;
    const box = gmailPhysicalFolders(unicode)[0]!;
    const lock2 = await client.getMailboxLock(box);
    try {
      const subjects: string[] = [];
      for await (const msg of client.fetch('1:*', { envelope: true })) subjects.push(msg.envelope?.subject ?? '');
      expect(subjects).toContain(unicode.subject);
    } finally {
      lock2.release();
    }
  });

  it('sees messages seeded while a client has the folder open', async () => {
    const client = await connect(source.imapOptions('bob@example.com'));
    const lock = await client.getMailboxLock('INBOX');
    try {
      expect(client.mailbox && client.mailbox.exists).toBe(0);
      await seedFolder(source, 'bob@example.com', 'INBOX', corpus.slice(0, 3));
      await client.noop();
      expect(await messageCount(client, 'INBOX')).toBe(3);
    } finally {
      lock.release();
    }
  });

  it('saves APPENDs to [Gmail]/Sent Mail and All Mail into the backing store, without APPENDUID', async () => {
    const client = await connect(source.imapOptions('carol@example.com'));
    const sent = await client.append('[Gmail]/Sent Mail', corpus[0]!.raw, ['\\Seen'], corpus[0]!.internalDate);
    expect(sent && sent.uid).toBeUndefined();
    await client.append('[Gmail]/All Mail', corpus[1]!.raw);
    expect(await messageCount(client, '[Gmail]/Sent Mail')).toBe(1);
    expect(await messageCount(client, '[Gmail]/All Mail')).toBe(2);
    expect(await messageCount(client, 'INBOX')).toBe(0);
    const refused = await client.append('[Gmail]/Starred', corpus[2]!.raw).then(() => undefined, (e: { serverResponseCode?: string }) => e);
    expect(refused?.serverResponseCode).toBe('CANNOT');
  });

  it('serves implicit TLS and STARTTLS with the CA file, and refuses an unknown CA', async () => {
    const tls = await connect(source.imapOptions(ALICE, 'tls'));
    expect(tls.secureConnection).toBe(true);
    expect(await messageCount(tls, 'INBOX')).toBeGreaterThan(0);
    const starttls = await connect(dest.imapOptions(ALICE, 'starttls'));
    expect(starttls.capabilities.has('STARTTLS')).toBe(false); // already upgraded
    const noCa = new ImapFlow({ ...source.imapOptions(ALICE, 'tls'), tls: {} });
    noCa.on('error', () => {});
    await expect(noCa.connect()).rejects.toThrow();
    noCa.close();
    expect(readFileSync(source.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('destination: special-use folders, Maildir++ separator, UIDPLUS, COMPRESS, pre-seeded folder', async () => {
    await seedFolder(dest, ALICE, 'Archive', corpus.slice(0, 2));
    const client = await connect(dest.imapOptions(ALICE));
    const list = await client.list();
    const expected: Record<string, string> = {
      'Sent Items': '\\Sent', 'Deleted Items': '\\Trash', 'Junk E-mail': '\\Junk', Drafts: '\\Drafts', Archive: '\\Archive',
    };
    for (const [path, use] of Object.entries(expected)) expect(byPath(list, path).specialUse, path).toBe(use);
    expect(byPath(list, 'INBOX').delimiter).toBe('.');
    for (const cap of ['UIDPLUS', 'MULTIAPPEND', 'COMPRESS=DEFLATE', 'QUOTA', 'SPECIAL-USE']) expect(client.capabilities.has(cap), cap).toBe(true);
    expect(await messageCount(client, 'Archive')).toBe(2);
    await client.mailboxCreate('Projets été.2024');
    const appended = await client.append('Projets été.2024', corpus[1]!.raw, ['\\Seen'], corpus[1]!.internalDate);
    expect(appended && appended.uid).toBe(1);
  });

  it('destination with namespace prefix "INBOX." (Courier style)', async () => {
    const courier = await startDestination({ prefix: 'INBOX.', users: [{ user: 'erin@example.net', password: 'p w"d\\x' }] });
    try {
      await seedFolder(courier, 'erin@example.net', 'INBOX.Archive', corpus.slice(0, 2));
      const client = await connect(courier.imapOptions('erin@example.net'));
      const list = await client.list();
      expect(byPath(list, 'INBOX.Sent Items').specialUse).toBe('\\Sent');
      expect(byPath(list, 'INBOX.Archive').specialUse).toBe('\\Archive');
      expect(await messageCount(client, 'INBOX.Archive')).toBe(2);
      await client.logout();
    } finally {
      await courier.stop();
    }
  });

  it('destination with a tiny quota answers NO [OVERQUOTA]; appendLimit gives APPENDLIMIT and NO [LIMIT]', async () => {
    const client = await connect(tight.imapOptions(ALICE));
    const small = corpus.filter((m) => m.raw.length < 20_000).slice(0, 4);
    for (const m of small.slice(0, 3)) await client.append('INBOX', m.raw);
    const over = await client.append('INBOX', small[3]!.raw).then(() => undefined, (e: { serverResponseCode?: string }) => e);
    expect(over?.serverResponseCode).toBe('OVERQUOTA');
    expect(client.capabilities.get('APPENDLIMIT')).toBe(100_000);
    // imapflow refuses client-side above APPENDLIMIT; drop the capability to see what the server says.
    const bob = await connect(tight.imapOptions('bob@example.com'));
    bob.capabilities.delete('APPENDLIMIT');
    const big = Buffer.concat([small[0]!.raw, Buffer.alloc(120_000, 'x')]);
    const tooBig = await bob.append('INBOX', big).then(() => undefined, (e: { serverResponseCode?: string }) => e);
    expect(tooBig?.serverResponseCode).toBe('LIMIT');
  });
});
