// Destination writer benchmark launcher: bundles scripts/bench-writer.ts with esbuild (dependencies stay in
// node_modules) into node_modules/.cache and runs it with this Node. Usage: node scripts/bench-writer.mjs
// (source scripts/node-env.sh first). Env knobs are described in scripts/bench-writer.ts.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'node_modules', '.cache', 'mailferry-bench');
mkdirSync(outDir, { recursive: true });
const outfile = path.join(outDir, 'bench-writer.mjs');
await build({
  entryPoints: [path.join(root, 'scripts', 'bench-writer.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
