#!/usr/bin/env node
// The layer check: every import in src/ must point DOWN the architecture of DESIGN.md §2
// (ui -> store -> {train, encoder, data, export} -> heads -> model -> kernels -> gpu; the CLI beside the store),
// and a worker's message protocol is private to src/worker/. Run by the unit test tier (tests/unit/layers.test.ts)
// and by hand: `node scripts/check-layers.mjs` prints each violation as file:line and exits 1.
// Design decision: a small explicit table (which top-level folder may import which) instead of a dependency
// tool: type-only imports count too (a type in the wrong layer is the first step of a wrong import), and the
// table is the documentation of the layers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = ['util'];
const CORE = [...BASE, 'onnx', 'gpu', 'kernels', 'model', 'heads'];
const MIDDLE = [...CORE, 'train', 'encoder', 'data', 'export', 'diagnostics'];

/** Top-level folder of src/ -> the folders (and `reference`, outside src/) it may import. */
export const LAYERS = {
  util: [],
  onnx: BASE,
  gpu: BASE,
  kernels: [...BASE, 'gpu'],
  model: [...BASE, 'onnx', 'gpu', 'kernels'],
  heads: CORE,
  data: BASE,
  encoder: [...CORE, 'data'],
  train: [...CORE, 'data', 'encoder'],
  export: [...CORE, 'encoder'],
  diagnostics: [...CORE, 'reference'],
  worker: MIDDLE,
  store: [...MIDDLE, 'worker'],
  cli: MIDDLE,
  ui: [...MIDDLE, 'store'],
  'main.tsx': ['ui'],
};

/**
 * Known violations in folders this check's author does not own, each with the fix; a listed import that is gone
 * is an error too (the list only shrinks).
 */
export const EXCEPTIONS = [];

/** Files only their own folder may import (message protocols: their types belong to data/ and encoder/). */
const PRIVATE = [/^worker\/[^/]*protocol\.ts$/];

const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function layerOf(relPath) {
  return relPath.split('/')[0];
}

/** Every import that breaks the table, as { file, line, from, to, spec, why }, for the tree under `srcDir`. */
export function checkLayers(srcDir) {
  const root = resolve(srcDir);
  const violations = [];
  for (const file of sourceFiles(root)) {
    const rel = relative(root, file).split(sep).join('/');
    const from = layerOf(rel);
    const allowed = LAYERS[from];
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue; // packages
      const line = text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
      const target = relative(root, resolve(dirname(file), spec.replace(/\?.*$/, ''))).split(sep).join('/');
      const to = target.startsWith('../') ? target.split('/')[1] : layerOf(target);
      let why = null;
      if (!allowed) why = `src/${from} is not in the layer table (scripts/check-layers.mjs): add it`;
      else if (to === from) {
        if (target.startsWith('../')) why = null;
      } else if (!allowed.includes(to)) why = `${from}/ may not import ${to}/ (allowed: ${allowed.join(', ') || 'nothing'})`;
      if (!why && to !== from && PRIVATE.some((re) => re.test(target.replace(/(\.tsx?)?$/, '.ts')))) why = `${target} is private to its folder: import its types from data/ or encoder/`;
      if (why) violations.push({ file: `src/${rel}`, line, from, to, spec, why });
    }
  }
  const known = (x) => EXCEPTIONS.some((e) => e.file === x.file && e.spec === x.spec);
  for (const e of EXCEPTIONS) {
    if (!violations.some((x) => x.file === e.file && x.spec === e.spec) && sourceFiles(root).some((f) => `src/${relative(root, f).split(sep).join('/')}` === e.file)) {
      violations.push({ file: e.file, line: 0, from: '', to: '', spec: e.spec, why: 'listed in EXCEPTIONS but no longer imported: remove it from the list' });
    }
  }
  return violations.filter((x) => x.line === 0 || !known(x));
}

/** Source files over `max` lines, as { file, lines }. */
export function longFiles(srcDir, max = 450) {
  const root = resolve(srcDir);
  return sourceFiles(root)
    .map((f) => ({ file: `src/${relative(root, f).split(sep).join('/')}`, lines: readFileSync(f, 'utf8').split('\n').length }))
    .filter((x) => x.lines > max);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const src = process.argv[2] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const v = checkLayers(src);
  for (const x of v) console.error(`${x.file}:${x.line}: import '${x.spec}': ${x.why}`);
  const long = longFiles(src);
  for (const x of long) console.error(`${x.file}: ${x.lines} lines (over 450: split it)`);
  console.log(`${v.length} upward import(s), ${long.length} file(s) over 450 lines`);
  process.exit(v.length || long.length ? 1 : 0);
}
