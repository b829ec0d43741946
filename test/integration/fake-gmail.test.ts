/**
 * The scripted Gmail server (test/support/fake-gmail) against imapflow 2.10, configured like the
 * engine (no COMPRESS, a raw-line logger): Gmail's folders and attributes, X-GM-EXT-1 as imapflow
 * parses it, byte-exact bodies, localised names, OAuth (XOAUTH2/OAUTHBEARER, the JSON challenge),
 * Gmail's exact login/BYE/THROTTLED lines, the connection limit, and the counters. A raw socket client
 * checks the exact lines and the protocol details imapflow never exercises (sequence sets, ESEARCH).
 */
import { createHash } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { ImapFlow, type ImapFlowOptions, type ListResponse } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectImap, disconnect } from '../../src/main/engine/connect/imap-connect.js';
import { listFoldersWithStatus } from '../../src/main/engine/plan/folder-list.js';
import { readFolderMeta } from '../../src/main/engine/plan/folder-scan.js';
import { generateCorpus, type CorpusMessage } from '../support/corpus.js';
import {
  decodeMutf7, encodeMutf7, fromCorpus, GMAIL_LINES, OAUTH_ERROR_JSON, startFakeGmail, type FakeGmail, type FakeGmailOptions, type FakeMessage,
} from '../support/fake-gmail/index.js';

const ALICE = 'alice@example.com';
const ALICE_TOKEN = 'ya29.alice-good-token';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// ---------- helpers ----------

const servers: FakeGmail[] = [];
const clients: ImapFlow[] = [];

async function server(opts: FakeGmailOptions = {}): Promise<FakeGmail> {
  const s = await startFakeGmail(opts);
  servers.push(s);
  return s;
}

/** An imapflow client like the engine's (see imap-connect.ts): raw server lines go to `lines`. */
function client(options: ImapFlowOptions, lines: string[] = []): ImapFlow {
  const noop = (): void => {};
  const logger = {
    debug: (o: { src?: string; msg?: string }) => { if (o?.src === 's' && typeof o.msg === 'string') lines.push(o.msg); },
    trace: noop, info: noop, warn: noop, error: noop, isLevelEnabled: (level: string) => level === 'debug',
  };
  const c = new ImapFlow({ ...options, logger: logger as unknown as ImapFlowOptions['logger'], disableCompression: true, disableAutoIdle: true });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

async function connected(options: ImapFlowOptions, lines?: string[]): Promise<ImapFlow> {
  const c = client(options, lines);
  await c.connect();
  return c;
}

async function status(c: ImapFlow, path: string): Promise<{ messages?: number; uidNext?: number; uidValidity?: bigint }> {
  const st = await c.status(path, { messages: true, uidNext: true, uidValidity: true });
  if (!st) throw new Error(`STATUS ${path} failed`);
  return st;
}

async function connectError(options: ImapFlowOptions, lines?: string[]): Promise<Error & Record<string, unknown>> {
  const c = client(options, lines);
  try {
    await c.connect();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('connect() succeeded');
}

/** A bare IMAP client: sends tagged commands and returns every line up to the tagged reply (literals as {n}). */
class RawClient {
  lines: string[] = [];
  #buf = Buffer.alloc(0);
  #literal = 0;
  #waiters: Array<() => void> = [];
  #closed = false;
  #tag = 0;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      for (;;) {
        if (this.#literal > 0) {
          const n = Math.min(this.#literal, this.#buf.length);
          this.#literal -= n;
          this.#buf = this.#buf.subarray(n);
          if (this.#literal > 0) break;
        }
        const lf = this.#buf.indexOf(0x0a);
        if (lf < 0) break;
        const line = this.#buf.subarray(0, lf).toString('latin1').replace(/\r$/, '');
        this.#buf = this.#buf.subarray(lf + 1);
        this.lines.push(line);
        const m = /\{(\d+)\}$/.exec(line);
        if (m) this.#literal = Number(m[1]);
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    w.forEach((f) => f());
  }

  static async open(port: number): Promise<RawClient> {
    const socket = netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new RawClient(socket);
    await c.until((l) => l.startsWith('* OK'));
    return c;
  }

  /** Lines from `from` up to the first that is `done` (or all, once the server closed); fails after 5 s. */
  async until(done: (line: string) => boolean, from = 0): Promise<string[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const i = this.lines.findIndex((l, n) => n >= from && done(l));
      if (i >= 0) return this.lines.slice(from, i + 1);
      if (this.#closed) return this.lines.slice(from);
      if (Date.now() > deadline) throw new Error(`no such line; got ${JSON.stringify(this.lines.slice(from))}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Sends `<tag> <command>` and returns the lines up to and including the tagged reply (or `until`, or the close). */
  async run(command: string, until?: (line: string) => boolean): Promise<string[]> {
    const tag = `R${++this.#tag}`;
    const from = this.lines.length;
    this.socket.write(`${tag} ${command}\r\n`);
    return this.until((l) => l.startsWith(`${tag} `) || !!until?.(l), from);
  }

  /** Writes a raw line (a SASL response). */
  async send(line: string, until: (l: string) => boolean): Promise<string[]> {
    const from = this.lines.length;
    this.socket.write(`${line}\r\n`);
    return this.until(until, from);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

const raws: RawClient[] = [];
async function raw(port: number, login = true): Promise<RawClient> {
  const r = await RawClient.open(port);
  raws.push(r);
  if (login) expect((await r.run(`LOGIN ${ALICE} abcdefghijklmnop`)).at(-1)).toMatch(/^R\d+ OK /);
  return r;
}

function byPath(list: ListResponse[], path: string): ListResponse {
  const e = list.find((l) => l.path === path);
  if (!e) throw new Error(`${path} not listed; got ${list.map((l) => l.path).join(', ')}`);
  return e;
}

/** The X-GM-LABELS Gmail shows for a corpus message (as fromCorpus builds them). */
function expectedLabels(c: CorpusMessage): string[] {
  const labels = c.placement.labels.map((l) => (l === 'INBOX' ? '\\Inbox' : l));
  if (c.placement.system === 'sent') labels.push('\\Sent');
  if (c.placement.system === 'drafts') labels.push('\\Draft');
  if (c.flags.includes('\\Flagged')) labels.push('\\Starred');
  if (c.flags.includes('$Important')) labels.push('\\Important');
  return [...new Set(labels)].sort();
}

afterAll(async () => {
  raws.forEach((r) => r.close());
  await Promise.all(clients.map((c) => (c.usable ? c.logout().catch(() => c.close()) : c.close())));
  await Promise.all(servers.map((s) => s.stop()));
});

// ---------- tests ----------

describe('fake Gmail: folders, X-GM-EXT-1 and bodies through imapflow', () => {
  let gmail: FakeGmail;
  let corpus: CorpusMessage[];
  let messages: FakeMessage[];

  beforeAll(async () => {
    corpus = generateCorpus({ seed: 'fake-gmail', count: 40, profile: 'small' });
    messages = fromCorpus(corpus);
    gmail = await server({ messages });
  });

  it('greets, advertises Gmail capabilities and lists the facts-file folders with their exact lines', async () => {
    const r = await raw(gmail.port, false);
    expect(r.lines[0]).toBe('* OK Gimap ready for requests from 127.0.0.1');
    const pre = await r.run('CAPABILITY');
    expect(pre[0]).toMatch(/^\* CAPABILITY IMAP4rev1 .*X-GM-EXT-1 .*SASL-IR AUTH=XOAUTH2 AUTH=PLAIN AUTH=PLAIN-CLIENTTOKEN AUTH=OAUTHBEARER AUTH=XOAUTH$/);
    const login = await r.run(`LOGIN ${ALICE} abcdefghijklmnop`);
    expect(login[0]).toMatch(/^\* CAPABILITY IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS ENABLE MOVE ESEARCH LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584$/);
    expect(login[1]).toBe(`R2 OK ${ALICE} authenticated (Success)`);
    expect(await r.run('NAMESPACE')).toEqual(['* NAMESPACE (("" "/")) NIL NIL', 'R3 OK Success']);
    const list = await r.run('LIST "" "*"');
    for (const line of [
      '* LIST (\\HasNoChildren) "/" "INBOX"',
      '* LIST (\\Noselect \\HasChildren) "/" "[Gmail]"',
      '* LIST (\\HasNoChildren \\All) "/" "[Gmail]/All Mail"',
      '* LIST (\\HasNoChildren \\Drafts) "/" "[Gmail]/Drafts"',
      '* LIST (\\HasNoChildren \\Important) "/" "[Gmail]/Important"',
      '* LIST (\\HasNoChildren \\Sent) "/" "[Gmail]/Sent Mail"',
      '* LIST (\\HasNoChildren \\Junk) "/" "[Gmail]/Spam"',
      '* LIST (\\HasNoChildren \\Flagged) "/" "[Gmail]/Starred"',
      '* LIST (\\HasNoChildren \\Trash) "/" "[Gmail]/Trash"',
    ]) expect(list).toContain(line);
    expect(list[0]).toBe('* LIST (\\HasNoChildren) "/" "INBOX"');
    expect(list).toContain('* LIST (\\HasChildren) "/" "Re&AOc-us"');
    expect(list).toContain('* LIST (\\HasNoChildren) "/" "Re&AOc-us/2024"');
    expect(list).toContain(`* LIST (\\HasNoChildren) "/" "${encodeMutf7('日本語ラベル')}"`);
    expect(list.at(-1)).toBe('R4 OK Success');
    expect(await r.run('SELECT "[Gmail]"')).toEqual(['R5 NO [NONEXISTENT] Unknown Mailbox: [Gmail] (now in authenticated state) (Failure)']);
    expect(await r.run('APPEND INBOX {3}')).toEqual(['R6 NO [CANNOT] This fake Gmail is a read-only source. (Failure)']);
    expect(await r.run('LOGOUT')).toEqual(['* BYE LOGOUT Requested', 'R7 OK 73 good day (Success)']);
  });

  it('imapflow list(): specialUse from the server attributes, \\Important only in flags, LIST-STATUS counts', async () => {
    const c = await connected(gmail.imapOptions());
    expect(c.capabilities.has('X-GM-EXT-1')).toBe(true);
    const list = await c.list({ statusQuery: { messages: true, uidNext: true, uidValidity: true } });
    const expected: Array<[string, string]> = [
      ['[Gmail]/All Mail', '\\All'], ['[Gmail]/Drafts', '\\Drafts'], ['[Gmail]/Sent Mail', '\\Sent'],
      ['[Gmail]/Spam', '\\Junk'], ['[Gmail]/Starred', '\\Flagged'], ['[Gmail]/Trash', '\\Trash'],
    ];
    for (const [path, use] of expected) {
      const e = byPath(list, path);
      expect(e.specialUse).toBe(use);
      expect(e.specialUseSource).toBe('extension');
    }
    expect(byPath(list, 'INBOX').specialUse).toBe('\\Inbox');
    const important = byPath(list, '[Gmail]/Important');
    expect(important.specialUse).toBeFalsy();
    expect(important.flags.has('\\Important')).toBe(true);
    expect(byPath(list, '[Gmail]').flags.has('\\Noselect')).toBe(true);
    expect(byPath(list, 'Reçus/2024').pathAsListed).toBe('Re&AOc-us/2024');
    const live = corpus.filter((m) => m.placement.system !== 'trash' && m.placement.system !== 'spam');
    expect(byPath(list, '[Gmail]/All Mail').status?.messages).toBe(live.length);
    expect(byPath(list, 'INBOX').status?.messages).toBe(corpus.filter((m) => m.placement.labels.includes('INBOX')).length);
    expect(byPath(list, '[Gmail]/Trash').status?.messages).toBe(corpus.filter((m) => m.placement.system === 'trash').length);
    expect(byPath(list, '[Gmail]/Starred').status?.messages).toBe(live.filter((m) => m.flags.includes('\\Flagged')).length);
    expect(byPath(list, 'INBOX').status?.uidNext).toBe(byPath(list, 'INBOX').status!.messages! + 1);
    // Only LIST went over the wire for the counts (LIST-STATUS), no STATUS per folder.
    expect(gmail.commandCount('STATUS')).toBe(0);
  });

  it('All Mail: emailId (X-GM-MSGID), threadId and labels as imapflow parses them; Trash/Spam excluded', async () => {
    const c = await connected(gmail.imapOptions());
    const box = await c.mailboxOpen('[Gmail]/All Mail', { readOnly: true });
    expect(box.readOnly).toBe(true);
    const got = [];
    for await (const m of c.fetch('1:*', { uid: true, flags: true, labels: true, threadId: true, internalDate: true, size: true, headers: ['message-id'] })) got.push(m);
    const live = corpus.filter((m) => m.placement.system !== 'trash' && m.placement.system !== 'spam');
    expect(got.length).toBe(live.length);
    const stored = gmail.store.messages;
    for (const m of got) {
      expect(typeof m.emailId).toBe('string');
      expect(m.emailId).toMatch(/^\d{19}$/); // above 2^53: a Number would lose digits
      expect(m.threadId).toBe(m.emailId);
      expect(m.labels).toBeInstanceOf(Set);
      const s = stored.find((x) => x.msgid.toString() === m.emailId)!;
      const original = corpus[s.order]!;
      expect([...m.labels!].sort()).toEqual(expectedLabels(original));
      expect(m.size).toBe(original.raw.length);
      expect((m.internalDate as Date).getTime()).toBe(original.internalDate.getTime());
      expect(m.flags!.has('$Important')).toBe(false); // Gmail keeps it as the \Important label only
    }
    // UIDs ascend with the internal date.
    const dates = got.sort((a, b) => a.uid - b.uid).map((m) => (m.internalDate as Date).getTime());
    expect(dates).toEqual([...dates].sort((a, b) => a - b));
    const archived = corpus.filter((m) => m.placement.system === 'archived').length;
    expect(got.filter((m) => [...m.labels!].every((l) => l === '\\Important' || l === '\\Starred')).length).toBeGreaterThanOrEqual(archived);
  });

  it('a message with three labels has a UID in each folder and in All Mail, and one X-GM-MSGID', async () => {
    const three = corpus.find((m) => m.tags.includes('three-labels'))!;
    const c = await connected(gmail.imapOptions());
    const seen: Array<{ folder: string; uid: number; emailId: string }> = [];
    for (const folder of ['INBOX', 'Work', 'Reçus/2024', '[Gmail]/All Mail']) {
      const lock = await c.getMailboxLock(folder, { readOnly: true });
      try {
        const uids = await c.search({ header: { 'message-id': three.messageId! } }, { uid: true });
        expect(uids).toHaveLength(1);
        const m = await c.fetchOne(String((uids as number[])[0]), { uid: true, labels: true }, { uid: true });
        if (!m) throw new Error('fetchOne returned nothing');
        seen.push({ folder, uid: m.uid, emailId: m.emailId! });
        expect([...m.labels!].sort()).toEqual(expectedLabels(three));
      } finally {
        lock.release();
      }
    }
    expect(new Set(seen.map((s) => s.emailId)).size).toBe(1);
    expect(seen.map((s) => s.uid)).toEqual(seen.map((s) => gmail.store.view(s.folder).find((v) => v.msg.msgid.toString() === s.emailId)!.uid));
  });

  it('BODY[] is byte-exact, and the body counter counts full bodies per X-GM-MSGID', async () => {
    const before = new Map(gmail.stats.bodyFetches);
    const c = await connected(gmail.imapOptions());
    for (const folder of ['[Gmail]/All Mail', '[Gmail]/Trash', '[Gmail]/Spam']) {
      const lock = await c.getMailboxLock(folder, { readOnly: true });
      try {
        for await (const m of c.fetch('1:*', { uid: true, source: true }, { uid: true })) {
          const s = gmail.store.messages.find((x) => x.msgid.toString() === m.emailId)!;
          expect(sha(m.source!)).toBe(sha(corpus[s.order]!.raw));
        }
      } finally {
        lock.release();
      }
    }
    for (const s of gmail.store.messages) {
      expect(gmail.bodyFetchCount(s.msgid) - (before.get(s.msgid.toString()) ?? 0)).toBe(1);
    }
    // Large and empty-body messages made it too.
    expect(corpus.some((m) => m.tags.includes('large'))).toBe(true);
    expect(corpus.some((m) => m.tags.includes('empty-body'))).toBe(true);
    // A partial fetch is a slice and is not a full body.
    await c.mailboxOpen('INBOX', { readOnly: true });
    const first = gmail.store.view('INBOX')[0]!;
    const countBefore = gmail.bodyFetchCount(first.msg.msgid);
    const part = await c.fetchOne(String(first.uid), { source: { start: 10, maxLength: 50 } }, { uid: true });
    if (!part) throw new Error('fetchOne returned nothing');
    expect(part.source!.equals(first.msg.raw.subarray(10, 60))).toBe(true);
    expect(gmail.bodyFetchCount(first.msg.msgid)).toBe(countBefore);
    expect(gmail.stats.partialBodyFetches.get(first.msg.msgid.toString())).toBe(1);
    expect(gmail.stats.bodyBytes).toBeGreaterThan(corpus.reduce((n, m) => n + m.raw.length, 0) - 1);
    expect(gmail.stats.bytesSent).toBeGreaterThan(gmail.stats.bodyBytes);
  });

  it('protocol details: sequence sets in any order and with *, ESEARCH, HEADER.FIELDS, read-only EXAMINE', async () => {
    const r = await raw(gmail.port);
    const inbox = gmail.store.view('INBOX');
    const n = inbox.length;
    const ex = await r.run('EXAMINE INBOX');
    expect(ex).toContain(`* ${n} EXISTS`);
    expect(ex).toContain(`* OK [UIDVALIDITY ${gmail.store.uidValidity('INBOX')}] UIDs valid.`);
    expect(ex).toContain(`* OK [UIDNEXT ${n + 1}] Predicted next UID.`);
    expect(ex.at(-1)).toBe('R2 OK [READ-ONLY] INBOX selected. (Success)');
    const uidsOf = (lines: string[]): number[] => lines.flatMap((l) => /^\* \d+ FETCH \(UID (\d+)\)$/.exec(l)?.[1] ?? []).map(Number);
    expect(uidsOf(await r.run('UID FETCH 3:1 (UID)'))).toEqual([1, 2, 3]);
    expect(uidsOf(await r.run('UID FETCH * (UID)'))).toEqual([n]);
    expect(uidsOf(await r.run(`UID FETCH ${n + 100}:* (UID)`))).toEqual([n]);
    expect(uidsOf(await r.run('UID FETCH 4,1:2,4 (UID)'))).toEqual([1, 2, 4]);
    expect(uidsOf(await r.run('FETCH 2,1 (UID)'))).toEqual([1, 2]);
    expect((await r.run('UID FETCH 0:3 (UID)')).at(-1)).toMatch(/^R\d+ BAD /);
    expect((await r.run('UID FETCH 1 (ENVELOPE)')).at(-1)).toMatch(/^R\d+ BAD /);
    const search = await r.run('UID SEARCH RETURN (MIN MAX COUNT ALL) UID 2:*');
    expect(search[0]).toBe(`* ESEARCH (TAG "R10") UID MIN 2 MAX ${n} ALL 2:${n} COUNT ${n - 1}`);
    expect(await r.run('UID SEARCH UID 9999')).toEqual(['* SEARCH', 'R11 OK SEARCH completed (Success)']);
    const hdr = await r.run('UID FETCH 1 (BODY.PEEK[HEADER.FIELDS (Message-ID SUBJECT)] X-GM-LABELS)');
    expect(hdr[0]).toMatch(/^\* 1 FETCH \(UID 1 BODY\[HEADER\.FIELDS \(MESSAGE-ID SUBJECT\)\] \{\d+\}$/);
    expect(hdr.at(-2)).toMatch(/ X-GM-LABELS \(("[^"]*" ?)+\)\)$/);
    expect(hdr.at(-2)).toContain('"\\\\Inbox"');
    // EXAMINE: BODY[] (not PEEK) leaves \Seen alone; X-GM-MSGID is the same wherever the message shows.
    const unseen = inbox.find((v) => !v.msg.flags.has('\\Seen'));
    if (unseen) {
      await r.run(`UID FETCH ${unseen.uid} (BODY[])`);
      expect(unseen.msg.flags.has('\\Seen')).toBe(false);
    }
    expect((await r.run('UID STORE 1 +FLAGS (\\Seen)')).at(-1)).toMatch(/^R\d+ NO \[CANNOT\]/);
    expect((await r.run('CLOSE')).at(-1)).toMatch(/^R\d+ OK /);
    expect((await r.run('UID FETCH 1 (UID)')).at(-1)).toMatch(/^R\d+ BAD /);
  });

  it('raw protocol: synchronising and LITERAL- literals, STATUS, LSUB, XLIST, IDLE, unknown and out-of-state commands', async () => {
    const r = await raw(gmail.port, false);
    expect(await r.run('SELECT INBOX')).toEqual(['R1 BAD Command not valid in this state (not logged in)']);
    // A synchronising literal gets "+ go ahead"; a LITERAL- one ({n+}) does not.
    const from = r.lines.length;
    r.socket.write(`L1 LOGIN {${ALICE.length}}\r\n`);
    expect(await r.until((l) => l.startsWith('+ '), from)).toEqual(['+ go ahead']);
    const login = await r.send(`${ALICE} {16+}\r\nabcdefghijklmnop`, (l) => l.startsWith('L1 '));
    expect(login.at(-1)).toBe(`L1 OK ${ALICE} authenticated (Success)`);
    const st = gmail.store;
    const inbox = st.view('INBOX');
    expect(await r.run('STATUS INBOX (UIDNEXT MESSAGES UNSEEN UIDVALIDITY)')).toEqual([
      `* STATUS "INBOX" (UIDNEXT ${st.uidNext('INBOX')} MESSAGES ${inbox.length} UNSEEN ${inbox.filter((v) => !v.msg.flags.has('\\Seen')).length} UIDVALIDITY ${st.uidValidity('INBOX')})`,
      'R2 OK Success',
    ]);
    expect(await r.run('STATUS "[Gmail]" (MESSAGES)')).toEqual(['R3 NO [NONEXISTENT] Unknown Mailbox: [Gmail] (Failure)']);
    expect((await r.run('STATUS INBOX (HIGHESTMODSEQ)')).at(-1)).toMatch(/^R4 BAD /);
    expect(await r.run('LSUB "" "[Gmail]/%"')).toContain('* LSUB (\\HasNoChildren \\Trash) "/" "[Gmail]/Trash"');
    const xlist = await r.run('XLIST "" "*"');
    expect(xlist).toContain('* XLIST (\\HasNoChildren \\Inbox) "/" "INBOX"');
    expect(xlist).toContain('* XLIST (\\HasNoChildren \\AllMail) "/" "[Gmail]/All Mail"');
    expect(await r.run('LIST "" ""')).toEqual(['* LIST (\\Noselect) "/" ""', 'R7 OK Success']);
    const special = await r.run('LIST (SPECIAL-USE) "" "*" RETURN (STATUS (MESSAGES))');
    expect(special.filter((l) => l.startsWith('* LIST'))).toHaveLength(7);
    expect(special).toContain(`* STATUS "[Gmail]/Trash" (MESSAGES ${st.view('[Gmail]/Trash').length})`);
    expect(await r.run('IDLE', (l) => l.startsWith('+ '))).toEqual(['+ idling']);
    expect(await r.send('DONE', (l) => l.startsWith('R9 '))).toEqual(['R9 OK IDLE terminated (Success)']);
    expect(await r.run('FROB')).toEqual(['R10 BAD Unknown command']);
    expect(await r.run('GETQUOTAROOT INBOX')).toEqual(['* QUOTAROOT "INBOX" ""', expect.stringMatching(/^\* QUOTA "" \(STORAGE \d+ 15728640\)$/), 'R11 OK Success']);
  });

  it('imapflow search: UID ranges, Message-ID header, ESEARCH return options', async () => {
    const c = await connected(gmail.imapOptions());
    await c.mailboxOpen('[Gmail]/All Mail', { readOnly: true });
    const all = (await c.search({ all: true }, { uid: true })) as number[];
    expect(all).toEqual(gmail.store.view('[Gmail]/All Mail').map((v) => v.uid));
    expect(await c.search({ uid: '2:4' }, { uid: true })).toEqual([2, 3, 4]);
    const shared = corpus.filter((m) => m.tags.includes('shared-message-id'));
    const hits = (await c.search({ header: { 'message-id': shared[0]!.messageId! } }, { uid: true })) as number[];
    expect(hits.length).toBe(shared.filter((m) => m.placement.system !== 'trash' && m.placement.system !== 'spam').length);
    const es = await c.search({ all: true }, { uid: true, returnOptions: ['MIN', 'MAX', 'COUNT'] });
    expect(es).toMatchObject({ min: all[0], max: all.at(-1), count: all.length });
  });

  it("the engine's own connect and readers (imap-connect.ts, folder-list.ts, folder-scan.ts) work against it", async () => {
    const lines: string[] = [];
    const viaToken = await connectImap({ side: 'source', endpoint: gmail.endpoint(), credential: { accessToken: ALICE_TOKEN } });
    await disconnect(viaToken);
    const c = await connectImap({ side: 'source', endpoint: gmail.endpoint(), credential: { password: 'abcdefghijklmnop' }, onServerLine: (l) => lines.push(l) });
    try {
      const { folders, status } = await listFoldersWithStatus(c);
      expect(folders.find((f) => f.path === '[Gmail]/All Mail')?.specialUse).toBe('\\All');
      expect(folders.find((f) => f.path === '[Gmail]/Important')?.flags).toContain('\\Important');
      const all = await readFolderMeta(c, '[Gmail]/All Mail');
      expect(all.uidValidity).toBe(status.get('[Gmail]/All Mail')?.uidValidity);
      expect(all.metas).toHaveLength(status.get('[Gmail]/All Mail')!.messages);
      const ids = new Set(gmail.store.messages.map((m) => m.msgid.toString()));
      for (const m of all.metas) {
        expect(ids.has(m.gmailId!)).toBe(true);
        expect(Array.isArray(m.labels)).toBe(true);
        expect(m.messageId === null || m.messageId.startsWith('<')).toBe(true);
      }
      expect(lines[0]).toBe(GMAIL_LINES.greeting);
    } finally {
      await disconnect(c);
    }
  });

  it('setUidValidity renumbers a folder; setMessages keeps UIDs and gives a new label the next UID', async () => {
    const s = await server({ messages: messages.slice(0, 10) });
    const c = await connected(s.imapOptions());
    const before = await status(c, 'INBOX');
    s.setUidValidity('INBOX', 777);
    const after = await status(c, 'INBOX');
    expect(after.uidValidity).toBe(777n);
    expect(after.messages).toBe(before.messages);
    expect(after.uidNext).toBe(before.uidNext! + before.messages!);
    const inboxBefore = s.store.view('INBOX').map((v) => v.uid);
    const more = messages.slice(0, 11).map((m, i) => (i === 10 ? { ...m, labels: ['INBOX'], internalDate: new Date(0) } : m));
    s.setMessages(more.map((m, i) => ({ ...m, msgid: s.store.messages[i]?.msgid })));
    const inboxAfter = s.store.view('INBOX').map((v) => v.uid);
    expect(inboxAfter.slice(0, inboxBefore.length)).toEqual(inboxBefore);
    expect(inboxAfter.at(-1)).toBe(after.uidNext);
  });
});

describe('fake Gmail: localised folder names', () => {
  const msg = (labels: string[], system?: 'trash' | 'spam'): FakeMessage => ({
    raw: Buffer.from(`Subject: ${labels.join(',')}\r\nMessage-ID: <${labels.join('.')}@x>\r\n\r\nhi\r\n`), labels, flags: ['\\Seen'],
    internalDate: new Date('2020-01-02T03:04:05Z'), ...(system ? { system } : {}),
  });

  it('modified UTF-7 both ways (what imapflow decodes with iconv utf-7-imap)', () => {
    for (const [plain, wire] of [['Entwürfe', 'Entw&APw-rfe'], ['Reçus/2024', 'Re&AOc-us/2024'], ['Family & Friends', 'Family &- Friends'], ['日本語ラベル', '&ZeVnLIqeMOkw2TDr-']]) {
      expect(encodeMutf7(plain!)).toBe(wire);
      expect(decodeMutf7(wire!)).toBe(plain);
    }
    expect(decodeMutf7(encodeMutf7('🚀 Launch'))).toBe('🚀 Launch');
  });

  it('de: [Google Mail]/Entwürfe on the wire as modified UTF-7, found by SPECIAL-USE', async () => {
    const s = await server({ locale: 'de', messages: [msg(['\\Draft']), msg(['Projets été']), msg([], 'trash')] });
    const c = await connected(s.imapOptions());
    const list = await c.list();
    const drafts = byPath(list, '[Google Mail]/Entwürfe');
    expect(drafts.pathAsListed).toBe('[Google Mail]/Entw&APw-rfe');
    expect(drafts.specialUse).toBe('\\Drafts');
    expect(byPath(list, '[Google Mail]/Gesendet').specialUse).toBe('\\Sent');
    expect(byPath(list, '[Google Mail]/Papierkorb').specialUse).toBe('\\Trash');
    expect(byPath(list, '[Google Mail]/Alle Nachrichten').specialUse).toBe('\\All');
    expect(byPath(list, '[Google Mail]').flags.has('\\Noselect')).toBe(true);
    expect(byPath(list, 'Projets été').pathAsListed).toBe('Projets &AOk-t&AOk-');
    await c.mailboxOpen('[Google Mail]/Entwürfe', { readOnly: true });
    expect(c.mailbox && c.mailbox.exists).toBe(1);
    await c.mailboxOpen('[Google Mail]/Alle Nachrichten', { readOnly: true });
    const labels = [];
    for await (const m of c.fetch('1:*', { labels: true })) labels.push(...m.labels!);
    expect(labels.sort()).toEqual(['Projets été', '\\Draft']);
    expect((await status(c, '[Google Mail]/Papierkorb')).messages).toBe(1);
    expect(s.systemFolder('drafts')).toBe('[Google Mail]/Entwürfe');
  });

  it('en-GB: [Gmail]/Bin is the \\Trash folder', async () => {
    const s = await server({ locale: 'en-GB', messages: [msg([], 'trash'), msg(['INBOX'])] });
    const c = await connected(s.imapOptions());
    const list = await c.list();
    expect(byPath(list, '[Gmail]/Bin').specialUse).toBe('\\Trash');
    expect(list.some((l) => l.path === '[Gmail]/Trash')).toBe(false);
    await c.mailboxOpen('[Gmail]/Bin', { readOnly: true });
    expect(c.mailbox && c.mailbox.exists).toBe(1);
  });

  it('UTF8=ACCEPT (optional): once enabled, names and labels travel as UTF-8', async () => {
    const s = await server({ utf8Accept: true, messages: [msg(['Reçus/2024'])], transcript: true });
    const c = await connected(s.imapOptions());
    expect(c.enabled.has('UTF8=ACCEPT')).toBe(true);
    const list = await c.list();
    expect(byPath(list, 'Reçus/2024').pathAsListed).toBe('Reçus/2024');
    await c.mailboxOpen('Reçus/2024', { readOnly: true });
    const m = await c.fetchOne('1', { labels: true });
    expect(m && [...m.labels!]).toEqual(['Reçus/2024']);
  });
});

describe('fake Gmail: sign-in', () => {
  it('XOAUTH2: a good token signs in (SASL-IR and continuation); a bad one gets the JSON challenge, then AUTHENTICATIONFAILED', async () => {
    for (const saslIr of [true, false]) {
      const s = await server({ authMechanisms: ['XOAUTH2', 'PLAIN'], saslIr });
      const lines: string[] = [];
      const c = await connected(s.imapOptions(ALICE, { accessToken: ALICE_TOKEN }), lines);
      expect(c.authenticated).toBeTruthy();
      expect(s.stats.commands.some((x) => x.name === 'AUTHENTICATE')).toBe(true);
      expect(lines.some((l) => /^\S+ OK alice@example\.com authenticated \(Success\)$/.test(l))).toBe(true);
      const badLines: string[] = [];
      const err = await connectError(s.imapOptions(ALICE, { accessToken: 'ya29.expired' }), badLines);
      expect(err.authenticationFailed).toBe(true);
      expect(err.serverResponseCode).toBe('AUTHENTICATIONFAILED');
      expect(err.oauthError).toEqual(JSON.parse(OAUTH_ERROR_JSON));
      expect(badLines).toContain(`+ ${Buffer.from(OAUTH_ERROR_JSON).toString('base64')}`);
      expect(badLines.at(-1)).toMatch(new RegExp(`^\\S+ ${GMAIL_LINES.invalidCredentials.replace(/[[\]()]/g, '\\$&')}$`));
      expect(s.stats.logins).toBe(1);
      expect(s.stats.failedLogins).toBe(1);
    }
  });

  it('OAUTHBEARER (offered by default, imapflow prefers it) and a pluggable token check', async () => {
    const checked: Array<[string, string]> = [];
    const s = await server({ checkToken: (user, token) => (checked.push([user, token]), token === 'fresh') });
    const c = await connected(s.imapOptions(ALICE, { accessToken: 'fresh' }));
    expect(c.authenticated).toBeTruthy();
    const err = await connectError(s.imapOptions(ALICE, { accessToken: 'stale' }));
    expect(err.authenticationFailed).toBe(true);
    expect(err.oauthError).toEqual(JSON.parse(OAUTH_ERROR_JSON));
    expect(checked).toEqual([[ALICE, 'fresh'], [ALICE, 'stale']]);
  });

  it('raw XOAUTH2 exchange: the client answers the challenge with an empty line', async () => {
    const s = await server();
    const r = await raw(s.port, false);
    const bad = Buffer.from(`user=${ALICE}\x01auth=Bearer nope\x01\x01`).toString('base64');
    const plus = (l: string): boolean => l.startsWith('+ ');
    expect(await r.run(`AUTHENTICATE XOAUTH2 ${bad}`, plus)).toEqual([`+ ${Buffer.from(OAUTH_ERROR_JSON).toString('base64')}`]);
    expect(await r.send('', (l) => l.startsWith('R1 '))).toEqual([`R1 ${GMAIL_LINES.invalidCredentials}`]);
    expect(await r.run('AUTHENTICATE PLAIN', plus)).toEqual(['+ ']);
    const lines = await r.send(Buffer.from(`\x00${ALICE}\x00abcdefghijklmnop`).toString('base64'), (l) => l.startsWith('R2 '));
    expect(lines.at(-1)).toBe(`R2 OK ${ALICE} authenticated (Success)`);
  });

  it('app password: wrong one gets Invalid credentials', async () => {
    const s = await server();
    const lines: string[] = [];
    const err = await connectError({ ...s.imapOptions(), auth: { user: ALICE, pass: 'abcd efgh ijkl mnop' } }, lines);
    expect(err.authenticationFailed).toBe(true);
    expect(err.serverResponseCode).toBe('AUTHENTICATIONFAILED');
    expect(lines.at(-1)).toMatch(/^\S+ NO \[AUTHENTICATIONFAILED\] Invalid credentials \(Failure\)$/);
  });

  it.each([
    ['appPasswordRequired', GMAIL_LINES.appPasswordRequired],
    ['webLoginRequired', GMAIL_LINES.webLoginRequired],
    ['imapDisabled', GMAIL_LINES.imapDisabled],
    ['domainImapDisabled', GMAIL_LINES.domainImapDisabled],
    ['overQuotaLogin', GMAIL_LINES.overQuotaLogin],
  ])('loginReply %s: the exact line, for LOGIN (imapflow with PLAIN) and for XOAUTH2', async (_name, line) => {
    const s = await server({ loginReply: line });
    for (const auth of [undefined, { accessToken: ALICE_TOKEN }]) {
      const lines: string[] = [];
      const err = await connectError(s.imapOptions(ALICE, auth), lines);
      expect(err.authenticationFailed).toBe(true);
      expect(err.serverResponseCode).toBe('ALERT');
      expect(lines.at(-1)).toBe(`${lines.at(-1)!.split(' ')[0]} ${line}`);
    }
    const r = await raw(s.port, false);
    expect(await r.run(`LOGIN ${ALICE} abcdefghijklmnop`)).toEqual([`R1 ${line}`]);
  });

  it('loginReply with the WEBALERT first, and a function that lets the second attempt through', async () => {
    const s = await server({
      loginReply: (a) => (a.attempt === 1 ? { untagged: [GMAIL_LINES.webAlert], tagged: GMAIL_LINES.webLoginRequired } : undefined),
    });
    const r = await raw(s.port, false);
    expect(await r.run(`LOGIN ${ALICE} abcdefghijklmnop`)).toEqual([GMAIL_LINES.webAlert, `R1 ${GMAIL_LINES.webLoginRequired}`]);
    expect((await r.run(`LOGIN ${ALICE} abcdefghijklmnop`)).at(-1)).toBe(`R2 OK ${ALICE} authenticated (Success)`);
  });

  it('too many connections: the 16th login gets the ALERT, and a slot freed is a slot usable', async () => {
    const s = await server();
    const open: ImapFlow[] = [];
    for (let i = 0; i < 15; i++) open.push(await connected(s.imapOptions()));
    const lines: string[] = [];
    const err = await connectError(s.imapOptions(), lines);
    expect(err.authenticationFailed).toBe(true); // imapflow's flag: classify by the code and text instead
    expect(err.serverResponseCode).toBe('ALERT');
    expect(lines.at(-1)).toMatch(/^\S+ NO \[ALERT\] Too many simultaneous connections\. \(Failure\)$/);
    // Another account is not affected.
    await connected(s.imapOptions('bob@example.com'));
    await open[0]!.logout();
    await new Promise((r) => setTimeout(r, 50));
    await connected(s.imapOptions());
    expect(s.stats.logins).toBe(17);
  });

  it('maxConnections is settable', async () => {
    const s = await server({ maxConnections: 2 });
    await connected(s.imapOptions());
    await connected(s.imapOptions());
    expect((await connectError(s.imapOptions())).serverResponseCode).toBe('ALERT');
  });
});

describe('fake Gmail: session expiry, throttling, TLS', () => {
  const messages = fromCorpus(generateCorpus({ seed: 'fake-gmail-faults', count: 30, profile: 'small' }));

  it('byeAfter commands: the exact BYE, imapflow rejects the pending command with NoConnection', async () => {
    // imapflow's connect() sends one command after login (NAMESPACE), then the two NOOPs below.
    const s = await server({ messages, byeAfter: { commands: 3, times: 1 } });
    const lines: string[] = [];
    const c = await connected(s.imapOptions(), lines);
    await c.noop();
    await c.noop();
    const closed = new Promise((r) => c.once('close', r));
    const err = await c.mailboxOpen('INBOX').then(() => undefined, (e: Error & { code?: string }) => e);
    expect(err?.code).toBe('NoConnection');
    await closed;
    expect(lines.at(-1)).toBe(GMAIL_LINES.sessionExpired);
    expect(s.stats.byes).toBe(1);
    // times: 1 -> the next connection is left alone.
    const again = await connected(s.imapOptions());
    for (let i = 0; i < 4; i++) await again.noop();
  });

  it('byeAfter ms: the BYE lands between two FETCH responses of a running fetch', async () => {
    // 48 x 512 KB: more than the loopback buffers hold, so a slow consumer holds the server mid-FETCH.
    const big = Array.from({ length: 48 }, (_, i): FakeMessage => ({
      raw: Buffer.concat([Buffer.from(`Subject: big ${i}\r\n\r\n`), Buffer.alloc(512 * 1024, 0x61 + (i % 26))]),
      labels: ['INBOX'], flags: [], internalDate: new Date(Date.UTC(2020, 0, 1 + i)),
    }));
    const s = await server({ messages: big, byeAfter: { ms: 800 } });
    const lines: string[] = [];
    const c = await connected(s.imapOptions(), lines);
    await c.mailboxOpen('INBOX', { readOnly: true });
    let fetched = 0;
    const err = await (async () => {
      for await (const m of c.fetch('1:*', { source: true })) {
        if (m.source) fetched++;
        if (fetched === 1) await new Promise((res) => setTimeout(res, 1300));
      }
    })().then(() => undefined, (e: Error & { code?: string }) => e);
    expect(err?.code).toBe('NoConnection');
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThan(big.length);
    expect(lines.at(-1)).toBe(GMAIL_LINES.sessionExpired);
    expect(s.stats.byes).toBe(1);
  });

  it('byeAfter with another line: BYE [OVERQUOTA] right after login', async () => {
    const s = await server({ byeAfter: { commands: 0, line: GMAIL_LINES.overQuotaBye } });
    const r = await raw(s.port);
    expect(await r.run('NOOP')).toEqual([GMAIL_LINES.overQuotaBye]);
    expect(r.closed).toBe(true);
  });

  it('throttle: every n-th tagged OK carries [THROTTLED] in the raw server lines', async () => {
    const s = await server({ messages, throttle: { every: 3 } });
    const lines: string[] = [];
    const c = await connected(s.imapOptions(), lines);
    await c.mailboxOpen('INBOX', { readOnly: true });
    for (let i = 0; i < 6; i++) await c.noop();
    const throttled = lines.filter((l) => / OK .*\[THROTTLED\]$/.test(l));
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    expect(throttled.some((l) => /^\S+ OK Success \[THROTTLED\]$/.test(l))).toBe(true);
    expect(s.stats.throttled).toBe(throttled.length);
  });

  it('TLS: implicit TLS with the throw-away CA; the engine endpoint points at it', async () => {
    const s = await server({ tls: true, messages: messages.slice(0, 3) });
    expect(s.secure).toBe(true);
    expect(s.endpoint()).toMatchObject({ host: '127.0.0.1', port: s.port, security: 'tls', user: ALICE, ca: s.caFile });
    const c = await connected(s.imapOptions());
    const st = await status(c, '[Gmail]/All Mail');
    expect(st.messages).toBe(messages.slice(0, 3).filter((m) => !m.system).length);
  });

  it('counts logins, commands and bytes', async () => {
    const s = await server({ messages: messages.slice(0, 5), transcript: true });
    const c = await connected(s.imapOptions());
    await c.mailboxOpen('INBOX', { readOnly: true });
    await c.logout();
    expect(s.stats.logins).toBe(1);
    expect(s.stats.connections).toBe(1);
    expect(s.commandCount('EXAMINE')).toBe(1);
    expect(s.stats.commands.find((x) => x.name === 'AUTHENTICATE')?.args).toBe('(hidden)');
    expect(s.stats.bytesSent).toBeGreaterThan(0);
    expect(s.stats.bytesReceived).toBeGreaterThan(0);
    expect(s.stats.lines[0]).toBe(GMAIL_LINES.greeting);
    expect(s.stats.lines).toContain('* BYE LOGOUT Requested');
  });
});
