import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuickSession, type Answers } from '../../src/main/engine/connect/quick-session.js';
import type { Endpoint, MailboxJob, Security } from '../../src/main/engine/job/job.js';
import { listFolders, listFoldersWithStatus, personalNamespace } from '../../src/main/engine/plan/folder-list.js';
import type { FolderInfo } from '../../src/main/engine/plan/folder-mapping.js';
import { foldersOf, personalNamespaceOf } from '../../src/main/engine/plan/raw-folder-list.js';
import { lookAtBoth } from '../../src/main/engine/plan/rerun-check.js';
import { generateCorpus } from '../support/corpus.js';
import { startCourier } from '../support/courier.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import type { ImapTestServer } from '../support/imap-test-server.js';
import { seedGmailSource } from '../support/maildir-seed.js';

// The quick look of a re-run reads both folder lists with a raw pipelined session instead of imapflow; the
// plan's decisions rest on them being the same lists. Compared here against imapflow's own on real servers,
// over every way of connecting, with names that need decoding, quoting and a hierarchy.
const USER = 'alice@example.com';
const servers: Array<{ stop(): Promise<void> }> = [];
let source: DovecotServer;

beforeAll(async () => {
  source = await startGmailSource();
  servers.push(source);
  await seedGmailSource(source, USER, generateCorpus({ seed: 'quick-look', count: 80, profile: 'small' }));
  const client = new ImapFlow({ ...source.imapOptions(USER, 'plain'), logger: false });
  await client.connect();
  // Names a server sends quoted with escapes, or in modified UTF-7.
  for (const name of ['Say "hi" here', 'Ünïcødé & more/🙂 nested', 'Empty']) await client.mailboxCreate(name);
  await client.logout();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function endpoint(server: ImapTestServer, security: Security, user = USER): Endpoint {
  return { host: '127.0.0.1', port: security === 'tls' ? server.tlsPort : server.port, security, user, ca: server.caFile };
}

async function quick(server: DovecotServer, security: Security, list: string): Promise<Answers> {
  const s = await QuickSession.open(endpoint(server, security), 10_000);
  try {
    const password = server.users.find((u) => u.user === USER)!.password;
    const a = await s.send([s.signIn(USER, { password })!, 'CAPABILITY', 'NAMESPACE', list], { signIn: true });
    expect(a.tagged.map((t) => t.status)).toEqual(['OK', 'OK', 'OK', 'OK']);
    return a;
  } finally {
    s.logout();
  }
}

async function withImapflow<T>(server: DovecotServer, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ ...server.imapOptions(USER, 'plain'), logger: false });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout();
  }
}

const byPath = (f: FolderInfo[]) => [...f].sort((a, b) => (a.path < b.path ? -1 : 1));
const namespaceArgs = (a: Answers) => a.data.find((d) => d.name === 'NAMESPACE')?.args;

describe('the quick look lists folders as imapflow does', () => {
  for (const security of ['none', 'starttls', 'tls'] as const) {
    it(`the source with LIST-STATUS (${security}): the same folders, attributes, special use and counts`, async () => {
      const a = await quick(source, security, 'LIST "" "*" RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ) SPECIAL-USE CHILDREN SUBSCRIBED)');
      const mine = foldersOf(a.data, personalNamespaceOf(namespaceArgs(a)));
      const theirs = await withImapflow(source, (c) => listFoldersWithStatus(c));
      expect(byPath(mine.folders)).toEqual(byPath(theirs.folders));
      expect(mine.folders.map((f) => f.path)).toEqual(expect.arrayContaining(['Projets été', '日本語ラベル', 'Say "hi" here', 'Ünïcødé & more/🙂 nested', '[Gmail]/All Mail']));
      expect(mine.folders.filter((f) => f.specialUse).length).toBeGreaterThanOrEqual(6);
      expect(new Map([...mine.status].sort())).toEqual(new Map([...theirs.status].sort()));
      expect(mine.status.get('INBOX')?.highestModseq).toMatch(/^\d+$/);
    });
  }

  for (const layout of [{}, { prefix: 'INBOX.' as const }, { separator: '/' as const }]) {
    it(`a destination ${JSON.stringify(layout)}: the same folders and personal namespace`, async () => {
      const destination = await startDestination(layout);
      servers.push(destination);
      await withImapflow(destination, (c) => c.mailboxCreate(`${layout.prefix ?? ''}Reçus & co`));
      const a = await quick(destination, 'starttls', 'LIST "" "*" RETURN (SPECIAL-USE CHILDREN SUBSCRIBED)');
      const ns = personalNamespaceOf(namespaceArgs(a));
      const mine = foldersOf(a.data, ns).folders;
      const theirs = await withImapflow(destination, async (c) => {
        const folders = await listFolders(c);
        return { folders, ns: personalNamespace(c, folders) };
      });
      expect(byPath(mine)).toEqual(byPath(theirs.folders));
      expect(personalNamespace({ namespace: ns }, mine)).toEqual(theirs.ns);
    });
  }

  // Courier answers a pipelined LOGIN with a bare "OK LOGIN Ok." and drops the commands behind it: a look
  // that waited for them would sit out its idle limit (60 s here, 15 s in a run) on every re-run.
  it('Courier: the wait ends at its bare sign-in answer, and the look gives up at once', async () => {
    const courier = await startCourier();
    servers.push(courier);
    const user = courier.users[0]!;
    const s = await QuickSession.open(endpoint(courier, 'none', user.user), 60_000);
    try {
      const a = await s.send([s.signIn(user.user, { password: user.password })!, 'CAPABILITY', 'NAMESPACE', 'LIST "" "*"'], { signIn: true });
      expect(a.tagged).toEqual([expect.objectContaining({ status: 'OK', code: undefined })]);
    } finally {
      s.logout();
    }
    const mb: MailboxJob = { id: USER, source: endpoint(source, 'none'), destination: endpoint(courier, 'none', user.user) };
    const password = (p: string) => ({ credential: async () => ({ password: p }), refused: () => {} });
    const looked = await lookAtBoth(mb, { source: password(source.users[0]!.password), destination: password(user.password) }, 60_000, new AbortController().signal);
    expect(looked).toBeUndefined();
  }, 20_000);

  it('a wrong password: the sign-in is refused and nothing else is answered OK', async () => {
    const s = await QuickSession.open(endpoint(source, 'starttls'), 10_000);
    try {
      const a = await s.send([s.signIn(USER, { password: 'wrong' })!, 'LIST "" "*"']);
      expect(a.tagged.map((t) => t.status)).toEqual(['NO', 'BAD']);
    } finally {
      s.logout();
    }
  });
});
