/**
 * The raw-socket APPEND writer against a real Dovecot 2.3 destination (MULTIAPPEND, LITERAL+, UIDPLUS).
 * Every strategy is forced in turn; what was stored is read back with imapflow and compared byte for byte.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import type { AppendItem, AppendOutcome } from '../../src/main/engine/copy/destination-writer.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import { openAppendConnection, type FastWriter, type FastWriterOptions } from '../../src/main/engine/copy/imap-append/multi-writer.js';
import type { Endpoint } from '../../src/main/engine/job/job.js';
import { startDestination, type DovecotServer } from '../support/dovecot.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { ResponseReader } from '../../src/main/engine/copy/imap-append/response-reader.js';
import { encodeMailboxName, expandUidSet, formatFlags, formatInternalDate } from '../../src/main/engine/copy/imap-append/wire.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function endpoint(server: DovecotServer, over: Partial<Endpoint> = {}): Endpoint {
  return { host: '127.0.0.1', port: server.port, security: 'none', user: server.users[0]!.user, ...over };
}
const password = (server: DovecotServer): string => server.users[0]!.password;

/** A message with a recognisable X-Seq header and a pseudo-random body of about `size` bytes. */
function message(seq: number, size: number, extraHeaders = ''): Buffer {
  const head = `From: a@example.com\r\nTo: b@example.com\r\nSubject: message ${seq}\r\nMessage-ID: <m${seq}@test>\r\nX-Seq: ${seq}\r\n${extraHeaders}\r\n`;
  let x = seq * 2654435761;
  const lines: string[] = [];
  let n = head.length;
  while (n < size) {
    let line = '';
    for (let i = 0; i < 76; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      line += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[x >>> 26];
    }
    lines.push(line);
    n += 78;
  }
  return Buffer.from(head + lines.map((l) => `${l}\r\n`).join(''));
}

const when = (i: number): Date => new Date(Date.UTC(2019, i % 12, 1 + (i % 28), i % 24, (i * 7) % 60, (i * 13) % 60));

interface Stored {
  uid: number;
  sha: string;
  flags: string[];
  internalDate: Date;
  source: Buffer;
}

async function readFolder(server: DovecotServer, folder: string): Promise<Stored[]> {
  const client = new ImapFlow(server.imapOptions(server.users[0]!.user, 'plain'));
  await client.connect();
  try {
    const lock = await client.getMailboxLock(folder);
    const out: Stored[] = [];
    try {
      if ((client.mailbox && client.mailbox.exists) === 0) return out;
      for await (const m of client.fetch('1:*', { uid: true, flags: true, internalDate: true, source: true })) {
        out.push({ uid: m.uid, sha: sha(m.source!), flags: [...(m.flags ?? [])].sort(), internalDate: new Date(m.internalDate!), source: m.source! });
      }
    } finally {
      lock.release();
    }
    return out.sort((a, b) => a.uid - b.uid);
  } finally {
    await client.logout();
  }
}

async function createFolder(server: DovecotServer, folder: string): Promise<void> {
  const client = new ImapFlow(server.imapOptions(server.users[0]!.user, 'plain'));
  await client.connect();
  await client.mailboxCreate(folder);
  await client.logout();
}

async function withWriter<T>(server: DovecotServer, opts: FastWriterOptions, fn: (w: FastWriter) => Promise<T>, ep: Partial<Endpoint> = {}): Promise<T> {
  const w = await openAppendConnection(endpoint(server, ep), { password: password(server) }, opts);
  try {
    return await fn(w);
  } finally {
    await w.logout();
  }
}

const okUids = (outcomes: AppendOutcome[]): number[] => outcomes.map((o) => (o.ok ? o.uid! : -1));

let dst: DovecotServer;
beforeAll(async () => {
  dst = await startDestination();
});
afterAll(async () => {
  await dst?.stop();
});

const VARIANTS: { name: string; opts: FastWriterOptions; strategy: string; literals: string }[] = [
  { name: 'multiappend (LITERAL+)', opts: { forceStrategy: 'multiappend', batchLimit: 16 }, strategy: 'multiappend', literals: 'plus' },
  { name: 'multiappend (sync literals)', opts: { forceStrategy: 'multiappend', literals: 'sync' }, strategy: 'multiappend', literals: 'sync' },
  { name: 'literal-plus (pipelined)', opts: { forceStrategy: 'literal-plus' }, strategy: 'literal-plus', literals: 'plus' },
  { name: 'literal-plus with LITERAL- only', opts: { forceStrategy: 'literal-plus', literals: 'minus' }, strategy: 'literal-plus', literals: 'minus' },
  { name: 'serial (sync literals)', opts: { forceStrategy: 'serial' }, strategy: 'serial', literals: 'sync' },
];

describe('append writer: each strategy stores messages exactly', () => {
  it('chooses MULTIAPPEND with LITERAL+ on Dovecot by default', async () => {
    await withWriter(dst, {}, async (w) => {
      expect(w.strategy).toBe('multiappend');
      expect(w.literalMode).toBe('plus');
      expect(w.capabilities.has('UIDPLUS')).toBe(true);
    });
  });

  for (const [vi, v] of VARIANTS.entries()) {
    it(`${v.name}: bytes, flags, INTERNALDATE and APPENDUID order`, async () => {
      const folder = `Batch${vi}.Reçus ${vi}`;
      await createFolder(dst, folder);
      const items: AppendItem[] = [];
      for (let i = 0; i < 37; i++) {
        const size = [600, 3000, 4096, 5000, 52_000][i % 5]! + i;
        items.push({ raw: message(i, size), flags: [], internalDate: when(i) });
      }
      items[0]!.flags = ['\\Seen', '\\Flagged', '$Label1', 'Work'];
      items[1]!.flags = ['\\Recent', '\\Answered', '\\Draft', '\\Deleted'];
      items[2]!.raw = message(2, 400_000);
      items[3]!.raw = Buffer.from('From: a@example.com\r\nSubject: headers only, empty body\r\n\r\n');
      items[4]!.raw = Buffer.from('From: a@example.com\nSubject: bare LF\n\nline one\nline two\n');
      items[5]!.raw = Buffer.from('From: "Zoë Ünïcode" <z@example.com>\r\nSubject: 8-bit héader ✓\r\n\r\n8-bit body: é\r\n');
      items[6]!.raw = Buffer.from('From: a@example.com\r\nSubject: NUL\r\n\r\nNUL here: \0.\r\n');
      items[7]!.internalDate = new Date('1999-12-31T23:59:59+05:30');

      const outcomes = await withWriter(dst, v.opts, async (w) => {
        expect(w.strategy).toBe(v.strategy);
        expect(w.literalMode).toBe(v.literals);
        return w.append(folder, items);
      });
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const uids = okUids(outcomes);
      expect(uids).toEqual([...uids].sort((a, b) => a - b));
      expect(new Set(uids).size).toBe(items.length);

      const stored = await readFolder(dst, folder);
      expect(stored.length).toBe(items.length);
      const byUid = new Map(stored.map((s) => [s.uid, s]));
      items.forEach((item, i) => {
        const s = byUid.get(uids[i]!)!;
        expect(s, `message ${i}`).toBeDefined();
        // Dovecot serves bare LF as CRLF (IMAP mandates CRLF) and a NUL as 0x80 (BODY[] may hold no NUL);
        // everything else must be byte-exact.
        const latin1 = item.raw.toString('latin1');
        const expected =
          i === 4 ? Buffer.from(latin1.replace(/\n/g, '\r\n'), 'latin1') : i === 6 ? Buffer.from(latin1.replace(/\0/g, '\x80'), 'latin1') : item.raw;
        expect(s.sha, `message ${i} bytes`).toBe(sha(expected));
        expect(s.internalDate.getTime(), `message ${i} date`).toBe(item.internalDate.getTime());
        const want = item.flags.filter((f) => f !== '\\Recent').sort();
        expect(s.flags.filter((f) => f !== '\\Recent'), `message ${i} flags`).toEqual(want);
      });
      if (v.strategy === 'multiappend') {
        const first = outcomes[0]!;
        expect(first.ok && first.uidValidity).toBeGreaterThan(0);
      }
    });
  }
});

describe('append writer: round trips through a 25 ms (each way) delay', () => {
  it('MULTIAPPEND and LITERAL+ pay a few round trips per call; serial pays two per message', async () => {
    const proxy = await startTcpProxy({ targetPort: dst.port, delayMs: 25 });
    try {
      const items = Array.from({ length: 20 }, (_, i) => ({ raw: message(i, 8000), flags: [], internalDate: when(i) }));
      const took: Record<string, number> = {};
      for (const strategy of ['multiappend', 'literal-plus', 'serial'] as const) {
        await withWriter(dst, { forceStrategy: strategy }, async (w) => {
          const t0 = performance.now();
          const outcomes = await w.append('INBOX', items);
          took[strategy] = performance.now() - t0;
          expect(outcomes.every((o) => o.ok)).toBe(true);
        }, { port: proxy.port });
      }
      // One RTT is 50 ms: 20 synchronising literals need at least 40 RTTs' worth of waiting (2 s).
      expect(took['serial']).toBeGreaterThan(1900);
      expect(took['multiappend']).toBeLessThan(600);
      expect(took['literal-plus']).toBeLessThan(600);
    } finally {
      await proxy.close();
    }
  });
});

describe('append writer: refusals', () => {
  it('refuses a message over APPENDLIMIT locally, before sending it, and stores the rest', async () => {
    const limited = await startDestination({ appendLimit: 100_000 });
    const proxy = await startTcpProxy({ targetPort: limited.port });
    try {
      const items = [message(1, 2000), message(2, 150_000), message(3, 99_000)].map((raw, i) => ({ raw, flags: [], internalDate: when(i) }));
      for (const strategy of ['multiappend', 'literal-plus', 'serial'] as const) {
        await createFolder(limited, `Lim-${strategy}`);
        const before = proxy.stats.bytesToServer;
        const outcomes = await withWriter(limited, { forceStrategy: strategy }, (w) => w.append(`Lim-${strategy}`, items), { port: proxy.port });
        expect(proxy.stats.bytesToServer - before).toBeLessThan(120_000);
        expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
        const refused = outcomes[1]!;
        expect(!refused.ok && refused.error.code).toBe('MESSAGE_TOO_BIG');
        const stored = await readFolder(limited, `Lim-${strategy}`);
        expect(stored.map((s) => s.sha)).toEqual([sha(items[0]!.raw), sha(items[2]!.raw)]);
      }
    } finally {
      await proxy.close();
      await limited.stop();
    }
  });

  for (const [strategy, literals] of [['multiappend', 'plus'], ['multiappend', 'sync'], ['literal-plus', 'plus'], ['serial', 'sync']] as const) {
    it(`${strategy} (${literals} literals): a message Dovecot refuses (0 bytes) fails alone; the others are stored exactly once`, async () => {
      const folder = `Refuse-${strategy}-${literals}`;
      await createFolder(dst, folder);
      const items: AppendItem[] = Array.from({ length: 20 }, (_, i) => ({ raw: message(i, 1500 + i * 100), flags: ['\\Seen'], internalDate: when(i) }));
      items[7]!.raw = Buffer.alloc(0);
      items[13]!.raw = Buffer.alloc(0);
      const outcomes = await withWriter(dst, { forceStrategy: strategy, literals, batchLimit: 20 }, (w) => w.append(folder, items));
      expect(outcomes.map((o, i) => (o.ok ? i : -1)).filter((i) => i < 0).length).toBe(2);
      for (const i of [7, 13]) {
        const o = outcomes[i]!;
        expect(o.ok).toBe(false);
        if (!o.ok) {
          expect(o.error.code).toBe('MESSAGE_REFUSED');
          expect(String(o.error.details?.['serverResponse'])).toMatch(/zero byte/);
        }
      }
      const stored = await readFolder(dst, folder);
      expect(stored.length).toBe(18);
      const wanted = items.filter((_, i) => i !== 7 && i !== 13).map((it) => sha(it.raw));
      expect(stored.map((s) => s.sha).sort()).toEqual(wanted.sort());
      const uids = outcomes.flatMap((o) => (o.ok ? [o.uid] : []));
      expect(uids.sort()).toEqual(stored.map((s) => s.uid).sort());
    });
  }

  it('over quota throws DEST_OVER_QUOTA (whole MULTIAPPEND, and mid-way through pipelined APPENDs)', async () => {
    const full = await startDestination({ quota: { messages: 5 } });
    try {
      const items = Array.from({ length: 8 }, (_, i) => ({ raw: message(i, 3000), flags: [], internalDate: when(i) }));
      for (const strategy of ['multiappend', 'literal-plus', 'serial'] as const) {
        const err = await withWriter(full, { forceStrategy: strategy }, (w) => w.append('INBOX', items)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MailferryError);
        expect((err as MailferryError).code).toBe('DEST_OVER_QUOTA');
      }
      // MULTIAPPEND is atomic: nothing stored; then LITERAL+ filled the 5 free places, serial found none.
      expect((await readFolder(full, 'INBOX')).length).toBe(5);
    } finally {
      await full.stop();
    }
  });

  it('a lost connection throws CONNECTION_LOST', async () => {
    const proxy = await startTcpProxy({ targetPort: dst.port, cutAfterBytes: { toServer: 60_000 } });
    try {
      const w = await openAppendConnection(endpoint(dst, { port: proxy.port }), { password: password(dst) }, { forceStrategy: 'multiappend' });
      const items = Array.from({ length: 10 }, (_, i) => ({ raw: message(i, 20_000), flags: [], internalDate: when(i) }));
      const err = await w.append('INBOX', items).catch((e: unknown) => e);
      expect((err as MailferryError).code).toBe('CONNECTION_LOST');
      expect(w.usable).toBe(false);
      await w.close();
    } finally {
      await proxy.close();
    }
  });
});

describe('append writer: signing in and TLS', () => {
  it('a wrong password gives AUTH_FAILED, without the password in the error', async () => {
    const err = await openAppendConnection(endpoint(dst), { password: 'not-the-password' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailferryError);
    expect((err as MailferryError).code).toBe('AUTH_FAILED');
    expect(JSON.stringify((err as MailferryError).toInfo())).not.toContain('not-the-password');
  });

  it('signs in with AUTHENTICATE PLAIN and with LOGIN (quoted string, 8-bit literal) for awkward passwords', async () => {
    const users = [
      { user: 'erin@example.com', password: 'q"u\\o te' },
      { user: 'frank@example.com', password: 'p"a\\ss wörd' },
    ];
    const odd = await startDestination({ users });
    try {
      for (const { user, password: pass } of users) {
        for (const auth of ['auto', 'login'] as const) {
          const w = await openAppendConnection(endpoint(odd, { user }), { password: pass }, { auth });
          const [o] = await w.append('INBOX', [{ raw: message(1, 500), flags: [], internalDate: when(1) }]);
          expect(o!.ok).toBe(true);
          await w.logout();
        }
      }
      const bad = await openAppendConnection(endpoint(odd), { password: 'q"u\\o' }, { auth: 'login' }).catch((e: unknown) => e);
      expect((bad as MailferryError).code).toBe('AUTH_FAILED');
    } finally {
      await odd.stop();
    }
  });

  it('implicit TLS and STARTTLS work with the CA file', async () => {
    for (const ep of [
      { port: dst.tlsPort, security: 'tls' as const, ca: dst.caFile },
      { port: dst.port, security: 'starttls' as const, ca: dst.caFile },
    ]) {
      const outcomes = await withWriter(dst, {}, (w) => w.append('INBOX', [{ raw: message(9, 5000), flags: [], internalDate: when(9) }]), ep);
      expect(outcomes[0]!.ok).toBe(true);
    }
  });

  it('without the CA file, TLS and STARTTLS fail with a certificate error', async () => {
    for (const ep of [
      { port: dst.tlsPort, security: 'tls' as const },
      { port: dst.port, security: 'starttls' as const },
    ]) {
      const err = await openAppendConnection(endpoint(dst, ep), { password: password(dst) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MailferryError);
      expect((err as MailferryError).code).toBe('TLS_CERTIFICATE');
    }
  });
});

describe('append writer: a hostile or broken network (fault-injecting proxy)', () => {
  it('STARTTLS stripped from the capabilities fails with STARTTLS_UNAVAILABLE instead of going on in plain text', async () => {
    const proxy = await startTcpProxy({
      targetPort: dst.port,
      transform: (dir, chunk) => (dir === 'toClient' ? Buffer.from(chunk.toString('latin1').replace(/ STARTTLS/g, ''), 'latin1') : chunk),
    });
    try {
      const err = await openAppendConnection(endpoint(dst, { port: proxy.port, security: 'starttls', ca: dst.caFile }), { password: password(dst) }).catch((e: unknown) => e);
      expect((err as MailferryError).code).toBe('STARTTLS_UNAVAILABLE');
      expect(proxy.stats.bytesToServer).toBeLessThan(200); // no LOGIN went out
    } finally {
      await proxy.close();
    }
  });

  it('a server that stops answering mid-APPEND gives CONNECTION_STALLED after the stall limit', async () => {
    let stall = false;
    const proxy = await startTcpProxy({ targetPort: dst.port, transform: (dir, chunk) => (stall && dir === 'toClient' ? Buffer.alloc(0) : chunk) });
    try {
      const w = await openAppendConnection(endpoint(dst, { port: proxy.port }), { password: password(dst) }, { stallTimeoutMs: 300 });
      stall = true;
      const t0 = Date.now();
      const err = await w.append('INBOX', [{ raw: message(1, 500), flags: [], internalDate: when(1) }]).catch((e: unknown) => e);
      expect((err as MailferryError).code).toBe('CONNECTION_STALLED');
      expect((err as MailferryError).message).toMatch(/during the APPEND command: nothing came back for 0.3 s/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await proxy.close();
    }
  });

  it('a reply for a command never sent drops the connection as CONNECTION_LOST', async () => {
    const proxy = await startTcpProxy({ targetPort: dst.port });
    try {
      const w = await openAppendConnection(endpoint(dst, { port: proxy.port }), { password: password(dst) });
      for (const c of proxy.connections) c.inject('toClient', 'X99 OK [APPENDUID 1 1] forged\r\n');
      const err = await w.append('INBOX', [{ raw: message(1, 500), flags: [], internalDate: when(1) }]).catch((e: unknown) => e);
      expect((err as MailferryError).code).toBe('CONNECTION_LOST');
    } finally {
      await proxy.close();
    }
  });
});

describe('wire format', () => {
  it('INTERNALDATE is RFC 3501 date-time in UTC; unrepresentable dates are left out', () => {
    expect(formatInternalDate(new Date('2024-03-05T09:07:03+02:00'))).toBe('"05-Mar-2024 07:07:03 +0000"');
    expect(formatInternalDate(new Date('x'))).toBe('');
  });
  it('flags: system flags and atom keywords kept, \\Recent and non-atoms dropped', () => {
    expect(formatFlags(['\\seen', '$Label1', '\\Recent', 'has space', '\\Custom', '$Label1'])).toEqual({
      text: '(\\Seen $Label1)',
      dropped: ['has space', '\\Custom'],
    });
    expect(formatFlags([]).text).toBe('');
  });
  it('mailbox names in modified UTF-7, uid-sets expanded in order', () => {
    expect(encodeMailboxName('Reçus & Envoyés/日本')).toBe('Re&AOc-us &- Envoy&AOk-s/&ZeVnLA-');
    expect(expandUidSet('7:9,12,3')).toEqual([7, 8, 9, 12, 3]);
    expect(expandUidSet('1:x')).toBeUndefined();
  });
  it('the response reader keeps literals whole, split anywhere', () => {
    const wire = Buffer.from('* STATUS {7}\r\nA\r\n]B\r\n (APPENDLIMIT 10)\r\nM1 OK [APPENDUID 5 1:2] done\r\n');
    for (let cut = 1; cut < wire.length; cut++) {
      const r = new ResponseReader();
      const got = [...r.push(wire.subarray(0, cut)), ...r.push(wire.subarray(cut))];
      expect(got.map((g) => g.text)).toEqual(['* STATUS {7} (APPENDLIMIT 10)', 'M1 OK [APPENDUID 5 1:2] done']);
      expect(got[0]!.literals[0]!.toString()).toBe('A\r\n]B\r\n');
    }
  });
});
