// conv1d, maxPool1d, avgPool1d, adaptiveAvgPool1d (and their nn layers):
// forward against independent float64 1-d loops and against the 2-d ops on
// the height-1 input, gradients by finite differences, hand-derived
// examples, module defaults, refused inputs.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';

const test = suite('nn-1d');
const { nn, F } = sg;

/** Views (N, C, L) as its leading dims and L. */
const planesOf = (x) => ({ L: x.shape[x.shape.length - 1], P: x.data.length / x.shape[x.shape.length - 1], lead: x.shape.slice(0, -1) });

/** float64 direct 1-d convolution: x (N,C,L) or (C,L), w (O,C/G,k), b (O) or null. */
function refConv1d(x, w, b, { stride = 1, padding = 0, dilation = 1, groups = 1 } = {}) {
  const batched = x.shape.length === 3;
  const [N, C, L] = batched ? x.shape : [1, ...x.shape];
  const [O, Cg, k] = w.shape, Og = O / groups;
  const OL = Math.floor((L + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
  const out = new Float64Array(N * O * OL);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let t = 0; t < OL; t++) {
    let s = b ? b.data[o] : 0;
    const g = Math.floor(o / Og);
    for (let c = 0; c < Cg; c++) for (let j = 0; j < k; j++) {
      const i = t * stride - padding + j * dilation;
      if (i >= 0 && i < L) s += x.data[(n * C + g * Cg + c) * L + i] * w.data[(o * Cg + c) * k + j];
    }
    out[(n * O + o) * OL + t] = s;
  }
  return nd(batched ? [N, O, OL] : [O, OL], out);
}

/** PyTorch's pooled length (floor or ceil; in ceilMode the last window must start inside input or left padding). */
function outLen(L, k, s, p, d, ceilMode) {
  const span = (L + 2 * p - d * (k - 1) - 1) / s;
  const o = (ceilMode ? Math.ceil(span) : Math.floor(span)) + 1;
  return ceilMode && (o - 1) * s >= L + p ? o - 1 : o;
}

/** float64 1-d max/avg pooling of every row with PyTorch's options. */
function refPool1d(x, { kernelSize: k, stride, padding: p = 0, dilation: d = 1, ceilMode = false, countIncludePad = true, divisorOverride = null }, kind) {
  const s = stride ?? k;
  const { L, P, lead } = planesOf(x);
  const OL = outLen(L, k, s, p, d, ceilMode);
  const out = new Float64Array(P * OL);
  for (let r = 0; r < P; r++) for (let t = 0; t < OL; t++) {
    const a = t * s - p, end = a + d * (k - 1) + 1;
    let acc = kind === 'max' ? -Infinity : 0, inside = 0;
    for (let i = a; i < end; i += d) {
      if (i < 0 || i >= L) continue;
      const v = x.data[r * L + i];
      acc = kind === 'max' ? Math.max(acc, v) : acc + v;
      inside++;
    }
    const div = divisorOverride ?? (countIncludePad ? Math.min(end, L + p) - a : inside);
    out[r * OL + t] = kind === 'max' ? acc : acc / div;
  }
  return nd([...lead, OL], out);
}

function refAdaptive1d(x, OL) {
  const { L, P, lead } = planesOf(x);
  const out = new Float64Array(P * OL);
  for (let r = 0; r < P; r++) for (let t = 0; t < OL; t++) {
    const a = Math.floor((t * L) / OL), b = Math.ceil(((t + 1) * L) / OL);
    let s = 0;
    for (let i = a; i < b; i++) s += x.data[r * L + i];
    out[r * OL + t] = s / (b - a);
  }
  return nd([...lead, OL], out);
}

/** The 2-d op on x viewed as (..., 1, L), squeezed back. */
function via2d(x, f) {
  const y = f(sg.unsqueeze(x, x.ndim - 1));
  return sg.squeeze(y, y.ndim - 2);
}

const convCases = [
  [[2, 3, 11], [4, 3, 3], {}, true],
  [[2, 4, 12], [6, 2, 3], { padding: 1, groups: 2 }, true],
  [[1, 3, 13], [5, 3, 4], { stride: 3, padding: 2 }, false],
  [[2, 2, 15], [3, 2, 3], { padding: 2, dilation: 3 }, true],
  [[3, 9], [4, 3, 2], { stride: 2 }, true], // unbatched (C, L)
  [[2, 4, 7], [4, 1, 3], { groups: 4, padding: 1 }, false],
];

for (const [xs, ws, opts, bias] of convCases) {
  test(`conv1d x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(opts)}${bias ? ' +bias' : ''}: float64 reference, gradients, equal to conv2d on H = 1`, () => {
    const inputs = [{ shape: xs }, { shape: ws }];
    if (bias) inputs.push({ shape: [ws[0]] });
    const { out, ts } = gradcheck({
      inputs,
      fn: (x, w, b) => F.conv1d(x, w, b ?? null, opts),
      ref: (x, w, b) => refConv1d(x, w, b ?? null, opts),
    });
    const { stride = 1, padding = 0, dilation = 1, groups = 1 } = opts;
    const y2 = via2d(ts[0], (x4) => sg.conv2d(x4, sg.unsqueeze(ts[1], 2), ts[2] ?? null, { stride: [1, stride], padding: [0, padding], dilation: [1, dilation], groups }));
    assertClose(out.toArray(), y2.toArray(), { atol: 0, rtol: 0, what: 'conv1d vs conv2d' });
  });
}

test('conv1d hand-derived example: y[t] = b + sum_j w[j] x[t s - p + j]', () => {
  const x = sg.tensor([[[1, 2, 3, 4, 5]]], { requiresGrad: true });
  const w = sg.tensor([[[1, 2, -1]]], { requiresGrad: true });
  const b = sg.tensor([10], { requiresGrad: true });
  const y = sg.conv1d(x, w, b, { padding: 1, stride: 2 });
  // padded x = 0 1 2 3 4 5 0, windows start at 0, 2, 4: 10 + (0 + 2 - 2), 10 + (2 + 6 - 4), 10 + (4 + 10 - 0)
  assert.equal(y.tolist(), [[[10, 14, 24]]]);
  y.sum().backward();
  // dx[i] = sum of the taps that read x[i]: x0, x2, x4 are the middle tap (2) once; x1, x3 are the last tap of one window (-1) and the first of the next (1)
  assert.equal(x.grad.tolist(), [[[2, 0, 2, 0, 2]]]);
  // dw[j] = sum over windows of the input under tap j: (0 + 2 + 4), (1 + 3 + 5), (2 + 4 + 0)
  assert.equal(w.grad.tolist(), [[[6, 9, 6]]]);
  assert.equal(b.grad.tolist(), [3]);
});

const poolCases = [
  ['max', [2, 3, 10], { kernelSize: 3 }],
  ['max', [2, 3, 11], { kernelSize: 3, stride: 2, padding: 1 }],
  ['max', [1, 2, 13], { kernelSize: 2, stride: 2, padding: 1, dilation: 3, ceilMode: true }],
  ['max', [3, 9], { kernelSize: 4, stride: 3, ceilMode: true }],
  ['avg', [2, 3, 10], { kernelSize: 3 }],
  ['avg', [2, 2, 11], { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }],
  ['avg', [1, 3, 12], { kernelSize: 4, stride: 3, padding: 2, ceilMode: true }],
  ['avg', [3, 10], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, divisorOverride: 2 }],
];

for (const [kind, xs, opts] of poolCases) {
  test(`${kind}Pool1d x${JSON.stringify(xs)} ${JSON.stringify(opts)}: float64 reference, gradients, equal to the 2-d pool on H = 1`, () => {
    const n = xs.reduce((a, b) => a * b, 1);
    // distinct values, so the max's argmax is unambiguous under finite differences
    const data = Array.from({ length: n }, (_, i) => ((i * 37) % n) / n - 0.5);
    const f1 = kind === 'max' ? F.maxPool1d : F.avgPool1d;
    const { out, ts } = gradcheck({ inputs: [{ shape: xs, data }], fn: (x) => f1(x, opts), ref: (x) => refPool1d(x, opts, kind) });
    const { kernelSize, stride, padding = 0, dilation, ...rest } = opts;
    const o2 = { ...rest, kernelSize: [1, kernelSize], stride: [1, stride ?? kernelSize], padding: [0, padding] };
    if (dilation !== undefined) o2.dilation = [1, dilation];
    const y2 = via2d(ts[0], (x4) => (kind === 'max' ? sg.maxPool2d(x4, o2) : sg.avgPool2d(x4, o2)));
    assertClose(out.toArray(), y2.toArray(), { atol: 0, rtol: 0, what: `${kind}Pool1d vs 2-d` });
  });
}

test('adaptiveAvgPool1d: float64 reference, gradients, equal to adaptiveAvgPool2d on H = 1', () => {
  for (const [xs, L] of [[[2, 3, 10], 4], [[3, 7], 3], [[1, 2, 5], 5], [[2, 2, 4], 7]]) {
    const { out, ts } = gradcheck({ inputs: [{ shape: xs }], fn: (x) => F.adaptiveAvgPool1d(x, L), ref: (x) => refAdaptive1d(x, L) });
    const y2 = via2d(ts[0], (x4) => sg.adaptiveAvgPool2d(x4, [1, L]));
    assertClose(out.toArray(), y2.toArray(), { atol: 0, rtol: 0, what: 'adaptiveAvgPool1d vs 2-d' });
  }
});

test('pooling hand-derived examples', () => {
  const x = sg.tensor([[1, 5, 2, 8, 3, 0, 4]], { requiresGrad: true });
  const m = sg.maxPool1d(x, { kernelSize: 2 });
  assert.equal(m.tolist(), [[5, 8, 3]]);
  m.sum().backward();
  assert.equal(x.grad.tolist(), [[0, 1, 0, 1, 1, 0, 0]]);
  // avg, kernel 3 stride 2 padding 1, padding counted: windows [-1,2) [1,4) [3,6) [5,8)
  const a = sg.avgPool1d(x.detach(), { kernelSize: 3, stride: 2, padding: 1 });
  assertClose(a.toArray(), [6 / 3, 15 / 3, 11 / 3, 4 / 3], { atol: 1e-6, rtol: 0 });
  // adaptive to 3 over 7: windows [0,3) [2,5) [4,7)
  assertClose(sg.adaptiveAvgPool1d(x.detach(), 3).toArray(), [8 / 3, 13 / 3, 7 / 3], { atol: 1e-6, rtol: 0 });
});

test('nn.Conv1d: PyTorch init bounds, shapes, stateDict keys, repr, agrees with F.conv1d', () => {
  sg.manualSeed(7);
  const m = new nn.Conv1d(8, 16, 5, { padding: 2, groups: 2 });
  assert.equal(m.weight.shape, [16, 4, 5]);
  assert.equal(m.bias.shape, [16]);
  assert.equal([...m.stateDict().keys()].sort(), ['bias', 'weight']);
  // kaiming_uniform(a = sqrt 5): bound = sqrt(6 / ((1 + 5) fanIn)) = 1 / sqrt(fanIn); bias the same bound; fanIn = 4 * 5
  const bound = 1 / Math.sqrt(20);
  for (const t of [m.weight, m.bias]) {
    const v = t.toArray();
    assert.ok(v.every((u) => Math.abs(u) <= bound), 'inside the bound');
    assert.ok(Math.max(...v.map(Math.abs)) > 0.8 * bound, 'spread over the bound');
  }
  assert.is(m.toString(), 'Conv1d(8, 16, kernelSize=5, stride=1, padding=2, groups=2)');
  const x = sg.randn([3, 8, 20]);
  const y = m.forward(x);
  assert.equal(y.shape, [3, 16, 20]);
  assertClose(y.toArray(), F.conv1d(x, m.weight, m.bias, { padding: 2, groups: 2 }).toArray(), { atol: 0, rtol: 0 });
  assert.equal(m.forward(sg.randn([8, 9])).shape, [16, 9]);
  const nb = new nn.Conv1d(2, 3, 3, { stride: 2, dilation: 2, bias: false });
  assert.is(nb.bias, null);
  assert.equal([...nb.stateDict().keys()], ['weight']);
  assert.is(nb.toString(), 'Conv1d(2, 3, kernelSize=3, stride=2, dilation=2, bias=false)');
  assert.equal(nb.forward(sg.randn([1, 2, 11])).shape, [1, 3, 4]);
  m.dispose();
  nb.dispose();
});

test('nn.MaxPool1d, AvgPool1d, AdaptiveAvgPool1d: shapes, both constructor forms, repr, no parameters', () => {
  const x = sg.randn([2, 3, 17]);
  const mp = new nn.MaxPool1d(3, { stride: 2, padding: 1 });
  assert.equal(mp.forward(x).shape, [2, 3, 9]);
  assertClose(mp.forward(x).toArray(), new nn.MaxPool1d({ kernelSize: 3, stride: 2, padding: 1 }).forward(x).toArray(), { atol: 0, rtol: 0 });
  assert.is(mp.toString(), 'MaxPool1d(kernelSize=3, stride=2, padding=1, dilation=1, ceilMode=false)');
  const ap = new nn.AvgPool1d(4, { ceilMode: true, countIncludePad: false });
  assert.equal(ap.forward(x).shape, [2, 3, 5]);
  assert.is(ap.toString(), 'AvgPool1d(kernelSize=4, stride=4, padding=0, ceilMode=true, countIncludePad=false)');
  const ad = new nn.AdaptiveAvgPool1d(5);
  assert.equal(ad.forward(sg.randn([3, 17])).shape, [3, 5]);
  assert.is(ad.toString(), 'AdaptiveAvgPool1d(outputSize=5)');
  for (const m of [mp, ap, ad]) assert.equal([...m.stateDict().keys()], []);
});

test('bad inputs name the 1-d op and the shapes', () => {
  const w = sg.randn([4, 3, 3]);
  assertThrows(() => sg.conv1d(sg.randn([2, 5, 10]), w), 'conv1d', 'input [2,5,10]', 'weight [4,3,3]', 'expects 3 input channels, got 5');
  assertThrows(() => sg.conv1d(sg.randn([2, 3, 4, 10]), w), 'conv1d', '[2,3,4,10]', '(N,C,L)');
  assertThrows(() => sg.conv1d(sg.randn([2, 3, 10]), sg.randn([4, 3, 1, 3])), 'conv1d', 'weight [4,3,1,3]', '3-d');
  assertThrows(() => sg.conv1d(sg.randn([2, 3, 2]), w), 'conv1d', 'input [2,3,2]', 'smaller than the dilated kernel');
  assertThrows(() => sg.conv1d(sg.randn([2, 3, 10]), w, null, { padding: 'full' }), 'conv1d', 'padding', "'full' (a string)", "'same' or 'valid'");
  assertThrows(() => sg.conv1d(sg.randn([2, 3, 10]), w, null, { stride: 0 }), 'conv1d', 'stride must be an integer >= 1');
  assertThrows(() => sg.conv1d(sg.randn([2, 3, 10]), w, sg.randn([3])), 'conv1d', 'bias [3]');
  assertThrows(() => sg.maxPool1d(sg.randn([2, 3, 10]), { kernelSize: 2, padding: 2 }), 'maxPool1d: padding 2 should be at most half of the effective kernel size 2');
  assert.equal(sg.maxPool1d(sg.randn([2, 3, 10]), { kernelSize: 2, padding: 2, dilation: 3 }).shape, [2, 3, 6]);
  assertThrows(() => sg.maxPool1d(sg.randn([2, 3, 2]), { kernelSize: 5 }), 'maxPool1d', 'input [2,3,2]', 'too small');
  assertThrows(() => sg.avgPool1d(sg.randn([2, 3, 10]), { kernelSize: 2, dilation: 2 }), 'avgPool1d', 'dilation');
  assertThrows(() => sg.maxPool1d(sg.randn([2, 3, 10]), { kernelSize: 2, divisorOverride: 2 }), 'maxPool1d', "unknown option 'divisorOverride'");
  assertThrows(() => sg.avgPool1d(sg.randn([10]), { kernelSize: 2 }), 'avgPool1d', 'input [10]');
  assertThrows(() => sg.maxPool1d(sg.randn([2, 10]), {}), 'maxPool1d', 'missing kernelSize');
  assertThrows(() => sg.adaptiveAvgPool1d(sg.randn([2, 10]), 0), 'adaptiveAvgPool1d', 'outputSize');
  assertThrows(() => new nn.Conv1d(3, 4, 3, { groups: 2 }), 'Conv1d', 'divisible by groups');
  assertThrows(() => new nn.Conv1d(3, 4, [3, 3]), 'Conv1d', 'kernelSize');
  assertThrows(() => new nn.MaxPool1d(2, { padding: 3 }), 'MaxPool1d: padding 3');
  assertThrows(() => new nn.AvgPool1d(3, { divisorOverride: 0 }), 'AvgPool1d', 'divisorOverride');
});

test.run();
