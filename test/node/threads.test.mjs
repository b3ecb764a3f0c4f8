// Threads in Node processes: a process that used the pool exits promptly
// (idle workers are unref'd), and a process without SharedArrayBuffer
// (forced with globalThis.SIMDGRAD_NO_SHARED_MEMORY) falls back to one thread
// with the reason, computing the same bits as the threaded one.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from '../helpers/harness.mjs';

const test = suite('threads (Node processes)');
const dist = new URL('../../dist/index.js', import.meta.url).href;

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

/** Runs a Node child on `code`; resolves with its stdout, exit code and wall time. */
function runChild(code) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
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

test.run();
