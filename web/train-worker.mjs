// The playground's training worker (a module Web Worker): loads the digits,
// builds the network of the page's configuration, trains in slices of about
// SLICE_MS between which it answers messages, and posts metrics.
//
// Messages in:  {type:'reset', config, serial} | {type:'start'} | {type:'pause'} | {type:'predict', id, pixels: Uint8Array(784)}
// Messages out: {type:'ready', runtime, data} | {type:'reset', serial, params, layers} | {type:'state', running}
//               {type:'metrics', serial, ...} | {type:'prediction', id, probs} | {type:'error', message}
import * as sg from '../dist/index.js';
import { buildNet, initialise } from './nets.mjs';

const SLICE_MS = 60; // training time between two looks at the message queue
const EVAL_EVERY_MS = 700; // test-set evaluation period while training
const PROBE_BATCH = 256; // samples of the fixed batch for activation statistics and LSUV

let train, test, probeBatch; // DataLoaders and a fixed batch {x, y}
let net = null, opt = null, config = null, serial = 0; // serial: the page's number of the reset that built `net`
let running = false, timer = 0;
let step = 0, seen = 0, trainSeconds = 0, lastEval = 0;
let recent = []; // {loss, acc} of the last 20 training batches
let epoch = 0, batches = null; // the training stream: epoch e in the order of permutation(N, seed, e)

/** The next training batch; every reset starts again at epoch 0, so a configuration sees the same data order each time. */
function nextBatch() {
  for (;;) {
    const r = (batches ??= train.epochBatches(epoch)).next();
    if (!r.done) return r.value;
    epoch++;
    batches = null;
  }
}

const post = (m) => self.postMessage(m);
const fail = (e) => post({ type: 'error', message: e && e.message ? e.message : String(e) });

/** The digits container written by scripts/build-web.mjs: "SGDG", four u32 lengths, four IDX files. */
async function loadDigits() {
  const res = await fetch(new URL('./digits.bin.gz', import.meta.url));
  if (!res.ok) throw new Error(`digits.bin.gz: HTTP ${res.status}`);
  let bytes = new Uint8Array(await res.arrayBuffer());
  if (sg.data.isGzip(bytes)) bytes = await sg.data.gunzip(bytes, 'digits.bin.gz');
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'SGDG') throw new Error(`digits.bin.gz: not a digits container (magic ${JSON.stringify(magic)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts = [];
  for (let i = 0, at = 20; i < 4; i++) {
    const len = view.getUint32(4 + 4 * i, true);
    parts.push(sg.data.parseIdx(bytes.subarray(at, at + len), `digits part ${i}`));
    at += len;
  }
  return {
    train: sg.data.datasetFromIdx(parts[0], parts[1], 'digits-train'),
    test: sg.data.datasetFromIdx(parts[2], parts[3], 'digits-test'),
  };
}

function runtimeInfo() {
  const threading = typeof sg.threadingStatus === 'function' ? sg.threadingStatus() : null;
  return { variant: sg.wasmVariant(), threading, crossOriginIsolated: self.crossOriginIsolated === true, memory: sg.memory() };
}

function disposeNet() {
  if (opt && typeof opt.dispose === 'function') opt.dispose();
  if (net) {
    net.model.zeroGrad();
    net.model.dispose();
  }
  net = opt = null;
}

function reset(cfg, resetSerial) {
  pause();
  disposeNet();
  config = cfg;
  serial = resetSerial;
  sg.manualSeed(cfg.seed ?? 1);
  net = buildNet(sg, cfg);
  initialise(sg, net, cfg.init, cfg.activation, probeBatch.x);
  const params = [...net.model.parameters()];
  opt = cfg.optimizer === 'sgd' ? new sg.optim.SGD(params, { lr: cfg.lr, momentum: 0.9 }) : new sg.optim.Adam(params, { lr: cfg.lr });
  step = seen = trainSeconds = lastEval = epoch = 0;
  batches?.return();
  batches = null;
  recent = [];
  const count = params.reduce((a, p) => a + p.numel(), 0);
  postMetrics(evaluate());
  post({ type: 'reset', serial, params: count, layers: net.weights.map(([n, p]) => `${n} [${p.shape.join('×')}]`), probes: net.probes.length, model: String(net.model) });
}

/** Loss and accuracy of the test set (eval mode, no gradients). */
function evaluate() {
  const was = net.model.training;
  net.model.eval();
  let loss = 0, correct = 0, n = 0;
  for (const b of test.inOrder(500)) {
    sg.scope(() => sg.noGrad(() => {
      const logits = net.model.call(b.x);
      const k = b.y.shape[0];
      loss += sg.crossEntropy(logits, b.y).item() * k;
      correct += logits.argmax(1).eq(b.y).sum().item();
      n += k;
    }));
    b.x.dispose();
    b.y.dispose();
  }
  net.model.train(was);
  return { loss: loss / n, acc: correct / n };
}

/** Variance of each probe's output on the fixed batch (eval mode, layer by layer through the Sequential). */
function activationVariances() {
  const was = net.model.training;
  net.model.eval();
  const probes = new Set(net.probes);
  const out = [];
  sg.scope(() => sg.noGrad(() => {
    let h = probeBatch.x;
    for (let i = 0; i < net.model.length; i++) {
      const m = net.model.at(i);
      h = m.call(h);
      if (probes.has(m)) out.push(sg.var(h).item());
    }
  }));
  net.model.train(was);
  return out;
}

function gradNorms() {
  return net.weights.map(([, p]) => (p.grad ? sg.scope(() => p.grad.norm().item()) : 0));
}

function postMetrics(testResult) {
  const last = recent.length ? recent : null;
  post({
    type: 'metrics',
    serial,
    step,
    epoch: seen / train.dataset.length,
    train: last && { loss: last.reduce((a, r) => a + r.loss, 0) / last.length, acc: last.reduce((a, r) => a + r.acc, 0) / last.length },
    test: testResult ?? null,
    gradNorms: step > 0 ? gradNorms() : null,
    actVar: activationVariances(),
    imagesPerSecond: trainSeconds > 0 ? seen / trainSeconds : 0,
    runtime: runtimeInfo(),
  });
}

function trainStep() {
  const b = nextBatch();
  const r = sg.scope(() => {
    const logits = net.model.call(b.x);
    const loss = sg.crossEntropy(logits, b.y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return { loss: loss.item(), acc: sg.noGrad(() => logits.argmax(1).eq(b.y).mean().item()) };
  });
  seen += b.y.shape[0];
  b.x.dispose();
  b.y.dispose();
  step++;
  recent.push(r);
  if (recent.length > 20) recent.shift();
  return r;
}

function slice() {
  timer = 0;
  if (!running) return;
  try {
    const t0 = performance.now();
    let diverged = false;
    while (performance.now() - t0 < SLICE_MS) {
      if (!Number.isFinite(trainStep().loss)) {
        diverged = true;
        break;
      }
    }
    const t1 = performance.now();
    trainSeconds += (t1 - t0) / 1000;
    let testResult = null;
    if (diverged || t1 - lastEval > EVAL_EVERY_MS) {
      testResult = evaluate();
      lastEval = performance.now();
    }
    postMetrics(testResult);
    if (diverged) {
      pause();
      post({ type: 'error', kind: 'diverged', message: `the loss diverged at step ${step} (lower the learning rate and reset)` });
      return;
    }
  } catch (e) {
    pause();
    fail(e);
    return;
  }
  timer = setTimeout(slice, 0);
}

function start() {
  if (running || !net) return;
  running = true;
  post({ type: 'state', running });
  timer = setTimeout(slice, 0);
}

function pause() {
  if (timer) clearTimeout(timer);
  timer = 0;
  if (!running) return;
  running = false;
  // the final metrics go out before the state change, so a page that sees
  // "paused" already has the numbers of the last step
  if (net && step > 0) postMetrics(evaluate());
  post({ type: 'state', running });
}

/** Class probabilities of one 28x28 image (bytes 0..255), normalised like the training data. */
function predict(pixels) {
  const was = net.model.training;
  net.model.eval();
  const probs = sg.scope(() => sg.noGrad(() => {
    const raw = sg.tensor(pixels, { shape: [1, 1, 28, 28] });
    const x = sg.affine(raw, 1 / (255 * train.std), -train.mean / train.std);
    return Array.from(sg.softmax(net.model.call(x), 1).toArray());
  }));
  net.model.train(was);
  return probs;
}

self.onmessage = ({ data: m }) => {
  try {
    if (m.type === 'reset') reset(m.config, m.serial);
    else if (m.type === 'start') start();
    else if (m.type === 'pause') pause();
    else if (m.type === 'predict') post({ type: 'prediction', id: m.id, probs: net ? predict(m.pixels) : null });
  } catch (e) {
    fail(e);
  }
};

try {
  const digits = await loadDigits();
  train = new sg.data.DataLoader(digits.train, { batchSize: 64, shuffle: true, seed: 1 });
  test = new sg.data.DataLoader(digits.test, { batchSize: 500, shuffle: false, normalize: { mean: train.mean, std: train.std } });
  probeBatch = train.gather(Array.from({ length: PROBE_BATCH }, (_, i) => i));
  if (typeof sg.threadsReady === 'function' && sg.threadingStatus().enabled) await sg.threadsReady(5000);
  post({ type: 'ready', runtime: runtimeInfo(), data: { train: digits.train.length, test: digits.test.length } });
} catch (e) {
  fail(e);
}
