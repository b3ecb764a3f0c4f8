// Views and joins: reshape/view/flatten/squeeze/unsqueeze/transpose/permute/
// expand/narrow/slice/select are views (shared storage) where PyTorch's are;
// cat/stack/indexSelect/gather; matmul shapes.
import * as assert from 'uvu/assert';
import { suite, sg, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('ops: shapes');

test('views share storage; reshape of a transposed tensor copies', () => {
  const x = sg.arange(12).reshape(3, 4);
  const v = x.view(4, 3);
  assert.is(v.storage, x.storage);
  const t = x.t();
  assert.is(t.storage, x.storage);
  assert.equal([...t.strides], [1, 4]);
  assert.not.ok(t.isContiguous());
  assertThrows(() => t.view(12), 'view', 'reshape');
  const r = t.reshape(12);
  assert.is.not(r.storage, x.storage);
  assert.equal(Array.from(r.toArray()), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.equal([...x.reshape(-1, 6).shape], [2, 6]);
  assertThrows(() => x.reshape(5, -1), 'reshape', 'invalid for input of size 12');
  assertThrows(() => x.reshape(-1, -1), 'reshape', 'only one');
});

test('squeeze, unsqueeze, flatten, expand, permute shapes like PyTorch', () => {
  const x = sg.zeros([2, 1, 3, 1]);
  assert.equal([...x.squeeze().shape], [2, 3]);
  assert.equal([...x.squeeze(1).shape], [2, 3, 1]);
  assert.equal([...x.squeeze(0).shape], [2, 1, 3, 1]);
  assert.equal([...x.unsqueeze(-1).shape], [2, 1, 3, 1, 1]);
  assert.equal([...x.flatten().shape], [6]);
  assert.equal([...x.flatten(1).shape], [2, 3]);
  assert.equal([...x.expand(4, 2, 5, 3, 7).shape], [4, 2, 5, 3, 7]);
  assert.equal([...x.permute(3, 2, 1, 0).shape], [1, 3, 1, 2]);
  assertThrows(() => x.expand(2, 2, 4, 1), 'expand', '[2,1,3,1]', '[2,2,4,1]');
  assertThrows(() => x.permute(0, 1, 2), 'permute');
});

test('gradients through views: transpose, permute, expand, slice, select, narrow, unsqueeze', () => {
  gradcheck({
    inputs: [{ shape: [2, 3, 4] }],
    fn: (x) => x.permute(2, 0, 1).slice(0, 1, 4, 2).select(2, 1).unsqueeze(0).expand(3, 2, 2).mul(x.narrow(2, 0, 2).transpose(0, 2).select(1, 0)),
    ref: (a) => {
      const p = R.permute(a, [2, 0, 1]); // [4,2,3]
      const s = R.nd([2, 2], [0, 1, 2, 3].map((k) => p.data[((1 + 2 * Math.floor(k / 2)) * 2 + (k % 2)) * 3 + 1]));
      const e = R.zip((one, v) => one * v, R.nd([3, 1, 1], [1, 1, 1]), s);
      // x.narrow(2,0,2): [2,3,2] -> transpose(0,2): [2,3,2] -> select(1,0): [2,2] with [k][i] = x[i][0][k]
      const q = R.nd([2, 2], [0, 1, 2, 3].map((k) => a.data[(k % 2) * 12 + 0 * 4 + Math.floor(k / 2)]));
      return R.zip((u, w) => u * w, e, q);
    },
  });
});

test('cat and stack with gradients', () => {
  gradcheck({
    inputs: [{ shape: [2, 3] }, { shape: [2, 1] }, { shape: [2, 2] }],
    fn: (a, b, c) => sg.cat([a, b, c], 1),
    ref: (a, b, c) => R.nd([2, 6], [0, 1].flatMap((i) => [...a.data.slice(i * 3, i * 3 + 3), b.data[i], ...c.data.slice(i * 2, i * 2 + 2)])),
  });
  gradcheck({
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
    fn: (a, b) => sg.stack([a, b], 1),
    ref: (a, b) => R.nd([2, 2, 3], [0, 1].flatMap((i) => [...a.data.slice(i * 3, i * 3 + 3), ...b.data.slice(i * 3, i * 3 + 3)])),
  });
  assertThrows(() => sg.cat([sg.ones([2, 3]), sg.ones([3, 3])], 1), 'cat', '[2,3]', '[3,3]');
  assertThrows(() => sg.stack([sg.ones([2]), sg.ones([3])]), 'stack', '[2]', '[3]');
  assertThrows(() => sg.cat([]), 'cat', 'non-empty');
});

test('indexSelect and gather with gradients (repeated indices accumulate)', () => {
  gradcheck({
    inputs: [{ shape: [4, 3] }],
    fn: (x) => x.indexSelect(0, [2, 0, 2]),
    ref: (a) => R.nd([3, 3], [2, 0, 2].flatMap((r) => [...a.data.slice(r * 3, r * 3 + 3)])),
  });
  gradcheck({
    inputs: [{ shape: [2, 5] }],
    fn: (x) => x.indexSelect(1, sg.tensor([4, 1])),
    ref: (a) => R.nd([2, 2], [0, 1].flatMap((i) => [a.data[i * 5 + 4], a.data[i * 5 + 1]])),
  });
  const idx = [[0, 2, 2], [1, 1, 0]];
  gradcheck({
    inputs: [{ shape: [2, 3] }],
    fn: (x) => x.gather(1, sg.tensor(idx)),
    ref: (a) => R.nd([2, 3], idx.flatMap((row, i) => row.map((j) => a.data[i * 3 + j]))),
  });
  assertThrows(() => sg.ones([3, 2]).indexSelect(0, [3]), 'indexSelect', 'index 3', 'size 3');
  assertThrows(() => sg.ones([3, 2]).gather(1, sg.tensor([[0.5, 0], [0, 0], [0, 0]])), 'gather', '0.5');
});

test('matmul: 1-D, 2-D, batched with broadcasting, gradients', () => {
  gradcheck({ inputs: [{ shape: [5] }, { shape: [5] }], fn: sg.matmul, ref: (a, b) => R.nd([], [a.data.reduce((s, v, i) => s + v * b.data[i], 0)]) });
  gradcheck({ inputs: [{ shape: [3, 5] }, { shape: [5, 2] }], fn: sg.matmul, ref: R.matmul });
  gradcheck({ inputs: [{ shape: [5] }, { shape: [5, 2] }], fn: sg.matmul, ref: (a, b) => R.reshape(R.matmul(R.reshape(a, [1, 5]), b), [2]) });
  gradcheck({ inputs: [{ shape: [3, 5] }, { shape: [5] }], fn: sg.matmul, ref: (a, b) => R.reshape(R.matmul(a, R.reshape(b, [5, 1])), [3]) });
  gradcheck({ inputs: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }], fn: sg.matmul, ref: R.matmul });
  gradcheck({ inputs: [{ shape: [4, 3] }, { shape: [2, 4] }], fn: (a, b) => sg.matmul(a.t(), b.t()), ref: (a, b) => R.matmul(R.permute(a, [1, 0]), R.permute(b, [1, 0])) });
  assertThrows(() => sg.matmul(sg.ones([3, 4]), sg.ones([5, 6])), 'matmul: shapes [3,4] and [5,6] cannot be multiplied (4 != 5)');
  assertThrows(() => sg.matmul(sg.ones([2, 3, 4]), sg.ones([3, 4, 2])), 'matmul');
});

test.run();
