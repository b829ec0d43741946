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
 * (the kernel empties the namespace first); a process 'exit' hook; and a detached `sh` watchdog that,
 * when this process dies without exit hooks (SIGKILL), kills the group (unshare and the init, whose
 * --kill-child and PID-1 death take the rest) and removes the temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, rmSync } from 'node:fs';

export interface ServerProcess {
  /** unshare's pid, also the process group id. */
  pid: number;
  /** Resolves when unshare has exited: by then every process of the namespace is gone. */
  exited: Promise<void>;
  hasExited(): boolean;
  /** SIGKILL the namespace and wait (at most 5 s) until it is empty. Does not remove the temp dir. */
  stop(): Promise<void>;
}

interface Tracked {
  pid: number;
  root: string;
  keep: boolean;
}
const tracked = new Set<Tracked>();
let exitHookInstalled = false;

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
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const t of tracked) {
      killGroup(t.pid);
      if (!t.keep) rmSync(t.root, { recursive: true, force: true });
    }
    tracked.clear();
  });
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
  const entry: Tracked = { pid, root: p.root, keep: p.keep };
  if (pid > 0) {
    installExitHook();
    tracked.add(entry);
  }
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
        tracked.delete(entry);
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
