// The fused pairs F.batchNormRelu = relu(batchNorm(...)),
// F.batchNormAddRelu = relu(batchNorm(...) + other) and F.addRelu =
// relu(add(a, b)): forward and gradients against float64 references (finite
// differences), the same bits as the composed pair (values, every gradient,
// running statistics) over row lengths around the kernels' 4/8/16-wide blocks,
// training and eval, with and without affine parameters; gradients exactly at
// the kink (output 0 passes no gradient, as relu); argument refusals; and
// nn.BasicBlock / resnetCifar, which use them, against the composed modules
// (hooks and subclassed norms keep the composed path).
import * as assert from 'uvu/assert';
import { suite, sg, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { refused } from '../helpers/refused.mjs';
import * as R from '../helpers/ref.mjs';
import { refStats, refNorm } from '../helpers/ref-nn.mjs';

const test = suite('fused relu pairs');
const { nn, F } = sg;

const randT = (shape, seed, { lo = -1, hi = 1, requiresGrad = false } = {}) =>
  sg.tensor(Float32Array.from(rng(seed).array(R.numel(shape), lo, hi)), { shape, requiresGrad });

/** Asserts two tensors (or arrays) hold the same float32 bits. */
function sameBits(a, b, what) {
  const x = Float32Array.from(a instanceof sg.Tensor ? a.toArray() : a), y = Float32Array.from(b instanceof sg.Tensor ? b.toArray() : b);
  assert.is(x.length, y.length, `${what}: length`);
  const ux = new Uint32Array(x.buffer), uy = new Uint32Array(y.buffer);
  for (let i = 0; i < ux.length; i++) if (ux[i] !== uy[i]) throw new Error(`${what}: element ${i} differs: ${x[i]} (fused) vs ${y[i]} (composed)`);
}

const reluRef = (a) => R.map(a, (v) => Math.max(v, 0));

/** Running statistics for an eval test: C float32-exact means in [-0.5, 0.5] and variances in [0.5, 2] (float64 for the reference), and their tensors. */
function runningStats(C, seed) {
  const r = rng(seed);
  const rm = Float64Array.from({ length: C }, () => Math.fround(r.uniform(-0.5, 0.5)));
  const rv = Float64Array.from({ length: C }, () => Math.fround(r.uniform(0.5, 2)));
  return { rm, rv, rmT: sg.tensor(Float32Array.from(rm)), rvT: sg.tensor(Float32Array.from(rv)) };
}

// ---------------------------------------------------------------------------
// batchNormRelu

for (const shape of [[5, 3], [4, 3, 5], [3, 2, 3, 4], [2, 4, 1, 3]]) {
  const C = shape[1];
  test(`batchNormRelu training ${JSON.stringify(shape)}: forward and gradients of x, weight, bias`, () => {
    gradcheck({
      inputs: [{ shape }, { shape: [C], lo: 0.5, hi: 1.5 }, { shape: [C], lo: -0.5, hi: 0.5 }],
      fn: (x, w, b) => F.batchNormRelu(x, null, null, w, b, { training: true }),
      ref: (x, w, b) => { const s = refStats(x); return reluRef(refNorm(x, s.mean, s.v, w, b)); },
      fatol: 1e-4, atol: 5e-3, rtol: 5e-3, h: 1e-5, seed: shape.length + 3,
    });
  });
  test(`batchNormRelu eval ${JSON.stringify(shape)}: running statistics, gradients`, () => {
    const { rm, rv, rmT, rvT } = runningStats(C, 9);
    gradcheck({
      inputs: [{ shape }, { shape: [C] }, { shape: [C] }],
      fn: (x, w, b) => F.batchNormRelu(x, rmT, rvT, w, b, false),
      ref: (x, w, b) => reluRef(refNorm(x, rm, rv, w, b)),
      seed: shape.length + 5,
    });
    sameBits(rmT, Float32Array.from(rm), 'eval leaves the running mean alone');
  });
}

test('batchNormRelu training without affine parameters; gradient of x only', () => {
  gradcheck({
    inputs: [{ shape: [3, 4, 5] }],
    fn: (x) => F.batchNormRelu(x, null, null, null, null, { training: true, eps: 1e-3 }),
    ref: (x) => { const s = refStats(x); return reluRef(refNorm(x, s.mean, s.v, null, null, 1e-3)); },
    fatol: 1e-4, atol: 5e-3, rtol: 5e-3, h: 1e-5,
  });
});

/**
 * fused and composed results (output, running statistics, the gradients of
 * the inputs named in `grads`) of one call each on equal copies of the
 * inputs, for a random upstream gradient: batchNormRelu against
 * relu(batchNorm), or with `add` batchNormAddRelu against
 * addRelu(batchNorm, other).
 */
function bnBoth(shape, { training, affine, running = true, momentum = 0.1, eps = 1e-5, seed = 1, data = null, add = false, grads = ['x', 'other', 'w', 'b'] }) {
  const C = shape[1];
  return [true, false].map((fused) => {
    const x = data ? sg.tensor(Float32Array.from(data), { shape, requiresGrad: grads.includes('x') }) : randT(shape, seed, { lo: -2, hi: 3, requiresGrad: grads.includes('x') });
    const o = add ? randT(shape, seed + 6, { lo: -1.5, hi: 1, requiresGrad: grads.includes('other') }) : null;
    const w = affine ? randT([C], seed + 1, { lo: 0.5, hi: 1.5, requiresGrad: grads.includes('w') }) : null;
    const b = affine ? randT([C], seed + 2, { lo: -0.5, hi: 0.5, requiresGrad: grads.includes('b') }) : null;
    const rm = running ? randT([C], seed + 3) : null, rv = running ? randT([C], seed + 4, { lo: 0.5, hi: 2 }) : null;
    const opts = { training, momentum, eps };
    const y = add
      ? (fused ? F.batchNormAddRelu(x, o, rm, rv, w, b, opts) : F.addRelu(F.batchNorm(x, rm, rv, w, b, opts), o))
      : (fused ? F.batchNormRelu(x, rm, rv, w, b, opts) : sg.relu(F.batchNorm(x, rm, rv, w, b, opts)));
    if (y.requiresGrad) y.mul(randT(shape, seed + 5)).sum().backward();
    const out = { y };
    for (const [name, t] of [['dx', x], ['dother', o], ['dw', w], ['db', b]]) if (t?.requiresGrad) out[name] = t.grad;
    if (running) Object.assign(out, { rm, rv });
    return out;
  });
}

// rows of 1, 3, 4, 7, 8, 15, 16, 17, 33 and 784 (28x28) values: below, at and above the 4-, 8- and 16-wide blocks
for (const shape of [[7, 3], [4, 3, 3], [5, 2, 4], [3, 2, 7], [3, 3, 2, 4], [2, 2, 15], [2, 3, 4, 4], [3, 2, 17], [2, 2, 33], [2, 3, 28, 28], [1, 2, 5, 5]]) {
  test(`batchNormRelu ${JSON.stringify(shape)}: the composed pair's bits (training/eval, affine or not)`, () => {
    for (const training of [true, false]) {
      for (const affine of [true, false]) {
        if (training && shape[0] * R.numel(shape.slice(2)) <= 1) continue;
        const [f, c] = bnBoth(shape, { training, affine, seed: shape.length * 7 + shape[1] });
        for (const k of Object.keys(c)) sameBits(f[k], c[k], `${JSON.stringify(shape)} training ${training} affine ${affine}: ${k}`);
      }
    }
  });
}

test('batchNormRelu: eval without running statistics, momentum and eps as PyTorch positional arguments, the composed bits', () => {
  const [f, c] = bnBoth([4, 3, 6], { training: true, affine: true, running: false, seed: 40 });
  for (const k of Object.keys(c)) sameBits(f[k], c[k], k);
  const x = randT([4, 3, 6], 41), rm = sg.zeros([3]), rv = sg.ones([3]), rm2 = sg.zeros([3]), rv2 = sg.ones([3]);
  sameBits(F.batchNormRelu(x, rm, rv, null, null, true, 0.3, 1e-3), sg.relu(F.batchNorm(x, rm2, rv2, null, null, true, 0.3, 1e-3)), 'positional');
  sameBits(rm, rm2, 'running mean');
  sameBits(rv, rv2, 'running var');
});

test('batchNormRelu at the kink: outputs exactly 0 pass no gradient (as relu), the composed bits', () => {
  // each channel holds -1, 0, 1 repeated: mean 0, so x = 0 normalises to exactly 0
  const shape = [3, 2, 6];
  const data = Array.from({ length: R.numel(shape) }, (_, i) => (i % 3) - 1);
  for (const training of [true, false]) {
    const [f, c] = bnBoth(shape, { training, affine: false, data, seed: 50 });
    for (const k of Object.keys(c)) sameBits(f[k], c[k], `training ${training}: ${k}`);
  }
  // eval with mean 0, var 1, no affine: dx = g [x > 0] / sqrt(1 + eps)
  const x = sg.tensor(data, { shape, requiresGrad: true });
  const y = F.batchNormRelu(x, sg.zeros([2]), sg.ones([2]), null, null, false);
  y.sum().backward();
  const s = Math.fround(1 / Math.sqrt(1 + 1e-5));
  assert.equal(Array.from(x.grad.toArray()), data.map((v) => (v > 0 ? s : 0)));
  assert.equal(Array.from(y.toArray()).map((v) => Object.is(v, -0) ? 'negative zero' : v), data.map((v) => (v > 0 ? s : 0)));
});

test('batchNormRelu: NaN and infinite inputs give the composed bits', () => {
  const shape = [2, 2, 5];
  const data = Array.from({ length: R.numel(shape) }, (_, i) => [NaN, Infinity, -Infinity, 0.5, -0.25][i % 5] * (i % 2 ? 1 : 2));
  for (const training of [true, false]) {
    const [f, c] = bnBoth(shape, { training, affine: true, data, seed: 60 });
    for (const k of Object.keys(c)) sameBits(f[k], c[k], `training ${training}: ${k}`);
  }
});

test('batchNormRelu: weight and bias gradients without an input gradient, and no graph without requiresGrad', () => {
  const grads = [true, false].map((fused) => {
    const x = randT([3, 4, 9], 70);
    const w = randT([4], 71, { lo: 0.5, hi: 1.5, requiresGrad: true }), b = randT([4], 72, { requiresGrad: true });
    const y = fused ? F.batchNormRelu(x, null, null, w, b, true) : sg.relu(F.batchNorm(x, null, null, w, b, true));
    assert.is(y.gradFn, fused ? 'BatchNormReluBackward' : 'ReluBackward');
    y.mul(randT([3, 4, 9], 73)).sum().backward();
    return [w.grad, b.grad];
  });
  sameBits(grads[0][0], grads[1][0], 'dweight');
  sameBits(grads[0][1], grads[1][1], 'dbias');
  assert.is(F.batchNormRelu(randT([3, 4], 74), null, null, null, null, true).gradFn, null);
});

test('batchNormRelu refuses what batchNorm refuses, naming itself, the heap unchanged', () => {
  const x = randT([2, 3, 4], 80), rm = sg.zeros([3]), rv = sg.ones([3]), four = sg.zeros([4]);
  refused(() => F.batchNormRelu(x, rm, rv, null, null, { trainng: true }), TypeError, /batchNormRelu/, /did you mean 'training'/);
  refused(() => F.batchNormRelu(x, rm, rv, null, null, 'true'), TypeError, /batchNormRelu: training must be a boolean/);
  refused(() => F.batchNormRelu(x, rm, rv, null, null, { eps: 0 }), RangeError, /batchNormRelu: eps/);
  refused(() => F.batchNormRelu(x, four, rv), RangeError, /batchNormRelu: input \[2,3,4\] and runningMean \[4\]/);
  refused(() => F.batchNormRelu(x, null, null), RangeError, /batchNormRelu: runningMean and runningVar are required in evaluation mode/);
  refused(() => F.batchNormRelu([1, 2], null, null, null, null, true), TypeError, /batchNormRelu: input must be a Tensor/);
});

// ---------------------------------------------------------------------------
// batchNormAddRelu

for (const shape of [[5, 3], [4, 3, 5], [3, 2, 3, 4], [2, 4, 1, 3]]) {
  const C = shape[1];
  test(`batchNormAddRelu training ${JSON.stringify(shape)}: forward and gradients of x, other, weight, bias`, () => {
    gradcheck({
      inputs: [{ shape }, { shape }, { shape: [C], lo: 0.5, hi: 1.5 }, { shape: [C], lo: -0.5, hi: 0.5 }],
      fn: (x, r, w, b) => F.batchNormAddRelu(x, r, null, null, w, b, { training: true }),
      ref: (x, r, w, b) => { const s = refStats(x); return R.zip((u, v) => Math.max(u + v, 0), refNorm(x, s.mean, s.v, w, b), r); },
      fatol: 1e-4, atol: 5e-3, rtol: 5e-3, h: 1e-5, seed: shape.length + 13,
    });
  });
  test(`batchNormAddRelu eval ${JSON.stringify(shape)}: running statistics, gradients`, () => {
    const { rm, rv, rmT, rvT } = runningStats(C, 19);
    gradcheck({
      inputs: [{ shape }, { shape }, { shape: [C] }, { shape: [C] }],
      fn: (x, o, w, b) => F.batchNormAddRelu(x, o, rmT, rvT, w, b, false),
      ref: (x, o, w, b) => R.zip((u, v) => Math.max(u + v, 0), refNorm(x, rm, rv, w, b), o),
      seed: shape.length + 15,
    });
    sameBits(rmT, Float32Array.from(rm), 'eval leaves the running mean alone');
  });
}

for (const shape of [[7, 3], [4, 3, 3], [5, 2, 4], [3, 2, 7], [3, 3, 2, 4], [2, 2, 15], [2, 3, 4, 4], [3, 2, 17], [2, 2, 33], [2, 3, 28, 28], [1, 2, 5, 5]]) {
  test(`batchNormAddRelu ${JSON.stringify(shape)}: the composed pair's bits (training/eval, affine or not)`, () => {
    for (const training of [true, false]) {
      for (const affine of [true, false]) {
        if (training && shape[0] * R.numel(shape.slice(2)) <= 1) continue;
        const [f, c] = bnBoth(shape, { training, affine, seed: shape.length * 5 + shape[1], add: true });
        assert.equal(Object.keys(f), Object.keys(c));
        for (const k of Object.keys(c)) sameBits(f[k], c[k], `${JSON.stringify(shape)} training ${training} affine ${affine}: ${k}`);
      }
    }
  });
}

test('batchNormAddRelu: gradients of some inputs only (dx over the masked gradient when other needs none), the composed bits, the heap flat', () => {
  const before = sg.memory().liveTensors;
  for (const grads of [['x'], ['other'], ['w', 'b'], ['x', 'w'], ['other', 'b'], []]) {
    for (const training of [true, false]) {
      sg.scope(() => {
        const [f, c] = bnBoth([3, 4, 9], { training, affine: true, seed: 100, add: true, grads });
        assert.equal(Object.keys(f), Object.keys(c));
        for (const k of Object.keys(c)) sameBits(f[k], c[k], `grads ${grads} training ${training}: ${k}`);
        assert.is(f.y.gradFn, grads.length ? 'BatchNormAddReluBackward' : null);
      });
    }
  }
  assert.is(sg.memory().liveTensors, before, 'every temporary freed');
});

test('batchNormAddRelu at the kink: outputs exactly 0 pass no gradient to either input, the composed bits', () => {
  // each channel holds -1, 0, 1: mean 0, so x = 0 normalises to 0 and other = 0 leaves out = 0 there
  const shape = [3, 2, 6];
  const data = Array.from({ length: R.numel(shape) }, (_, i) => (i % 3) - 1);
  for (const training of [true, false]) {
    const [f, c] = bnBoth(shape, { training, affine: false, data, seed: 110, add: true });
    for (const k of Object.keys(c)) sameBits(f[k], c[k], `training ${training}: ${k}`);
  }
  const x = sg.tensor(data, { shape, requiresGrad: true }), o = sg.zeros(shape).requiresGrad_();
  F.batchNormAddRelu(x, o, sg.zeros([2]), sg.ones([2])).sum().backward();
  const s = Math.fround(1 / Math.sqrt(1 + 1e-5));
  assert.equal(Array.from(x.grad.toArray()), data.map((v) => (v > 0 ? s : 0)));
  assert.equal(Array.from(o.grad.toArray()), data.map((v) => (v > 0 ? 1 : 0)));
});

test('batchNormAddRelu: NaN and infinite inputs, a non-contiguous other, the same tensor as input and other: the composed bits', () => {
  const shape = [2, 2, 5];
  const data = Array.from({ length: R.numel(shape) }, (_, i) => [NaN, Infinity, -Infinity, 0.5, -0.25][i % 5] * (i % 2 ? 1 : 2));
  for (const training of [true, false]) {
    const [f, c] = bnBoth(shape, { training, affine: true, data, seed: 120, add: true });
    for (const k of Object.keys(c)) sameBits(f[k], c[k], `training ${training}: ${k}`);
  }
  const [f, c] = [true, false].map((fused) => {
    const x = randT([3, 2, 4], 121, { requiresGrad: true }), base = randT([3, 4, 2], 122, { requiresGrad: true });
    const o = base.transpose(1, 2);
    const y = fused ? F.batchNormAddRelu(x, o, null, null, null, null, true) : F.addRelu(F.batchNorm(x, null, null, null, null, true), o);
    const z = fused ? F.batchNormAddRelu(x, x, null, null, null, null, true) : F.addRelu(F.batchNorm(x, null, null, null, null, true), x);
    sg.add(y.mul(randT([3, 2, 4], 123)).sum(), z.sum()).backward();
    return [y, z, x.grad, base.grad];
  });
  f.forEach((t, i) => sameBits(t, c[i], ['output', 'output with other = input', 'gradient of input', 'gradient of other'][i]));
});

test('batchNormAddRelu refuses what batchNorm refuses and an other of another shape, naming itself, the heap unchanged', () => {
  const x = randT([2, 3, 4], 130), o = randT([2, 3, 4], 131), rm = sg.zeros([3]), rv = sg.ones([3]);
  refused(() => F.batchNormAddRelu(x, o, rm, rv, null, null, { trainng: true }), TypeError, /batchNormAddRelu/, /did you mean 'training'/);
  refused(() => F.batchNormAddRelu(x, o, rm, rv, null, null, 'true'), TypeError, /batchNormAddRelu: training must be a boolean/);
  refused(() => F.batchNormAddRelu(x, rm, rv), TypeError, /batchNormAddRelu: missing runningVar/);
  refused(() => F.batchNormAddRelu(x, rm, rv, null, null, null, true), RangeError, /batchNormAddRelu: input \[2,3,4\] and other \[3\]: expected other of the input.s shape/);
  const o2 = randT([3, 4], 132);
  refused(() => F.batchNormAddRelu(x, o2, rm, rv), RangeError, /batchNormAddRelu: input \[2,3,4\] and other \[3,4\]/, /F\.addRelu\(F\.batchNorm/);
  refused(() => F.batchNormAddRelu(x, [1, 2], rm, rv), TypeError, /batchNormAddRelu: other must be a Tensor/);
  refused(() => F.batchNormAddRelu(x, o, null, null), RangeError, /batchNormAddRelu: runningMean and runningVar are required in evaluation mode/);
  const gone = randT([2, 3, 4], 133);
  gone.dispose();
  refused(() => F.batchNormAddRelu(x, gone, rm, rv), Error, /batchNormAddRelu/);
});

// ---------------------------------------------------------------------------
// addRelu

const broadcastShapes = [
  [[3, 4], [3, 4]],
  [[3, 4], [4]],
  [[3, 1], [1, 4]],
  [[2, 1, 5], [3, 1]],
  [[5], []],
  [[], [2, 3]],
  [[2, 3, 4, 5, 2], [3, 1, 5, 1]],
];
for (const [sa, sb] of broadcastShapes) {
  test(`addRelu ${JSON.stringify(sa)} with ${JSON.stringify(sb)}: forward and gradients`, () => {
    gradcheck({
      inputs: [{ shape: sa }, { shape: sb }],
      fn: (a, b) => F.addRelu(a, b),
      ref: (a, b) => R.zip((u, v) => Math.max(u + v, 0), a, b),
      seed: sa.length * 3 + sb.length + 11,
    });
  });
  test(`addRelu ${JSON.stringify(sa)} with ${JSON.stringify(sb)}: the composed bits`, () => {
    const [f, c] = [true, false].map((fused) => {
      const a = randT(sa, 90, { requiresGrad: true }), b = randT(sb, 91, { requiresGrad: true });
      const y = fused ? F.addRelu(a, b) : sg.relu(sg.add(a, b));
      y.mul(randT([...y.shape], 92)).sum().backward();
      return [y, a.grad, b.grad];
    });
    f.forEach((t, i) => sameBits(t, c[i], ['output', 'gradient of input', 'gradient of other'][i]));
  });
}

test('addRelu: a number operand, the kink a + b = 0 passes no gradient, one input without gradient', () => {
  const a = sg.tensor([-1, 0.5, 2, -3, 1], { requiresGrad: true });
  const y = F.addRelu(a, 1);
  assert.equal(Array.from(y.toArray()), [0, 1.5, 3, 0, 2]);
  y.sum().backward();
  assert.equal(Array.from(a.grad.toArray()), [0, 1, 1, 0, 1]);
  const b = sg.tensor([1, -0.5, 2]), c = sg.tensor([-1, 1, -3], { requiresGrad: true });
  F.addRelu(b, c).sum().backward();
  assert.equal(Array.from(c.grad.toArray()), [0, 1, 0]);
  assert.ok(Number.isNaN(F.addRelu(sg.tensor([NaN]), 1).item()), 'NaN propagates as relu does');
});

test('addRelu refusals name the op and the argument, the heap unchanged', () => {
  const two = sg.ones([2]), three = sg.ones([3]);
  refused(() => F.addRelu([1, 2], two), TypeError, /addRelu: input must be a Tensor/, /wrap it with tensor/);
  refused(() => F.addRelu(two, '1'), TypeError, /addRelu: other must be a Tensor/);
  refused(() => F.addRelu(two), TypeError, /addRelu: missing other/);
  refused(() => F.addRelu(two, three, { alpha: 2 }), TypeError, /addRelu/);
  refused(() => F.addRelu(two, three), RangeError, /addRelu/);
});

// ---------------------------------------------------------------------------
// the modules that use them

/** A block and a copy of it (same parameters and buffers). */
function twins(make) {
  sg.manualSeed(3);
  const a = make(), b = make();
  b.loadStateDict(a.stateDict());
  return [a, b];
}

/** out, input gradient, every parameter's gradient and every buffer of `model` after one forward/backward. */
function step(model, x0, g) {
  const x = x0.clone().requiresGrad_();
  const y = model.call(x);
  y.mul(g).sum().backward();
  return [y.toArray(), x.grad.toArray(), ...[...model.parameters()].map((p) => p.grad.toArray()), ...[...model.buffers()].map((t) => t.toArray())];
}

function compareSteps(what, a, b) {
  assert.is(a.length, b.length);
  a.forEach((t, i) => sameBits(t, b[i], `${what}: tensor ${i}`));
}

test('BasicBlock: the fused path gives the bits of the composed modules (shortcut identity, B, plain; train and eval)', () => {
  const composed = (blk, x) => sg.scope(() => {
    const h = sg.relu(blk.bn1.call(blk.conv1.call(x)));
    const y = blk.bn2.call(blk.conv2.call(h));
    if (!blk.residual) return sg.relu(y);
    return sg.relu(sg.add(y, blk.shortcut === null ? x : blk.shortcut.call(x)));
  });
  for (const [args, inC] of [[[4, 4], 4], [[3, 6, 2], 3], [[3, 6, 2, { residual: false }], 3]]) {
    const [fused, ref] = twins(() => new nn.BasicBlock(...args));
    const plain = { call: (x) => composed(ref, x), parameters: () => ref.parameters(), buffers: () => ref.buffers() };
    for (const mode of ['train', 'eval', 'train']) {
      fused[mode]();
      ref[mode]();
      const x = sg.randn([3, inC, 7, 7]), g = sg.randn([3, args[1], args[2] === 2 ? 4 : 7, args[2] === 2 ? 4 : 7]);
      fused.zeroGrad();
      ref.zeroGrad();
      compareSteps(`BasicBlock(${JSON.stringify(args)}) ${mode}`, step(fused, x, g), step(plain, x, g));
    }
    fused.dispose();
    ref.dispose();
  }
});

test('BasicBlock option A and resnetCifar: fused equals the path a forward hook on every norm forces', () => {
  for (const [make, outShape] of [[() => new nn.BasicBlock(4, 8, 2, { shortcut: 'A' }), [2, 8, 4, 4]], [() => nn.resnetCifar(8, { inChannels: 2, width: 4 }), [2, 10]]]) {
    const [fused, hooked] = twins(make);
    const seen = [];
    for (const m of hooked.modules()) if (m instanceof nn.BatchNorm2d) m.registerForwardHook((mod, inputs, out) => { seen.push(out.shape.length); });
    const x = sg.randn([2, fused instanceof nn.BasicBlock ? 4 : 2, 8, 8]);
    const g = sg.randn(outShape);
    compareSteps(fused.constructor.name, step(fused, x, g), step(hooked, x, g));
    assert.ok(seen.length > 0, 'the hooks ran');
    fused.dispose();
    hooked.dispose();
  }
});

test('BasicBlock: a forward hook on bn1 sees the pre-ReLU output and may replace it; a BatchNorm2d subclass keeps its forward', () => {
  sg.manualSeed(5);
  const blk = new nn.BasicBlock(3, 3, { residual: false });
  blk.eval();
  const x = sg.randn([2, 3, 5, 5]);
  let negatives = 0;
  const h = blk.bn1.registerForwardHook((m, inputs, out) => { negatives += out.lt(0).sum().item(); return out.mul(0); });
  const zeroed = blk.call(x);
  assert.ok(negatives > 0, 'the hook saw the output before the ReLU');
  // bn1's output replaced by zeros: the block is relu(bn2(conv2(0)))
  sameBits(zeroed, sg.relu(blk.bn2.call(blk.conv2.call(sg.zeros([2, 3, 5, 5])))), 'hook replacement');
  h.remove();

  class Doubled extends nn.BatchNorm2d {
    forward(t) { return super.forward(t).mul(2); }
  }
  const sub = new nn.BasicBlock(3, 3, { residual: false });
  sub.eval();
  // a user's norm put in bn1's place (the registered bn1 stays in the state dict, as PyTorch would replace it)
  const doubled = new Doubled(3);
  doubled.eval();
  sub.bn1 = doubled;
  const expected = sg.relu(sub.bn2.call(sub.conv2.call(sg.relu(doubled.call(sub.conv1.call(x))))));
  sameBits(sub.call(x), expected, 'subclass forward used');
  blk.dispose();
  sub.dispose();
  doubled.dispose();
});

test.run();
