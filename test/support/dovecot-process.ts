/**
 * Runs one `dovecot -c CONFIG -F` and makes sure it cannot outlive the test process.
 *
 * The master runs in its own process group, so one kill(-pgid) ends it and all its children (login,
 * auth, imap...). Three layers of cleanup: DovecotProcess.kill() (from stop()), a process 'exit' hook
 * for servers a test forgot, and a detached `sh` watchdog that blocks reading a pipe from us and, when
 * the pipe closes because this process died without running exit hooks (SIGKILL, crash), kills the
 * group and removes the temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dovecotBinary } from './dovecot-env.js';

export interface DovecotProcess {
  pid: number;
  /** Resolves when the master has exited (or could not be started). */
  exited: Promise<void>;
  hasExited(): boolean;
  /** What the master wrote to stderr (config errors arrive here before the log file exists). */
  stderr(): string;
  /** SIGKILL the whole process group and the watchdog, now. Does not remove the temp dir. */
  kill(): void;
}

interface Tracked {
  process: DovecotProcess;
  root: string;
  keep: boolean;
}
const tracked = new Set<Tracked>();
let exitHookInstalled = false;

function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}

/** Kills the process group and removes `root` once our end of its stdin closes. */
function startWatchdog(pgid: number, root: string, keep: boolean): ChildProcess {
  // POSIX form: dash (Debian's sh) rejects `kill -KILL -- -PGID`.
  const script = 'read _ignored; kill -s KILL -- "-$0" 2>/dev/null; [ -n "$1" ] && rm -rf -- "$1"; exit 0';
  const child = spawn('/bin/sh', ['-c', script, String(pgid), keep ? '' : root], {
    detached: true, // not in our process group: a Ctrl-C must not kill the watchdog before it acts
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => {}); // no /bin/sh: the exit hook still covers normal exits
  child.unref();
  unrefStream(child.stdin);
  return child;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const t of tracked) {
      t.process.kill();
      if (!t.keep) rmSync(t.root, { recursive: true, force: true });
    }
    tracked.clear();
  });
}

/**
 * Starts the master. `root` is the server's temp dir, removed by the exit hook or the watchdog unless
 * `keep`. Never throws: a failed spawn shows as an exited process with the reason in stderr().
 */
export function launchDovecot(configFile: string, root: string, keep: boolean): DovecotProcess {
  const child = spawn(dovecotBinary(), ['-c', configFile, '-F'], {
    detached: true, // own process group
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  let done = false;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<void>((resolve) => {
    const finish = (): void => {
      done = true;
      resolve();
    };
    child.once('exit', finish);
    child.once('error', (e) => {
      err += String(e);
      finish();
    });
  });
  child.unref(); // a forgotten server must not keep the test process alive; the exit hook ends it
  unrefStream(child.stderr);

  const pid = child.pid ?? -1;
  const watchdog = pid > 0 ? startWatchdog(pid, root, keep) : undefined;
  const entry: Tracked = {
    root,
    keep,
    process: {
      pid,
      exited,
      hasExited: () => done,
      stderr: () => err,
      kill() {
        tracked.delete(entry);
        try {
          watchdog?.kill('SIGKILL');
        } catch {
          /* already gone */
        }
        if (pid > 0 && !done) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      },
    },
  };
  if (pid > 0) {
    installExitHook();
    tracked.add(entry);
  }
  return entry.process;
}
