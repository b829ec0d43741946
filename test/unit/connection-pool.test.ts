import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { accountSlots } from '../../src/main/engine/connect/account-slots.js';
import { ConnectionPool } from '../../src/main/engine/connect/connection-pool.js';

/** A stand-in with the two members the pool uses; the pool's own logic is what is under test. */
function fakeClient(): ImapFlow {
  const c = { usable: true, close: () => void (c.usable = false), logout: async () => void (c.usable = false) };
  return c as unknown as ImapFlow;
}

describe('ConnectionPool', () => {
  it('never opens more than max and serves waiters when a connection comes back', async () => {
    let opened = 0;
    const pool = new ConnectionPool(async () => (opened++, fakeClient()), 2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    let third: ImapFlow | undefined;
    const waiting = pool.acquire().then((c) => (third = c));
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBeUndefined();
    pool.release(a);
    await waiting;
    expect(third).toBe(a); // reused, not a new login
    expect(opened).toBe(2);
    pool.release(b);
    pool.release(third!);
    await pool.close();
  });

  it('drops a connection released as unhealthy and opens a fresh one', async () => {
    let opened = 0;
    const pool = new ConnectionPool(async () => (opened++, fakeClient()), 1);
    const a = await pool.acquire();
    pool.release(a, false);
    expect(a.usable).toBe(false);
    const b = await pool.acquire();
    expect(b).not.toBe(a);
    expect(opened).toBe(2);
    await pool.close();
  });

  it('use() marks a connection unhealthy when the work throws', async () => {
    const pool = new ConnectionPool(async () => fakeClient(), 1);
    let used: ImapFlow | undefined;
    await expect(pool.use(async (c) => ((used = c), Promise.reject(new Error('boom'))))).rejects.toThrow('boom');
    expect(used!.usable).toBe(false);
    await pool.close();
  });

  it('a lower cap takes effect for new connections', async () => {
    const pool = new ConnectionPool(async () => fakeClient(), 3);
    pool.setMax(1);
    const a = await pool.acquire();
    let got = false;
    const p = pool.acquire().then(() => (got = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toBe(false);
    pool.release(a);
    await p;
    await pool.close();
  });

  it('replaces a connection older than maxAge with a fresh login instead of lending it again', async () => {
    let opened = 0;
    const pool = new ConnectionPool(async () => (opened++, fakeClient()), 1, { maxAgeMs: 20 });
    const a = await pool.acquire();
    pool.release(a);
    expect(await pool.acquire()).toBe(a); // young: reused
    pool.release(a);
    await new Promise((r) => setTimeout(r, 30));
    const b = await pool.acquire();
    expect(b).not.toBe(a);
    expect(a.usable).toBe(false);
    expect(opened).toBe(2);
    await pool.close();
  });

  it("two pools of one account share its cap: a connection closes before the other pool may open one", async () => {
    const account = { host: 'IMAP.gmail.com', port: 993, user: 'Shared@example.com' };
    const slots = accountSlots(account, 2);
    expect(accountSlots({ host: 'imap.gmail.com', port: 993, user: 'shared@example.com' }, 9)).toBe(slots); // one account, one limit
    let open = 0;
    let most = 0;
    const make = () => new ConnectionPool(async () => (most = Math.max(most, ++open), fakeClient()), 2, {
      slots, end: async () => void open--,
    });
    const [a, b] = [make(), make()];
    const a1 = await a.acquire();
    const a2 = await a.acquire();
    let got: ImapFlow | undefined;
    const waiting = b.acquire().then((c) => (got = c));
    await new Promise((r) => setTimeout(r, 5));
    expect(got, 'the account has no slot left').toBeUndefined();
    a.release(a1, false); // closed: its slot goes to the other pool
    await waiting;
    expect(got).toBeDefined();
    expect(most).toBe(2);
    a.release(a2);
    b.release(got!);
    await Promise.all([a.close(), b.close()]);
    expect(open).toBe(0);
  });
});
