/**
 * Runs one `dovecot -c CONFIG -F` and makes sure it cannot outlive the test process.
 *
 * The master runs in its own process group, so one kill(-pgid) ends it and all its children (login,
 * auth, imap...). Cleanup: DovecotProcess.kill() (from stop()), plus the exit hook and the watchdog of
 * process-watchdog.ts.
 */
import { spawn } from 'node:child_process';
import { dovecotBinary } from './dovecot-env.js';
import { killOnExit, startWatchdog } from './process-watchdog.js';

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

function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
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
  let untrack = (): void => {};
  const proc: DovecotProcess = {
    pid,
    exited,
    hasExited: () => done,
    stderr: () => err,
    kill() {
      untrack();
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
  };
  if (pid > 0) untrack = killOnExit(() => proc.kill(), root, keep);
  return proc;
}
