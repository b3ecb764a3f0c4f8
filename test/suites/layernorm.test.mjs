// layerNorm and groupNorm against float64 references of PyTorch's formulas
// (F.layer_norm, F.group_norm): hand-derived examples, gradients of x, weight
// and bias by finite differences over shapes around the SIMD width, the
// nn.LayerNorm / nn.GroupNorm modules, and bad inputs.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';

const test = suite('ops: layerNorm, groupNorm');
const { nn } = sg;

/**
 * Float64 reference: rows of L elements, row r's element j uses weight index
 * widx(r, j); y = (x - mean) / sqrt(var + eps) w + b with the biased variance.
 */
function refRows(x, L, widx, w, b, eps) {
  const R = L === 0 ? 0 : x.data.length / L, out = new Float64Array(x.data.length);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let j = 0; j < L; j++) s += x.data[r * L + j];
    const mean = s / L;
    let q = 0;
    for (let j = 0; j < L; j++) q += (x.data[r * L + j] - mean) ** 2;
    const invstd = 1 / Math.sqrt(q / L + eps);
    for (let j = 0; j < L; j++) {
      const i = widx(r, j);
      out[r * L + j] = (x.data[r * L + j] - mean) * invstd * (w ? w.data[i] : 1) + (b ? b.data[i] : 0);
    }
  }
  return nd(x.shape, out);
}

/** F.layer_norm in float64: the last ns.length dims form a row, weight per row element. */
const refLayerNorm = (x, ns, w = null, b = null, eps = 1e-5) => refRows(x, ns.reduce((a, c) => a * c, 1), (r, j) => j, w, b, eps);

/** F.group_norm in float64 over (N, C, *): rows of C/G channels times the spatial size, weight per channel. */
function refGroupNorm(x, G, w = null, b = null, eps = 1e-5) {
  const C = x.shape[1], S = x.shape.slice(2).reduce((a, c) => a * c, 1), K = C / G;
  return refRows(x, K * S, (r, j) => (r % G) * K + Math.floor(j / S), w, b, eps);
}

const tol = { fatol: 1e-4, atol: 5e-3, rtol: 5e-3, h: 1e-5 };

test('hand-derived: layerNorm of [1,2,3,4] with eps 0.75 (var 1.25, invstd 1/sqrt 2), weight and bias', () => {
  const x = sg.tensor([[1, 2, 3, 4]]);
  const plain = sg.layerNorm(x, [4], null, null, 0.75);
  assertClose(plain.toArray(), [-1.0606601717798212, -0.35355339059327373, 0.35355339059327373, 1.0606601717798212], { atol: 1e-6 });
  const y = sg.F.layerNorm(x, 4, sg.tensor([2, -1, 1, 0.5]), sg.tensor([1, 0, -1, 0]), 0.75);
  assertClose(y.toArray(), [-1.1213203435596424, 0.35355339059327373, -0.6464466094067263, 0.5303300858899106], { atol: 1e-6 });
});

test('hand-derived: groupNorm of channels [1,2,3,4] in 2 groups with eps 0.75 (var 0.25 each) is [-0.5,0.5,-0.5,0.5]', () => {
  const x = sg.tensor([1, 2, 3, 4], { shape: [1, 4, 1] });
  assertClose(sg.groupNorm(x, 2, null, null, 0.75).toArray(), [-0.5, 0.5, -0.5, 0.5], { atol: 1e-6 });
  const y = sg.F.groupNorm(x, 2, sg.tensor([1, 2, 3, 4]), sg.tensor([0, 0, 1, 1]), 0.75);
  assertClose(y.toArray(), [-0.5, 1, -0.5, 3], { atol: 1e-6 });
  // one group: mean 2.5, var 1.25
  assertClose(sg.groupNorm(x, 1, null, null, 0.75).toArray(), [-1.0606601717798212, -0.35355339059327373, 0.35355339059327373, 1.0606601717798212], { atol: 1e-6 });
});

// normalized over 1 and 2 dims, lengths below, at and past the vector width and not multiples of 4
for (const [shape, ns] of [[[3, 5], [5]], [[2, 3, 7], [7]], [[4, 16], [16]], [[2, 17], [17]], [[2, 3, 4], [3, 4]], [[3, 2, 3], [2, 3]], [[6], [6]], [[2, 9, 1], [9, 1]]]) {
  test(`layerNorm ${JSON.stringify(shape)} over ${JSON.stringify(ns)}: forward and gradients of x, weight, bias`, () => {
    gradcheck({
      inputs: [{ shape }, { shape: ns, lo: 0.5, hi: 1.5 }, { shape: ns }],
      fn: (x, w, b) => sg.layerNorm(x, ns, w, b),
      ref: (x, w, b) => refLayerNorm(x, ns, w, b),
      ...tol,
    });
  });
}

test('layerNorm without affine parameters, with another eps; weight without bias', () => {
  gradcheck({ inputs: [{ shape: [4, 6] }], fn: (x) => sg.layerNorm(x, [6], null, null, 1e-3), ref: (x) => refLayerNorm(x, [6], null, null, 1e-3), ...tol });
  gradcheck({ inputs: [{ shape: [3, 5] }, { shape: [5] }], fn: (x, w) => sg.layerNorm(x, 5, w), ref: (x, w) => refLayerNorm(x, [5], w), ...tol });
});

// groups 1, 2 and C; spatial and no spatial dims; sizes not multiples of 4
for (const [shape, G] of [[[2, 4, 3, 5], 1], [[2, 4, 3, 5], 2], [[2, 4, 3, 5], 4], [[3, 6], 1], [[3, 6], 2], [[3, 6], 6], [[3, 8], 1], [[3, 8], 2], [[2, 6, 7], 3], [[2, 4, 2, 2], 2]]) {
  const C = shape[1];
  test(`groupNorm ${JSON.stringify(shape)} in ${G} groups: forward and gradients of x, weight, bias`, () => {
    gradcheck({
      inputs: [{ shape }, { shape: [C], lo: 0.5, hi: 1.5 }, { shape: [C] }],
      fn: (x, w, b) => sg.groupNorm(x, G, w, b),
      ref: (x, w, b) => refGroupNorm(x, G, w, b),
      ...tol,
    });
  });
}

test('groupNorm without affine parameters; gradient of x only', () => {
  gradcheck({ inputs: [{ shape: [2, 6, 5] }], fn: (x) => sg.groupNorm(x, 3), ref: (x) => refGroupNorm(x, 3), ...tol });
});

test('a non-contiguous input (transposed view) normalises like its contiguous copy', () => {
  const r = rng(3);
  const base = sg.tensor(Float32Array.from(r.array(5 * 6)), { shape: [5, 6] });
  const xt = sg.transpose(base, 0, 1);
  const ref = refLayerNorm(nd([6, 5], Float64Array.from(xt.contiguous().toArray())), [5]);
  assertClose(sg.layerNorm(xt, [5]).toArray(), ref.data, { atol: 1e-5 });
});

test('statistics of rows with a large offset stay accurate (float64 accumulation)', () => {
  const r = rng(11);
  const L = 4099, data = new Float32Array(2 * L).map(() => 1000 + r.uniform(-1, 1));
  const y = sg.layerNorm(sg.tensor(data, { shape: [2, L] }), [L]);
  const ref = refLayerNorm(nd([2, L], Float64Array.from(data)), [L]);
  assertClose(y.toArray(), ref.data, { atol: 2e-4, rtol: 0 });
});

test('a constant row: output 0, dx = invstd (g - mean g); an empty batch: empty output, zero parameter gradients', () => {
  const x = sg.tensor([[3, 3, 3]], { requiresGrad: true });
  const y = sg.layerNorm(x, 3);
  assert.equal(Array.from(y.toArray()), [0, 0, 0]);
  y.mul(sg.tensor([[1, 2, 3]])).sum().backward();
  const invstd = 1 / Math.sqrt(1e-5);
  assertClose(x.grad.toArray(), [-invstd, 0, invstd], { rtol: 1e-5 });
  const e = sg.zeros([0, 4, 3], { requiresGrad: true }), w = sg.ones([4], { requiresGrad: true }), b = sg.zeros([4], { requiresGrad: true });
  const ye = sg.groupNorm(e, 2, w, b);
  assert.equal([...ye.shape], [0, 4, 3]);
  ye.sum().backward();
  assert.equal(Array.from(w.grad.toArray()), [0, 0, 0, 0]);
  assert.equal(Array.from(b.grad.toArray()), [0, 0, 0, 0]);
});

test('nn.LayerNorm: defaults, parameters, stateDict keys, options, repr; train and eval agree', () => {
  const m = new nn.LayerNorm([2, 3]);
  try {
    assert.equal([...m.normalizedShape], [2, 3]);
    assert.is(m.eps, 1e-5);
    assert.is(m.elementwiseAffine, true);
    assert.equal(Array.from(m.weight.toArray()), [1, 1, 1, 1, 1, 1]);
    assert.equal(Array.from(m.bias.toArray()), [0, 0, 0, 0, 0, 0]);
    assert.equal([...m.weight.shape], [2, 3]);
    assert.equal([...m.namedParameters()].map(([k]) => k), ['weight', 'bias']);
    sg.scope(() => assert.equal([...m.stateDict().keys()], ['weight', 'bias']));
    assert.is(m.toString(), 'LayerNorm([2, 3], eps=0.00001, elementwiseAffine=true)');
    const x = sg.randn([4, 2, 3], { requiresGrad: true });
    const y = m.forward(x);
    assertClose(y.toArray(), refLayerNorm(nd([4, 2, 3], Float64Array.from(x.toArray())), [2, 3]).data, { atol: 1e-5 });
    m.eval();
    assert.equal(Array.from(m.forward(x).toArray()), Array.from(y.toArray()), 'no running statistics: eval is the same');
    m.train();
    y.mul(sg.randn([4, 2, 3])).sum().backward();
    assert.ok(x.grad !== null && m.weight.grad !== null && m.bias.grad !== null);
    assert.equal([...m.weight.grad.shape], [2, 3]);
  } finally {
    m.dispose();
  }
  const noAffine = new nn.LayerNorm(4, { elementwiseAffine: false, eps: 1e-3 });
  const noBias = new nn.LayerNorm(4, { bias: false });
  try {
    assert.is(noAffine.weight, null);
    assert.is(noAffine.bias, null);
    assert.is([...noAffine.parameters()].length, 0);
    assert.is(noAffine.toString(), 'LayerNorm([4], eps=0.001, elementwiseAffine=false)');
    assert.is(noBias.bias, null);
    assert.equal([...noBias.namedParameters()].map(([k]) => k), ['weight']);
    const x = sg.tensor([[1, 2, 3, 4]]);
    assertClose(noAffine.forward(x).toArray(), refLayerNorm(nd([1, 4], [1, 2, 3, 4]), [4], null, null, 1e-3).data, { atol: 1e-6 });
  } finally {
    noAffine.dispose();
    noBias.dispose();
  }
});

test('nn.GroupNorm: defaults, parameters, stateDict keys, repr, affine false; train and eval agree', () => {
  const m = new nn.GroupNorm(2, 4);
  try {
    assert.is(m.numGroups, 2);
    assert.is(m.numChannels, 4);
    assert.is(m.eps, 1e-5);
    assert.is(m.affine, true);
    assert.equal(Array.from(m.weight.toArray()), [1, 1, 1, 1]);
    assert.equal(Array.from(m.bias.toArray()), [0, 0, 0, 0]);
    sg.scope(() => assert.equal([...m.stateDict().keys()], ['weight', 'bias']));
    assert.is(m.toString(), 'GroupNorm(2, 4, eps=0.00001, affine=true)');
    const x = sg.randn([3, 4, 2, 3], { requiresGrad: true });
    const y = m.forward(x);
    assertClose(y.toArray(), refGroupNorm(nd([3, 4, 2, 3], Float64Array.from(x.toArray())), 2).data, { atol: 1e-5 });
    m.eval();
    assert.equal(Array.from(m.forward(x).toArray()), Array.from(y.toArray()));
    m.train();
    y.mul(sg.randn([3, 4, 2, 3])).sum().backward();
    assert.ok(x.grad !== null && m.weight.grad !== null && m.bias.grad !== null);
    assertThrows(() => m.forward(sg.zeros([3, 6, 2])), 'GroupNorm', '[3,6,2]', '(N, 4, *)');
  } finally {
    m.dispose();
  }
  const plain = new nn.GroupNorm(3, 6, { affine: false });
  try {
    assert.is(plain.weight, null);
    assert.is([...plain.parameters()].length, 0);
    assert.is(plain.toString(), 'GroupNorm(3, 6, eps=0.00001, affine=false)');
  } finally {
    plain.dispose();
  }
  assertThrows(() => new nn.GroupNorm(4, 6), 'GroupNorm', 'multiple of numGroups');
  assertThrows(() => new nn.LayerNorm([]), 'LayerNorm', 'normalizedShape');
});

test('bad inputs are refused, naming the op and the shapes', () => {
  const x = sg.zeros([4, 3, 5]);
  assertThrows(() => sg.layerNorm(x, [4]), 'layerNorm', '[4,3,5]', 'normalizedShape [4]');
  assertThrows(() => sg.layerNorm(x, [4, 5]), 'layerNorm', '[4,3,5]', '[4,5]');
  assertThrows(() => sg.layerNorm(x, [2, 4, 3, 5]), 'layerNorm', '[2,4,3,5]');
  assertThrows(() => sg.layerNorm(x, []), 'layerNorm', 'normalizedShape');
  assertThrows(() => sg.layerNorm(x, [5], sg.ones([3, 5])), 'layerNorm', '[4,3,5]', 'weight [3,5]', 'expected weight of shape [5]');
  assertThrows(() => sg.layerNorm(x, [3, 5], null, sg.ones([5])), 'layerNorm', 'bias [5]', '[3,5]');
  assertThrows(() => sg.layerNorm(x, [5], null, null, 0), 'layerNorm', 'eps');
  assertThrows(() => sg.groupNorm(x, 2), 'groupNorm', '[4,3,5]', 'divisible by numGroups', 'numGroups=2');
  assertThrows(() => sg.groupNorm(x, 0), 'groupNorm', 'numGroups must be an integer >= 1, got 0');
  assertThrows(() => sg.groupNorm(sg.zeros([6]), 2), 'groupNorm', '[6]');
  assertThrows(() => sg.groupNorm(x, 3, sg.ones([4])), 'groupNorm', '[4,3,5]', 'weight [4]', 'expected weight of shape [3]');
  assertThrows(() => sg.groupNorm(x, 1, null, sg.ones([1, 3])), 'groupNorm', 'bias [1,3]');
});

test.run();
