// PyTorch native CPU as a benchmark peer: the six 3x3 convolution shapes of a
// CIFAR ResNet-20 on 28x28 inputs and the two 1x1 stride-2 projections of its
// option-B shortcuts (batch 128: forward, forward + input gradient, forward +
// weight gradient, forward + both) and the ResNet-20 and
// ResNet-56 training steps (batch 128, cross-entropy, SGD lr 0.1 momentum 0.9
// weight decay 1e-4), at 1 and 2 threads: simdgrad's setNumThreads(n) against
// torch.set_num_threads(n). PyTorch runs in a long-lived Python child process
// (bench/peers/torch_peer.py) that times its own batches; batches of the two
// engines alternate in one run (the order flips every round) so that load
// from other processes hits both alike. Reports median ms per call, GFLOP/s
// for convolutions, and the ratio PyTorch time / simdgrad time (> 1: simdgrad
// is faster) with the range of the per-round ratios, plus the same ratio of
// CPU time (each process's own: at 1 thread it hardly moves when other jobs
// load the machine, which the wall-clock ratio does; at 2 threads it also
// counts spin-waiting threads). Writes
// bench/results/torch-<timestamp>.json.
//
// Needs python3 with torch (Debian/Ubuntu: apt-get install python3-torch, or
// pip install torch); without them it says so and exits 0.
// Usage: npm run bench:torch [-- --only resnet20] [-- --threads 1] [-- --quick] [-- --relaxed]
//        (npm run bench -- --torch is the same)
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { median } from './lib/timing.mjs';

const arg = (name) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? undefined : process.argv[i + 1]; };
const only = arg('only');
const quick = process.argv.includes('--quick');
const threadCounts = arg('threads') ? [Number(arg('threads'))] : [1, 2];
// the first interpreter that imports torch (a virtualenv's python3 may lack the system's packages)
const pythons = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
const timing = quick ? { rounds: 3, warmupMs: 300, batchMs: 150, warmIters: 2 } : { rounds: 7, warmupMs: 800, batchMs: 300, warmIters: 3 };

// relaxed SIMD sits behind a flag in Node 20: re-run this script with it
if (process.argv.includes('--relaxed') && !process.execArgv.includes('--experimental-wasm-relaxed-simd')) {
  const args = process.argv.slice(1).filter((a) => a !== '--relaxed');
  execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', ...args, '--relaxed'], { stdio: 'inherit' });
  process.exit(0);
}

// ---------- the PyTorch child ----------
function startPeer(python) {
  const child = spawn(python, [fileURLToPath(new URL('./peers/torch_peer.py', import.meta.url))], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.resolve(JSON.parse(l)));
  const ended = new Promise((resolve) => child.on('close', resolve));
  child.on('error', (e) => { stderr += String(e); });
  ended.then(() => { for (const w of waiting.splice(0)) w.reject(new Error(`the PyTorch peer exited: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)); });
  const ask = (msg) => new Promise((resolve, reject) => {
    waiting.push({ resolve, reject });
    child.stdin.write(JSON.stringify(msg) + '\n');
  });
  return { ask, close: () => { child.stdin.end(); return ended; } };
}

let peer, hello;
const failures = [];
for (const python of pythons) {
  peer = startPeer(python);
  try {
    hello = await peer.ask({ cmd: 'hello' });
    break;
  } catch (e) {
    failures.push(`${python}: ${e.message.slice(0, 160)}`);
  }
}
if (!hello) {
  console.log(`PyTorch peer skipped: no python3 with the 'torch' module here (${failures.join('; ')}).`);
  console.log('Install it to compare: apt-get install python3-torch (Debian/Ubuntu), or pip install torch; PYTHON=/path/to/python3 picks the interpreter.');
  process.exit(0);
}

const sg = await import('../dist/index.js');
sg.setNumThreads(Math.max(...threadCounts));
await sg.threadsReady();
const cpu = os.cpus()[0]?.model ?? '?';
console.log(`simdgrad ${sg.wasmVariant()} kernels, Node ${process.version} | PyTorch ${hello.torch} (${hello.cpu}, oneDNN ${hello.mkldnn}) | ${cpu}, ${os.cpus().length} cores`);

// ---------- the rows ----------
const rand = (n, scale = 1) => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);
const BATCH = 128;
/**
 * ResNet-20 on 28x28x1: [C, O, input size, stride, kernel] of its 3x3
 * convolutions (padding 1) and of the 1x1 projections (padding 0) of its
 * shortcuts when they are option B.
 */
const SHAPES = [[1, 16, 28, 1, 3], [16, 16, 28, 1, 3], [16, 32, 28, 2, 3], [32, 32, 14, 1, 3], [32, 64, 14, 2, 3], [64, 64, 7, 1, 3], [16, 32, 28, 2, 1], [32, 64, 14, 2, 1]];
const PASSES = ['forward', 'input-grad', 'weight-grad', 'train'];
const PASS_LABEL = { forward: 'fwd', 'input-grad': 'fwd+dx', 'weight-grad': 'fwd+dW', train: 'fwd+dx+dW' };

/** simdgrad's side of a conv row: the same work as torch_peer.py's conv_workload. */
function sgConv({ N, C, O, H, stride, kernel, pass }) {
  const OH = Math.floor((H - 1) / stride) + 1, padding = (kernel - 1) / 2;
  const x = sg.tensor(rand(N * C * H * H), { shape: [N, C, H, H], requiresGrad: pass === 'input-grad' || pass === 'train' });
  const w = sg.tensor(rand(O * C * kernel * kernel, 0.1), { shape: [O, C, kernel, kernel], requiresGrad: pass === 'weight-grad' || pass === 'train' });
  const g = sg.tensor(rand(N * O * OH * OH), { shape: [N, O, OH, OH] });
  const run = pass === 'forward'
    ? () => sg.noGrad(() => sg.conv2d(x, w, null, { stride, padding }).dispose())
    : () => sg.scope(() => {
      sg.conv2d(x, w, null, { stride, padding }).backward(g);
      for (const t of [x, w]) { t.grad?.dispose(); t.grad = null; }
    });
  return { run, dispose: () => { for (const t of [x, w, g]) t.dispose(); } };
}

/** simdgrad's side of a ResNet row: one training step of torch_peer.py's resnet_workload. */
function sgResnet({ depth, batch }) {
  sg.manualSeed(0);
  const net = sg.nn.resnetCifar(depth, { inChannels: 1, shortcut: 'A' });
  net.train();
  const opt = new sg.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
  const x = sg.randn([batch, 1, 28, 28]);
  const labels = sg.tensor(Float32Array.from({ length: batch }, (_, i) => i % 10), { shape: [batch] });
  const run = () => sg.scope(() => {
    opt.zeroGrad();
    sg.F.crossEntropy(net.call(x), labels).backward();
    opt.step();
  });
  return { run, dispose: () => { opt.zeroGrad(); for (const t of [x, labels, ...net.parameters(), ...net.buffers()]) t.dispose(); } };
}

const rows = [];
for (const threads of threadCounts) {
  for (const [C, O, H, stride, kernel] of SHAPES) {
    const OH = Math.floor((H - 1) / stride) + 1;
    const fwdFlops = 2 * BATCH * O * C * kernel * kernel * OH * OH;
    for (const pass of PASSES) {
      const id = `conv${kernel === 1 ? '1x1' : ''}-${C}-${O}-${H}${stride > 1 ? '-s2' : ''}-${pass}-t${threads}`;
      const flops = fwdFlops * (pass === 'forward' ? 1 : pass === 'train' ? 3 : 2);
      const label = `conv${kernel === 1 ? ' 1x1' : ''} ${C}->${O} ${H}x${H}${stride > 1 ? ' stride 2' : ''} ${PASS_LABEL[pass]}`;
      rows.push({ id, threads, label, flops, spec: { kind: 'conv', N: BATCH, C, O, H, stride, kernel, pass } });
    }
  }
  for (const depth of [20, 56]) {
    rows.push({ id: `resnet${depth}-step-t${threads}`, threads, label: `ResNet-${depth} training step, batch ${BATCH}`, spec: { kind: 'resnet', depth, batch: BATCH } });
  }
}

// ---------- timing ----------
const now = () => performance.now();
/** Wall and CPU ms per call over `iters` calls (CPU: this process, all its threads). */
function oursBatch(run, iters) {
  const t = now(), c = process.cpuUsage();
  for (let i = 0; i < iters; i++) run();
  const d = process.cpuUsage(c);
  return { ms: (now() - t) / iters, cpuMs: (d.user + d.system) / 1000 / iters };
}
const theirsBatch = (iters) => peer.ask({ cmd: 'run', iters });

/** Warm up (at least warmIters calls and warmupMs), then the iterations per batch for batchMs. */
async function warm(batch) {
  let spent = 0, calls = 0, ms = Infinity;
  while (calls < timing.warmIters || spent < timing.warmupMs) {
    ms = Math.min(ms, (await batch(1)).ms);
    spent += ms;
    calls++;
  }
  return Math.max(1, Math.round(timing.batchMs / ms));
}

const results = [];
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
for (const row of rows) {
  if (only && !row.id.includes(only)) continue;
  sg.setNumThreads(row.threads);
  await sg.threadsReady();
  const ours = row.spec.kind === 'conv' ? sgConv(row.spec) : sgResnet(row.spec);
  try {
    await peer.ask({ cmd: 'setup', row: row.spec, threads: row.threads });
    const itersOurs = await warm(async (n) => oursBatch(ours.run, n));
    const itersTheirs = await warm(theirsBatch);
    const a = [], b = [];
    for (let r = 0; r < timing.rounds; r++) {
      if (r % 2) { b.push(await theirsBatch(itersTheirs)); a.push(oursBatch(ours.run, itersOurs)); }
      else { a.push(oursBatch(ours.run, itersOurs)); b.push(await theirsBatch(itersTheirs)); }
    }
    const wall = (xs) => xs.map((x) => x.ms), cpuOf = (xs) => xs.map((x) => x.cpuMs);
    const pairRatios = a.map((t, i) => b[i].ms / t.ms);
    const e = { id: row.id, label: row.label, threads: row.threads, oursMs: median(wall(a)), torchMs: median(wall(b)), ratio: median(wall(b)) / median(wall(a)),
      ratioMin: Math.min(...pairRatios), ratioMax: Math.max(...pairRatios), cpuRatio: median(cpuOf(b)) / median(cpuOf(a)),
      oursCpuMs: median(cpuOf(a)), torchCpuMs: median(cpuOf(b)), oursSamples: a, torchSamples: b };
    if (row.flops) { e.oursGflops = row.flops / e.oursMs / 1e6; e.torchGflops = row.flops / e.torchMs / 1e6; }
    results.push(e);
    const rate = row.flops ? ` (${fmt(e.oursGflops)} vs ${fmt(e.torchGflops)} GFLOP/s)` : '';
    console.log(`${row.label}, ${row.threads} thread${row.threads > 1 ? 's' : ''}: simdgrad ${fmt(e.oursMs)} ms, PyTorch ${fmt(e.torchMs)} ms${rate}: ratio ${e.ratio.toFixed(2)} [${e.ratioMin.toFixed(2)}-${e.ratioMax.toFixed(2)}], CPU-time ratio ${e.cpuRatio.toFixed(2)}`);
  } finally {
    ours.dispose();
    await peer.ask({ cmd: 'dispose' });
  }
}
await peer.close();

// ---------- summary ----------
const table = [['row', 'threads', 'simdgrad ms', 'PyTorch ms', 'simdgrad GFLOP/s', 'PyTorch GFLOP/s', 'ratio (PyTorch time / ours)', 'per-round ratios', 'CPU-time ratio']];
for (const e of results) {
  table.push([e.label, e.threads, fmt(e.oursMs), fmt(e.torchMs), e.oursGflops ? fmt(e.oursGflops) : '-', e.torchGflops ? fmt(e.torchGflops) : '-', `${e.ratio.toFixed(2)}x`, `${e.ratioMin.toFixed(2)}-${e.ratioMax.toFixed(2)}`, `${e.cpuRatio.toFixed(2)}x`]);
}
const widths = table[0].map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
console.log('');
for (const [i, r] of table.entries()) {
  console.log(r.map((v, c) => String(v).padEnd(widths[c])).join(' | '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/torch-${stamp}.json`;
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu, cores: os.cpus().length, loadavg: os.loadavg(),
  variant: sg.wasmVariant(), torch: hello, args: process.argv.slice(2), results }, null, 2));
console.log(`\nratio > 1: simdgrad is faster. Wrote ${file}`);
await sg.terminateThreads?.();
process.exit(0);
