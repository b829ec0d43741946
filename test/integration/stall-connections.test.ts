/**
 * Silent connections, one connection at a time, against a real Dovecot behind the fault proxy's "silence"
 * (the path dies, nothing is closed): each phase is noticed within the stall limit and says what it was;
 * an idle connection and a slow but moving transfer are left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorInfo, MailferryError } from '../../src/main/engine/errors/errors.js';
import { openAppendConnection } from '../../src/main/engine/copy/imap-append/multi-writer.js';
import { connectImap, disconnect } from '../../src/main/engine/connect/imap-connect.js';
import type { Endpoint } from '../../src/main/engine/job/job.js';
import { startDestination, type DovecotServer } from '../support/dovecot.js';
import { startFaultProxy, type FaultProxyOptions, type SilencePlan } from '../support/fault-proxy.js';
import { seedFolder } from '../support/maildir-seed.js';

let dst: DovecotServer;
const proxies: Array<{ close(): Promise<void> }> = [];
const LIMIT = 1000;

beforeAll(async () => {
  dst = await startDestination();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await dst?.stop();
});

/** A fault proxy in front of the plain (or TLS) port, and an endpoint through it. */
async function through(security: Endpoint['security'], silence?: SilencePlan, more: Partial<FaultProxyOptions> = {}) {
  const proxy = await startFaultProxy({ targetPort: security === 'tls' ? dst.tlsPort : dst.port, seed: 'stall', plan: silence ? { silence } : {}, ...more });
  proxies.push(proxy);
  const endpoint: Endpoint = { host: '127.0.0.1', port: proxy.port, security, user: dst.users[0]!.user, ...(security === 'none' ? {} : { ca: dst.caFile }) };
  return { proxy, endpoint };
}

/** Runs f and returns its error, how long it took, and what onStall saw. */
async function failure(f: (onStall: (i: ErrorInfo) => void) => Promise<unknown>) {
  const stalls: ErrorInfo[] = [];
  const t0 = Date.now();
  const err = (await f((i) => stalls.push(i)).then(() => undefined, (e: unknown) => e)) as MailferryError | undefined;
  return { err, ms: Date.now() - t0, stalls };
}

const credential = () => ({ password: dst.users[0]!.password });

describe('imapflow connections (connectImap)', () => {
  it.each([
    ['after the LOGIN line', 'none', { at: 'login' }, 'CONNECTION_STALLED', /during sign-in: nothing came back for 1 s/],
    ['mid-TLS handshake (implicit TLS)', 'tls', { at: { tlsBytes: 100 } }, 'CONNECTION_STALLED', /during the TLS handshake/],
    ['mid-STARTTLS handshake (imapflow alone would wait 10 s)', 'starttls', { at: { tlsBytes: 100 } }, 'CONNECTION_STALLED', /during the TLS handshake/],
    ['before the greeting: not a word, so TIMEOUT (maybe a TLS port)', 'none', { at: 'accept' }, 'TIMEOUT', /said nothing for 1 s/],
  ] as const)('silence %s: noticed within the limit', async (_name, security, silence, code, words) => {
    const { proxy, endpoint } = await through(security, silence as SilencePlan);
    const r = await failure((onStall) => connectImap({ side: 'destination', endpoint, credential: credential(), stallTimeoutMs: LIMIT, onStall }));
    expect(proxy.faults.silenced).toBe(1);
    expect(r.err?.code).toBe(code);
    expect(r.err?.message).toMatch(words);
    expect(r.ms).toBeGreaterThanOrEqual(LIMIT);
    expect(r.ms).toBeLessThan(LIMIT + 1500);
    expect(r.stalls.length).toBe(code === 'CONNECTION_STALLED' ? 1 : 0);
  });

  it('an idle connection outlives the limit untouched; one whose path died idle fails only when used', async () => {
    const { proxy, endpoint } = await through('none', { at: { afterMs: 300 }, connections: [2] });
    const stalls: ErrorInfo[] = [];
    const opts = { side: 'destination' as const, credential: credential(), stallTimeoutMs: 500, onStall: (i: ErrorInfo) => stalls.push(i) };
    const healthy = await connectImap({ ...opts, endpoint });
    const dead = await connectImap({ ...opts, endpoint });
    await new Promise((r) => setTimeout(r, 1500));
    expect(proxy.faults.silenced).toBe(1);
    expect([healthy.usable, dead.usable, stalls.length]).toEqual([true, true, 0]);
    expect(await healthy.status('INBOX', { messages: true })).toMatchObject({ path: 'INBOX' });
    const t0 = Date.now();
    const err = (await dead.status('INBOX', { messages: true }).catch((e: unknown) => e)) as MailferryError;
    expect([err.code, err.message]).toEqual(['CONNECTION_STALLED', expect.stringMatching(/during the STATUS command: nothing came back for 0.5 s/)]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect([dead.usable, stalls.length]).toEqual([false, 1]);
    await disconnect(healthy);
  });

  it('a 3 MB message through a 1 MB/s link with a 1 s limit is downloaded, not cut', async () => {
    const big = Buffer.from(`Subject: big\r\nMessage-ID: <big@test>\r\n\r\n${'0123456789abcdef'.repeat(3 * 65536)}`.replace(/(.{76})/g, '$1\r\n'));
    await seedFolder(dst, dst.users[0]!.user, 'INBOX', [{ raw: big }]);
    const { endpoint } = await through('none', undefined, { bytesPerSecond: { toClient: 1024 * 1024 } });
    const stalls: ErrorInfo[] = [];
    const client = await connectImap({ side: 'destination', endpoint, credential: credential(), stallTimeoutMs: LIMIT, onStall: (i) => stalls.push(i) });
    try {
      const lock = await client.getMailboxLock('INBOX');
      const t0 = Date.now();
      let got = 0;
      try {
        for await (const m of client.fetch('1:*', { source: true })) got = Math.max(got, m.source?.length ?? 0);
      } finally {
        lock.release();
      }
      expect(got).toBe(big.length);
      expect(Date.now() - t0, 'the transfer outlasted the limit').toBeGreaterThan(2 * LIMIT);
      expect(stalls).toEqual([]);
    } finally {
      await disconnect(client);
    }
  });
});

describe('the APPEND client', () => {
  const message = (size: number) => Buffer.from(`Subject: upload\r\n\r\n${'x'.repeat(74)}\r\n`.repeat(Math.ceil(size / 94)));

  it.each([
    ['after the LOGIN line', 'none', { at: 'login' }, 'CONNECTION_STALLED', /during sign-in/],
    ['mid-TLS handshake', 'tls', { at: { tlsBytes: 100 } }, 'CONNECTION_STALLED', /during the TLS handshake/],
    ['mid-STARTTLS handshake', 'starttls', { at: { tlsBytes: 100 } }, 'CONNECTION_STALLED', /during the TLS handshake/],
    ['before the greeting', 'none', { at: 'accept' }, 'TIMEOUT', /said nothing/],
  ] as const)('silence %s: noticed within the limit', async (_name, security, silence, code, words) => {
    const { proxy, endpoint } = await through(security, silence as SilencePlan);
    const r = await failure((onStall) => openAppendConnection(endpoint, credential(), { stallTimeoutMs: LIMIT, onStall }));
    expect(proxy.faults.silenced).toBe(1);
    expect([r.err?.code, r.err?.message]).toEqual([code, expect.stringMatching(words)]);
    expect(r.ms).toBeGreaterThanOrEqual(LIMIT);
    expect(r.ms).toBeLessThan(LIMIT + 1500);
    expect(r.stalls.length).toBe(code === 'CONNECTION_STALLED' ? 1 : 0);
  });

  // The kernel holds a few MB of a sender's data (about 3.7 MB on loopback here): after the last byte is
  // handed over, draining that tail and the server's answer must fit in the limit. 4 MB/s and 3 s leave room.
  it('a 24 MB upload through a 4 MB/s link with a 3 s limit goes through; the same link dying mid-upload is noticed', async () => {
    const { endpoint } = await through('none', undefined, { bytesPerSecond: { toServer: 4 * 1024 * 1024 } });
    const stalls: ErrorInfo[] = [];
    const w = await openAppendConnection(endpoint, credential(), { stallTimeoutMs: 3000, onStall: (i) => stalls.push(i) });
    const raw = message(24 * 1024 * 1024);
    const t0 = Date.now();
    const [out] = await w.append('INBOX', [{ raw, flags: [], internalDate: new Date() }]);
    expect(out?.ok).toBe(true);
    expect(Date.now() - t0, 'the upload outlasted the limit').toBeGreaterThan(2 * 3000);
    expect(stalls).toEqual([]);
    await w.logout();

    const dying = await through('none', { at: { afterMs: 1500 } }, { bytesPerSecond: { toServer: 4 * 1024 * 1024 } });
    const w2 = await openAppendConnection(dying.endpoint, credential(), { stallTimeoutMs: 3000, onStall: (i) => stalls.push(i) });
    const err = (await w2.append('INBOX', [{ raw, flags: [], internalDate: new Date() }]).catch((e: unknown) => e)) as MailferryError;
    expect(dying.proxy.faults.silenced).toBe(1);
    expect([err.code, err.message]).toEqual(['CONNECTION_STALLED', expect.stringMatching(/during the APPEND command: nothing came back for 3 s/)]);
    expect(stalls.length).toBe(1);
  });
});
