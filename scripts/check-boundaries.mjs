// Enforces the process boundaries of the layout (DESIGN.md, "The shape"); run by `npm run typecheck`.
//   src/renderer      may not import Node (node:*, builtins), electron, or anything in src/main or src/preload
//   src/shared        may not import Node, electron, or anything outside src/shared
//   src/preload       may import only electron and src/shared
//   src/main/engine   may not import electron, nor src/main/app, src/preload or src/renderer
// Exits 1 listing every offending import as file:line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const builtins = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));
const SOURCE = /\.(m|c)?[jt]sx?$/;

function* files(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

/** Every module specifier with its line: import/export ... from, import(), require(), bare import. */
export function specifiers(source) {
  // Comments may mention imports ("never import electron here"): blank them, keeping line numbers.
  const text = source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/^\s*\/\/.*$/gm, '');
  const out = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of text.matchAll(re)) out.push({ spec: m[1], line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

const isNode = (s) => s.startsWith('node:') || builtins.has(s) || builtins.has(s.split('/')[0]);
const isElectron = (s) => s === 'electron' || s.startsWith('electron/');
const inDir = (file, dir) => file === join(root, dir) || file.startsWith(join(root, dir) + sep);
const target = (file, spec) => (spec.startsWith('.') ? resolve(dirname(file), spec) : undefined);

const RULES = [
  {
    dir: 'src/renderer',
    check(file, spec) {
      if (isNode(spec)) return 'the window cannot use Node';
      if (isElectron(spec)) return 'the window cannot use Electron (only window.mailferry)';
      const t = target(file, spec);
      if (t && (inDir(t, 'src/main') || inDir(t, 'src/preload'))) return 'the window may import only src/renderer and src/shared';
      return undefined;
    },
  },
  {
    dir: 'src/shared',
    check(file, spec) {
      if (isNode(spec) || isElectron(spec)) return 'shared code is plain data: no Node, no Electron';
      const t = target(file, spec);
      if (!t || !inDir(t, 'src/shared')) return 'shared code may import only src/shared';
      return undefined;
    },
  },
  {
    dir: 'src/preload',
    check(file, spec) {
      if (isElectron(spec)) return undefined;
      const t = target(file, spec);
      if (t && (inDir(t, 'src/shared') || inDir(t, 'src/preload'))) return undefined;
      return 'the preload may import only electron and src/shared';
    },
  },
  {
    dir: 'src/main/engine',
    check(file, spec) {
      if (isElectron(spec)) return 'the engine is plain Node: no Electron';
      const t = target(file, spec);
      if (t && (inDir(t, 'src/main/app') || inDir(t, 'src/preload') || inDir(t, 'src/renderer'))) return 'the engine may not import the app, the preload or the window';
      return undefined;
    },
  },
];

export function violations() {
  const found = [];
  for (const rule of RULES) {
    for (const file of files(join(root, rule.dir))) {
      const text = readFileSync(file, 'utf8');
      for (const { spec, line } of specifiers(text)) {
        const why = rule.check(file, spec);
        if (why) found.push(`${relative(root, file)}:${line}: imports "${spec}": ${why}`);
      }
    }
  }
  return found;
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const found = violations();
  if (found.length > 0) {
    console.error(`Process boundary violations (${found.length}):\n${found.join('\n')}`);
    process.exit(1);
  }
  console.log('check-boundaries: ok');
}
