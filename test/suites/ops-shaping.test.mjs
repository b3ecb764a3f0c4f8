// Shaping ops (pad, split, chunk, unbind, flip, roll, repeat, tile,
// repeatInterleave, expandAs, unflatten, triu, tril, diag): forward values
// against float64 references built index by index, finite-difference
// gradients, strided and 0-size inputs, PyTorch's argument rules.
import * as assert from 'uvu/assert';
import { suite, sg, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('ops: shaping');

/** out[idx] = a[source(idx)] (or fill where source returns null), for an output shape. */
function remap(a, shape, source, fill = 0) {
  const st = R.stridesOf(a.shape);
  const out = new Float64Array(R.numel(shape));
  for (let i = 0; i < out.length; i++) {
    const src = source(R.unravel(i, shape));
    out[i] = src === null ? fill : a.data[src.reduce((p, v, d) => p + v * st[d], 0)];
  }
  return R.nd(shape, out);
}

/** Reference pad: pairs from the last dim backwards; mode as F.pad. */
function refPad(a, amounts, mode = 'constant', value = 0) {
  const shape = [...a.shape];
  const side = {};
  for (let i = 0; i < amounts.length / 2; i++) {
    const d = a.shape.length - 1 - i;
    side[d] = [amounts[2 * i], amounts[2 * i + 1]];
    shape[d] += amounts[2 * i] + amounts[2 * i + 1];
  }
  return remap(a, shape, (idx) => {
    const src = [];
    for (let d = 0; d < idx.length; d++) {
      const n = a.shape[d];
      let j = idx[d] - (side[d] ? side[d][0] : 0);
      if (j < 0 || j >= n) {
        if (mode === 'constant') return null;
        if (mode === 'replicate') j = Math.min(Math.max(j, 0), n - 1);
        else if (mode === 'circular') j = ((j % n) + n) % n;
        else j = j < 0 ? -j : 2 * (n - 1) - j;
      }
      src.push(j);
    }
    return src;
  }, value);
}

test('pad constant: pads and crops (negative amounts) the last dims, with a value; gradient cut back out', () => {
  for (const [shape, amounts, value] of [[[2, 3, 4], [1, 2], 0], [[2, 3, 4], [1, 0, 2, 1], -1.5], [[2, 3, 4], [-1, 2, 0, -2, 1, 1], 3], [[5], [0, 0], 0]]) {
    gradcheck({ inputs: [{ shape }], fn: (x) => sg.F.pad(x, amounts, 'constant', value), ref: (a) => refPad(a, amounts, 'constant', value) });
  }
  const x = sg.ones([2, 2]);
  assert.equal(sg.pad(x, [1, 1], { value: 7 }).tolist(), [[7, 1, 1, 7], [7, 1, 1, 7]]);
});

for (const mode of ['reflect', 'replicate', 'circular']) {
  test(`pad ${mode}: 1, 2 and 3 padded dims with batch/channel dims, forward and gradient`, () => {
    for (const [shape, amounts] of [[[2, 5], [2, 3]], [[1, 2, 4, 5], [1, 2, 3, 0]], [[2, 3, 4, 4], [3, 1, 0, 2]], [[1, 1, 3, 4, 5], [1, 1, 2, 0, 2, 1]]]) {
      gradcheck({ inputs: [{ shape }], fn: (x) => sg.F.pad(x, amounts, mode), ref: (a) => refPad(a, amounts, mode) });
    }
  });
}

test('pad reflect of [1, 2, 3] by 2 gives [3, 2, 1, 2, 3, 2, 1]; errors name the rule', () => {
  assert.equal(sg.pad(sg.tensor([[1, 2, 3]]), [2, 2], 'reflect').tolist(), [[3, 2, 1, 2, 3, 2, 1]]);
  assertThrows(() => sg.pad(sg.zeros([1, 3]), [3, 0], 'reflect'), "pad: padding (3, 0) of dim 1 (size 3)", "< the size for 'reflect'");
  assertThrows(() => sg.pad(sg.zeros([3]), [1, 1], 'reflect'), "needs a 2-d or 3-d input");
  assertThrows(() => sg.pad(sg.zeros([2, 3]), [1]), 'pad: pad must hold pairs');
  assertThrows(() => sg.pad(sg.zeros([2, 3]), [1, 1], 'mirror'), "pad: mode must be one of 'constant', 'reflect', 'replicate', 'circular'");
  assertThrows(() => sg.pad(sg.zeros([2, 3]), [-3, -1]), 'gives a negative size');
  assertThrows(() => sg.pad(sg.zeros([2, 3]), [1, 1], { mod: 'reflect' }), "unknown option 'mod'", "did you mean 'mode'");
});

test('pad on a transposed view and a 0-size batch', () => {
  gradcheck({ inputs: [{ shape: [4, 3] }], fn: (x) => sg.pad(x.t().unsqueeze(0), [1, 2], 'reflect'), ref: (a) => refPad(R.reshape(R.permute(a, [1, 0]), [1, 3, 4]), [1, 2], 'reflect') });
  assert.equal(sg.pad(sg.zeros([0, 2, 3]), [1, 1], 'replicate').shape, [0, 2, 5]);
});

test('split by size and by sections, chunk, unbind: views whose gradients land in their slices', () => {
  const x = sg.arange(10).reshape(2, 5);
  assert.equal(x.split(2, 1).map((t) => t.tolist()), [[[0, 1], [5, 6]], [[2, 3], [7, 8]], [[4], [9]]]);
  assert.equal(sg.split(x, [1, 4], -1).map((t) => t.shape), [[2, 1], [2, 4]]);
  assert.equal(sg.chunk(sg.arange(5), 3).map((t) => t.tolist()), [[0, 1], [2, 3], [4]]);
  assert.equal(sg.chunk(sg.arange(6), 4).map((t) => t.tolist()), [[0, 1], [2, 3], [4, 5]]);
  assert.equal(x.unbind(1).map((t) => t.tolist()), [[0, 5], [1, 6], [2, 7], [3, 8], [4, 9]]);
  gradcheck({
    inputs: [{ shape: [3, 5] }],
    fn: (a) => { const [p, q] = a.split([2, 3], 1); return sg.cat([q.mul(2), p.mul(-1)], 1); },
    ref: (a) => {
      const moved = remap(a, [3, 5], ([i, j]) => [i, j < 3 ? j + 2 : j - 3]);
      return R.map(moved, (v, k) => (k % 5 < 3 ? 2 * v : -v));
    },
  });
  gradcheck({ inputs: [{ shape: [3, 2] }], fn: (a) => sg.stack(a.unbind(0).reverse(), 0), ref: (a) => remap(a, [3, 2], ([i, j]) => [2 - i, j]) });
  assertThrows(() => x.split([2, 2], 1), 'split: sections [2,2] sum to 4, but dim 1 of [2,5] has size 5');
  assertThrows(() => sg.chunk(x, 0), 'chunk: chunks must be an integer >= 1');
  assert.equal(sg.split(sg.zeros([0, 2]), 2).map((t) => t.shape), [[0, 2]]);
});

test('flip over one and several dims, on a strided view', () => {
  gradcheck({ inputs: [{ shape: [2, 3, 4] }], fn: (x) => x.flip(1), ref: (a) => remap(a, [2, 3, 4], ([i, j, k]) => [i, 2 - j, k]) });
  gradcheck({ inputs: [{ shape: [2, 3, 4] }], fn: (x) => sg.flip(x, [0, -1]), ref: (a) => remap(a, [2, 3, 4], ([i, j, k]) => [1 - i, j, 3 - k]) });
  gradcheck({ inputs: [{ shape: [4, 3] }], fn: (x) => x.t().flip(0, 1), ref: (a) => remap(a, [3, 4], ([i, j]) => [3 - j, 2 - i]) });
  assertThrows(() => sg.flip(sg.zeros([2, 2]), [1, -1]), 'flip: dims [1,-1] repeat a dim');
});

test('roll along dims and over the flattened tensor', () => {
  assert.equal(sg.roll(sg.tensor([1, 2, 3, 4]), 1).tolist(), [4, 1, 2, 3]);
  gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => x.roll(-5), ref: (a) => remap(a, [3, 4], ([i, j]) => { const f = (((i * 4 + j + 5) % 12) + 12) % 12; return [Math.floor(f / 4), f % 4]; }) });
  gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => sg.roll(x, [1, -1], [0, 1]), ref: (a) => remap(a, [3, 4], ([i, j]) => [(i + 2) % 3, (j + 1) % 4]) });
  assertThrows(() => sg.roll(sg.zeros([3]), [1, 2], [0]), 'roll: shifts [1,2] and dims [0] must have the same length');
});

test('repeat and tile: copies with gradients summed over them; leading dims added', () => {
  assert.equal(sg.tensor([1, 2]).repeat(2, 2).tolist(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
  gradcheck({ inputs: [{ shape: [2, 3] }], fn: (x) => x.repeat([2, 1, 3]), ref: (a) => remap(a, [2, 2, 9], ([, i, j]) => [i, j % 3]) });
  gradcheck({ inputs: [{ shape: [2, 3] }], fn: (x) => sg.tile(x, [2]), ref: (a) => remap(a, [2, 6], ([i, j]) => [i, j % 3]) });
  gradcheck({ inputs: [{ shape: [3, 2] }], fn: (x) => x.t().tile(2, 1), ref: (a) => remap(a, [4, 3], ([i, j]) => [j, i % 2]) });
  assert.equal(sg.zeros([2, 3]).repeat(0, 2).shape, [0, 6]);
  assertThrows(() => sg.zeros([2, 3]).repeat(2), 'repeat: 1 repeat counts [2] for a 2-d tensor [2,3]');
});

test('repeatInterleave: a number, per-slice counts (array or tensor), flattened without dim', () => {
  assert.equal(sg.repeatInterleave(sg.tensor([1, 2]), 2).tolist(), [1, 1, 2, 2]);
  assert.equal(sg.tensor([[1, 2], [3, 4]]).repeatInterleave([1, 2], 0).tolist(), [[1, 2], [3, 4], [3, 4]]);
  assert.equal(sg.tensor([[1, 2], [3, 4]]).repeatInterleave(sg.tensor([0, 3]), 1).tolist(), [[2, 2, 2], [4, 4, 4]]);
  gradcheck({ inputs: [{ shape: [2, 3] }], fn: (x) => x.repeatInterleave(2, 1), ref: (a) => remap(a, [2, 6], ([i, j]) => [i, Math.floor(j / 2)]) });
  gradcheck({ inputs: [{ shape: [2, 3] }], fn: (x) => sg.repeatInterleave(x, [2, 0, 1], -1), ref: (a) => remap(a, [2, 3], ([i, j]) => [i, [0, 0, 2][j]]) });
  gradcheck({ inputs: [{ shape: [2, 2] }], fn: (x) => x.repeatInterleave(3), ref: (a) => remap(a, [12], ([k]) => { const f = Math.floor(k / 3); return [Math.floor(f / 2), f % 2]; }) });
  assert.equal(sg.repeatInterleave(sg.zeros([2]), [3], 0, { outputSize: 6 }).shape, [6]);
  assertThrows(() => sg.repeatInterleave(sg.zeros([3]), [1, 2], 0), 'repeatInterleave: 2 repeat counts for dim 0 of size 3');
  assertThrows(() => sg.repeatInterleave(sg.zeros([2]), 2, 0, { outputSize: 5 }), 'outputSize 5 does not match');
  assertThrows(() => sg.repeatInterleave(sg.zeros([2]), sg.tensor([1, -1]), 0), 'repeats must be non-negative integers, got -1 at position 1');
});

test('expandAs and unflatten', () => {
  const a = sg.tensor([[1], [2]]);
  assert.equal(a.expandAs(sg.zeros([2, 3])).tolist(), [[1, 1, 1], [2, 2, 2]]);
  gradcheck({ inputs: [{ shape: [3, 1] }, { shape: [2, 3, 4], grad: false }], fn: (x, o) => sg.expandAs(x, o).mul(o), ref: (x, o) => R.zip((p, q) => p * q, x, o) });
  assert.equal(sg.unflatten(sg.zeros([2, 12]), 1, [3, 4]).shape, [2, 3, 4]);
  assert.equal(sg.zeros([2, 12]).unflatten(-1, [2, -1, 3]).shape, [2, 2, 2, 3]);
  gradcheck({ inputs: [{ shape: [6, 2] }], fn: (x) => x.unflatten(0, [2, 3]).sum(1), ref: (a) => R.sum(R.reshape(a, [2, 3, 2]), 1) });
  assertThrows(() => sg.unflatten(sg.zeros([2, 12]), 1, [5, -1]), 'unflatten: sizes [5,-1] do not multiply to dim 1');
});

test('triu and tril: diagonals above and below, batched, gradient masked', () => {
  for (const k of [0, 1, -1, 5, -5]) {
    gradcheck({ inputs: [{ shape: [2, 3, 4] }], fn: (x) => x.triu(k), ref: (a) => R.nd(a.shape, a.data.map((v, i) => { const [, r, c] = R.unravel(i, a.shape); return c - r >= k ? v : 0; })) });
    gradcheck({ inputs: [{ shape: [4, 3] }], fn: (x) => sg.tril(x, k), ref: (a) => R.nd(a.shape, a.data.map((v, i) => { const [r, c] = R.unravel(i, a.shape); return c - r <= k ? v : 0; })) });
  }
  assert.equal(sg.triu(sg.tensor([[NaN, Infinity], [NaN, 1]])).toArray()[2], 0);
  assertThrows(() => sg.triu(sg.zeros([3])), 'triu: input must be at least 2-d');
});

test('diag: vector to matrix and matrix to vector on diagonals above and below', () => {
  assert.equal(sg.diag(sg.tensor([1, 2])).tolist(), [[1, 0], [0, 2]]);
  assert.equal(sg.tensor([[1, 2, 3], [4, 5, 6]]).diag(1).tolist(), [2, 6]);
  assert.equal(sg.tensor([[1, 2, 3], [4, 5, 6]]).diag(-1).tolist(), [4]);
  assert.equal(sg.tensor([[1, 2, 3], [4, 5, 6]]).diag(3).shape, [0]);
  for (const k of [0, 2, -1]) {
    gradcheck({ inputs: [{ shape: [3] }], fn: (x) => sg.diag(x, k), ref: (a) => { const n = 3 + Math.abs(k); return R.nd([n, n], Array.from({ length: n * n }, (_, i) => { const r = Math.floor(i / n), c = i % n; return c - r === k ? a.data[Math.min(r, c)] : 0; })); } });
    gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => x.diag(k), ref: (a) => { const out = []; for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) if (c - r === k) out.push(a.data[r * 4 + c]); return R.nd([out.length], out); } });
  }
  gradcheck({ inputs: [{ shape: [4, 3] }], fn: (x) => x.t().diag(), ref: (a) => R.nd([3], [0, 1, 2].map((i) => a.data[i * 3 + i])) });
  assertThrows(() => sg.diag(sg.zeros([2, 2, 2])), 'diag: input must be 1-d or 2-d');
});

test.run();
