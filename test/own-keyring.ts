/**
 * Every test file gets a Secret Service of its own (vitest setupFiles: runs in each file's process before
 * the file). Test files run in parallel, and in one keyring a file's secrets are another's: a key, refresh
 * token or password filed under the same name by two files was replaced or deleted under the other (CI
 * failed on it), and a file that lists what is stored saw the other's entries. Inside a keyring session
 * (scripts/with-keyring.sh) this starts a private D-Bus with an unlocked gnome-keyring for the file (~80 ms)
 * and points this process, and what it spawns, at it. Outside one, nothing happens.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

if (process.env['MAILFERRY_KEYRING_SESSION'] === '1' && process.env['DBUS_SESSION_BUS_ADDRESS']) {
  // Inside the session's own folder (removed when it ends): the daemon saves its keyring as it exits, after stop().
  const dir = fs.mkdtempSync(path.join(process.env['XDG_RUNTIME_DIR'] ?? os.tmpdir(), 'file-keyring-'));
  for (const sub of ['data', 'runtime']) fs.mkdirSync(path.join(dir, sub), { mode: 0o700 });
  const [address, pid] = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1', `--address=unix:path=${path.join(dir, 'runtime', 'bus')}`], { encoding: 'utf8' })
    .trim()
    .split('\n');
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address!, XDG_RUNTIME_DIR: path.join(dir, 'runtime'), XDG_DATA_HOME: path.join(dir, 'data') };
  // The daemon forks and ends with the bus; the password only guards this throw-away keyring.
  execFileSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], { env, input: 'mailferry-test-keyring', stdio: ['pipe', 'ignore', 'inherit'] });
  process.env['DBUS_SESSION_BUS_ADDRESS'] = address!;
  let stopped = false;
  const stop = () => {
    if (stopped) return; // once: the pid may be another process's by the time the file's process exits
    stopped = true;
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      /* already gone */
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  afterAll(stop);
}
