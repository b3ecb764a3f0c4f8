// Threads in Node (and Deno) processes: a process that used the pool exits
// promptly (idle workers are unref'd); a process without SharedArrayBuffer
// (forced with globalThis.SIMDGRAD_NO_SHARED_MEMORY) falls back to one thread
// with the reason, computing the same bits as the threaded one; a worker that
// exits in the middle of a task (forced with
// globalThis.SIMDGRAD_TEST_WORKER_EXIT_ON_TASK) makes that call throw rather
// than hang, frees what the call allocated, and is replaced.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from '../helpers/harness.mjs';

const test = suite('threads (Node processes)');
const dist = new URL('../../dist/index.js', import.meta.url).href;
const deno = fileURLToPath(new URL('../../node_modules/deno/deno', import.meta.url));

/** A matmul of fixed data through the pool (work split however small), printed as status and result bits. */
const script = (noShared) => `
${noShared ? 'globalThis.SIMDGRAD_NO_SHARED_MEMORY = true;' : ''}
const sg = await import(${JSON.stringify(dist)});
sg.setMinWorkPerThread(0);
sg.setNumThreads(2);
const x = sg.tensor(Float32Array.from({ length: 60 * 50 }, (_, i) => Math.fround(Math.cos(i))), { shape: [60, 50] });
const w = sg.tensor(Float32Array.from({ length: 50 * 40 }, (_, i) => Math.fround(Math.sin(i))), { shape: [50, 40] });
const y = sg.matmul(x, w).relu().matmul(sg.transpose(w, 0, 1));
const bits = Array.from(new Uint32Array(y.toArray().buffer));
let h = 0;
for (const b of bits) h = (Math.imul(h, 31) + b) | 0;
console.log(JSON.stringify({ status: sg.threadingStatus(), hash: h }));
`;

/** Runs a Node (or Deno) child on `code`; resolves with its stdout, exit code and wall time. */
function runChild(code, runtime = 'node') {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const [cmd, args] = runtime === 'node' ? [process.execPath, ['--input-type=module', '-e', code]] : [deno, ['eval', '--ext=js', code]];
    const p = spawn(cmd, args, { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`child did not exit within 20 s (stdout ${out}, stderr ${err})`)); }, 20000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ out, err, code, ms: Date.now() - t0 });
    });
  });
}

test('a process that used the pool exits promptly; forced no-SharedArrayBuffer falls back with the reason and the same bits', async () => {
  const [threaded, single] = await Promise.all([runChild(script(false)), runChild(script(true))]);
  for (const r of [threaded, single]) assert.is(r.code, 0, `child failed: ${r.err}`);
  const t = JSON.parse(threaded.out.trim().split('\n').pop());
  const s = JSON.parse(single.out.trim().split('\n').pop());
  assert.is(t.status.enabled, true, JSON.stringify(t.status));
  assert.ok(t.status.parallelTasks > 0, `the threaded child split work: ${JSON.stringify(t.status)}`);
  assert.ok(threaded.ms < 5000, `the threaded child took ${threaded.ms} ms to finish and exit`);
  assert.is(s.status.enabled, false);
  assert.match(s.status.reason, /SharedArrayBuffer/);
  assert.is(s.status.parallelTasks, 0);
  assert.is(s.hash, t.hash, 'the fallback computes the same bits');
});

/**
 * Matmuls through the pool where each worker exits on joining its second
 * task (whether a worker joins a given task depends on how soon it wakes,
 * so the script runs calls until two have failed, or 60 calls).
 */
const dying = `
globalThis.SIMDGRAD_TEST_WORKER_EXIT_ON_TASK = 2;
const sg = await import(${JSON.stringify(dist)});
sg.setMinWorkPerThread(0);
sg.setNumThreads(2);
const x = sg.tensor(Float32Array.from({ length: 300 * 200 }, (_, i) => Math.fround(Math.cos(i))), { shape: [300, 200] });
const w = sg.tensor(Float32Array.from({ length: 200 * 100 }, (_, i) => Math.fround(Math.sin(i))), { shape: [200, 100] });
const before = sg.memory();
const calls = [];
while (calls.filter((c) => c.error).length < 2 && calls.length < 60) {
  try {
    calls.push({ bits: sg.scope(() => Array.from(new Uint32Array(sg.matmul(x, w).relu().sum().toArray().buffer))) });
  } catch (e) {
    calls.push({ error: e.message });
  }
}
// one task: the fresh replacement worker joins it at most once
const last = Array.from(new Uint32Array(sg.scope(() => sg.matmul(x, w).toArray()).buffer));
const status = sg.threadingStatus(), after = sg.memory();
sg.setNumThreads(1);
const ref = Array.from(new Uint32Array(sg.matmul(x, w).relu().sum().toArray().buffer));
const refProduct = Array.from(new Uint32Array(sg.matmul(x, w).toArray().buffer));
console.log(JSON.stringify({ calls, last, ref, refProduct, status, before, after }));
`;

for (const runtime of ['node', 'deno']) {
  test(`${runtime}: a worker that exits during a task makes that call throw (no hang); the worker is replaced and results stay exact`, async () => {
    const r = await runChild(dying, runtime);
    assert.is(r.code, 0, `child failed: ${r.err}`);
    const { calls, last, ref, refProduct, status, before, after } = JSON.parse(r.out.trim().split('\n').pop());
    const failed = calls.filter((c) => c.error !== undefined);
    assert.ok(failed.length >= 1, `some call had its worker exit: ${calls.length} calls`);
    for (const c of calls) {
      if (c.error === undefined) assert.equal(c.bits, ref, 'a call whose threads all finished computes the single-thread bits');
      else assert.match(c.error, /worker exited \(code 70\) while running its part of the task \(in worker thread 0\)/);
    }
    assert.equal(last, refProduct, 'the replaced worker computes the same bits');
    assert.is(status.enabled, true, `threads stay on: ${JSON.stringify(status)}`);
    assert.is(after.bytesInUse, before.bytesInUse, 'the failed calls freed what they allocated');
    assert.is(after.liveTensors, before.liveTensors);
    assert.ok(r.ms < 15000, `the child took ${r.ms} ms`);
  });
}

test.run();
