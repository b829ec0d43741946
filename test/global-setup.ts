import { execFileSync } from 'node:child_process';

/** Builds the CLI bundle once, so tests that spawn bin/mailferry never race to rebuild it. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', 'cli'], { stdio: 'inherit' });
}
