// Bundles the entries. Dependencies stay in node_modules (native addons must), so the output runs from
// the repository or from the packaged app alike. Usage: node scripts/build.mjs [cli|app|renderer|all]
//   cli       dist/cli.js (ESM) and the pieces it loads when a command runs, in dist/cli-chunks/
//   app       dist/main/app.js (Electron main, ESM), dist/preload/index.cjs (sandboxed preload: CommonJS,
//             bundled, only `electron` external) and the renderer
//   renderer  dist/renderer/ (vite build of src/renderer)
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const what = process.argv[2] ?? 'all';
const known = ['cli', 'app', 'renderer', 'all'];
if (!known.includes(what)) {
  console.error(`usage: node scripts/build.mjs [${known.join('|')}]`);
  process.exit(2);
}
const common = { bundle: true, platform: 'node', target: 'node22', packages: 'external', sourcemap: true, logLevel: 'warning' };

async function buildRenderer() {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });
}

if (what === 'cli' || what === 'all') {
  // Split per command (cli.ts imports each one when it runs): a run loads only its own command's code and
  // packages. The entry stays dist/cli.js; the shared pieces go to dist/cli-chunks/.
  const { metafile } = await build({
    ...common, entryPoints: { cli: 'src/main/cli.ts' }, outdir: 'dist', format: 'esm', splitting: true, chunkNames: 'cli-chunks/[name]-[hash]', metafile: true,
  });
  // Pieces of earlier builds go once they are a while old (a CLI started before this build may still load them).
  const current = new Set(Object.keys(metafile.outputs).map((f) => path.resolve(f)));
  for (const f of fs.readdirSync('dist/cli-chunks')) {
    const file = path.resolve('dist/cli-chunks', f);
    if (!current.has(file) && Date.now() - fs.statSync(file).mtimeMs > 10 * 60_000) fs.rmSync(file, { force: true });
  }
}
if (what === 'app' || what === 'all') {
  await build({ ...common, entryPoints: ['src/main/app/main.ts'], outfile: 'dist/main/app.js', format: 'esm', external: ['electron'] });
  // A sandboxed preload gets a CommonJS `require` that knows only a few modules (electron among them):
  // everything else, the shared contract included, must be inside the bundle.
  await build({
    entryPoints: ['src/preload/index.ts'],
    outfile: 'dist/preload/index.cjs',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    sourcemap: true,
    logLevel: 'warning',
  });
}
if (what === 'app' || what === 'renderer' || what === 'all') {
  await buildRenderer();
}
