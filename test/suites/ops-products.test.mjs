// Products (bmm, baddbmm, outer, dot, einsum): values against float64
// references, finite-difference gradients, broadcasting, strided and 0-size
// operands, PyTorch's argument rules.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('ops: products');

test('bmm: forward and gradients, strided operands; shape checks', () => {
  gradcheck({ inputs: [{ shape: [3, 2, 4] }, { shape: [3, 4, 5] }], fn: (a, b) => sg.bmm(a, b), ref: R.matmul });
  gradcheck({ inputs: [{ shape: [3, 4, 2] }, { shape: [3, 4, 5] }], fn: (a, b) => a.transpose(1, 2).bmm(b), ref: (a, b) => R.matmul(R.permute(a, [0, 2, 1]), b) });
  assertThrows(() => sg.bmm(sg.zeros([2, 3, 4]), sg.zeros([3, 4, 5])), 'bmm: batch sizes differ');
  assertThrows(() => sg.bmm(sg.zeros([3, 4]), sg.zeros([4, 5])), 'bmm: batch1 and batch2 must be 3-d');
  assertThrows(() => sg.bmm(sg.zeros([2, 3, 4]), sg.zeros([2, 3, 5])), 'cannot be multiplied (4 != 3)');
  assert.equal(sg.bmm(sg.zeros([0, 2, 3]), sg.zeros([0, 3, 4])).shape, [0, 2, 4]);
});

test('baddbmm: beta input + alpha batch1 batch2, input broadcast, keyword-only scalars', () => {
  for (const [beta, alpha] of [[1, 1], [0.5, -2], [2, 1]]) {
    gradcheck({
      inputs: [{ shape: [1, 4] }, { shape: [2, 3, 5] }, { shape: [2, 5, 4] }],
      fn: (i, a, b) => sg.baddbmm(i, a, b, { beta, alpha }),
      ref: (i, a, b) => R.zip((x, y) => beta * x + alpha * y, i, R.matmul(a, b)),
    });
  }
  // beta = 0 ignores the input, NaN included
  const out = sg.baddbmm(sg.full([2, 2, 2], NaN), sg.ones([2, 2, 3]), sg.ones([2, 3, 2]), { beta: 0 });
  assert.equal(Array.from(out.toArray()), new Array(8).fill(3));
  assertThrows(() => sg.baddbmm(sg.zeros([3, 3]), sg.zeros([2, 2, 3]), sg.zeros([2, 3, 2])), 'baddbmm: input [3,3] does not broadcast');
  assertThrows(() => sg.baddbmm(sg.zeros([2]), sg.zeros([2, 2, 3]), sg.zeros([2, 3, 2]), 1), 'baddbmm: takes 3 positional arguments', '{ beta: ..., alpha: ... }');
});

test('outer and dot', () => {
  assert.equal(sg.outer(sg.tensor([1, 2]), sg.tensor([3, 4, 5])).tolist(), [[3, 4, 5], [6, 8, 10]]);
  gradcheck({ inputs: [{ shape: [3] }, { shape: [4] }], fn: (a, b) => a.outer(b), ref: (a, b) => R.nd([3, 4], Array.from({ length: 12 }, (_, k) => a.data[Math.floor(k / 4)] * b.data[k % 4])) });
  assert.equal(sg.dot(sg.tensor([1, 2]), sg.tensor([3, 4])).item(), 11);
  gradcheck({ inputs: [{ shape: [6] }, { shape: [6] }], fn: (a, b) => a.dot(b), ref: (a, b) => R.nd([], [a.data.reduce((s, v, i) => s + v * b.data[i], 0)]) });
  gradcheck({ inputs: [{ shape: [3, 2] }], fn: (a) => sg.dot(a.select(1, 0), a.select(1, 1)), ref: (a) => R.nd([], [[0, 1, 2].reduce((s, i) => s + a.data[2 * i] * a.data[2 * i + 1], 0)]) });
  assertThrows(() => sg.dot(sg.zeros([2]), sg.zeros([3])), 'dot: expects two 1-d tensors of the same length');
  assertThrows(() => sg.outer(sg.zeros([2, 1]), sg.zeros([3])), 'outer: both arguments must be 1-d');
  assert.equal(sg.dot(sg.zeros([0]), sg.zeros([0])).item(), 0);
});

/**
 * Reference einsum by brute force: every assignment of the labels, the
 * product of the operands' entries accumulated into the output entry.
 * Supports '...' (right-aligned broadcast dims) and implicit outputs.
 */
function refEinsum(eq, ...ops) {
  const [lhs, rhs] = eq.replace(/\s/g, '').split('->');
  const terms = lhs.split(',');
  const E = Math.max(0, ...terms.map((t, i) => (t.includes('...') ? ops[i].shape.length - t.replace('...', '').length : 0)));
  const ell = Array.from({ length: E }, (_, k) => `#${k}`);
  const labelsOf = (t, nd) => {
    if (!t.includes('...')) return [...t];
    const [a, b] = t.split('...');
    const e = nd - a.length - b.length;
    return [...a, ...ell.slice(E - e), ...b];
  };
  const ins = terms.map((t, i) => labelsOf(t, ops[i].shape.length));
  const sizes = {};
  ins.forEach((ls, i) => ls.forEach((l, d) => { sizes[l] = Math.max(sizes[l] ?? 1, ops[i].shape[d]); }));
  let out;
  if (rhs === undefined) {
    const all = ins.flat().filter((l) => !l.startsWith('#'));
    const once = [...new Set(all)].filter((l) => all.filter((m) => m === l).length === 1);
    const key = (l) => (l === l.toUpperCase() ? l.charCodeAt(0) - 65 : l.charCodeAt(0) - 97 + 26);
    out = [...ell, ...once.sort((a, b) => key(a) - key(b))];
  } else out = labelsOf(rhs, rhs.replace('...', '').length + (rhs.includes('...') ? E : 0));
  const labels = Object.keys(sizes);
  const outShape = out.map((l) => sizes[l]);
  const res = new Float64Array(R.numel(outShape));
  const total = R.numel(labels.map((l) => sizes[l]));
  for (let i = 0; i < total; i++) {
    const v = R.unravel(i, labels.map((l) => sizes[l]));
    const val = Object.fromEntries(labels.map((l, k) => [l, v[k]]));
    let p = 1;
    ins.forEach((ls, j) => {
      const st = R.stridesOf(ops[j].shape);
      p *= ops[j].data[ls.reduce((s, l, d) => s + (ops[j].shape[d] === 1 ? 0 : val[l]) * st[d], 0)];
    });
    const os = R.stridesOf(outShape);
    res[out.reduce((s, l, d) => s + val[l] * os[d], 0)] += p;
  }
  return R.nd(outShape, res);
}

const cases = [
  ['bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]],
  ['bhqd,bhkd->bhqk', [[2, 2, 3, 4], [2, 2, 5, 4]]],
  ['bn,anm,bm->ba', [[3, 4], [2, 4, 5], [3, 5]]],
  ['ij,jk', [[3, 4], [4, 2]]],
  ['ii->i', [[4, 4]]],
  ['ii', [[3, 3]]],
  ['ij->', [[3, 4]]],
  ['ij->ji', [[3, 4]]],
  ['i,j->ij', [[3], [4]]],
  ['i,i->', [[5], [5]]],
  ['...ij,...jk->...ik', [[2, 3, 4], [4, 5]]],
  ['b...,b...->b', [[2, 3, 4], [2, 3, 4]]],
  ['ij,ij->ij', [[3, 1], [3, 4]]],
  ['iij->ji', [[3, 3, 2]]],
  ['abc,cd,de->abe', [[2, 3, 4], [4, 3], [3, 2]]],
];
for (const [eq, shapes] of cases) {
  test(`einsum '${eq}' ${JSON.stringify(shapes)}: forward and gradients`, () => {
    gradcheck({ inputs: shapes.map((shape) => ({ shape })), fn: (...ts) => sg.einsum(eq, ...ts), ref: (...as) => refEinsum(eq, ...as) });
  });
}

test('einsum: operands as one array, strided operands, 0-size dims, errors', () => {
  const a = sg.tensor([[1, 2], [3, 4]]), b = sg.tensor([[5, 6], [7, 8]]);
  assert.equal(sg.einsum('ij,jk->ik', [a, b]).tolist(), [[19, 22], [43, 50]]);
  gradcheck({ inputs: [{ shape: [4, 3] }, { shape: [4, 2] }], fn: (x, y) => sg.einsum('ji,jk->ik', x.t().t(), y), ref: (x, y) => refEinsum('ji,jk->ik', x, y) });
  gradcheck({ inputs: [{ shape: [3, 4] }, { shape: [2, 3] }], fn: (x, y) => sg.einsum('ij,kj->ik', x.t(), y), ref: (x, y) => refEinsum('ij,kj->ik', R.permute(x, [1, 0]), y) });
  assert.equal(sg.einsum('ij,jk->ik', sg.zeros([2, 0]), sg.zeros([0, 3])).tolist(), [[0, 0, 0], [0, 0, 0]]);
  assertThrows(() => sg.einsum('ij,jk->ik', a), "einsum: 'ij,jk->ik' names 2 operands, got 1");
  assertThrows(() => sg.einsum('ij,jk->ik', a, sg.zeros([3, 2])), "einsum: label 'j' has size 2 in one operand and 3 in operand 1");
  assertThrows(() => sg.einsum('ij->iz', a), "the output's label 'z'");
  assertThrows(() => sg.einsum('ijk->i', a), "the term 'ijk' names 3 dims but operand 0 has shape [2,2]");
  assertThrows(() => sg.einsum('i1->i', a), "invalid character '1'");
  assertThrows(() => sg.einsum('ij->ii', a), 'repeats a label');
});

test.run();
