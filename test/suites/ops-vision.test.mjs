// Vision ops (interpolate, pixelShuffle/Unshuffle, unfold/fold, normalize,
// cosineSimilarity, adaptiveMaxPool2d, instanceNorm): PyTorch's published
// examples, float64 references written directly from the definitions,
// finite-difference gradients, strided and 0-size inputs, argument checks.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('ops: vision');
const f = Math.fround;

/** PyTorch's source coordinate of output o for the linear modes (float32 steps, as its CPU kernel). */
function linearSource(o, n, out, alignCorners, factor) {
  if (alignCorners) return out > 1 ? f(f(f(n - 1) / f(out - 1)) * o) : 0;
  const scale = factor ? f(1 / factor) : f(n / out);
  return Math.max(f(f(scale * f(o + 0.5)) - 0.5), 0);
}

/** Direct (non-separable) bilinear reference over [N, C, H, W]. */
function refBilinear(a, [OH, OW], alignCorners, factors) {
  const [N, C, H, W] = a.shape;
  const out = new Float64Array(N * C * OH * OW);
  const tap = (n) => (x) => { const i0 = Math.floor(x); return [i0, i0 + (i0 < n - 1 ? 1 : 0), x - i0]; };
  for (let p = 0; p < N * C; p++) {
    for (let oy = 0; oy < OH; oy++) {
      const [y0, y1, ly] = tap(H)(linearSource(oy, H, OH, alignCorners, factors?.[0]));
      for (let ox = 0; ox < OW; ox++) {
        const [x0, x1, lx] = tap(W)(linearSource(ox, W, OW, alignCorners, factors?.[1]));
        const v = (y, x) => a.data[p * H * W + y * W + x];
        out[(p * OH + oy) * OW + ox] = (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1));
      }
    }
  }
  return R.nd([N, C, OH, OW], out);
}

test('interpolate bilinear: PyTorch`s 2x2 -> 4x4 examples with and without alignCorners', () => {
  const x = sg.tensor([[[[1, 2], [3, 4]]]]);
  const a = sg.F.interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: false });
  assertClose(a.toArray(), [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4], { atol: 1e-6, rtol: 0 });
  const b = sg.interpolate(x, [4, 4], null, 'bilinear', true);
  const t = 1 / 3;
  assertClose(b.toArray(), [1, 1 + t, 1 + 2 * t, 2, 1 + 2 * t, 2, 2 + t, 2 + 2 * t, 2 + t, 2 + 2 * t, 3, 3 + t, 3, 3 + t, 3 + 2 * t, 4], { atol: 1e-6, rtol: 0 });
});

test('interpolate bilinear: up, down, odd factors, alignCorners both ways: forward against the direct formula, gradients', () => {
  for (const [shape, size, factor, ac] of [[[1, 2, 3, 4], [5, 7], null, false], [[2, 1, 4, 3], [5, 7], null, true], [[1, 1, 5, 6], [3, 2], null, false], [[1, 1, 3, 3], null, 1.7, false], [[1, 2, 4, 4], [1, 3], null, true]]) {
    const outSize = size ?? shape.slice(2).map((n) => Math.floor(f(n * factor)));
    gradcheck({
      inputs: [{ shape }],
      fn: (x) => sg.interpolate(x, { size, scaleFactor: factor, mode: 'bilinear', alignCorners: ac }),
      ref: (a) => refBilinear(a, outSize, ac, factor ? [factor, factor] : null),
      fatol: 2e-6,
    });
  }
});

test('interpolate nearest and nearest-exact: PyTorch`s index rules, gradients summed over repeats', () => {
  const x = sg.tensor([[[1, 2, 3, 4]]]);
  assert.equal(sg.interpolate(x, 3).tolist(), [[[1, 2, 3]]]);
  assert.equal(sg.interpolate(x, { size: 3, mode: 'nearest-exact' }).tolist(), [[[1, 3, 4]]]);
  assert.equal(sg.interpolate(sg.tensor([[[1, 2]]]), { scaleFactor: 2 }).tolist(), [[[1, 1, 2, 2]]]);
  for (const [shape, size, mode] of [[[1, 2, 3, 5], [7, 4], 'nearest'], [[1, 1, 4, 6], [3, 9], 'nearest-exact'], [[2, 1, 3, 2, 2], [5, 3, 3], 'nearest']]) {
    const exact = mode === 'nearest-exact' ? 0.5 : 0;
    const src = (o, n, out) => Math.min(Math.floor(f(f(o + exact) * f(n / out))), n - 1);
    const outShape = [...shape.slice(0, 2), ...size];
    gradcheck({
      inputs: [{ shape }],
      fn: (x) => sg.interpolate(x, size, null, mode),
      ref: (a) => R.nd(outShape, Array.from({ length: R.numel(outShape) }, (_, i) => {
        const idx = R.unravel(i, outShape);
        const at = idx.map((v, d) => (d < 2 ? v : src(v, shape[d], outShape[d])));
        return a.data[at.reduce((p, v, d) => p + v * R.stridesOf(shape)[d], 0)];
      })),
    });
  }
});

test('interpolate linear (3-d) and trilinear (5-d) are separable lerps with the same rule', () => {
  gradcheck({
    inputs: [{ shape: [2, 3, 5] }],
    fn: (x) => sg.interpolate(x, 8, null, 'linear', false),
    ref: (a) => {
      const out = new Float64Array(2 * 3 * 8);
      for (let p = 0; p < 6; p++) for (let o = 0; o < 8; o++) {
        const s = linearSource(o, 5, 8, false), i0 = Math.floor(s), i1 = i0 + (i0 < 4 ? 1 : 0), l = s - i0;
        out[p * 8 + o] = (1 - l) * a.data[p * 5 + i0] + l * a.data[p * 5 + i1];
      }
      return R.nd([2, 3, 8], out);
    },
  });
  const y = sg.interpolate(sg.arange(8).reshape(1, 1, 2, 2, 2), { scaleFactor: 2, mode: 'trilinear', alignCorners: true });
  assert.equal(y.shape, [1, 1, 4, 4, 4]);
  // a linear function of the coordinates is reproduced exactly with alignCorners
  const v = y.toArray();
  for (let i = 0; i < 64; i++) {
    const [, , z, r, c] = R.unravel(i, [1, 1, 4, 4, 4]);
    assertClose([v[i]], [(4 * z + 2 * r + c) / 3], { atol: 1e-5, rtol: 0 });
  }
});

test('interpolate: strided input, 0-size batch, argument checks', () => {
  gradcheck({ inputs: [{ shape: [1, 1, 4, 3] }], fn: (x) => sg.interpolate(x.transpose(2, 3), [5, 6], null, 'bilinear'), ref: (a) => refBilinear(R.permute(a, [0, 1, 3, 2]), [5, 6], false) });
  assert.equal(sg.interpolate(sg.zeros([0, 3, 2, 2]), { scaleFactor: 2 }).shape, [0, 3, 4, 4]);
  const x = sg.zeros([1, 1, 2, 2]);
  assertThrows(() => sg.interpolate(x, { size: 4, scaleFactor: 2 }), 'interpolate: give exactly one of size and scaleFactor');
  assertThrows(() => sg.interpolate(x, { size: 4, mode: 'linear' }), "interpolate: mode 'linear' takes a 3-d input", "use 'bilinear'");
  assertThrows(() => sg.interpolate(x, { size: 4, alignCorners: true }), 'alignCorners only applies to the linear modes');
  assertThrows(() => sg.interpolate(x, { size: [4, 4, 4] }), 'size has 3 values for 2 spatial dims');
  assertThrows(() => sg.interpolate(x, { scaleFactor: -1 }), 'scaleFactor must be a positive number or an array of them');
  assertThrows(() => sg.interpolate(x, { size: 4, mode: 'bicubic' }), "mode must be one of 'nearest'");
  assertThrows(() => sg.interpolate(x, { size: 4, align_corners: true }), "did you mean 'alignCorners'");
});

test('pixelShuffle and pixelUnshuffle: the index map, inverse of each other, gradients', () => {
  const r = 2;
  gradcheck({
    inputs: [{ shape: [2, 8, 2, 3] }],
    fn: (x) => sg.F.pixelShuffle(x, r),
    ref: (a) => R.nd([2, 2, 4, 6], Array.from({ length: 96 }, (_, i) => {
      const [n, c, h, w] = R.unravel(i, [2, 2, 4, 6]);
      return a.data[((n * 8 + c * 4 + (h % r) * r + (w % r)) * 2 + Math.floor(h / r)) * 3 + Math.floor(w / r)];
    })),
  });
  const x = sg.randn([3, 4, 6]);
  assert.equal(Array.from(sg.pixelShuffle(sg.pixelUnshuffle(x, 2), 2).toArray()), Array.from(x.toArray()));
  gradcheck({ inputs: [{ shape: [1, 1, 4, 4] }], fn: (a) => sg.pixelUnshuffle(a, 2), ref: (a) => R.nd([1, 4, 2, 2], Array.from({ length: 16 }, (_, i) => { const [, c, h, w] = R.unravel(i, [1, 4, 2, 2]); return a.data[(2 * h + (c >> 1)) * 4 + 2 * w + (c & 1)]; })) });
  assertThrows(() => sg.pixelShuffle(sg.zeros([1, 6, 2, 2]), 2), 'pixelShuffle: channels 6 of [1,6,2,2] must be divisible by upscaleFactor^2 = 4');
  assertThrows(() => sg.pixelUnshuffle(sg.zeros([1, 1, 3, 4]), 2), 'must be divisible by downscaleFactor 2');
});

/** Reference im2col of [N, C, H, W]. */
function refUnfold(a, [kh, kw], [dh, dw], [ph, pw], [sh, sw]) {
  const [N, C, H, W] = a.shape;
  const OH = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, OW = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const K = C * kh * kw, L = OH * OW;
  const out = new Float64Array(N * K * L);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    const y = oy * sh - ph + i * dh, x = ox * sw - pw + j * dw;
    out[(n * K + (c * kh + i) * kw + j) * L + oy * OW + ox] = y >= 0 && y < H && x >= 0 && x < W ? a.data[((n * C + c) * H + y) * W + x] : 0;
  }
  return R.nd([N, K, L], out);
}

test('unfold: im2col with kernel, dilation, padding, stride; gradient', () => {
  for (const [k, d, p, s] of [[[2, 2], [1, 1], [0, 0], [1, 1]], [[3, 2], [2, 1], [1, 1], [2, 1]], [[1, 3], [1, 1], [0, 2], [1, 2]]]) {
    gradcheck({ inputs: [{ shape: [2, 2, 5, 4] }], fn: (x) => sg.F.unfold(x, k, d, p, s), ref: (a) => refUnfold(a, k, d, p, s) });
  }
  gradcheck({ inputs: [{ shape: [2, 4, 3] }], fn: (x) => sg.unfold(x, 2, { padding: 1 }), ref: (a) => { const r = refUnfold(R.reshape(a, [1, 2, 4, 3]), [2, 2], [1, 1], [1, 1], [1, 1]); return R.reshape(r, r.shape.slice(1)); } });
  assertThrows(() => sg.unfold(sg.zeros([1, 1, 2, 2]), 3), 'unfold: the 3x3 kernel', 'does not fit the 2x2 input');
  assertThrows(() => sg.unfold(sg.zeros([2, 2]), 1), 'unfold: input must be 3-d');
});

test('fold: the adjoint of unfold (overlaps add up), inverse for non-overlapping blocks; gradient', () => {
  const x = sg.randn([2, 3, 4, 6]);
  const cols = sg.unfold(x, 2, { stride: 2 });
  assert.equal(Array.from(sg.fold(cols, [4, 6], 2, { stride: 2 }).toArray()), Array.from(x.toArray()));
  // fold(unfold(ones)) counts how many blocks cover each pixel
  const counts = sg.F.fold(sg.unfold(sg.ones([1, 1, 3, 3]), 2), [3, 3], 2);
  assert.equal(counts.tolist(), [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
  // <unfold(x), y> = <x, fold(y)> for random x, y (adjoint), and the gradient by finite differences
  const y = sg.randn([2, 3 * 4, 35]);
  const lhs = sg.mul(sg.unfold(x, [2, 2], 1, 1, 1), y).sum().item();
  const rhs = sg.mul(x, sg.fold(y, [4, 6], [2, 2], 1, 1, 1)).sum().item();
  assertClose([lhs], [rhs], { atol: 1e-3, rtol: 1e-5 });
  gradcheck({
    inputs: [{ shape: [1, 8, 6] }],
    fn: (c) => sg.fold(c, [3, 4], 2, { padding: [0, 1], stride: [1, 2] }),
    ref: (c) => {
      const out = new Float64Array(2 * 3 * 4);
      // scatter each column entry to the pixel it was read from
      for (let ch = 0; ch < 2; ch++) for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let oy = 0; oy < 2; oy++) for (let ox = 0; ox < 3; ox++) {
        const yy = oy + i, xx = ox * 2 - 1 + j;
        if (xx >= 0 && xx < 4) out[(ch * 3 + yy) * 4 + xx] += c.data[((ch * 2 + i) * 2 + j) * 6 + oy * 3 + ox];
      }
      return R.nd([1, 2, 3, 4], out);
    },
  });
  assertThrows(() => sg.fold(sg.zeros([1, 8, 5]), [3, 4], 2), 'fold: input [1,8,5] has 5 blocks, but outputSize [3,4]');
  assertThrows(() => sg.fold(sg.zeros([1, 7, 6]), [3, 4], 2), 'must be divisible by the kernel');
});

/** Reference p-normalisation along dim. */
function refNormalize(a, p, dim, eps) {
  const n = R.reduce(a, dim, true, (s, v) => s + Math.abs(v) ** p, 0);
  return R.zip((v, s) => v / Math.max(s ** (1 / p), eps), a, n);
}

test('normalize: p-norms along a dim, forward and gradient; a zero vector stays zero with gradient g / eps', () => {
  for (const [p, dim] of [[2, 1], [1, 0], [3, -1]]) {
    gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => sg.F.normalize(x, p, dim), ref: (a) => refNormalize(a, p, dim < 0 ? dim + 2 : dim, 1e-12) });
  }
  assertClose(sg.normalize(sg.tensor([[3, 4]])).toArray(), [0.6, 0.8], { atol: 1e-7 });
  const z = sg.zeros([2, 3], { requiresGrad: true });
  const y = sg.normalize(z, { eps: 0.5 });
  assert.equal(Array.from(y.toArray()), [0, 0, 0, 0, 0, 0]);
  y.sum().backward();
  assert.equal(Array.from(z.grad.toArray()), [2, 2, 2, 2, 2, 2]);
  const inf = sg.normalize(sg.tensor([[-4, 2]]), Infinity);
  assert.equal(inf.tolist(), [[-1, 0.5]]);
});

test('cosineSimilarity: broadcast operands, dim, gradient; PyTorch 2`s eps per norm', () => {
  gradcheck({
    inputs: [{ shape: [2, 1, 3] }, { shape: [4, 3] }],
    fn: (a, b) => sg.F.cosineSimilarity(a, b, -1),
    ref: (a, b) => {
      const prod = R.zip((x, y) => x * y, a, b), n1 = R.zip((x) => x * x, a, b), n2 = R.zip((x, y) => y * y, a, b);
      const s = R.sum(prod, 2), s1 = R.sum(n1, 2), s2 = R.sum(n2, 2);
      return R.zip((v, p, q) => v / (Math.max(Math.sqrt(p), 1e-8) * Math.max(Math.sqrt(q), 1e-8)), s, s1, s2);
    },
  });
  assertClose(sg.cosineSimilarity(sg.tensor([[1, 0]]), sg.tensor([[1, 1]])).toArray(), [Math.SQRT1_2], { atol: 1e-7 });
  assert.equal(sg.cosineSimilarity(sg.zeros([2, 3]), sg.ones([2, 3])).tolist(), [0, 0]);
});

test('adaptiveMaxPool2d: PyTorch`s windows, first maximum, indices, gradient', () => {
  const x = sg.tensor([[[[1, 5, 2], [4, 3, 6], [7, 0, 8]]]]);
  const [v, i] = sg.F.adaptiveMaxPool2d(x, 2, true);
  assert.equal(v.tolist(), [[[[5, 6], [7, 8]]]]);
  assert.equal(i.tolist(), [[[[1, 5], [6, 8]]]]);
  gradcheck({
    inputs: [{ shape: [2, 2, 5, 7] }],
    fn: (a) => sg.adaptiveMaxPool2d(a, [3, 4]),
    ref: (a) => {
      const out = new Float64Array(4 * 12);
      for (let p = 0; p < 4; p++) for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < 4; ox++) {
        let m = -Infinity;
        for (let y = Math.floor((oy * 5) / 3); y < Math.ceil(((oy + 1) * 5) / 3); y++) for (let xx = Math.floor((ox * 7) / 4); xx < Math.ceil(((ox + 1) * 7) / 4); xx++) m = Math.max(m, a.data[p * 35 + y * 7 + xx]);
        out[p * 12 + oy * 4 + ox] = m;
      }
      return R.nd([2, 2, 3, 4], out);
    },
  });
  assertThrows(() => sg.adaptiveMaxPool2d(sg.zeros([2, 2]), 1), 'adaptiveMaxPool2d: input [2,2]: expected a 3-d');
});

test('instanceNorm: each plane to mean 0 and variance 1, affine, running statistics averaged over samples', () => {
  gradcheck({
    inputs: [{ shape: [2, 3, 4, 2] }, { shape: [3] }, { shape: [3] }],
    fn: (x, w, b) => sg.F.instanceNorm(x, null, null, w, b),
    ref: (x, w, b) => {
      const out = new Float64Array(x.data.length);
      for (let p = 0; p < 6; p++) {
        const plane = x.data.slice(p * 8, p * 8 + 8);
        const m = plane.reduce((s, v) => s + v, 0) / 8, v = plane.reduce((s, u) => s + (u - m) ** 2, 0) / 8;
        for (let i = 0; i < 8; i++) out[p * 8 + i] = ((plane[i] - m) / Math.sqrt(v + 1e-5)) * w.data[p % 3] + b.data[p % 3];
      }
      return R.nd(x.shape, out);
    },
    atol: 3e-3,
  });
  const x = sg.tensor([[[1, 3]], [[5, 9]]]);
  const rm = sg.zeros([1]), rv = sg.ones([1]);
  sg.instanceNorm(x, rm, rv, null, null, true, 0.5);
  // sample means 2 and 7 (average 4.5), unbiased variances 2 and 8 (average 5), momentum 0.5
  assertClose(rm.toArray(), [2.25], { atol: 1e-6 });
  assertClose(rv.toArray(), [3], { atol: 1e-6 });
  const e = sg.instanceNorm(x, { runningMean: rm, runningVar: rv, useInputStats: false });
  assertClose(e.toArray(), [1, 3, 5, 9].map((v) => (v - 2.25) / Math.sqrt(3 + 1e-5)), { atol: 1e-5 });
  assertThrows(() => sg.instanceNorm(sg.zeros([2, 3, 1])), 'expected more than 1 spatial element');
});

test.run();
