// The engine benchmark (npm run bench:engines) as a smoke run: tiny sizes,
// one pass, in Node and in Chromium (isolated and not); the JSON's shape,
// every hash valid for its kernels, plain-SIMD hashes equal across engines
// and thread counts; the benchmark page (npm run web:build) completes its
// smoke run in Chromium with every hash as expected; and the judge itself: a pass with a wrong hash is
// marked invalid. Without Chromium the browser part is skipped with a
// message, except with CI=true.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from '../helpers/harness.mjs';
import { summarise } from '../../bench/engines.mjs';
import { workloads } from '../../bench/engines/workloads.mjs';
import { buildWeb } from '../../scripts/build-web.mjs';
import { serveWeb } from '../../scripts/serve-web.mjs';

const test = suite('bench:engines');
const root = fileURLToPath(new URL('../../', import.meta.url));
const out = `${root}test-output/bench-engines`;
const CI = process.env.CI === 'true' || process.env.CI === '1';

function runHarness(engines) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bench/engines.mjs', '--size', 'smoke', '--engines', engines.join(','), '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('close', (code) => resolve({ code, text }));
  });
}

test('a smoke run in Node and Chromium: the JSON has every engine, workload and configuration, and every hash is valid', async () => {
  const chromium = existsSync('/usr/bin/chromium');
  if (!chromium && CI) throw new Error('no Chromium (CI=true requires it)');
  if (!chromium) console.log('  bench:engines: Chromium part SKIPPED (no /usr/bin/chromium)');
  rmSync(out, { recursive: true, force: true });
  const { code, text } = await runHarness(chromium ? ['node', 'chromium'] : ['node']);
  assert.is(code, 0, text.slice(-2000));
  const report = JSON.parse(readFileSync(`${out}/engines.json`, 'utf8'));
  assert.ok(readFileSync(`${out}/engines.html`, 'utf8').includes('<svg'), 'the HTML report has charts');
  assert.is(report.size, 'smoke');
  assert.type(report.machine.cpu, 'string');
  const labels = report.engines.map((e) => e.label);
  assert.equal(labels, chromium ? ['node', 'chromium (isolated)', 'chromium'] : ['node']);
  const ids = workloads('smoke').map((w) => w.id);
  assert.equal(report.workloads.map((w) => w.id), ids);
  for (const e of report.engines) {
    for (const k of e.kernels) {
      for (const t of e.threads) {
        for (const id of ids) {
          const rows = report.rows.filter((r) => r.engine === e.label && r.workload === id && r.kernels === k && r.threads === t);
          assert.is(rows.length, 1, `${e.label} ${id} ${k} ${t}t: one row`);
          const [r] = rows;
          assert.ok(r.ms > 0 && Number.isFinite(r.figure), `${e.label} ${id}: timed (${r.ms} ms)`);
          assert.match(r.hash, /^[0-9a-f]{8}$/);
          assert.ok(r.valid, `${e.label} ${id} ${k} ${t}t: hash ${r.hash}, expected ${r.expectedHash}`);
        }
      }
    }
  }
  // an isolated page runs threads, the other cannot; Node always can
  if (chromium) {
    assert.equal(report.engines[1].threads, [1, 2]);
    assert.equal(report.engines[2].threads, [1]);
  }
  assert.equal(report.engines[0].threads, [1, 2]);
  // plain SIMD gives one hash per workload in every engine and thread count
  for (const id of ids) {
    const hashes = new Set(report.rows.filter((r) => r.workload === id && r.kernels === 'simd').map((r) => r.hash));
    assert.is(hashes.size, 1, `${id}: plain-SIMD hashes ${[...hashes]}`);
  }
  for (const r of report.rows.filter((r) => r.engine === 'node' && r.kernels === 'simd' && r.threads === 1)) assert.is(r.ratioToNodeSimd, 1);
});

test('the judge: a result whose hash differs from its class is invalid, and a pass disagreeing with itself too', () => {
  const result = (hash, fma = null) => ({
    engine: { fma },
    results: workloads('smoke').map((w) => ({ workload: w.id, kernels: 'simd', threads: 1, hash: w.id === 'matmul-32' ? hash : '00000000', ms: 1 })),
  });
  const rows = summarise([
    { engine: { label: 'node' }, result: result('aaaaaaaa') },
    { engine: { label: 'deno' }, result: result('aaaaaaaa') },
    { engine: { label: 'bun' }, result: result('bbbbbbbb') },
  ], 'smoke');
  const mm = (engine) => rows.find((r) => r.engine === engine && r.workload === 'matmul-32');
  assert.ok(mm('node').valid && mm('deno').valid);
  assert.not.ok(mm('bun').valid, 'a wrong plain-SIMD hash is invalid');
  assert.is(mm('bun').expectedHash, 'aaaaaaaa');
  const twice = summarise([
    { engine: { label: 'node' }, result: result('aaaaaaaa') },
    { engine: { label: 'node' }, result: result('cccccccc') },
  ], 'smoke');
  assert.not.ok(twice.find((r) => r.workload === 'matmul-32').valid, 'passes of one engine that disagree are invalid');
  assert.is(twice.find((r) => r.workload === 'matmul-32').passes, 2);
});

test('the benchmark page (web/dist/bench.html) runs its smoke size in Chromium, every hash as expected, and offers the JSON', async () => {
  if (!existsSync('/usr/bin/chromium')) {
    if (CI) throw new Error('no Chromium (CI=true requires it)');
    return console.log('  bench page: SKIPPED (no /usr/bin/chromium)');
  }
  await buildWeb();
  const { chromium } = await import('playwright-core');
  const server = await serveWeb({ port: 0, host: '127.0.0.1', isolation: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}bench.html`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    await page.selectOption('#size', 'smoke');
    await page.click('#run');
    await page.waitForSelector('body[data-state="done"], body[data-state="failed"]', { timeout: 240_000 });
    const seen = await page.evaluate(() => ({
      status: document.getElementById('status').textContent,
      rows: [...document.querySelectorAll('#results tbody tr')].map((tr) => ({ valid: tr.dataset.valid, cells: [...tr.cells].map((c) => c.textContent) })),
      download: !document.getElementById('download').hidden && document.getElementById('download').href.startsWith('blob:'),
    }));
    assert.equal(problems, []);
    assert.match(seen.status, /every hash as expected/);
    const ids = workloads('smoke');
    // an isolated page: both kernel variants Chromium has, on 1 and 2 threads
    assert.is(seen.rows.length, ids.length * 2 * 2, seen.rows.map((r) => r.cells.join(' ')).join('\n'));
    for (const r of seen.rows) assert.is(r.valid, 'true', r.cells.join(' | '));
    assert.ok(seen.rows.filter((r) => r.cells[1] === 'simd').every((r) => r.cells[5] === 'matches the reference'), 'plain SIMD checked against the Node reference');
    assert.ok(seen.download, 'the JSON is offered');
    const json = await page.evaluate(async () => (await fetch(document.getElementById('download').href)).json());
    assert.is(json.results.length, seen.rows.length);
    assert.is(json.size, 'smoke');
  } finally {
    await browser.close();
    await server.close();
  }
});

test.run();
