/**
 * What makes sure a server a test started cannot outlive the test process, shared by dovecot-process.ts
 * and server-process.ts: a process 'exit' hook for servers a test forgot to stop, and a detached `sh`
 * watchdog that blocks reading a pipe from us and, when the pipe closes because this process died without
 * running exit hooks (SIGKILL, crash), kills the server's process group and removes its temp dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const tracked = new Set<{ kill: () => void; root: string; keep: boolean }>();
let exitHookInstalled = false;

/** Kills the process group `pgid` and removes `root` (unless `keep`) once our end of its stdin closes. */
export function startWatchdog(pgid: number, root: string, keep: boolean): ChildProcess {
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

/** At process exit, runs `kill` and removes `root` (unless `keep`); the returned function stops that. */
export function killOnExit(kill: () => void, root: string, keep: boolean): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const t of tracked) {
        t.kill();
        if (!t.keep) rmSync(t.root, { recursive: true, force: true });
      }
      tracked.clear();
    });
  }
  const entry = { kill, root, keep };
  tracked.add(entry);
  return () => tracked.delete(entry);
}
