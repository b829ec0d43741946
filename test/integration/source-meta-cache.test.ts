import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../support/corpus.js';
import { startGmailSource, type DovecotServer } from '../support/dovecot.js';
import { seedFolder } from '../support/maildir-seed.js';
import { SourceMetaCache } from '../../src/main/engine/plan/source-meta-cache.js';
import { allUids } from '../../src/main/engine/plan/folder-scan.js';

let source: DovecotServer;
let client: ImapFlow;

beforeAll(async () => {
  source = await startGmailSource();
  const user = source.users[0]!.user;
  await seedFolder(source, user, 'INBOX', generateCorpus({ seed: 'meta-cache', count: 5, profile: 'small' }));
  client = new ImapFlow(source.imapOptions(user, 'plain'));
  await client.connect();
});

afterAll(async () => {
  await client?.logout();
  await source?.stop();
});

describe('SourceMetaCache', () => {
  it('knows a folder whole only when its last listing is all fetched, under the same UIDVALIDITY', async () => {
    const cache = new SourceMetaCache();
    const lock = await client.getMailboxLock('INBOX', { readOnly: true });
    try {
      const uidValidity = Number(client.mailbox && client.mailbox.uidValidity);
      const uids = await allUids(client);
      expect(uids).toHaveLength(5);
      cache.listed('INBOX', uidValidity, uids);
      await cache.get(client, 'INBOX', uidValidity, uids.slice(0, 3));
      expect(cache.whole('INBOX', uidValidity), 'two were listed and never fetched').toBeUndefined();
      await cache.get(client, 'INBOX', uidValidity, uids.slice(3));
      expect(cache.whole('INBOX', uidValidity)!.map((m) => m.uid)).toEqual(uids);
      expect(cache.whole('INBOX', uidValidity + 1), 'renumbered').toBeUndefined();
      expect(cache.whole('Work', uidValidity), 'never listed').toBeUndefined();
      cache.listed('INBOX', uidValidity, [...uids, 999]);
      expect(cache.whole('INBOX', uidValidity), 'a newer listing with a message not fetched').toBeUndefined();
      cache.clear();
      expect(cache.whole('INBOX', uidValidity)).toBeUndefined();
    } finally {
      lock.release();
    }
  });
});
