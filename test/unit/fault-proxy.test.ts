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
