// Reductions over any dims with keepdim, softmax/logSoftmax, and their gradients.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('ops: reductions');

const cases = [
  [[5], undefined],
  [[3, 4], 0],
  [[3, 4], 1],
  [[3, 4], -1],
  [[2, 3, 4], [0, 2]],
  [[2, 3, 4], [1, 2]],
  [[2, 3, 4], undefined],
  [[2, 1, 4, 3], [1, 3]],
  [[4, 17], 1],
  [[17, 5], 0],
];

for (const [shape, dim] of cases) {
  for (const keepdim of [false, true]) {
    const tag = `${JSON.stringify(shape)} dim=${JSON.stringify(dim)} keepdim=${keepdim}`;
    test(`sum ${tag}`, () => gradcheck({ inputs: [{ shape }], fn: (x) => x.sum(dim, keepdim), ref: (a) => R.sum(a, dim, keepdim) }));
    test(`mean ${tag}`, () =>
      gradcheck({
        inputs: [{ shape }],
        fn: (x) => x.mean(dim, keepdim),
        ref: (a) => {
          const s = R.sum(a, dim, keepdim);
          const n = a.data.length / s.data.length;
          return R.map(s, (v) => v / n);
        },
      }));
    test(`amax/amin ${tag}`, () => {
      gradcheck({ inputs: [{ shape }], fn: (x) => x.amax(dim, keepdim), ref: (a) => R.max(a, dim, keepdim) });
      gradcheck({ inputs: [{ shape }], fn: (x) => x.amin(dim, keepdim), ref: (a) => R.min(a, dim, keepdim), seed: 9 });
    });
  }
}

function refVar(a, dim, correction, keepdim) {
  const s = R.sum(a, dim, true);
  const n = a.data.length / s.data.length;
  const m = R.map(s, (v) => v / n);
  const sq = R.zip((x, mm) => (x - mm) ** 2, a, m);
  return R.map(R.sum(sq, dim, keepdim), (v) => v / (n - correction));
}

test('var and std: unbiased by default, biased on request, gradients', () => {
  gradcheck({ inputs: [{ shape: [4, 5] }], fn: (x) => x.var(1), ref: (a) => refVar(a, 1, 1, false) });
  gradcheck({ inputs: [{ shape: [4, 5] }], fn: (x) => x.var(0, { unbiased: false, keepdim: true }), ref: (a) => refVar(a, 0, 0, true) });
  gradcheck({ inputs: [{ shape: [3, 6] }], fn: (x) => x.std(), ref: (a) => R.map(refVar(a, undefined, 1, false), Math.sqrt) });
  const v = sg.tensor([1, 2, 3, 4]).var();
  assertClose([v.item()], [5 / 3]);
});

test('norm: p = 2, 1, 3 and Infinity over dims, with gradients', () => {
  gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => x.norm(2, 1), ref: (a) => R.map(R.sum(R.map(a, (v) => v * v), 1), Math.sqrt) });
  gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => x.norm(1, 0, true), ref: (a) => R.sum(R.map(a, Math.abs), 0, true) });
  gradcheck({ inputs: [{ shape: [5] }], fn: (x) => x.norm(3), ref: (a) => R.map(R.sum(R.map(a, (v) => Math.abs(v) ** 3)), (v) => v ** (1 / 3)) });
  gradcheck({ inputs: [{ shape: [2, 5] }], fn: (x) => x.norm(Infinity, 1), ref: (a) => R.max(R.map(a, Math.abs), 1) });
  assertThrows(() => sg.ones([2]).norm(-1), 'norm', 'p');
});

test('argmax/argmin: first extreme index along a dim or overall', () => {
  const x = sg.tensor([[1, 5, 5], [7, 0, -2]]);
  assert.equal(Array.from(x.argmax(1).toArray()), [1, 0]);
  assert.equal(Array.from(x.argmin(1).toArray()), [0, 2]);
  assert.equal(Array.from(x.argmax(0).toArray()), [1, 0, 0]);
  assert.is(x.argmax().item(), 3);
  assert.equal([...x.argmax(1, true).shape], [2, 1]);
  assertThrows(() => sg.zeros([0]).argmax(), 'argmax', 'empty');
});

test('max/min split the gradient evenly among ties', () => {
  const x = sg.tensor([3, 1, 3], { requiresGrad: true });
  x.max().backward();
  assert.equal(Array.from(x.grad.toArray()), [0.5, 0, 0.5]);
});

test('sum over a zero-size dim is 0; max over it is refused', () => {
  assert.equal(Array.from(sg.zeros([2, 0]).sum(1).toArray()), [0, 0]);
  assertThrows(() => sg.zeros([2, 0]).max(1), 'max', 'zero-size');
});

test('reductions validate dims', () => {
  assertThrows(() => sg.ones([2, 3]).sum(2), 'sum', 'dim 2', 'rank 2');
  assertThrows(() => sg.ones([2, 3]).sum([1, 1]), 'sum', 'repeats');
});

for (const [shape, dim] of [[[3, 5], 1], [[3, 5], 0], [[2, 3, 4], 1], [[7], 0], [[2, 9], -1]]) {
  test(`softmax and logSoftmax ${JSON.stringify(shape)} dim ${dim}`, () => {
    const ref = (log) => (a) => {
      const m = R.max(a, dim, true);
      const e = R.zip((x, mm) => Math.exp(x - mm), a, m);
      const s = R.sum(e, dim, true);
      return log ? R.zip((x, mm, ss) => x - mm - Math.log(ss), a, m, s) : R.zip((x, ss) => x / ss, e, s);
    };
    gradcheck({ inputs: [{ shape, lo: -3, hi: 3 }], fn: (x) => x.softmax(dim), ref: ref(false) });
    gradcheck({ inputs: [{ shape, lo: -3, hi: 3 }], fn: (x) => x.logSoftmax(dim), ref: ref(true) });
  });
}

test('softmax is stable for large logits', () => {
  const y = sg.tensor([[1000, 1001, 1002]]).softmax(1).toArray();
  assertClose(y, [0.09003057, 0.24472847, 0.66524096]);
  const l = sg.tensor([[-1000, 0]]).logSoftmax(1).toArray();
  assertClose(l, [-1000, 0]);
});

test.run();
