import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/main/engine/ledger/ledger.js';
import { writePrivateFile } from '../../src/main/engine/state/private-files.js';

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mf-private-'));

describe('the state folder is private', () => {
  it('a new state folder is 0700 and the ledger, its WAL and shared memory 0600', () => {
    const dir = path.join(tmp(), 'state');
    const l = Ledger.open(dir);
    l.putFolder({ mailbox: 'm', sourcePath: 'INBOX', uidValidity: 1, uidNext: 2, messages: 1, targetPath: 'INBOX' });
    expect(l.privacyNote).toBeUndefined();
    expect(mode(dir)).toBe(0o700);
    for (const f of ['mailferry.sqlite', 'mailferry.sqlite-wal', 'mailferry.sqlite-shm']) expect(mode(path.join(dir, f)), f).toBe(0o600);
    l.close();
  });

  it('an existing folder readable by others is tightened on open, with a note', () => {
    const dir = tmp();
    Ledger.open(dir).close();
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'mailferry.sqlite'), 0o644);
    const l = Ledger.open(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'mailferry.sqlite'))).toBe(0o600);
    expect(l.privacyNote).toMatch(/readable by other accounts on this computer \(mode 755\); it is now private to you \(700\)/);
    l.close();
  });

  it('reports are written 0600, also over an existing wider file', () => {
    const file = path.join(tmp(), 'sub', 'report.json');
    writePrivateFile(file, '{}');
    expect(mode(file)).toBe(0o600);
    fs.chmodSync(file, 0o644);
    writePrivateFile(file, '{"a":1}');
    expect(mode(file)).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}');
  });
});
