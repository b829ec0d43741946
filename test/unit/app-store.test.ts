import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppStore, assertNoSecrets, STATE_FILE } from '../../src/main/app/app-store.js';
import type { MailboxConfig } from '../../src/shared/contract.js';
import { tempDir } from './app-fakes.js';

const config: MailboxConfig = {
  id: 'ann@gmail.com',
  source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ann@gmail.com' },
  destination: { host: 'mail.example.net', port: 143, security: 'starttls', user: 'ann', ca: '/etc/ca.pem' },
  exclude: ['Newsletters'],
  labelPolicy: 'one-copy',
  labelsAsKeywords: true,
};

describe('AppStore', () => {
  it('keeps mailboxes and settings across restarts', () => {
    const dir = tempDir();
    const a = new AppStore(dir);
    a.putMailbox(config);
    a.setSettings({ connectionsPerAccount: 3, parallelMailboxes: 1, bandwidthLimitKBps: 0, notifications: false });
    const b = new AppStore(dir);
    expect(b.mailboxes()).toEqual([config]);
    expect(b.settings().connectionsPerAccount).toBe(3);
    expect(b.settings().notifications).toBe(false);
  });

  it('refuses to write anything that looks like a secret', () => {
    expect(() => assertNoSecrets({ mailboxes: [{ source: { password: 'x' } }] })).toThrow(/secret-looking field/);
    expect(() => assertNoSecrets({ oauth: { refreshToken: 'x' } })).toThrow();
    expect(() => assertNoSecrets({ runtime: { 'token@example.com': {} } }, '')).not.toThrow();
  });

  it('drops hand-edited entries that do not validate, and moves an unreadable file aside', () => {
    const dir = tempDir();
    writeFileSync(
      `${dir}/${STATE_FILE}`,
      JSON.stringify({ version: 1, mailboxes: [config, { ...config, id: 'b', source: { ...config.source, port: 'x' } }], settings: { connectionsPerAccount: 99 }, resumeOnStart: ['ann@gmail.com', 'ghost'] }),
    );
    const s = new AppStore(dir);
    expect(s.mailboxes().map((m) => m.id)).toEqual(['ann@gmail.com']);
    expect(s.mailbox('ann@gmail.com')).toMatchObject({ labelPolicy: 'one-copy', labelsAsKeywords: true });

    // A file from before the label policy could be chosen: the defaults; a bad policy drops the entry.
    const { labelPolicy: _p, labelsAsKeywords: _k, ...older } = config;
    writeFileSync(`${dir}/${STATE_FILE}`, JSON.stringify({ version: 1, mailboxes: [older, { ...config, id: 'c', labelPolicy: 'merge' }] }));
    const o = new AppStore(dir);
    expect(o.mailboxes()).toEqual([{ ...older, labelPolicy: 'folder-per-label', labelsAsKeywords: false }]);
    expect(s.settings().connectionsPerAccount).toBe(4);
    expect(s.resumeOnStart()).toEqual(['ann@gmail.com']);

    writeFileSync(`${dir}/${STATE_FILE}`, '{ not json');
    const t = new AppStore(dir);
    expect(t.mailboxes()).toEqual([]);
    expect(t.recovered).toMatch(/could not be read/);
    expect(readdirSync(dir).some((f) => f.startsWith(`${STATE_FILE}.unreadable-`))).toBe(true);
  });

  it('writes atomically with owner-only permissions', () => {
    const dir = tempDir();
    const s = new AppStore(dir);
    s.putMailbox(config);
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
    expect(JSON.parse(readFileSync(s.file, 'utf8')).version).toBe(1);
    expect(statSync(s.file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('makes an existing data folder that others can read private, with a note', () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const s = new AppStore(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(s.privacyNote).toMatch(/readable by other accounts/);
    expect(new AppStore(dir).privacyNote).toBeUndefined();
  });
});
