// What PyTorch users reach for: convolution padding 'same' | 'valid',
// gather with a smaller index, BCE-with-logits weight, Embedding maxNorm,
// ConvTranspose2d's outputSize, and loading a Sequential-keyed checkpoint.
// References in float64 here; PyTorch's rules quoted where they are choices.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { refConv, refConvTranspose } from '../helpers/ref-nn.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('numerics: padding modes, gather, BCE weight, maxNorm, outputSize, loading');
const { nn, F } = sg;

/** x (N, C, H, W) zero-padded by [top, bottom, left, right], float64. */
function padRef(x, [t, b, l, r]) {
  const [N, C, H, W] = x.shape, Hp = H + t + b, Wp = W + l + r;
  const out = new Float64Array(N * C * Hp * Wp);
  for (let p = 0; p < N * C; p++) for (let y = 0; y < H; y++) for (let z = 0; z < W; z++) out[(p * Hp + y + t) * Wp + z + l] = x.data[(p * H + y) * W + z];
  return R.nd([N, C, Hp, Wp], out);
}

/** PyTorch's 'same': total d (k - 1) per dim, floor half before, the rest after. */
function sameRef(x, w, b, dilation) {
  const [dh, dw] = typeof dilation === 'number' ? [dilation, dilation] : dilation;
  const th = dh * (w.shape[2] - 1), tw = dw * (w.shape[3] - 1);
  return refConv(padRef(x, [th >> 1, th - (th >> 1), tw >> 1, tw - (tw >> 1)]), w, b, { dilation });
}

for (const [kh, kw, dilation] of [[3, 3, 1], [4, 4, 1], [2, 5, 1], [3, 2, 2], [1, 1, 1]]) {
  test(`conv2d padding 'same' keeps the size: kernel ${kh}x${kw}, dilation ${dilation}`, () => {
    gradcheck({
      inputs: [{ shape: [2, 3, 5, 6] }, { shape: [4, 3, kh, kw] }, { shape: [4] }],
      fn: (x, w, b) => {
        const y = sg.conv2d(x, w, b, { padding: 'same', dilation });
        assert.equal(y.shape, [2, 4, 5, 6]);
        return y;
      },
      ref: (x, w, b) => sameRef(x, w, b, dilation),
    });
  });
}

test("conv2d padding 'valid' is padding 0; conv1d 'same' and 'valid'", () => {
  gradcheck({ inputs: [{ shape: [1, 2, 5, 5] }, { shape: [3, 2, 2, 3] }], fn: (x, w) => sg.conv2d(x, w, null, { padding: 'valid' }), ref: (x, w) => refConv(x, w, null) });
  for (const k of [3, 4]) {
    gradcheck({
      inputs: [{ shape: [2, 3, 7] }, { shape: [2, 3, k] }],
      fn: (x, w) => F.conv1d(x, w, null, { padding: 'same' }),
      ref: (x, w) => {
        const y = sameRef(R.nd([2, 3, 1, 7], x.data), R.nd([2, 3, 1, k], w.data), null, 1);
        return R.nd([2, 2, 7], y.data);
      },
    });
  }
  const x = sg.randn([1, 2, 9]), w = sg.randn([3, 2, 4]);
  assertClose(F.conv1d(x, w, null, { padding: 'valid' }).toArray(), F.conv1d(x, w).toArray(), { atol: 0 });
});

test("padding 'same' with stride > 1 is refused as PyTorch does; unknown strings get a did-you-mean", () => {
  const x = sg.randn([1, 2, 6, 6]), w = sg.randn([3, 2, 3, 3]);
  assertThrows(() => sg.conv2d(x, w, null, { padding: 'same', stride: 2 }), 'conv2d', 'stride', "'same'", 'strided');
  assertThrows(() => F.conv1d(sg.randn([1, 2, 6]), sg.randn([3, 2, 3]), null, { padding: 'same', stride: 2 }), 'conv1d', 'stride');
  assertThrows(() => new nn.Conv2d(2, 3, 3, { padding: 'same', stride: [1, 2] }), 'Conv2d', 'stride', "'same'");
  assertThrows(() => new nn.Conv1d(2, 3, 3, { padding: 'same', stride: 2 }), 'Conv1d', 'stride');
  assertThrows(() => sg.conv2d(x, w, null, { padding: 'smae' }), 'conv2d', 'padding', "'same'");
  assertThrows(() => new nn.Conv2d(2, 3, 3, { padding: 'full' }), 'Conv2d', 'padding');
});

test("nn.Conv2d and nn.Conv1d with padding 'same' (options or PyTorch's positional order)", () => {
  const c = new nn.Conv2d(2, 3, 4, 1, 'same');
  assert.is(c.padding, 'same');
  assert.ok(String(c).includes("padding='same'"));
  const x = sg.randn([2, 2, 5, 7]);
  const y = c.forward(x);
  assert.equal(y.shape, [2, 3, 5, 7]);
  assertClose(y.toArray(), sameRef(R.nd(x.shape, x.toArray()), R.nd(c.weight.shape, c.weight.toArray()), R.nd([3], c.bias.toArray()), 1).data, { atol: 1e-5 });
  const c1 = new nn.Conv1d(2, 3, 4, { padding: 'same', dilation: 2 });
  assert.equal(c1.forward(sg.randn([2, 2, 9])).shape, [2, 3, 9]);
  const c2 = new nn.Conv1d(2, 3, 4, { padding: 'valid' });
  assert.equal(c2.forward(sg.randn([2, 2, 9])).shape, [2, 3, 6]);
  for (const m of [c, c1, c2]) m.dispose();
});

test('gather with an index smaller than the input outside dim (PyTorch allows it)', () => {
  const gatherRef = (d) => (x, idx) => {
    const out = new Float64Array(R.numel(idx.shape));
    for (let i = 0; i < out.length; i++) {
      const pos = R.unravel(i, idx.shape);
      pos[d] = idx.data[i];
      out[i] = R.at(x, pos);
    }
    return R.nd(idx.shape, out);
  };
  const index = [[2, 0], [1, 1]];
  gradcheck({ inputs: [{ shape: [3, 4] }, { shape: [2, 2], data: index.flat(), grad: false }], fn: (x, i) => sg.gather(x, 1, i), ref: gatherRef(1) });
  gradcheck({ inputs: [{ shape: [3, 4, 2] }, { shape: [2, 3, 1], data: [0, 2, 1, 1, 0, 2], grad: false }], fn: (x, i) => sg.gather(x, 1, i), ref: gatherRef(1) });
  gradcheck({ inputs: [{ shape: [3, 4] }, { shape: [5, 1], data: [2, 0, 1, 2, 2], grad: false }], fn: (x, i) => sg.gather(x, 0, i), ref: gatherRef(0) });
  assertThrows(() => sg.gather(sg.ones([3, 4]), 1, sg.zeros([4, 1])), 'gather', 'must not exceed', 'dim 0: 4 > 3');
  assertThrows(() => sg.gather(sg.ones([3, 4]), 1, sg.tensor([[4]])), 'gather', 'index 4');
});

test('binaryCrossEntropyWithLogits with weight (and posWeight), as PyTorch (weight was silently ignored)', () => {
  const bce = (x, y, w, pw) => R.nd(x.shape, x.data.map((v, i) => {
    const t = y.data[i], p = 1 / (1 + Math.exp(-v));
    const posw = pw ? pw.data[i % pw.data.length] : 1;
    return (w ? w.data[i % w.data.length] : 1) * -(posw * t * Math.log(p) + (1 - t) * Math.log(1 - p));
  }));
  const y = [1, 0, 1, 0, 0.3, 1];
  for (const [wShape, withPos] of [[[3], false], [[2, 3], true], [[1], true]]) {
    gradcheck({
      inputs: [{ shape: [2, 3], lo: -3, hi: 3 }, { shape: [2, 3], data: y, grad: false }, { shape: wShape, lo: 0.2, hi: 2 }, { shape: [3], lo: 0.5, hi: 3, grad: false }],
      fn: (x, t, w, pw) => F.binaryCrossEntropyWithLogits(x, t, w, { reduction: 'none', posWeight: withPos ? pw : null }),
      ref: (x, t, w, pw) => bce(x, t, w, withPos ? pw : null),
    });
  }
  // the case: weight was silently ignored
  const x = sg.tensor([0.5, -1, 2]), t = sg.tensor([1, 0, 0]), w = sg.tensor([1, 2, 0.5]);
  const want = bce(R.nd([3], x.toArray()), R.nd([3], t.toArray()), R.nd([3], w.toArray())).data.reduce((a, b) => a + b) / 3;
  assertClose([F.binaryCrossEntropyWithLogits(x, t, { weight: w }).item()], [want], { atol: 1e-6 });
  assertClose([new nn.BCEWithLogitsLoss({ weight: w, reduction: 'sum' }).forward(x, t).item()], [want * 3], { atol: 1e-5 });
  assertThrows(() => F.binaryCrossEntropyWithLogits(x, t, sg.ones([2])), 'binaryCrossEntropyWithLogits', 'weight');
  assertThrows(() => F.binaryCrossEntropyWithLogits(x, t, { pos_weight: w }), "did you mean 'posWeight'");
});

test('Embedding maxNorm renormalises the looked-up rows in place, as PyTorch (p = 2, 1, Infinity)', () => {
  for (const normType of [2, 1, Infinity]) {
    const rows = [[3, 4, 0], [0.1, 0.2, 0.2], [-6, 8, 0], [1, 1, 1]];
    const e = new nn.Embedding(4, 3, { maxNorm: 2, normType });
    sg.noGrad(() => e.weight.copy_(sg.tensor(rows)));
    const out = e.forward(sg.tensor([[0, 2], [0, 1]]));
    const norm = (r) => (normType === Infinity ? Math.max(...r.map(Math.abs)) : r.reduce((s, v) => s + Math.abs(v) ** normType, 0) ** (1 / normType));
    const want = rows.map((r, i) => (i === 3 || norm(r) <= 2 ? r : r.map((v) => v * (2 / (norm(r) + 1e-7)))));
    assertClose(e.weight.toArray(), want.flat(), { atol: 1e-6 });
    assertClose(out.toArray(), [want[0], want[2], want[0], want[1]].flat(), { atol: 1e-6 });
    assert.ok(String(e).includes('maxNorm=2'));
    e.dispose();
  }
  // functional form, and gradients still flow to the (renormalised) weight
  const w = sg.tensor([[3, 4], [0.5, 0]], { requiresGrad: true });
  const y = sg.noGrad(() => F.embedding(sg.tensor([0, 0, 1]), w.detach(), { maxNorm: 1 }));
  assertClose(y.toArray(), [0.6, 0.8, 0.6, 0.8, 0.5, 0], { atol: 1e-6 });
});

test('ConvTranspose2d forward(x, outputSize) picks the output padding, as PyTorch', () => {
  const m = new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1 });
  const x = sg.randn([2, 3, 7, 7]);
  assert.equal(m.forward(x).shape, [2, 2, 13, 13]);
  for (const size of [[13, 14], [2, 2, 14, 13]]) {
    const y = m.forward(x, size);
    assert.equal(y.shape.slice(2), size.slice(-2));
    const op = [0, 1].map((i) => size.slice(-2)[i] - 13);
    const ref = refConvTranspose(R.nd(x.shape, x.toArray()), R.nd(m.weight.shape, m.weight.toArray()), R.nd([2], m.bias.toArray()), { stride: 2, padding: 1, outputPadding: op });
    assertClose(y.toArray(), ref.data, { atol: 1e-5 });
  }
  assertThrows(() => m.forward(x, [15, 13]), 'ConvTranspose2d.forward', 'outputSize', '[13, 14]');
  assertThrows(() => m.forward(x, [12, 13]), 'outputSize', '[13, 14]');
  assertThrows(() => m.forward(x, [13]), 'outputSize', '[H_out, W_out]');
  assertThrows(() => m.forward(x, 13), 'outputSize', 'array of integers');
  m.dispose();
});

/** The key a PyTorch nn.Sequential ResNet-20 would use for one of resnetCifar's keys. */
const SEQUENTIAL = { conv1: '0', bn1: '1', layer1: '3', layer2: '4', layer3: '5', fc: '8' };
const toSequential = (key) => {
  const [head, ...rest] = sg.nn.toTorchKey(key).split('.');
  return [SEQUENTIAL[head], ...rest].join('.');
};

test('loadStateDict: a Sequential-keyed ResNet-20 checkpoint round-trips by keyMap and by position', () => {
  sg.manualSeed(3);
  const source = nn.resnetCifar(20);
  // train-mode steps so the BN running statistics are not at their defaults
  for (let i = 0; i < 2; i++) source.forward(sg.randn([4, 3, 8, 8])).dispose();
  source.eval();
  const x = sg.randn([2, 3, 8, 8]);
  const want = source.forward(x).toArray();
  const sd = new Map([...source.stateDict()].map(([k, v]) => [toSequential(k), v]));
  assert.ok(sd.has('0.weight') && sd.has('3.0.conv1.weight') && sd.has('1.num_batches_tracked') && sd.has('8.bias'));

  // by name it fails, listing the keys, and says the shapes line up in order
  const fresh = nn.resnetCifar(20);
  assertThrows(() => fresh.loadStateDict(sd), 'loadStateDict', 'missing keys: conv1.weight', "unexpected keys: 0.weight", 'byPosition');

  const keyMap = Object.fromEntries(Object.entries(SEQUENTIAL).map(([ours, theirs]) => [theirs, ours]));
  const byName = fresh.loadStateDict(sd, { keyMap });
  assert.equal(byName.missingKeys, []);
  assert.equal(byName.unexpectedKeys, []);
  assert.equal(byName.matched[0], ['conv1.weight', '0.weight']);
  assert.equal(byName.matched.length, sd.size);
  fresh.eval();
  assert.equal(Array.from(fresh.forward(x).toArray()), Array.from(want));

  const positional = nn.resnetCifar(20);
  const byPos = positional.loadStateDict(sd, true, { byPosition: true });
  assert.equal(byPos.matched.find(([k]) => k === 'layer2.0.bn2.runningVar'), ['layer2.0.bn2.runningVar', '4.0.bn2.running_var']);
  positional.eval();
  assert.equal(Array.from(positional.forward(x).toArray()), Array.from(want));

  // a function keyMap; null drops an entry, reported as missing when not strict
  const fn = nn.resnetCifar(20);
  const r = fn.loadStateDict(sd, { strict: false, keyMap: (k) => (k === '8.bias' ? null : k.replace(/^(\d+)/, (d) => keyMap[d])) });
  assert.equal(r.missingKeys, ['fc.bias']);
  for (const m of [source, fresh, positional, fn]) m.dispose();
});

test('loadStateDict: by position needs the shapes to line up; bad options are refused', () => {
  const a = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 2));
  const b = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 5));
  assertThrows(() => b.loadStateDict(a.stateDict(), { byPosition: true }), 'shape mismatches', '1.weight: checkpoint [2,4] vs module [5,4]');
  assertThrows(() => b.loadStateDict(a.stateDict(), { by_position: true }), 'loadStateDict', "did you mean 'byPosition'");
  assertThrows(() => b.loadStateDict(a.stateDict(), { keyMap: 3 }), 'loadStateDict', 'keyMap');
  assertThrows(() => b.loadStateDict(a.stateDict(), { keyMap: { 0: '1' } }), 'both map to');
  assertThrows(() => b.loadStateDict(a.stateDict(), 'yes'), 'loadStateDict', 'strict', 'boolean');
  // a shorter checkpoint by position: the rest is missing
  const r = b.loadStateDict(new Map([...a.stateDict()].slice(0, 2)), { byPosition: true, strict: false });
  assert.equal(r.missingKeys, ['1.weight', '1.bias']);
  assert.equal(r.matched, [['0.weight', '0.weight'], ['0.bias', '0.bias']]);
  a.dispose();
  b.dispose();
});

test.run();
