/**
 * Turns a running test Dovecot into a server that takes OAuth tokens (as Gmail for a service account, or
 * Exchange, do): an oauth2 passdb against a fake identity provider's introspection endpoint, then a reload.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import type { DovecotServer } from './dovecot.js';
import { dovecotOAuth2Settings, withOAuth2Passdb } from './fake-oauth-server.js';

/** Reloads Dovecot with the mechanisms on; resolves once `accessToken` signs `user` in (the reload is asynchronous). */
export async function turnOnOAuth(
  server: DovecotServer,
  introspectionUrl: string,
  login: { user: string; accessToken: string },
  mechanisms: ReadonlyArray<'xoauth2' | 'oauthbearer'> = ['xoauth2'],
): Promise<void> {
  const settings = path.join(server.root, 'oauth2.conf.ext');
  fs.writeFileSync(settings, dovecotOAuth2Settings(introspectionUrl), { mode: 0o644 });
  const conf = path.join(server.root, 'dovecot.conf');
  fs.writeFileSync(conf, withOAuth2Passdb(fs.readFileSync(conf, 'utf8'), settings, mechanisms));
  process.kill(Number(fs.readFileSync(path.join(server.root, 'run', 'master.pid'), 'utf8')), 'SIGHUP');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = new ImapFlow({ ...server.imapOptions(login.user, 'plain'), auth: login });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.logout();
      return;
    } catch (err) {
      client.close();
      if (Date.now() > deadline) throw new Error(`Dovecot does not take OAuth tokens after the reload: ${String(err)}\n${server.readLog().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
