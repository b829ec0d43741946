// Bundles the entries with esbuild. Dependencies stay in node_modules (native addons must), so the output
// runs from the repository or from the packaged app alike. Usage: node scripts/build.mjs [cli|app|all]
import { build } from 'esbuild';

const what = process.argv[2] ?? 'all';
const common = { bundle: true, platform: 'node', target: 'node22', packages: 'external', sourcemap: true, logLevel: 'warning' };

if (what === 'cli' || what === 'all') {
  await build({ ...common, entryPoints: ['src/main/cli.ts'], outfile: 'dist/cli.js', format: 'esm' });
}
