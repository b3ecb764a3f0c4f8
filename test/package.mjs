// The package as a user gets it: `npm pack`, then checks on the tarball
// (contents, @arethetypeswrong/cli, publint) and a fresh consumer project
// with the tarball installed, where it must work from
//   - Node ESM (a training step) and CommonJS (a clear refusal of require, then import()),
//   - Bun (package import),
//   - TypeScript: the config `tsc --init` writes (nodenext), node16 without
//     ESNext.Disposable, and bundler resolution; each must catch a
//     deliberate type error (a package typed `any` would not),
//   - a Vite production build (no Node built-ins, no oversized chunk) loaded in Chromium,
//   - Deno: `deno check` and run of a path import and of the package import.
// Returns the same result shape as the engine runs (test/run.mjs).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BROWSERS, installed } from './engines/browsers.mjs';
import { servePage } from './engines/server.mjs';

const exec = promisify(execFile);

/** Runs a command; resolves to { code, out } (stdout and stderr together), never rejects. */
async function sh(cmd, args, opts = {}) {
  try {
    const { stdout, stderr } = await exec(cmd, args, { maxBuffer: 64 << 20, timeout: 5 * 60 * 1000, ...opts, env: { ...process.env, NO_COLOR: '1', ...opts.env } });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}${e.stdout || e.stderr ? '' : e.message}` };
  }
}

/** The deliberate type error every TypeScript check must report, on line 4 of app.ts. */
const TYPE_ERROR = 'const wrong: string = sg.tensor([1, 2]).sum().item(); // TS2322: number is not a string';

const FILES = {
  'package.json': JSON.stringify({ name: 'simdgrad-consumer', private: true, type: 'module' }, null, 2),
  // Node ESM: a training step with the package's defaults
  'main.mjs': `import * as sg from 'simdgrad';
sg.manualSeed(1);
const w = sg.randn([4, 3], { requiresGrad: true });
const loss = sg.matmul(sg.ones([2, 4]), w).tanh().sum();
loss.backward();
if (w.grad.shape.join() !== '4,3' || !Number.isFinite(loss.item())) throw new Error('training step failed');
console.log('ok', sg.wasmVariant(), sg.threadingStatus().threads);
`,
  // CommonJS: require is refused with the way out; import() works
  'main.cjs': `let message = '';
try { require('simdgrad'); } catch (e) { message = e.message; }
if (!message.includes("await import('simdgrad')")) throw new Error('require gave no useful error: ' + message);
import('simdgrad').then((sg) => console.log('ok', sg.tensor([1, 2, 3]).sum().item()));
`,
  // TypeScript: a typed use of the API, then the deliberate error on line 4
  'app.ts': `import * as sg from 'simdgrad';
import { nn, type Tensor } from 'simdgrad';
const t: Tensor = sg.randn([2, 3]);
${TYPE_ERROR}
const net = new nn.Linear(3, 2);
const y: number[] = [...net.forward(t).shape];
t[Symbol.dispose]();
export { y, wrong };
`,
  'cjs-user.cts': `// a CommonJS TypeScript file reaches the package with import()
async function total(): Promise<number> {
  const sg = await import('simdgrad');
  return sg.tensor([1, 2, 3]).sum().item();
}
export = total;
`,
  // what \`tsc --init\` (TypeScript 5.9) writes, with noEmit
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'esnext', types: [], noEmit: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, strict: true, verbatimModuleSyntax: true, isolatedModules: true, noUncheckedSideEffectImports: true, moduleDetection: 'force', skipLibCheck: true }, files: ['app.ts', 'cjs-user.cts'] }),
  // node16, a lib without ESNext.Disposable, and the package's declarations checked too
  'tsconfig.node16.json': JSON.stringify({ compilerOptions: { module: 'node16', target: 'es2022', lib: ['ES2022', 'DOM'], types: [], noEmit: true, strict: true, skipLibCheck: false }, files: ['app.ts', 'cjs-user.cts'] }),
  'tsconfig.bundler.json': JSON.stringify({ compilerOptions: { module: 'esnext', moduleResolution: 'bundler', target: 'es2022', lib: ['ES2022', 'DOM'], types: [], noEmit: true, strict: true, skipLibCheck: false }, files: ['app.ts'] }),
  // Vite: a page that trains a step and reports through the test server
  'index.html': '<!doctype html><meta charset="utf-8"><title>consumer</title><script type="module" src="./page.js"></script>',
  'page.js': `import * as sg from 'simdgrad';
const report = (line) => fetch('/__log', { method: 'POST', body: JSON.stringify([line]) });
try {
  const w = sg.randn([4, 3], { requiresGrad: true });
  sg.matmul(sg.ones([2, 4]), w).tanh().sum().backward();
  await report('CONSUMER ok ' + w.grad.shape.join('x') + ' ' + sg.wasmVariant());
} catch (e) {
  await report('CONSUMER failed ' + e.message);
}
`,
  // Deno: a path import (types by @ts-types) and the package import (node_modules, package.json)
  'deno-path.ts': `// @ts-types="./node_modules/simdgrad/dist/types/index.d.ts"
import * as sg from './node_modules/simdgrad/dist/index.js';
const n: number = sg.tensor([1, 2, 3]).sum().item();
console.log('ok', n);
`,
  'deno-package.ts': `import * as sg from 'simdgrad';
const n: number = sg.tensor([1, 2, 3]).sum().item();
console.log('ok', n);
`,
};

/** Packs, installs and checks; `ci`: a missing tool is a failure, not a skip. */
export async function checkPackage({ root, ci }) {
  console.log('\n=== package: npm pack, attw, publint, and a consumer project (Node, Bun, TypeScript, Vite in Chromium, Deno)');
  const started = Date.now();
  const passed = [];
  const failures = [];
  let lap = Date.now();
  const check = (name, ok, detail = '') => {
    const s = ((Date.now() - lap) / 1000).toFixed(1);
    lap = Date.now();
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${s} s)${ok || !detail ? '' : `\n${detail.trim().split('\n').slice(-25).map((l) => '     ' + l).join('\n')}`}`);
    (ok ? passed : failures).push(`package: ${name}`);
  };
  const skip = (name, why) => (ci ? check(name, false, `${why} (CI requires it)`) : console.log(`skip ${name}: ${why}`));
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  const work = mkdtempSync(join(tmpdir(), 'simdgrad-package-'));
  try {
    // the tarball, from the dist/ just built (no second build)
    const pack = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root });
    if (pack.code !== 0) return void check('npm pack', false, pack.out);
    const packed = JSON.parse(pack.out.slice(pack.out.indexOf('[')))[0];
    const tarball = join(work, packed.filename);
    const files = packed.files.map((f) => f.path);
    const need = ['LICENSE', 'THIRD_PARTY_NOTICES', 'README.md', 'dist/index.js', 'dist/browser.js', 'dist/require.cjs', 'dist/types/index.d.ts', 'dist/types/require.d.cts'];
    const lacking = need.filter((f) => !files.includes(f));
    check(`tarball holds ${need.join(', ')}`, lacking.length === 0, `missing: ${lacking.join(', ')}`);
    const stray = files.filter((f) => !/^(dist\/|LICENSE$|THIRD_PARTY_NOTICES$|README\.md$|package\.json$)/.test(f));
    check('tarball holds nothing but dist/, the notices, README and package.json', stray.length === 0, stray.join('\n'));

    if (existsSync(bin('attw'))) {
      const attw = await sh(process.execPath, [bin('attw'), tarball, '--format', 'ascii', '--no-color']);
      check('@arethetypeswrong/cli: no problems (node10, node16 from CJS and ESM, bundler)', attw.code === 0 && attw.out.includes('No problems found'), attw.out);
    } else skip('@arethetypeswrong/cli', 'not installed (run npm ci)');
    if (existsSync(bin('publint'))) {
      const publint = await sh(process.execPath, [bin('publint'), 'run', tarball, '--strict']);
      check('publint --strict: all good', publint.code === 0 && publint.out.includes('All good'), publint.out);
    } else skip('publint', 'not installed (run npm ci)');

    // the consumer project, the tarball installed the way a user installs it
    const app = join(work, 'consumer');
    mkdirSync(app);
    for (const [name, text] of Object.entries(FILES)) writeFileSync(join(app, name), text);
    const install = await sh('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', tarball], { cwd: app });
    check('npm install of the tarball into a fresh project', install.code === 0, install.out);
    if (install.code !== 0) return;

    const esm = await sh(process.execPath, ['main.mjs'], { cwd: app });
    check('Node ESM: import and a training step', esm.code === 0 && esm.out.startsWith('ok'), esm.out);
    const cjs = await sh(process.execPath, ['main.cjs'], { cwd: app });
    check("Node CommonJS: require refused with the way to import, then import() works", cjs.code === 0 && cjs.out.trim() === 'ok 6', cjs.out);
    const bun = join(root, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun');
    if (existsSync(bun)) {
      const r = await sh(bun, ['main.mjs'], { cwd: app });
      check('Bun: package import and a training step', r.code === 0 && r.out.startsWith('ok'), r.out);
    } else skip('Bun', 'no Bun binary (npm package @oven/bun-linux-x64)');

    for (const config of ['tsconfig.json', 'tsconfig.node16.json', 'tsconfig.bundler.json']) {
      const tsc = await sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], { cwd: app });
      const errors = tsc.out.split('\n').filter((l) => /error TS\d+/.test(l));
      const caught = errors.length === 1 && /^app\.ts\(4,7\): error TS2322/.test(errors[0]);
      check(`TypeScript ${config}: only the deliberate error is reported (app.ts line 4, TS2322)`, caught, tsc.out);
    }

    if (await installed('vite')) await viteInChromium(app, check, skip);
    else skip('Vite build', 'vite is not installed (run npm ci)');

    const deno = bin('deno');
    if (existsSync(deno)) {
      for (const file of ['deno-path.ts', 'deno-package.ts']) {
        const c = await sh(deno, ['check', '--quiet', file], { cwd: app, env: { DENO_NO_UPDATE_CHECK: '1' } });
        check(`Deno: deno check ${file}`, c.code === 0, c.out);
        const r = await sh(deno, ['run', '--quiet', '--no-prompt', file], { cwd: app, env: { DENO_NO_UPDATE_CHECK: '1' } });
        check(`Deno: deno run ${file} (no permissions)`, r.code === 0 && r.out.trim() === 'ok 6', r.out);
      }
    } else skip('Deno', 'node_modules/.bin/deno missing');
  } finally {
    rmSync(work, { recursive: true, force: true });
    console.log(`package checks: ${passed.length} passed, ${failures.length} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  return { label: 'package', passed: passed.length, failed: failures.length, failures, hashes: {}, ms: Date.now() - started };
}

/** A Vite production build of the consumer page: no warnings about Node built-ins or chunk size; then it runs in Chromium. */
async function viteInChromium(app, check, skip) {
  const { build, createLogger } = await import('vite');
  const warnings = [];
  const logger = createLogger('warn');
  const quiet = { ...logger, warn: (m) => warnings.push(m), warnOnce: (m) => warnings.push(m), info: () => {} };
  try {
    await build({ root: app, logLevel: 'warn', customLogger: quiet, configFile: false, build: { outDir: join(app, 'dist'), emptyOutDir: true } });
  } catch (e) {
    return void check('Vite production build', false, e.stack ?? String(e));
  }
  const js = readdirSync(join(app, 'dist', 'assets')).filter((f) => f.endsWith('.js'));
  check('Vite production build: no warnings (no Node built-ins externalized, no chunk over 500 kB)', warnings.length === 0, warnings.join('\n'));
  const chromium = BROWSERS.chromium;
  if (!chromium.exe) return skip('Vite build in Chromium', `no Chromium (${chromium.missing})`);
  if (!(await installed(chromium.driver))) return skip('Vite build in Chromium', `${chromium.driver} is not installed (run npm ci)`);
  let got;
  const line = new Promise((r) => (got = r));
  const server = await servePage(join(app, 'dist'), { onLine: (t) => t.startsWith('CONSUMER') && got(t) });
  let close = async () => {};
  try {
    close = await chromium.open(server.url);
    const result = await Promise.race([line, new Promise((r) => setTimeout(() => r('no report within 60 s'), 60000))]);
    check(`Vite build (${js.length} chunk) runs a training step in Chromium`, result.startsWith('CONSUMER ok 4x3'), result);
  } finally {
    await close().catch(() => {});
    await server.close();
  }
}
