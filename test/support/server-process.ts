/**
 * Runs a test server's shell script inside its own PID and mount namespaces and makes sure nothing it
 * starts can outlive the test process.
 *
 *   unshare --mount --pid --fork --kill-child --propagation private /bin/sh -c SCRIPT sh ARGS...
 *
 * Why namespaces rather than a process group alone (as dovecot-process.ts does): couriertcpd puts itself
 * in a new process group and Cyrus's master drops to user cyrus, so kill(-pgid) misses servers. The
 * script's shell is PID 1 of a fresh PID namespace; when it dies the kernel kills every process in the
 * namespace, whatever their group or user. The mount namespace lets Courier bind private folders over
 * /etc/courier and /run/courier without the machine seeing it.
 *
 * Cleanup layers: ServerProcess.stop() kills the namespace's init and waits until unshare has reaped it
 * (the kernel empties the namespace first); then process-watchdog.ts's exit hook and watchdog, which kill
 * the group (unshare and the init, whose --kill-child and PID-1 death take the rest).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { killOnExit, startWatchdog } from './process-watchdog.js';

export interface ServerProcess {
  /** unshare's pid, also the process group id. */
  pid: number;
  /** Resolves when unshare has exited: by then every process of the namespace is gone. */
  exited: Promise<void>;
  hasExited(): boolean;
  /** SIGKILL the namespace and wait (at most 5 s) until it is empty. Does not remove the temp dir. */
  stop(): Promise<void>;
}

function killProcess(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function killGroup(pgid: number): void {
  killProcess(-pgid);
}

/** The namespace's init: unshare's only child (Linux lists children in /proc). */
function namespaceInit(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `script` (run by /bin/sh with `args` as $1...) in fresh namespaces, stdout and stderr appended
 * to `logFile`. `root` is the server's temp dir, removed by the exit hook or the watchdog unless `keep`.
 * Never throws: a failed spawn shows as an exited process with the reason in the log.
 */
export function launchInNamespace(p: { script: string; args: string[]; logFile: string; root: string; keep: boolean }): ServerProcess {
  const log = openSync(p.logFile, 'a');
  const child = spawn(
    'unshare',
    ['--mount', '--pid', '--fork', '--kill-child', '--propagation', 'private', '/bin/sh', '-c', p.script, 'sh', ...p.args],
    {
      detached: true, // own process group, for the watchdog
      stdio: ['ignore', log, log],
      // Servers get a clean environment, as their init scripts give them (env -i).
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
    },
  );
  closeSync(log);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    const finish = (): void => {
      done = true;
      resolve();
    };
    child.once('exit', finish);
    child.once('error', (e) => {
      appendFileSync(p.logFile, `could not run unshare (util-linux): ${String(e)}\n`);
      finish();
    });
  });
  child.unref(); // a forgotten server must not keep the test process alive; the exit hook ends it

  const pid = child.pid ?? -1;
  const watchdog = pid > 0 ? startWatchdog(pid, p.root, p.keep) : undefined;
  const untrack = pid > 0 ? killOnExit(() => killGroup(pid), p.root, p.keep) : () => {};
  let stopping: Promise<void> | undefined;
  return {
    pid,
    exited,
    hasExited: () => done,
    stop() {
      stopping ??= (async () => {
        if (pid > 0 && !done) {
          // Killing only the init lets unshare reap it, so `exited` means the namespace is empty.
          const init = namespaceInit(pid);
          if (init) killProcess(init);
          else killGroup(pid);
          const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
          if ((await Promise.race([exited, timer])) === 'timeout') killGroup(pid);
        }
        untrack();
        try {
          watchdog?.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      })();
      return stopping;
    },
  };
}
