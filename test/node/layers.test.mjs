// The layer rules of ARCHITECTURE.md, checked on every import in src/: each
// rule names the files it governs, what they may not import, and why. A file
// waiting for its move onto the driver layer is listed in PENDING with the
// rule it still breaks; the test fails when a listed file no longer breaks it,
// so the list only shrinks. Type-only imports (`import type`, erased by the
// build) are not dependencies and are not checked.
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from '../helpers/harness.mjs';

const test = suite('layer rules');

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every .ts file under src/, as a path relative to src/ with forward slashes. */
function sourceFiles(dir = SRC) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [relative(SRC, path).split('\\').join('/')] : [];
  });
}

/** The value imports of a source text: static imports and re-exports (not type-only), side-effect and dynamic imports. */
export function valueImports(text) {
  const found = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?([^'"]*?)\bfrom\s+['"]([^'"]+)['"]/gm)) {
    if (m[2] === undefined) found.push(m[4]);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]);
  return found;
}

/** A relative specifier of `file` resolved to a path relative to src/ ('../x' outside src/ stays as such); null for a package. */
function resolve(file, spec) {
  if (!spec.startsWith('.')) return null;
  const abs = join(SRC, dirname(file), spec);
  const rel = relative(SRC, abs).split('\\').join('/');
  if (existsSync(`${abs}.ts`)) return `${rel}.ts`;
  if (existsSync(join(abs, 'index.ts'))) return `${rel}/index.ts`;
  return rel;
}

/** Whether a src-relative path is under one of the prefixes (a folder ending in '/', a file, or '' for everything). */
const under = (path, prefixes) => prefixes.some((p) => p === '' || (p.endsWith('/') ? path.startsWith(p) : path === p));

/**
 * The rules. files: the files a rule governs (minus `except`); forbidden: what
 * they may not import (minus `allowed`).
 */
const RULES = [
  {
    name: 'runtime-alone',
    why: 'the runtime (wasm, heap, threads) knows no tensor, op or module',
    files: ['runtime/'],
    forbidden: [''],
    allowed: ['runtime/', '../build/'],
  },
  {
    name: 'drivers-below-ops',
    why: 'drivers call kernels over tensors\' memory and know nothing of autograd, ops, modules or argument checking',
    files: ['drivers/'],
    forbidden: [''],
    allowed: ['drivers/', 'runtime/', 'tensor.ts', 'shape.ts'],
  },
  {
    name: 'kernels-through-drivers',
    why: 'ops, modules, optimizers and the rest reach kernels, threads and scratch only through src/drivers/',
    files: [''],
    except: ['runtime/', 'drivers/', 'index.ts', 'tensor.ts', 'storage.ts'],
    forbidden: ['runtime/'],
  },
  {
    name: 'ops-below-modules',
    why: 'ops (and so F) are built from ops; modules, optimizers, data and formats sit above them',
    files: ['ops/', 'autograd/', 'tensor.ts', 'functional.ts'],
    forbidden: ['nn/', 'optim/', 'io/', 'data/'],
  },
  {
    name: 'autograd-takes-drivers',
    why: 'the autograd core takes its raw operations from drivers, so the tensor <-> ops <-> autograd cycle is only tensor.ts\'s method dispatch',
    files: ['autograd/'],
    forbidden: ['ops/'],
  },
  {
    name: 'formats-below-modules',
    why: 'file formats read and write state dicts (key spelling in src/io/keys.ts); only the ONNX exporter walks modules',
    files: ['io/'],
    except: ['io/onnx.ts'],
    forbidden: ['nn/'],
  },
];

/** Files that still break a rule, waiting for their move (file -> rule names); none today. */
const PENDING = {};

/** [file, rule, import] for every import that breaks a rule. */
function violations() {
  const out = [];
  for (const file of sourceFiles()) {
    const imports = valueImports(readFileSync(join(SRC, file), 'utf8')).map((s) => resolve(file, s)).filter((p) => p !== null);
    for (const rule of RULES) {
      if (!under(file, rule.files) || under(file, rule.except ?? [])) continue;
      for (const target of imports) {
        if (under(target, rule.forbidden) && !under(target, rule.allowed ?? [])) out.push([file, rule.name, target]);
      }
    }
  }
  return out;
}

test('the import scanner sees value imports, re-exports, side-effect and dynamic imports, and skips type-only ones', () => {
  const text = [
    "import { a } from './a';",
    "import type { B } from './b';",
    "export { c } from '../c';",
    "export type { D } from './d';",
    'import {\n  e,\n  type E,\n} from "./e";',
    "import './f';",
    "const g = await import('./g');",
  ].join('\n');
  assert.equal(valueImports(text), ['./a', '../c', './e', './f', './g']);
});

test('every file under src/ keeps the layer rules (ARCHITECTURE.md)', () => {
  const broken = violations().filter(([file, rule]) => !(PENDING[file] ?? []).includes(rule));
  const lines = broken.map(([file, rule, target]) => `src/${file} imports src/${target}: breaks ${rule} (${RULES.find((r) => r.name === rule).why})`);
  assert.ok(broken.length === 0, `${lines.join('\n')}\nMove the call into a driver (src/drivers/) or an op, as ARCHITECTURE.md describes.`);
});

test('every pending file still breaks the rule it is listed for (remove it from PENDING once moved)', () => {
  const found = new Set(violations().map(([file, rule]) => `${file} ${rule}`));
  const stale = Object.entries(PENDING).flatMap(([file, rules]) => rules.filter((r) => !found.has(`${file} ${r}`)).map((r) => `src/${file} (${r})`));
  assert.ok(stale.length === 0, `these files keep their rule now; delete them from PENDING in test/node/layers.test.mjs: ${stale.join(', ')}`);
});

test.run();
