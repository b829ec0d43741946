/**
 * Pins the Exchange Online front (test/support/exchange-front/) to destination-facts.md's Microsoft 365
 * section, line by line, over a real Dovecot that holds the mail: raw lines where the exact words matter,
 * imapflow for what a client does with them, and Dovecot itself (password sign-in, behind the front) to
 * see what was really stored.
 */
import net from 'node:net';
import { ImapFlow, type FetchMessageObject, type FetchQueryObject, type ImapFlowOptions } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDestination, type DovecotServer } from '../support/dovecot.js';
import { EXCHANGE, EXCHANGE_MAX_MESSAGE_BYTES, startExchangeFront, type ExchangeFront, type ExchangeFrontOptions } from '../support/exchange-front/index.js';
import { RawImap, type RawReply } from '../support/imap-raw.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const DAVE = 'dave@example.com';
const TOKENS = new Map<string, string | { user: string; expiresAt: number }>([
  ['alice-token', ALICE], ['bob-token', BOB], ['carol-token', CAROL], ['dave-token', DAVE],
]);
const xoauth2 = (user: string, token: string) => Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');

let destination: DovecotServer;
let front: ExchangeFront;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  destination = await startDestination({ separator: '/', specialFolders: [] });
  front = await startExchangeFront({ destination, tokens: TOKENS });
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await front?.close();
  await destination?.stop();
});

/** Another front on the same Dovecot (throttling, expiry, limits), closed after the file. */
async function otherFront(opts: Omit<ExchangeFrontOptions, 'destination'>): Promise<ExchangeFront> {
  const f = await startExchangeFront({ destination, ...opts });
  cleanups.push(() => f.close());
  return f;
}

async function raw(port = front.port): Promise<RawImap> {
  const r = await RawImap.open(port);
  cleanups.push(() => r.close());
  return r;
}

async function signedIn(user = ALICE, token = `${user.split('@')[0]}-token`, port = front.port): Promise<RawImap> {
  const r = await raw(port);
  const reply = await r.command(`AUTHENTICATE XOAUTH2 ${xoauth2(user, token)}`);
  expect(reply.status).toBe(EXCHANGE.authenticateCompleted);
  return r;
}

async function imap(options: ImapFlowOptions): Promise<ImapFlow> {
  const client = new ImapFlow(options);
  client.on('error', () => {}); // failures surface through the awaited calls
  cleanups.push(() => client.logout().catch(() => client.close()));
  await client.connect();
  return client;
}

/** Dovecot behind the front, signed in with the account's password: what was really stored. */
const stored = (user: string) => imap(destination.imapOptions(user, 'plain'));

async function messages(client: ImapFlow, folder: string): Promise<number | undefined> {
  const status = await client.status(folder, { messages: true });
  return status ? status.messages : undefined;
}

async function fetchUid(client: ImapFlow, uid: number, query: FetchQueryObject): Promise<FetchMessageObject> {
  const got = await client.fetchOne(String(uid), query, { uid: true });
  if (!got) throw new Error(`UID ${uid} not found`);
  return got;
}

let counter = 0;
function message(subject: string, body = 'Hello.\r\n'): Buffer {
  return Buffer.from(`Message-ID: <x${++counter}.${Date.now()}@mailferry.test>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nFrom: a@example.org\r\nSubject: ${subject}\r\n\r\n${body}`);
}

/** For what RawImap cannot send: a SASL response after "+", bytes without a tag. */
class Wire {
  #text = '';
  #closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => (this.#text += d.toString('latin1')));
    socket.on('close', () => (this.#closed = true));
    socket.on('error', () => {});
  }
  static async open(port: number): Promise<Wire> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    cleanups.push(() => socket.destroy());
    return new Wire(socket);
  }
  send(text: string): void {
    this.socket.write(text);
  }
  /** Everything read once `pattern` shows up (5 s at most). */
  async until(pattern: RegExp): Promise<string> {
    for (const deadline = Date.now() + 5000; !pattern.test(this.#text); ) {
      if (this.#closed || Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(this.#text)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.#text;
  }
  /** Everything read once the server closed the connection (5 s at most). */
  async closed(): Promise<string> {
    for (const deadline = Date.now() + 5000; !this.#closed; ) {
      if (Date.now() > deadline) throw new Error(`still open after ${JSON.stringify(this.#text)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.#text;
  }
}

const lines = (r: RawReply) => [...r.untagged, r.status];

describe('before sign-in', () => {
  it('greets and lists capabilities as Exchange, and refuses passwords', async () => {
    const r = await raw();
    expect(r.greeting).toMatch(/^\* OK The Microsoft Exchange IMAP4 service is ready\. \[[A-Za-z0-9+/]+=*\]$/);
    expect(lines(await r.command('CAPABILITY'))).toEqual([`* CAPABILITY ${EXCHANGE.capabilityBeforeSignIn}`, 'OK CAPABILITY completed.']);
    expect((await r.command(`LOGIN ${ALICE} alice-secret`)).status).toBe('NO LOGIN failed.');
    const plain = Buffer.from(`\0${ALICE}\0alice-secret`).toString('base64');
    expect((await r.command(`AUTHENTICATE PLAIN ${plain}`)).status).toBe('NO AUTHENTICATE failed.');
    expect((await r.command('SELECT INBOX')).status).toMatch(/^BAD /);
    expect(front.stats.logins['LOGIN']?.refused).toBeGreaterThanOrEqual(1);
    expect(front.stats.logins['PLAIN']?.refused).toBeGreaterThanOrEqual(1);
  });

  it('signs in with XOAUTH2 (SASL-IR), then shows the signed-in capabilities and one "/" namespace', async () => {
    const r = await raw();
    expect((await r.command(`AUTHENTICATE XOAUTH2 ${xoauth2(ALICE, 'no-such-token')}`)).status).toBe('NO AUTHENTICATE failed.');
    expect((await r.command(`AUTHENTICATE XOAUTH2 ${Buffer.from('garbage').toString('base64')}`)).status).toBe('NO AUTHENTICATE failed.');
    expect((await r.command(`AUTHENTICATE XOAUTH2 ${xoauth2(ALICE, 'alice-token')}`)).status).toBe('OK AUTHENTICATE completed.');
    expect(lines(await r.command('CAPABILITY'))).toEqual([`* CAPABILITY ${EXCHANGE.capabilityAfterSignIn}`, 'OK CAPABILITY completed.']);
    for (const absent of ['AUTH=', 'MULTIAPPEND', 'SPECIAL-USE', 'CONDSTORE', 'QUOTA', 'APPENDLIMIT', 'ENABLE', 'COMPRESS', 'STARTTLS']) {
      expect(EXCHANGE.capabilityAfterSignIn).not.toContain(absent);
    }
    expect(lines(await r.command('NAMESPACE'))).toEqual(['* NAMESPACE (("" "/")) NIL NIL', 'OK NAMESPACE completed.']);
    expect((await r.command('ENABLE CONDSTORE')).status).toMatch(/^BAD /); // not offered, so not taken
  });

  it('takes the XOAUTH2 response after a "+" too', async () => {
    const w = await Wire.open(front.port);
    await w.until(/ready\./);
    w.send('a1 AUTHENTICATE XOAUTH2\r\n');
    await w.until(/^\+ ?\r\n/m);
    w.send(`${xoauth2(BOB, 'bob-token')}\r\n`);
    expect(await w.until(/^a1 /m)).toContain('a1 OK AUTHENTICATE completed.\r\n');
    w.send('a2 SELECT INBOX\r\n');
    expect(await w.until(/^a2 /m)).toMatch(/^a2 OK \[READ-WRITE\] SELECT completed\.\r\n/m);
  });

  it('lets imapflow sign in with an access token, on the plain and the TLS port', async () => {
    for (const mode of ['plain', 'tls'] as const) {
      const client = await imap(front.imapOptions(CAROL, 'carol-token', mode));
      expect(client.authenticated, mode).toBeTruthy();
      expect(client.namespace, mode).toMatchObject({ prefix: '', delimiter: '/' });
      expect([...client.capabilities.keys()].sort(), mode).toEqual(EXCHANGE.capabilityAfterSignIn.split(' ').sort());
    }
    expect(front.stats.logins['XOAUTH2']?.accepted).toBeGreaterThanOrEqual(2);
  });
});

describe('folders', () => {
  it('lists Exchange\'s folders, the special ones marked without SPECIAL-USE', async () => {
    const r = await signedIn();
    const listed = (await r.command('LIST "" "*"')).untagged;
    for (const [name, use] of [['"Sent Items"', '\\Sent'], ['Drafts', '\\Drafts'], ['"Deleted Items"', '\\Trash'], ['"Junk Email"', '\\Junk']]) {
      expect(listed).toContain(`* LIST (\\HasNoChildren ${use}) "/" ${name}`);
    }
    for (const name of ['INBOX', 'Outbox', '"Conversation History"', 'Calendar', 'Contacts']) {
      expect(listed.some((l) => /^\* LIST \((?:\\\w+ ?)*\) "\/" /.test(l) && l.endsWith(` ${name}`)), name).toBe(true);
    }
    const client = await imap(front.imapOptions(ALICE, 'alice-token'));
    const uses = Object.fromEntries((await client.list()).filter((f) => f.specialUse).map((f) => [f.specialUse, f.path]));
    expect(uses).toMatchObject({ '\\Sent': 'Sent Items', '\\Drafts': 'Drafts', '\\Trash': 'Deleted Items', '\\Junk': 'Junk Email' });
  });

  it('refuses "Files" and a name that exists in another case; other cases reach the same folder', async () => {
    const r = await signedIn(BOB);
    expect((await r.command('CREATE Files')).status).toBe('NO Folder name is reserved.');
    expect((await r.command('CREATE fILES')).status).toBe('NO Folder name is reserved.');
    expect((await r.command('CREATE "sent items"')).status).toBe('NO Mailbox already exists.');
    expect((await r.command('CREATE "Sent Items"')).status).toBe('NO Mailbox already exists.');
    expect((await r.command('CREATE Projects/2026')).status).toBe('OK CREATE completed.');
    expect((await r.command('CREATE "Re&AOc-us"')).status).toBe('OK CREATE completed.'); // Reçus
    expect((await r.command('CREATE "RE&AMc-US"')).status).toBe('NO Mailbox already exists.'); // REÇUS
    expect((await r.command('EXAMINE "re&AOc-US"')).status).toBe('OK [READ-ONLY] EXAMINE completed.');
    expect((await r.command('CREATE projects/2026')).status).toBe('NO Mailbox already exists.');
    expect((await r.command('RENAME Projects/2026 outbox')).status).toBe('NO Mailbox already exists.');
    expect((await r.command('SELECT "junk email"')).status).toBe('OK [READ-WRITE] SELECT completed.');
    expect((await r.command('APPEND "JUNK EMAIL"', message('any case'))).status).toMatch(/^OK \[APPENDUID \d+ 1\] APPEND completed\.$/);
    expect((await r.command('APPEND projects/2026', message('nested, any case'))).status).toMatch(/^OK \[APPENDUID /);
    const dovecot = await stored(BOB);
    expect(await messages(dovecot, 'Junk Email')).toBe(1);
    expect(await messages(dovecot, 'Projects/2026')).toBe(1);
    expect((await dovecot.list()).map((f) => f.path)).not.toContain('junk email');
    expect(front.stats.reservedName).toBeGreaterThanOrEqual(2);
    expect(front.stats.alreadyExists).toBeGreaterThanOrEqual(4);
  });
});

describe('flags and size', () => {
  it('keeps no keywords: PERMANENTFLAGS without \\*, and a keyword in APPEND or STORE is refused, the message not stored', async () => {
    const r = await signedIn(CAROL);
    const selected = await r.command('SELECT INBOX');
    expect(selected.untagged).toContain('* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)] Flags permitted.');
    expect(selected.untagged).toContain('* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)');
    // A synchronising literal: answered instead of "+", so the message is never sent.
    const sync = await r.command('APPEND INBOX (\\Seen $Label1)', message('keyword, sync'));
    expect(sync).toMatchObject({ status: 'BAD Command Argument Error. 11', untagged: [] });
    // LITERAL+: the message arrives anyway and is swallowed; the next command is read as a command.
    const m = message('keyword, literal+');
    expect((await r.command(`APPEND INBOX (Important) {${m.length}+}\r\n${m.toString('latin1')}`)).status).toBe('BAD Command Argument Error. 11');
    expect((await r.command('NOOP')).status).toBe('OK NOOP completed.');
    const kept = await r.command('APPEND INBOX (\\Seen \\Flagged $MDNSent)', message('system flags only'));
    expect(kept.status).toMatch(/^OK \[APPENDUID \d+ 1\] APPEND completed\.$/);
    expect((await r.command('STORE 1 +FLAGS ($Label2)')).status).toBe('BAD Command Argument Error. 11');
    expect((await r.command('UID STORE 1 +FLAGS.SILENT (\\Answered)')).status).toBe('OK STORE completed.');
    const dovecot = await stored(CAROL);
    await dovecot.mailboxOpen('INBOX');
    const msgs = await dovecot.fetchAll('1:*', { flags: true, envelope: true });
    expect(msgs.map((x) => [x.envelope?.subject, [...x.flags!].sort()])).toEqual([['system flags only', ['$MDNSent', '\\Answered', '\\Flagged', '\\Seen']]]);
    expect(front.stats.appends.keyword).toBeGreaterThanOrEqual(2);
    expect(front.stats.keywordStores).toBeGreaterThanOrEqual(1);
  });

  it(`refuses a message over ${EXCHANGE_MAX_MESSAGE_BYTES} bytes (35 MB) without APPENDLIMIT, and over the configured limit`, async () => {
    const r = await signedIn(DAVE);
    const over = await r.command(`APPEND INBOX {${EXCHANGE_MAX_MESSAGE_BYTES + 1}}`); // answered before any byte is sent
    expect(over).toMatchObject({ status: 'NO Maximum size of appendable message has been exceeded.', untagged: [] });
    const small = await otherFront({ tokens: TOKENS, maxMessageBytes: 1000 });
    const s = await signedIn(DAVE, 'dave-token', small.port);
    const big = message('big', 'x'.repeat(1000));
    expect((await s.command(`APPEND INBOX {${big.length}+}\r\n${big.toString('latin1')}`)).status).toBe(EXCHANGE.tooBig);
    expect((await s.command('APPEND INBOX', message('small'))).status).toMatch(/^OK \[APPENDUID /);
    expect(small.stats).toMatchObject({
      connections: 1, commands: { AUTHENTICATE: 1, APPEND: 2 }, logins: { XOAUTH2: { accepted: 1, refused: 0 } },
      appends: { accepted: 1, refused: 1, keyword: 0, tooBig: 1 }, errors: 1,
    });
    const dovecot = await stored(DAVE);
    expect(await messages(dovecot, 'INBOX')).toBe(1);
  });

  it('answers a command line over about 10,500 characters with the catch-all error', async () => {
    const r = await signedIn(DAVE);
    await r.command('SELECT INBOX');
    const uids = Array.from({ length: 3000 }, (_, i) => i * 2 + 1).join(','); // about 14,000 characters
    expect((await r.command(`UID FETCH ${uids} (FLAGS)`)).status).toBe('BAD Command Argument Error. 11');
    expect((await r.command('UID FETCH 1:* (FLAGS)')).status).toBe('OK FETCH completed.');
  });
});

describe('relayed as they are', () => {
  it('answers pipelined LITERAL+ APPENDs in order, a refused one among them', async () => {
    const w = await Wire.open(front.port);
    w.send(`w1 AUTHENTICATE XOAUTH2 ${xoauth2(DAVE, 'dave-token')}\r\nw2 SELECT Drafts\r\n`);
    await w.until(/^w2 OK/m);
    const [a, b, c] = [message('pipelined 1'), message('pipelined 2'), message('pipelined 3')];
    w.send(
      `p1 APPEND Drafts (\\Draft) {${a.length}+}\r\n${a.toString('latin1')}\r\n` +
        `p2 APPEND Drafts ($Keyword) {${b.length}+}\r\n${b.toString('latin1')}\r\n` +
        `p3 APPEND drafts {${c.length}+}\r\n${c.toString('latin1')}\r\np4 UID SEARCH ALL\r\n`,
    );
    const tagged = (await w.until(/^p4 /m)).split('\r\n').filter((l) => /^p\d /.test(l));
    expect(tagged).toEqual([
      expect.stringMatching(/^p1 OK \[APPENDUID \d+ 1\] APPEND completed\.$/),
      'p2 BAD Command Argument Error. 11',
      expect.stringMatching(/^p3 OK \[APPENDUID \d+ 2\] APPEND completed\.$/),
      'p4 OK SEARCH completed.',
    ]);
    const dovecot = await stored(DAVE);
    await dovecot.mailboxOpen('Drafts');
    expect((await dovecot.fetchAll('1:*', { envelope: true })).map((m) => m.envelope?.subject)).toEqual(['pipelined 1', 'pipelined 3']);
  });

  it('relays IDLE, and MOVE into a folder named in any case', async () => {
    const w = await Wire.open(front.port);
    w.send(`i1 AUTHENTICATE XOAUTH2 ${xoauth2(DAVE, 'dave-token')}\r\ni2 SELECT Drafts\r\ni3 IDLE\r\n`);
    await w.until(/^\+ IDLE accepted, awaiting DONE command\.\r\n/m);
    w.send('DONE\r\ni4 UID MOVE 1 "deleted ITEMS"\r\n');
    const text = await w.until(/^i4 /m);
    expect(text).toMatch(/^i3 OK IDLE completed\.\r\n/m);
    expect(text).toMatch(/^\* OK \[COPYUID \d+ 1 1\] .*\r\n\* 1 EXPUNGE\r\ni4 OK MOVE completed\.\r\n/m);
    const dovecot = await stored(DAVE);
    expect(await messages(dovecot, 'Deleted Items')).toBe(1);
  });
});

describe('messages come back rebuilt', () => {
  it('adds Exchange\'s headers on top, with consistent sizes; the appended bytes follow unchanged', async () => {
    const client = await imap(front.imapOptions(ALICE, 'alice-token'));
    const original = message('rebuilt', 'Line one.\r\nLine two: ünïcode bytes.\r\n');
    const date = new Date('2025-12-24T18:30:00Z');
    const appended = await client.append('INBOX', original, ['\\Seen'], date);
    expect(appended).toBeTruthy();
    const uid = (appended as { uid: number }).uid;
    await client.mailboxOpen('INBOX');
    const got = await fetchUid(client, uid, { source: true, size: true, internalDate: true, headers: ['message-id', 'subject', 'date', 'from'] });
    const source = got.source!;
    expect(source.subarray(0, front.addedHeaders.length).toString()).toMatch(/^X-MS-Exchange-Organization-AuthAs: .*\r\n(.*\r\n)*X-MS-Has-Attach:\r\nX-MS-TNEF-Correlator:\r\n$/);
    expect(source.subarray(front.addedHeaders.length).equals(original)).toBe(true);
    expect(got.size).toBe(source.length);
    expect(source.length).not.toBe(original.length);
    // RFC822.SIZE alone (no body in the same response) tells the rebuilt size too.
    expect((await fetchUid(client, uid, { size: true })).size).toBe(source.length);
    const headers = got.headers!.toString();
    expect(headers).toContain(`Message-ID: ${/Message-ID: (\S+)/.exec(original.toString())![1]}`);
    expect(headers).toContain('Subject: rebuilt');
    expect(headers).toContain('Date: Mon, 2 Mar 2026 10:00:00 +0000');
    expect(headers).not.toContain('X-MS-');
    expect(new Date(got.internalDate!).getTime()).toBe(date.getTime());
    // Dovecot holds exactly what was appended.
    const dovecot = await stored(ALICE);
    await dovecot.mailboxOpen('INBOX');
    expect((await fetchUid(dovecot, uid, { source: true })).source!.equals(original)).toBe(true);
    expect(front.stats.rebuilt).toBeGreaterThanOrEqual(1);
  });

  it('streams a large message both ways unchanged below the added headers', async () => {
    const client = await imap(front.imapOptions(CAROL, 'carol-token'));
    const line = `${'0123456789'.repeat(7)}\r\n`;
    const big = message('large', line.repeat(Math.ceil((12 * 1024 * 1024) / line.length)));
    const appended = await client.append('Outbox', big);
    await client.mailboxOpen('Outbox');
    const got = await fetchUid(client, (appended as { uid: number }).uid, { source: true, size: true });
    expect(got.size).toBe(big.length + front.addedHeaders.length);
    expect(got.source!.subarray(front.addedHeaders.length).equals(big)).toBe(true);
  });

  it('rebuilds RFC822 and BODY[HEADER] too, and leaves other body parts as stored', async () => {
    const r = await signedIn();
    await r.command('SELECT INBOX');
    const whole = await r.command('UID FETCH 1:* (RFC822.SIZE RFC822)');
    const m = /RFC822\.SIZE (\d+) RFC822 \{(\d+)\}\r\n/.exec(whole.untagged[0] ?? '');
    expect(m && m[1]).toBe(m && m[2]);
    expect(whole.untagged[0]).toContain('X-MS-TNEF-Correlator:\r\nMessage-ID: <');
    const header = await r.command('UID FETCH 1:* (BODY.PEEK[HEADER] BODY.PEEK[TEXT])');
    expect(header.untagged[0]).toMatch(/BODY\[HEADER\] \{\d+\}\r\nX-MS-Exchange-Organization-AuthAs: /);
    expect(header.untagged[0]).toMatch(/BODY\[TEXT\] \{\d+\}\r\nLine one\./);
  });
});

describe('throttling', () => {
  it('answers a throttled command and closes; any command for that account before the backoff passes meets the same answer', async () => {
    const throttled = await otherFront({ tokens: TOKENS, throttle: { everyNthCommand: 4, backoffMs: 1500, max: 1 } });
    const w = await Wire.open(throttled.port);
    w.send(`t1 AUTHENTICATE XOAUTH2 ${xoauth2(BOB, 'bob-token')}\r\nt2 SELECT INBOX\r\nt3 NOOP\r\n`);
    await w.until(/^t3 OK NOOP completed\.\r\n/m);
    // The fourth command is throttled: answered after the one before it, and what came after it is not run.
    w.send('t4 SELECT Drafts\r\nt5 NOOP\r\nt6 CREATE Pipelined\r\n');
    const text = await w.closed();
    expect(text).toMatch(/\r\nt4 OK \[READ-WRITE\] SELECT completed\.\r\nt5 BAD Request is throttled\. Suggested Backoff Time: 1500 milliseconds\r\n$/);
    expect((await (await stored(BOB)).list()).map((f) => f.path)).not.toContain('Pipelined');
    // Coming back early: the sign-in itself gets the same answer, with the time left.
    const early = await raw(throttled.port);
    const again = await early.command(`AUTHENTICATE XOAUTH2 ${xoauth2(BOB, 'bob-token')}`);
    expect(again.status).toMatch(/^BAD Request is throttled\. Suggested Backoff Time: \d+ milliseconds$/);
    expect(Number(/Time: (\d+)/.exec(again.status)![1])).toBeLessThanOrEqual(1500);
    // Another account is not throttled.
    const other = await signedIn(CAROL, 'carol-token', throttled.port);
    expect((await other.command('NOOP')).status).toBe('OK NOOP completed.');
    await new Promise((resolve) => setTimeout(resolve, throttled.backoffs[0]!.until - Date.now() + 20));
    const later = await signedIn(BOB, 'bob-token', throttled.port);
    expect((await later.command('NOOP')).status).toBe('OK NOOP completed.');
    expect(throttled.stats.throttled).toBe(2);
    expect(throttled.backoffs).toEqual([expect.objectContaining({ account: BOB, until: expect.any(Number) })]);
    expect(throttled.commandsDuringBackoff(BOB).map((c) => c.command)).toEqual(['AUTHENTICATE']);
    expect(throttled.commandsDuringBackoff(CAROL)).toEqual([]);
  });
});

describe('sessions that end', () => {
  it('ends a session whose token expired: `* BYE Session invalidated - AccessTokenExpired`', async () => {
    const expiring = await otherFront({ tokens: new Map([...TOKENS, ['short-token', { user: ALICE, expiresAt: Date.now() + 600 }]]) });
    const r = await signedIn(ALICE, 'short-token', expiring.port);
    expect((await r.command('NOOP')).status).toBe('OK NOOP completed.');
    await new Promise((resolve) => setTimeout(resolve, 800));
    const after = await r.command('NOOP');
    expect(after).toMatchObject({ tagged: '', untagged: ['* BYE Session invalidated - AccessTokenExpired'] });
    // An expired token does not sign in again.
    const again = await raw(expiring.port);
    expect((await again.command(`AUTHENTICATE XOAUTH2 ${xoauth2(ALICE, 'short-token')}`)).status).toBe('NO AUTHENTICATE failed.');
    // sessionLifetimeMs: the same for every session, whatever the token says.
    const lifetime = await otherFront({ tokens: TOKENS, sessionLifetimeMs: 400 });
    const client = await imap(lifetime.imapOptions(BOB, 'bob-token'));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('no close within 3 s')), 3000))]);
    expect(expiring.stats.byes.tokenExpired + lifetime.stats.byes.tokenExpired).toBe(2);
  });

  it('answers another account\'s token with "authenticated but not connected", and drops the connection after ten errors', async () => {
    const r = await raw();
    expect((await r.command(`AUTHENTICATE XOAUTH2 ${xoauth2(ALICE, 'bob-token')}`)).status).toBe('OK AUTHENTICATE completed.');
    const before = front.stats.byes.tooManyErrors;
    const answers: RawReply[] = [];
    for (let i = 0; i < 10; i++) answers.push(await r.command(i % 2 ? 'SELECT INBOX' : 'LIST "" "*"'));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill('BAD User is authenticated but not connected.'));
    expect(answers[9]!.tagged).toMatch(/^A\d+ BAD User/);
    expect((await r.command('NOOP')).untagged).toEqual(['* BYE Connection closed']);
    expect(front.stats.byes.tooManyErrors).toBe(before + 1);
    expect(front.stats.notConnected).toBeGreaterThanOrEqual(10);
  });
});
