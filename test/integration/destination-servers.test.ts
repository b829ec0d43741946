/**
 * Proves the Courier-IMAP 5 and Cyrus 3.6 test servers (test/support/courier.ts, cyrus.ts) and pins,
 * in the servers' own words, each behaviour the engine relies on: namespaces and separators, special
 * use, capabilities, APPENDUID, what they change in a stored message, quota answers, refused names and
 * keyword limits. Raw lines where the exact text matters (imapflow hides it), imapflow elsewhere.
 */
import { readdirSync, readFileSync, readlinkSync, existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { ImapFlow, type ImapFlowOptions, type ListResponse } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCourier, type CourierServer } from '../support/courier.js';
import { startCyrus, type CyrusServer } from '../support/cyrus.js';
import { startDestination } from '../support/dovecot.js';
import { RawImap } from '../support/imap-raw.js';
import type { ImapTestServer } from '../support/imap-test-server.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com'; // the account with a quota
const QUOTA_BYTES = 20_000;
const MAX_MESSAGE_SIZE = 100_000;

let counter = 0;
/** A CRLF message with a unique Message-ID; `body` as given (no final CRLF added). */
function message(subject: string, body = 'Hello.\r\n', extraHeaders = ''): Buffer {
  const id = `<t${++counter}.${Date.now()}@mailferry.test>`;
  return Buffer.from(`Message-ID: ${id}\r\nSubject: ${subject}\r\n${extraHeaders}\r\n${body}`, 'latin1');
}

const clients: ImapFlow[] = [];
async function imap(options: ImapFlowOptions): Promise<ImapFlow> {
  const client = new ImapFlow(options);
  client.on('error', () => {}); // failures surface through the awaited calls
  clients.push(client);
  await client.connect();
  return client;
}

const raws: RawImap[] = [];
async function raw(server: ImapTestServer, user = ALICE): Promise<RawImap> {
  const r = await RawImap.open(server.port);
  raws.push(r);
  const account = server.users.find((u) => u.user === user)!;
  await r.login(account.user, account.password);
  return r;
}

function byPath(list: ListResponse[], path: string): ListResponse {
  const entry = list.find((l) => l.path === path);
  if (!entry) throw new Error(`${path} not listed; got ${list.map((l) => l.path).join(', ')}`);
  return entry;
}

/** The CAPABILITY words of an untagged "* CAPABILITY ..." line. */
function capabilities(lines: string[]): string[] {
  const line = lines.find((l) => l.startsWith('* CAPABILITY '));
  if (!line) throw new Error(`no CAPABILITY in ${JSON.stringify(lines)}`);
  return line.slice('* CAPABILITY '.length).split(' ');
}

/** APPENDs until the server refuses (at most `max` times); returns the accepted count and the refusal. */
async function fill(r: RawImap, mailbox: string, size: number, max = 10): Promise<{ accepted: number; refusal: string }> {
  for (let accepted = 0; accepted < max; accepted++) {
    const reply = await r.command(`APPEND ${mailbox}`, message('filler', `${'x'.repeat(size)}\r\n`));
    if (!reply.status.startsWith('OK')) return { accepted, refusal: reply.status };
  }
  throw new Error(`${max} messages of ${size} bytes fit`);
}

describe('destination servers: Courier-IMAP and Cyrus next to Dovecot', () => {
  let dovecot: ImapTestServer;
  let courier: CourierServer;
  let cpanel: CourierServer;
  let otherClient: CourierServer;
  let cyrus: CyrusServer;
  let upstream: CyrusServer;

  beforeAll(async () => {
    const timed = async <T>(name: string, start: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      const server = await start();
      console.log(`${name} up in ${Date.now() - t} ms`);
      return server;
    };
    [dovecot, courier, cpanel, otherClient, cyrus, upstream] = await Promise.all([
      timed('dovecot', () => startDestination({ prefix: 'INBOX.' })),
      timed('courier', () => startCourier({ quota: { [CAROL]: QUOTA_BYTES } })),
      timed('courier cPanel', () => startCourier({ folders: ['Sent', 'Drafts', 'Trash', 'spam'] })),
      timed('courier other client', () => startCourier({ folders: ['Sent Items', 'Deleted Items'] })),
      timed('cyrus', () => startCyrus({ quota: { [CAROL]: QUOTA_BYTES }, maxMessageSize: MAX_MESSAGE_SIZE })),
      timed('cyrus upstream', () => startCyrus({ namespace: 'upstream', munge8bit: false })),
    ]);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.logout().catch(() => c.close())));
    await Promise.all(raws.map((r) => r.logout()));
    await Promise.all([dovecot, courier, cpanel, otherClient, cyrus, upstream].map((s) => s?.stop()));
  });

  it('every family: LOGIN over plain, STARTTLS and TLS; NAMESPACE as the server says; APPENDUID', async () => {
    const all: ImapTestServer[] = [dovecot, courier, cyrus, upstream];
    for (const server of all) {
      for (const mode of ['plain', 'starttls', 'tls'] as const) {
        const client = await imap(server.imapOptions(BOB, mode));
        expect(client.authenticated, `${server.kind} ${mode}`).toBeTruthy();
        expect(client.namespace, `${server.kind} ${mode}`).toMatchObject({ prefix: server.prefix, delimiter: server.separator });
        await client.logout();
      }
      const r = await raw(server, BOB);
      const reply = await r.command('APPEND INBOX', message(`appenduid ${server.kind}`));
      expect(reply.status, server.kind).toMatch(/^OK \[APPENDUID [1-9]\d* [1-9]\d*\]/);
    }
  });

  describe('Courier-IMAP 5', () => {
    it('offers STARTTLS and takes LOGIN without it; no LITERAL+, MULTIAPPEND, SPECIAL-USE or APPENDLIMIT', async () => {
      const r = await RawImap.open(courier.port);
      raws.push(r);
      expect(r.greeting).toMatch(/^\* OK \[CAPABILITY .*\] Courier-IMAP ready\./);
      const before = capabilities((await r.command('CAPABILITY')).untagged);
      expect(before).toEqual(expect.arrayContaining(['IMAP4rev1', 'UIDPLUS', 'NAMESPACE', 'QUOTA', 'STARTTLS', 'IDLE']));
      await r.login(ALICE, 'alice-secret');
      const after = capabilities((await r.command('CAPABILITY')).untagged);
      expect(after.join(' ')).toBe(
        'IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE ACL ACL2=UNION ENABLE UTF8=ACCEPT',
      );
      for (const missing of ['LITERAL+', 'MULTIAPPEND', 'SPECIAL-USE', 'MOVE', 'CONDSTORE']) expect(after).not.toContain(missing);
      expect(after.some((c) => c.startsWith('APPENDLIMIT'))).toBe(false);
    });

    it('keeps every folder under "INBOX.": a new account has INBOX only, CREATE outside it is refused', async () => {
      const r = await raw(courier);
      expect((await r.command('NAMESPACE')).untagged).toEqual(['* NAMESPACE (("INBOX." ".")) NIL (("#shared." ".")("shared." "."))']);
      expect((await r.command('LIST "" "*"')).untagged).toEqual(['* LIST (\\Unmarked \\HasNoChildren) "." "INBOX"']);
      expect((await r.command('CREATE Foo')).status).toBe('NO Invalid mailbox name.');
      expect((await r.command('CREATE "INBOX..x"')).status).toBe('NO Invalid mailbox name.');
      expect((await r.command('CREATE INBOX.Foo')).status).toBe('OK "INBOX.Foo" created.');
    });

    it('host-made folders: cPanel names or another client\'s, subscribed, with no special-use flag', async () => {
      for (const [server, names] of [[cpanel, ['Drafts', 'Sent', 'Trash', 'spam']], [otherClient, ['Deleted Items', 'Sent Items']]] as const) {
        const r = await raw(server);
        const list = (await r.command('LIST "" "*"')).untagged;
        expect(list.sort()).toEqual(
          ['* LIST (\\Unmarked \\HasChildren) "." "INBOX"', ...names.map((n) => `* LIST (\\HasNoChildren) "." "INBOX.${n}"`)].sort(),
        );
        const subscribed = (await r.command('LSUB "" "*"')).untagged;
        for (const name of names) expect(subscribed, name).toContain(`* LSUB (\\HasNoChildren) "." "INBOX.${name}"`);
      }
    });

    it('stores a message without a final line ending with CRLF added (+2 bytes), others unchanged', async () => {
      const client = await imap(courier.imapOptions(ALICE));
      const bare = message('no final newline', 'last line');
      const complete = message('final newline', 'last line\r\n');
      const sent = [bare, complete];
      const uids: number[] = [];
      for (const m of sent) {
        const appended = await client.append('INBOX', m);
        if (!appended || appended.uid === undefined) throw new Error('APPEND gave no UID');
        uids.push(appended.uid);
      }
      const lock = await client.getMailboxLock('INBOX');
      try {
        const [gotBare, gotComplete] = await Promise.all(uids.map((uid) => client.fetchOne(String(uid), { source: true, size: true }, { uid: true })));
        expect(gotBare && gotBare.size).toBe(bare.length + 2);
        expect(gotBare && gotBare.source!.equals(Buffer.concat([bare, Buffer.from('\r\n')]))).toBe(true);
        expect(gotComplete && gotComplete.source!.equals(complete)).toBe(true);
      } finally {
        lock.release();
      }
    });

    it('quota: a full mailbox answers NO [ALERT], a raised quota (setQuota) accepts again', async () => {
      const r = await raw(courier, CAROL);
      const quota = await r.command('GETQUOTAROOT INBOX');
      // Courier shows the byte quota rounded up to KiB.
      expect(quota.untagged).toEqual(['* QUOTAROOT "INBOX" "ROOT"', `* QUOTA "ROOT" (STORAGE 0 ${Math.ceil(QUOTA_BYTES / 1024)})`]);
      const { accepted, refusal } = await fill(r, 'INBOX', 8000);
      expect(accepted).toBeGreaterThan(0);
      expect(refusal).toBe('NO [ALERT] You exceeded your mail quota.');
      // Courier reads the CRLF that ends the APPEND line as an empty command and says so.
      expect((await r.command('NOOP')).untagged).toContain('* NO Error in IMAP command received by server.');
      await courier.setQuota(CAROL, 10 * QUOTA_BYTES);
      expect((await r.command('APPEND INBOX', message('after raise', `${'x'.repeat(8000)}\r\n`))).status).toMatch(/^OK \[APPENDUID /);
    });
  });

  describe('Cyrus 3.6', () => {
    it('capabilities: MULTIAPPEND, LITERAL+, SPECIAL-USE, QUOTA; APPENDLIMIT is maxMessageSize or 2^32-1', async () => {
      for (const [server, limit] of [[cyrus, MAX_MESSAGE_SIZE], [upstream, 4294967295]] as const) {
        const r = await raw(server);
        const caps = capabilities((await r.command('CAPABILITY')).untagged);
        expect(caps).toEqual(expect.arrayContaining(['MULTIAPPEND', 'LITERAL+', 'SPECIAL-USE', 'QUOTA', 'UIDPLUS', 'CONDSTORE', 'QRESYNC', 'LIST-STATUS', 'COMPRESS=DEFLATE']));
        expect(caps.filter((c) => c.startsWith('APPENDLIMIT'))).toEqual([`APPENDLIMIT=${limit}`]);
      }
    });

    it('Debian namespace: "INBOX." with ".", special-use folders listed in lower case, top-level CREATE refused', async () => {
      const r = await raw(cyrus);
      expect((await r.command('NAMESPACE')).untagged).toEqual(['* NAMESPACE (("INBOX." ".")) (("user." ".")) (("" "."))']);
      expect((await r.command('LIST "" "*"')).untagged).toEqual([
        '* LIST (\\HasChildren) "." INBOX',
        '* LIST (\\HasNoChildren \\archive) "." INBOX.Archive',
        '* LIST (\\HasNoChildren \\drafts) "." INBOX.Drafts',
        '* LIST (\\HasNoChildren \\junk) "." INBOX.Junk',
        '* LIST (\\HasNoChildren \\sent) "." INBOX.Sent',
        '* LIST (\\HasNoChildren \\trash) "." INBOX.Trash',
      ]);
      expect((await r.command('CREATE Work')).status).toBe('NO Permission denied');
      // imapflow reads the lower-case flags as the standard special uses.
      const client = await imap(cyrus.imapOptions(ALICE));
      const list = await client.list();
      const uses = { Sent: '\\Sent', Drafts: '\\Drafts', Trash: '\\Trash', Junk: '\\Junk', Archive: '\\Archive' };
      for (const [name, use] of Object.entries(uses)) {
        expect(byPath(list, `INBOX.${name}`).specialUse, name).toBe(use);
        expect(byPath(list, `INBOX.${name}`).subscribed, name).toBe(true);
      }
    });

    it('upstream namespace: the same folders at the top level with "/"', async () => {
      const r = await raw(upstream);
      expect((await r.command('NAMESPACE')).untagged).toEqual(['* NAMESPACE (("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))']);
      expect((await r.command('LIST "" "*"')).untagged).toEqual([
        '* LIST (\\HasNoChildren) "/" INBOX',
        '* LIST (\\HasNoChildren \\archive) "/" Archive',
        '* LIST (\\HasNoChildren \\drafts) "/" Drafts',
        '* LIST (\\HasNoChildren \\junk) "/" Junk',
        '* LIST (\\HasNoChildren \\sent) "/" Sent',
        '* LIST (\\HasNoChildren \\trash) "/" Trash',
      ]);
      expect((await r.command('CREATE Work/2024')).status).toMatch(/^OK /);
    });

    it('munge8bit: on (default), raw 8-bit header bytes are stored as "X" and the APPEND is OK; off, kept', async () => {
      const eightBit = message('caf\xe9 cr\xe8me', 'Body.\r\n', 'X-Note: na\xefve\r\n');
      for (const [server, subject, note] of [[cyrus, 'cafX crXme', 'naXve'], [upstream, 'caf\xe9 cr\xe8me', 'na\xefve']] as const) {
        const r = await raw(server);
        const reply = await r.command('APPEND INBOX', eightBit);
        expect(reply.status, server.namespace).toMatch(/^OK \[APPENDUID \d+ (\d+)\]/);
        const uid = /APPENDUID \d+ (\d+)/.exec(reply.status)![1];
        await r.command('EXAMINE INBOX');
        const fetched = await r.command(`UID FETCH ${uid} BODY.PEEK[HEADER.FIELDS (SUBJECT X-NOTE)]`);
        const text = fetched.untagged.join('\n');
        expect(text, server.namespace).toContain(`Subject: ${subject}\r\n`);
        expect(text, server.namespace).toContain(`X-Note: ${note}\r\n`);
      }
    });

    it('quota: a full mailbox answers "NO Over quota", a raised quota (setQuota) accepts again', async () => {
      const r = await raw(cyrus, CAROL);
      expect((await r.command('GETQUOTAROOT INBOX')).untagged).toEqual([
        '* QUOTAROOT INBOX INBOX',
        `* QUOTA INBOX (STORAGE 0 ${Math.floor(QUOTA_BYTES / 1024)})`,
      ]);
      const { accepted, refusal } = await fill(r, 'INBOX', 8000);
      expect(accepted).toBeGreaterThan(0);
      expect(refusal).toBe('NO Over quota');
      await cyrus.setQuota(CAROL, 10 * QUOTA_BYTES);
      expect((await r.command('APPEND INBOX', message('after raise', `${'x'.repeat(8000)}\r\n`))).status).toMatch(/^OK \[APPENDUID /);
    });

    it('refuses ", %, \\, ;, <, > and "/" in a folder name with "NO Invalid mailbox name"', async () => {
      const r = await raw(cyrus);
      // As IMAP quoted strings: \" is a double quote, \\ one backslash.
      for (const bad of ['\\"', '%', '\\\\', ';', '<', '>', '/']) {
        expect((await r.command(`CREATE "INBOX.a${bad}b"`)).status, bad).toBe('NO Invalid mailbox name');
      }
      expect((await r.command('CREATE "INBOX.a-b c"')).status).toMatch(/^OK /);
    });

    it('takes 100 distinct keywords in a folder; the 101st APPEND answers "NO Too many user flags in mailbox"', async () => {
      const r = await raw(cyrus, BOB);
      expect((await r.command('CREATE INBOX.Keywords')).status).toMatch(/^OK /);
      for (let i = 0; i < 100; i++) {
        const reply = await r.command(`APPEND INBOX.Keywords (kw${i})`, message(`keyword ${i}`));
        expect(reply.status, `kw${i}`).toMatch(/^OK /);
      }
      expect((await r.command('APPEND INBOX.Keywords (kw100)', message('keyword 100'))).status).toBe('NO Too many user flags in mailbox');
      expect((await r.command('APPEND INBOX.Keywords (kw0)', message('known keyword'))).status).toMatch(/^OK /);
    });

    it('refuses a message over maxMessageSize with NO [TOOBIG]', async () => {
      const r = await raw(cyrus);
      const reply = await r.command('APPEND INBOX', message('too big', `${'x'.repeat(MAX_MESSAGE_SIZE)}\r\n`));
      expect(reply.status).toBe('NO [TOOBIG] Message size exceeds fixed limit');
    });
  });
});

describe('stop()', () => {
  /** Processes in the PID namespace of the server whose temp dir is `root` (found through its shell). */
  function namespaceMembers(root: string): number[] {
    const ours = readlinkSync('/proc/self/ns/pid');
    const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
    const read = (pid: number, f: (p: string) => string): string => {
      try {
        return f(`/proc/${pid}`);
      } catch {
        return '';
      }
    };
    const ns = (pid: number): string => read(pid, (p) => readlinkSync(`${p}/ns/pid`));
    const spaces = new Set(
      pids.filter((pid) => read(pid, (p) => readFileSync(`${p}/cmdline`, 'latin1')).includes(root)).map(ns).filter((n) => n && n !== ours),
    );
    return pids.filter((pid) => spaces.has(ns(pid)));
  }

  const refused = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });

  it('kills every process (daemons and sessions) and removes the temp dir', async () => {
    const [courier, cyrus] = await Promise.all([startCourier(), startCyrus()]);
    for (const [server, least] of [[courier, 6], [cyrus, 3]] as const) {
      const session = await RawImap.open(server.port); // an imapd child that must die too
      await session.login(ALICE, 'alice-secret');
      const members = namespaceMembers(server.root);
      // Courier: shell, 2 authdaemond, 2 couriertcpd, imapd; Cyrus: shell, master, imapd.
      expect(members.length, server.kind).toBeGreaterThanOrEqual(least);
      await server.stop();
      session.close();
      expect(members.filter((pid) => existsSync(`/proc/${pid}`)), server.kind).toEqual([]);
      expect(existsSync(server.root), server.kind).toBe(false);
      expect(await refused(server.port), server.kind).toBe(true);
    }
  });
});
