// Thread scaling: simdgrad at 1 and 2 threads (alternated batch by batch, so
// load from other processes hits both alike) on matmul n = 256/512/1024, a
// small CNN training step, an MLP training step and a ResNet-20 training
// step (batch 128, 28x28), with speed-ups; the peer
// is onnxruntime-web's wasm matmul at env.wasm.numThreads = 1 and 2 (each in
// its own process: ORT fixes its thread count at its first session). Prints
// first how much parallel capacity the machine has right now (two busy
// threads against one), since a shared machine caps any speed-up.
//
//   node --expose-gc bench/threads.mjs [--quick]
import { Worker } from 'node:worker_threads';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { alternate } from './lib/timing.mjs';
import { matmulModel } from './peers/onnx-model.mjs';

const quick = process.argv.includes('--quick');
const timing = quick ? { rounds: 5, warmupMs: 200, batchMs: 40 } : { rounds: 9, warmupMs: 500, batchMs: 120 };
const rand = (n, scale = 1) => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);

// ---- child mode: onnxruntime-web matmul at a given thread count ----
const ortAt = process.argv.indexOf('--ort');
if (ortAt >= 0) {
  const threads = Number(process.argv[ortAt + 1]);
  const o = await import('onnxruntime-web');
  o.env.wasm.numThreads = threads;
  o.env.logLevel = 'error';
  const out = {};
  for (const n of [256, 512, 1024]) {
    const session = await o.InferenceSession.create(matmulModel(n, n, n), { executionProviders: ['wasm'] });
    const A = new o.Tensor('float32', rand(n * n), [n, n]), B = new o.Tensor('float32', rand(n * n), [n, n]);
    const r = await alternate({ ort: async () => { (await session.run({ A, B })).C.dispose(); } }, timing);
    out[n] = r.ort.ms;
    await session.release();
  }
  console.log('ORT-RESULT ' + JSON.stringify(out));
  process.exit(0);
}

// ---- the machine's parallel capacity now: two busy threads against one ----
function spin(iters) {
  let x = 0;
  for (let i = 0; i < iters; i++) x = (x * 1664525 + 1013904223) % 4294967296;
  return x;
}
async function capacity() {
  const iters = 2e8;
  let t = performance.now();
  spin(iters);
  const one = performance.now() - t;
  const w = new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.on('message', (n) => { ${spin.toString()}; parentPort.postMessage(spin(n)); });`, { eval: true });
  await new Promise((r) => { w.postMessage(1e6); w.once('message', r); });
  t = performance.now();
  const done = new Promise((r) => w.once('message', r));
  w.postMessage(iters);
  spin(iters);
  await done;
  const two = performance.now() - t;
  await w.terminate();
  return (2 * one) / two;
}

const sg = await import('../dist/index.js');
const status = await sg.threadsReady();
console.log(`simdgrad threads: ${JSON.stringify(status)}; variant ${sg.wasmVariant()}`);
const cap = await capacity();
console.log(`parallel capacity of this machine now: ${cap.toFixed(2)} cores' worth for two busy threads (2.00 = two idle cores)\n`);

/** CPU ms (all threads of the process) per call of run at n threads. */
function cpuPerCall(run, n, iters) {
  sg.setNumThreads(n);
  const c = process.cpuUsage();
  for (let i = 0; i < iters; i++) run();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000 / iters;
}

/**
 * Alternates the same run at 1 and 2 threads; returns ms per call of each,
 * plus the CPU time per call at 1 and 2 threads: their ratio is the work the
 * split wastes, which a loaded machine cannot hide the way it hides wall time.
 */
async function oneVsTwo(run) {
  const at = (n) => () => { sg.setNumThreads(n); return run(); };
  const r = await alternate({ t1: at(1), t2: at(2) }, timing);
  const iters = Math.max(3, r.t1.iters);
  const cpu = [cpuPerCall(run, 1, iters), cpuPerCall(run, 2, iters)];
  sg.setNumThreads(2);
  return [r.t1.ms, r.t2.ms, cpu];
}

const rows = [];
function report(name, [t1, t2, cpu], unit = 'ms', extra = '') {
  rows.push({ name, t1, t2, speedup: t1 / t2 });
  const eff = cpu ? `   CPU/call ${cpu[0].toFixed(2)} -> ${cpu[1].toFixed(2)} ms (work kept ${(cpu[0] / cpu[1]).toFixed(2)})` : '';
  console.log(`${name.padEnd(34)} 1 thread ${t1.toFixed(2).padStart(8)} ${unit}   2 threads ${t2.toFixed(2).padStart(8)} ${unit}   speed-up ${(t1 / t2).toFixed(2)}x${extra}${eff}`);
}

// ---- matmul ----
for (const n of [256, 512, 1024]) {
  const a = sg.tensor(rand(n * n), { shape: [n, n] }), b = sg.tensor(rand(n * n), { shape: [n, n] });
  const ms = await oneVsTwo(() => sg.matmul(a, b).dispose());
  const gf = (t) => ((2 * n ** 3) / t / 1e6).toFixed(1);
  report(`matmul ${n}x${n}`, ms, 'ms', `   (${gf(ms[0])} / ${gf(ms[1])} GFLOP/s)`);
  a.dispose();
  b.dispose();
}

// ---- training steps ----
function trainStep(net, x, labels, opt) {
  return () => sg.scope(() => {
    opt.zeroGrad();
    sg.crossEntropy(net.forward(x), labels).backward();
    opt.step();
  });
}
{
  const { nn, optim } = sg;
  const cnn = new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32 * 7 * 7, 10),
  );
  const x = sg.tensor(rand(64 * 28 * 28), { shape: [64, 1, 28, 28] });
  const labels = sg.tensor(Float32Array.from({ length: 64 }, (_, i) => i % 10));
  const opt = new optim.SGD([...cnn.parameters()], { lr: 0.01, momentum: 0.9 });
  report('CNN train step (batch 64, 28x28)', await oneVsTwo(trainStep(cnn, x, labels, opt)));
  for (const t of [x, labels]) t.dispose();
  opt.dispose();
  cnn.dispose();

  const mlp = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
  const xm = sg.tensor(rand(128 * 784), { shape: [128, 784] });
  const lm = sg.tensor(Float32Array.from({ length: 128 }, (_, i) => i % 10));
  const optm = new optim.SGD([...mlp.parameters()], { lr: 0.01 });
  report('MLP 784-512-512-10 step (b 128)', await oneVsTwo(trainStep(mlp, xm, lm, optm)));
  for (const t of [xm, lm]) t.dispose();
  optm.dispose();
  mlp.dispose();

  // the ResNet-20 step of bench/torch.mjs (option-A shortcuts, 28x28x1, batch 128, SGD with momentum and weight decay)
  sg.manualSeed(0);
  const resnet = nn.resnetCifar(20, { inChannels: 1, shortcut: 'A' });
  resnet.train();
  const xr = sg.randn([128, 1, 28, 28]);
  const yr = sg.tensor(Float32Array.from({ length: 128 }, (_, i) => i % 10));
  const optr = new optim.SGD([...resnet.parameters()], { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
  report('ResNet-20 train step (batch 128)', await oneVsTwo(trainStep(resnet, xr, yr, optr)));
  for (const t of [xr, yr]) t.dispose();
  optr.dispose();
  resnet.dispose();
}

// ---- onnxruntime-web peer ----
if (!process.argv.includes('--no-ort')) {
  const self = fileURLToPath(import.meta.url);
  const ortRun = (n) => JSON.parse(execFileSync(process.execPath, [self, '--ort', String(n), ...(quick ? ['--quick'] : [])], { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('ORT-RESULT ')).slice(11));
  const o1 = ortRun(1), o2 = ortRun(2);
  console.log('');
  for (const n of [256, 512, 1024]) {
    const ours = rows.find((r) => r.name === `matmul ${n}x${n}`);
    report(`onnxruntime-web matmul ${n}`, [o1[n], o2[n]], 'ms', `   (simdgrad at 2 threads: ${(o2[n] / ours.t2).toFixed(2)}x ORT's speed)`);
  }
}
console.log(`\nspeed-ups are capped by the ${cap.toFixed(2)} cores' worth measured above`);
