import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { dovecotBinary } from './dovecot-env.js';
import type { DovecotServer } from './dovecot.js';

/**
 * Changes the quota rule of a running destination Dovecot (every user: its rule is global) and waits until a
 * new session sees it: the config is rewritten, `dovecot reload` sends SIGHUP, and a reload is asynchronous.
 */
export async function setDovecotQuota(server: DovecotServer, user: string, limit: { messages?: number; storageKB?: number }): Promise<void> {
  const conf = path.join(server.root, 'dovecot.conf');
  const text = fs.readFileSync(conf, 'utf8');
  const rule = [limit.storageKB !== undefined ? `storage=${limit.storageKB}K` : '', limit.messages !== undefined ? `messages=${limit.messages}` : ''].filter(Boolean).join(':');
  if (!/quota_rule = \*:.*\n/.test(text)) throw new Error('this Dovecot was started without a quota rule');
  fs.writeFileSync(conf, text.replace(/quota_rule = \*:.*\n/, `quota_rule = *:${rule}\n`));
  execFileSync(dovecotBinary(), ['-c', conf, 'reload']);
  for (const deadline = Date.now() + 10_000; ; ) {
    const client = new ImapFlow({ ...server.imapOptions(user, 'plain'), logger: false });
    client.on('error', () => {});
    try {
      await client.connect();
      const q = await client.getQuota('INBOX');
      const storage = q && q.storage?.limit !== undefined ? Math.round(q.storage.limit / 1024) : undefined;
      if (q && (limit.messages === undefined || q.message?.limit === limit.messages) && (limit.storageKB === undefined || storage === limit.storageKB)) return;
    } catch {
      // not up yet: try again
    } finally {
      await client.logout().catch(() => client.close());
    }
    if (Date.now() > deadline) throw new Error(`the destination did not take the new quota (${rule}) within 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
