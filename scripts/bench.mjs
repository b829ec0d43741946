// Bundles bench/<name>.ts (default migrate-bench) with esbuild and runs it: the benchmarks use the TypeScript
// test harness, and plain node cannot import it directly. Usage: node scripts/bench.mjs [name]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

const name = process.argv[2] ?? 'migrate-bench';
spawnSync(process.execPath, ['scripts/build.mjs', 'cli'], { stdio: 'inherit' });
const outfile = `dist/bench/${name}.mjs`;
await build({ entryPoints: [`bench/${name}.ts`], outfile, bundle: true, platform: 'node', format: 'esm', packages: 'external', target: 'node22', logLevel: 'warning' });
const r = spawnSync(process.execPath, [outfile], { stdio: 'inherit' });
process.exit(r.status ?? 1);
