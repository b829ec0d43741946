import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GMAIL, ImapStreamParser, literalAtEnd, parseCommand, parseResponse, startFaultProxy, throttledLine,
  type FaultPlan, type FaultProxy, type ImapEvent,
} from '../support/fault-proxy.js';

const b = (s: string) => Buffer.from(s, 'latin1');
/** Events with adjacent literal pieces merged, so results do not depend on how the stream was chunked. */
function normalise(events: ImapEvent[]): Array<[string, string, boolean?]> {
  const out: Array<[string, string, boolean?]> = [];
  for (const e of events) {
    if (e.type === 'literal' && out.at(-1)?.[0] === 'literal') out.at(-1)![1] += e.data.toString('latin1');
    else out.push(e.type === 'line' ? ['line', e.data.toString('latin1'), e.start] : ['literal', e.data.toString('latin1')]);
  }
  return out;
}

describe('IMAP stream framing', () => {
  it('finds literal announcements only at the end of a line', () => {
    expect(literalAtEnd(b('A1 APPEND INBOX {12}\r\n'))).toEqual({ size: 12, sync: true });
    expect(literalAtEnd(b('A1 APPEND INBOX (\\Seen) {7+}\r\n'))).toEqual({ size: 7, sync: false });
    expect(literalAtEnd(b('* 1 FETCH (BINARY[] ~{300}\r\n'))).toEqual({ size: 300, sync: true });
    expect(literalAtEnd(b('* 1 FETCH (BODY[] {0}\r\n'))).toEqual({ size: 0, sync: true });
    expect(literalAtEnd(b('A1 SELECT "{12}x"\r\n'))).toBeUndefined();
    expect(literalAtEnd(b('A1 OK done\r\n'))).toBeUndefined();
  });

  // A message body that holds CRLFs, a fake tagged OK and a fake literal announcement.
  const body = 'Subject: x\r\n\r\nA7 OK not a reply {99}\r\n* BYE not either\r\n';
  const wire = `* 1 FETCH (UID 5 BODY[] {${body.length}}\r\n${body} FLAGS (\\Seen))\r\n* 2 FETCH (UID 6 BODY[] {0}\r\n)\r\nA7 OK Fetch completed.\r\n`;
  const expected: Array<[string, string, boolean?]> = [
    ['line', `* 1 FETCH (UID 5 BODY[] {${body.length}}\r\n`, true],
    ['literal', body],
    ['line', ' FLAGS (\\Seen))\r\n', false],
    ['line', '* 2 FETCH (UID 6 BODY[] {0}\r\n', true],
    ['line', ')\r\n', false],
    ['line', 'A7 OK Fetch completed.\r\n', true],
  ];

  it('skips literals by their size, whole or split at every byte', () => {
    expect(normalise(new ImapStreamParser().push(b(wire)))).toEqual(expected);
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new ImapStreamParser();
      const events = [...p.push(b(wire.slice(0, cut))), ...p.push(b(wire.slice(cut)))];
      expect(normalise(events), `split at ${cut}`).toEqual(expected);
      expect(p.atBoundary).toBe(true);
    }
    const bytewise = new ImapStreamParser();
    expect(normalise([...b(wire)].flatMap((x) => bytewise.push(Buffer.from([x]))))).toEqual(expected);
  });

  it('knows when it is between two commands', () => {
    const p = new ImapStreamParser();
    p.push(b('A1 APPEND INBOX {10+}\r\n12345'));
    expect(p.atBoundary).toBe(false);
    p.push(b('67890 {3+}\r\nabc\r\nA2 NO'));
    expect(p.atBoundary).toBe(false);
    p.push(b('OP\r\n'));
    expect(p.atBoundary).toBe(true);
  });

  it('reads tags, commands and statuses', () => {
    expect(parseCommand('A5 UID FETCH 1:* (UID BODY.PEEK[])\r\n')).toEqual({ tag: 'A5', command: 'FETCH', uid: true });
    expect(parseCommand('a1 login "u" "p"\r\n')).toEqual({ tag: 'a1', command: 'LOGIN', uid: false });
    expect(parseCommand('3.14 AUTHENTICATE PLAIN\r\n')).toEqual({ tag: '3.14', command: 'AUTHENTICATE', uid: false });
    expect(parseCommand('AHVzZXIAcGFzcw==\r\n'), 'a SASL answer is not a command').toBeUndefined();
    expect(parseResponse('A5 OK [READ-WRITE] Select completed\r\n')).toEqual({ tag: 'A5', status: 'OK', fetch: false });
    expect(parseResponse('* 12 FETCH (FLAGS ())\r\n')).toEqual({ tag: '*', fetch: true });
    expect(parseResponse('* BYE bye\r\n')).toEqual({ tag: '*', status: 'BYE', fetch: false });
    expect(parseResponse('+ go ahead\r\n')).toEqual({ tag: '+', fetch: false });
    expect(throttledLine(b('A12 OK Success\r\n')).toString()).toBe('A12 OK Success [THROTTLED]\r\n');
  });
});

/** A tiny scripted IMAP server: LOGIN OK; FETCH -> three FETCH responses whose bodies hold a fake "A9 OK". */
async function scriptedServer(received: string[]): Promise<net.Server> {
  const server = net.createServer((s) => {
    s.write('* OK ready\r\n');
    const parser = new ImapStreamParser();
    s.on('data', (chunk: Buffer) => {
      for (const e of parser.push(chunk)) {
        received.push(e.data.toString('latin1'));
        const cmd = e.type === 'line' && e.start ? parseCommand(e.data) : undefined;
        if (cmd?.command === 'LOGIN') s.write(`${cmd.tag} OK Logged in\r\n`);
        if (cmd?.command === 'NOOP') s.write(`${cmd.tag} OK NOOP completed\r\n`);
        if (cmd?.command === 'STARTTLS') s.write(`${cmd.tag} OK Begin TLS negotiation now\r\n`);
        if (cmd?.command === 'FETCH' && !/BODY\[\]/.test(e.data.toString())) {
          for (let i = 1; i <= 3; i++) s.write(`* ${i} FETCH (FLAGS (\\Seen))\r\n`);
          s.write(`${cmd.tag} OK Fetch completed\r\n`);
        } else if (cmd?.command === 'FETCH') {
          const body = 'Subject: t\r\n\r\nA9 OK inside a literal\r\n';
          for (let i = 1; i <= 3; i++) s.write(`* ${i} FETCH (UID ${i} BODY[] {${body.length}}\r\n${body})\r\n`);
          s.write(`${cmd.tag} OK Fetch completed\r\n`);
        }
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** Sends lines, one per round trip, and returns everything read until the tag's reply or the close. */
async function talk(port: number, script: Array<[string, string]>): Promise<string> {
  const s = net.connect(port, '127.0.0.1');
  let got = '';
  s.on('data', (d) => (got += d.toString('latin1')));
  const closed = new Promise<void>((r) => s.on('close', () => r()));
  s.on('error', () => {});
  const until = async (re: RegExp) => {
    for (let i = 0; i < 200 && !re.test(got) && !s.destroyed; i++) await new Promise((r) => setTimeout(r, 5));
  };
  await until(/^\* OK/);
  for (const [send, waitFor] of script) {
    s.write(send);
    await until(new RegExp(waitFor, 'm'));
  }
  s.end();
  await Promise.race([closed, new Promise((r) => setTimeout(r, 500))]);
  return got;
}

describe('fault proxy against a scripted server', () => {
  let server: net.Server;
  let proxy: FaultProxy;
  const received: string[] = [];
  const start = async (plan: FaultPlan) => {
    received.length = 0;
    server = await scriptedServer(received);
    proxy = await startFaultProxy({ targetPort: (server.address() as net.AddressInfo).port, seed: 'unit', plan });
  };
  afterEach(async () => {
    await proxy?.close();
    await new Promise((r) => server?.close(r));
  });

  it('answers LOGIN itself (also with a synchronising literal) and forwards nothing of it', async () => {
    const text = 'NO [ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)';
    await start({ loginReply: { text, count: 2 } });
    const got = await talk(proxy.port, [['a1 LOGIN {1}\r\n', '^\\+ '], ['u {6}\r\n', '^\\+ '], ['secret\r\n', '^a1 '], ['a2 LOGIN u p\r\n', '^a2 '], ['a3 LOGIN u p\r\n', '^a3 ']]);
    expect(got).toContain(`a1 ${text}\r\n`);
    expect(got).toContain(`a2 ${text}\r\n`);
    expect(got).toContain('a3 OK Logged in');
    expect(received.join('')).not.toMatch(/secret|a1|a2/);
    expect(proxy.faults.loginReplies).toBe(2);
  });

  it('leaves the stream alone once STARTTLS is accepted (it is no longer IMAP text)', async () => {
    await start({ loginReply: { text: 'NO [ALERT] x (Failure)' }, throttle: { everyNth: 1 } });
    const got = await talk(proxy.port, [['a1 STARTTLS\r\n', '^a1 '], ['a2 LOGIN u p\r\n', '^a2 ']]);
    expect(got).toBe('* OK ready\r\na1 OK Begin TLS negotiation now [THROTTLED]\r\na2 OK Logged in\r\n');
    expect(proxy.faults.loginReplies).toBe(0);
  });

  it('throttles tagged OKs only, never text inside a literal', async () => {
    await start({ throttle: { everyNth: 1 } });
    const got = await talk(proxy.port, [['a1 LOGIN u p\r\n', '^a1 '], ['a2 UID FETCH 1:* (BODY[])\r\n', '^a2 ']]);
    expect(got).toContain('a1 OK Logged in [THROTTLED]\r\n');
    expect(got).toContain('a2 OK Fetch completed [THROTTLED]\r\n');
    expect(got).toContain('A9 OK inside a literal\r\n');
    expect(proxy.faults.throttled).toBe(2);
  });

  it('ends the session with BYE after the k-th FETCH response', async () => {
    await start({ sessionExpiry: { afterFetchResponses: 2, max: 1 } });
    const got = await talk(proxy.port, [['a1 LOGIN u p\r\n', '^a1 '], ['a2 FETCH 1:* (BODY[])\r\n', '^a2 |BYE']]);
    expect(got).toMatch(new RegExp(`\\* 2 FETCH [^]*\\)\r\n${GMAIL.sessionExpired.replace(/[.*]/g, '\\$&')}\r\n$`));
    expect(got).not.toContain('* 3 FETCH');
    expect(proxy.faults.sessionExpired).toBe(1);
  });

  it('can count only FETCH responses that carry a whole message', async () => {
    await start({ sessionExpiry: { afterMessageBodies: 1 } });
    const got = await talk(proxy.port, [['a1 LOGIN u p\r\n', '^a1 '], ['a2 FETCH 1:* (FLAGS)\r\n', '^a2 '], ['a3 FETCH 1:* (BODY[])\r\n', 'BYE']]);
    expect(got.match(/\* \d FETCH/g)).toHaveLength(4); // three without a body, then one with a body, then BYE
    expect(got.endsWith(`${GMAIL.sessionExpired}\r\n`)).toBe(true);
  });

  it('sends BYE [OVERQUOTA] right after the first login only', async () => {
    await start({ overQuota: { connections: 1 } });
    const first = await talk(proxy.port, [['a1 LOGIN u p\r\n', 'BYE'], ['a2 NOOP\r\n', '^a2 ']]);
    expect(first).toBe(`* OK ready\r\na1 OK Logged in\r\n${GMAIL.overQuotaBye}\r\n`);
    const second = await talk(proxy.port, [['a1 LOGIN u p\r\n', '^a1 '], ['a2 NOOP\r\n', '^a2 ']]);
    expect(second).toContain('a2 OK NOOP completed');
    expect(proxy.faults.overQuota).toBe(1);
  });

  it('cuts a connection after N bytes towards the client', async () => {
    await start({ cutAfterBytes: { bytes: 40, max: 1 } });
    const got = await talk(proxy.port, [['a1 LOGIN u p\r\n', '^a1 '], ['a2 FETCH 1:* (BODY[])\r\n', '^a2 ']]);
    expect(got.length).toBe(40);
    expect(proxy.faults.cutBytes).toBe(1);
  });
});

/** A client that keeps its socket open and remembers what it read and whether the proxy closed it. */
async function client(port: number) {
  const s = net.connect(port, '127.0.0.1');
  const c = { got: '', closed: false, socket: s };
  s.on('data', (d) => (c.got += d.toString('latin1')));
  s.on('close', () => (c.closed = true));
  s.on('error', () => {});
  await new Promise((r) => s.once('connect', r));
  return c;
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(test: () => boolean, ms = 1000): Promise<void> {
  for (const t0 = Date.now(); !test() && Date.now() - t0 < ms; ) await pause(5);
}

describe('fault proxy: silence (a path that dies without a reset)', () => {
  let server: net.Server;
  let proxy: FaultProxy;
  const received: string[] = [];
  const start = async (plan: FaultPlan, srv?: net.Server) => {
    received.length = 0;
    server = srv ?? (await scriptedServer(received));
    proxy = await startFaultProxy({ targetPort: (server.address() as net.AddressInfo).port, seed: 'unit', plan });
  };
  afterEach(async () => {
    await proxy?.close();
    await new Promise((r) => server?.close(r));
  });

  it('after the LOGIN line: the server gets it, its reply never comes back, nothing is closed', async () => {
    await start({ silence: { at: 'login', connections: [1] } });
    const c = await client(proxy.port);
    await until(() => c.got.includes('* OK'));
    c.socket.write('a1 LOGIN u p\r\n');
    await until(() => received.some((l) => l.startsWith('a1 LOGIN')));
    await pause(150);
    expect(c.got).toBe('* OK ready\r\n');
    c.socket.write('a2 NOOP\r\n');
    await pause(100);
    expect(received.join('')).not.toContain('a2 NOOP');
    expect(c.closed).toBe(false);
    expect(proxy.faults.silenced).toBe(1);
    // Connection 2 is not chosen: it works.
    const second = await talk(proxy.port, [['a1 LOGIN u p\r\n', '^a1 ']]);
    expect(second).toContain('a1 OK Logged in');
    expect(proxy.faults.silenced).toBe(1);
    c.socket.destroy();
  });

  it('at accept: no greeting at all; a server that hangs up is not passed on', async () => {
    // Greets, then hangs up after 50 ms.
    const hangUp = net.createServer((s) => {
      s.write('* OK ready\r\n');
      setTimeout(() => s.destroy(), 50);
    });
    await new Promise<void>((r) => hangUp.listen(0, '127.0.0.1', r));
    await start({ silence: { at: 'accept', max: 1 } }, hangUp);
    const c = await client(proxy.port);
    await pause(200);
    expect(c.got).toBe('');
    expect(c.closed).toBe(false);
    expect(proxy.faults.silenced).toBe(1);
    c.socket.destroy();
    const next = await client(proxy.port); // max: 1, so this one is relayed, hang-up included
    await until(() => next.closed);
    expect([next.got, next.closed]).toEqual(['* OK ready\r\n', true]);
  });

  it('after N bytes towards the client, or after the k-th FETCH response', async () => {
    await start({ silence: { at: { afterBytes: 30 }, connections: [1] } });
    const c = await client(proxy.port);
    c.socket.write('a1 LOGIN u p\r\na2 FETCH 1:* (BODY[])\r\n');
    await pause(150);
    expect(c.got).toBe('* OK ready\r\na1 OK Logged in\r\n'.slice(0, 30));
    expect(c.closed).toBe(false);
    c.socket.destroy();
    await proxy.close();
    proxy = await startFaultProxy({ targetPort: (server.address() as net.AddressInfo).port, seed: 'unit', plan: { silence: { at: { afterFetchResponses: 2 } } } });
    const d = await client(proxy.port);
    d.socket.write('a1 LOGIN u p\r\na2 FETCH 1:* (BODY[])\r\n');
    await until(() => d.got.includes('* 2 FETCH'));
    await pause(100);
    expect(d.got).toMatch(/\* 2 FETCH [^]*\)\r\n$/);
    expect(d.got).not.toContain('* 3 FETCH');
    expect(proxy.faults.silenced).toBe(1);
    d.socket.destroy();
  });

  it('after T ms, only for the chosen share of connections (seeded)', async () => {
    await start({ silence: { at: { afterMs: 80 }, probability: 0.5 } });
    const clients = await Promise.all(Array.from({ length: 8 }, () => client(proxy.port)));
    await pause(200);
    for (const c of clients) c.socket.write('a1 NOOP\r\n');
    await pause(100);
    const quiet = clients.filter((c) => !c.got.includes('a1 OK')).length;
    expect(quiet).toBe(proxy.faults.silenced);
    expect(quiet).toBeGreaterThan(0);
    expect(quiet).toBeLessThan(8);
    for (const c of clients) expect(c.closed).toBe(false);
    for (const c of clients) c.socket.destroy();
  });

  it('mid-TLS: after the first N bytes of the handshake, implicit or after STARTTLS', async () => {
    // Stands in for a TLS server: answers a record-like chunk (first byte 0x16) with 400 bytes.
    const tlsLike = net.createServer((s) => {
      let plain = true;
      s.on('data', (d: Buffer) => {
        if (d[0] === 0x16) s.write(Buffer.alloc(400, 0x16));
        else if (plain && /STARTTLS/.test(d.toString())) s.write('a1 OK Begin TLS negotiation now\r\n');
        plain = false;
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => tlsLike.listen(0, '127.0.0.1', r));
    await start({ silence: { at: { tlsBytes: 100 } } }, tlsLike);
    const implicit = await client(proxy.port);
    implicit.socket.write(Buffer.from([0x16, 3, 1, 0, 5]));
    await pause(150);
    expect(implicit.got.length).toBe(100);
    const upgraded = await client(proxy.port);
    upgraded.socket.write('a1 STARTTLS\r\n');
    await until(() => upgraded.got.includes('a1 OK'));
    upgraded.socket.write(Buffer.from([0x16, 3, 1, 0, 5]));
    await pause(150);
    expect(upgraded.got).toBe(`a1 OK Begin TLS negotiation now\r\n${'\x16'.repeat(100)}`);
    expect(proxy.faults.silenced).toBe(2);
    for (const c of [implicit, upgraded]) {
      expect(c.closed).toBe(false);
      c.socket.destroy();
    }
  });
});

describe('tcp proxy: a slow link', () => {
  it('delivers no faster than bytesPerSecond and stops reading a sender that outruns it', async () => {
    let delivered = 0;
    const sink = net.createServer((s) => s.on('data', (d: Buffer) => (delivered += d.length)));
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const proxy = await startFaultProxy({ targetPort: (sink.address() as net.AddressInfo).port, bytesPerSecond: { toServer: 1024 * 1024 } });
    try {
      const c = await client(proxy.port);
      c.socket.write(Buffer.from([0x16])); // opaque from here on: the payload is not parsed as IMAP
      // 8 MB offered at once; the link carries about 1 MB a second.
      for (let i = 0; i < 128; i++) c.socket.write(Buffer.alloc(64 * 1024));
      await pause(1000);
      expect(delivered).toBeGreaterThan(0.7 * 1024 * 1024);
      expect(delivered).toBeLessThan(1.4 * 1024 * 1024);
      // The proxy holds at most about 64 KB; the rest waits in the sender's kernel and its own buffer.
      expect(proxy.stats.bytesToServer - delivered).toBeLessThan(256 * 1024);
      c.socket.destroy();
    } finally {
      await proxy.close();
      await new Promise((r) => sink.close(r));
    }
  });
});
