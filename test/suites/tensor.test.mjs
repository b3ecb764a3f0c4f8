// Creation, reading back, printing, in-place writes and random numbers.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';

const test = suite('tensor');

test('tensor() from numbers, nested arrays and typed arrays', () => {
  const s = sg.tensor(3.5);
  assert.equal([...s.shape], []);
  assert.is(s.item(), 3.5);
  const m = sg.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.equal([...m.shape], [2, 3]);
  assert.equal(m.tolist(), [[1, 2, 3], [4, 5, 6]]);
  const f = sg.tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
  assert.equal(f.tolist(), [[1, 2], [3, 4]]);
  assert.equal([...sg.tensor([]).shape], [0]);
  assertThrows(() => sg.tensor([[1, 2], [3]]), 'tensor', 'ragged');
  assertThrows(() => sg.tensor([1, 'a']), 'tensor', 'number');
  assertThrows(() => sg.tensor(new Float32Array(5), { shape: [2, 2] }), 'tensor', '5 values', '[2,2]');
  assertThrows(() => sg.tensor(null), 'tensor');
});

test('zeros, ones, full, arange, eye, *Like', () => {
  assert.equal(Array.from(sg.zeros([2, 2]).toArray()), [0, 0, 0, 0]);
  assert.equal(Array.from(sg.ones([3]).toArray()), [1, 1, 1]);
  assert.equal(Array.from(sg.full([2], 7).toArray()), [7, 7]);
  assert.equal(Array.from(sg.arange(5).toArray()), [0, 1, 2, 3, 4]);
  assert.equal(Array.from(sg.arange(1, 2, 0.25).toArray()), [1, 1.25, 1.5, 1.75]);
  assert.equal(Array.from(sg.arange(5, 0, -2).toArray()), [5, 3, 1]);
  assert.equal(sg.eye(2, 3).tolist(), [[1, 0, 0], [0, 1, 0]]);
  const x = sg.ones([2, 3]);
  assert.equal([...sg.zerosLike(x).shape], [2, 3]);
  assert.equal(Array.from(sg.onesLike(x).toArray()), [1, 1, 1, 1, 1, 1]);
  assertThrows(() => sg.zeros([2, -1]), 'zeros', 'integers >= 0');
  assertThrows(() => sg.zeros([1.5]), 'zeros', 'integers >= 0');
  assertThrows(() => sg.arange(0, 1, 0), 'arange', 'nonzero');
  assertThrows(() => sg.arange(0, NaN), 'arange', 'finite');
});

test('toString prints like PyTorch', () => {
  assert.is(sg.tensor([[1, 2], [3, 4]]).toString(), 'tensor([[1., 2.],\n        [3., 4.]])');
  assert.is(sg.tensor([0.5, -1.25]).toString(), 'tensor([ 0.5000, -1.2500])');
  assert.is(sg.tensor(2).toString(), 'tensor(2.)');
  assert.is(sg.tensor([1, 2], { requiresGrad: true }).toString(), 'tensor([1., 2.], requiresGrad=true)');
  assert.is(sg.tensor([1, 2], { requiresGrad: true }).mul(2).toString(), 'tensor([2., 4.], gradFn=<MulBackward>)');
  assert.is(sg.tensor([1e-6, 1]).toString(), 'tensor([1.0000e-06, 1.0000e+00])');
  const big = sg.arange(2000).toString();
  assert.ok(big.includes('...') && big.startsWith('tensor([   0.,    1.,    2., ...,'), big.slice(0, 60));
});

test('item() refuses tensors of more than one element', () => {
  assertThrows(() => sg.ones([2]).item(), 'item', '[2]');
});

test('in-place zero_, fill_, copy_ work on strided views', () => {
  const x = sg.zeros([3, 4]);
  x.t().select(0, 1).fill_(5); // column 1
  assert.equal(x.tolist(), [[0, 5, 0, 0], [0, 5, 0, 0], [0, 5, 0, 0]]);
  x.narrow(0, 1, 1).copy_(sg.tensor([1, 2, 3, 4]));
  assert.equal(x.tolist()[1], [1, 2, 3, 4]);
  x.zero_();
  assert.equal(x.sum().item(), 0);
  x.copy_(sg.tensor([9]));
  assert.equal(x.sum().item(), 9 * 12);
  assertThrows(() => x.copy_(sg.ones([2, 4])), 'copy_', '[2,4]', '[3,4]');
});

test('in-place writes to a leaf requiring grad need noGrad', () => {
  const w = sg.ones([2], { requiresGrad: true });
  assertThrows(() => w.fill_(0), 'fill_', 'noGrad');
  sg.noGrad(() => w.fill_(3));
  assert.equal(Array.from(w.toArray()), [3, 3]);
});

test('rand, randn: ranges and moments; manualSeed reproduces', () => {
  sg.manualSeed(7);
  const u = sg.rand([100003]).toArray();
  let lo = Infinity, hi = -Infinity, s = 0;
  for (const v of u) { lo = Math.min(lo, v); hi = Math.max(hi, v); s += v; }
  assert.ok(lo >= 0 && hi < 1, `rand range [${lo}, ${hi}]`);
  assert.ok(Math.abs(s / u.length - 0.5) < 0.005, `rand mean ${s / u.length}`);
  const n = sg.randn([100003]);
  assertClose([n.mean().item(), n.std().item()], [0, 1], { atol: 0.01, rtol: 0 });
  sg.manualSeed(7);
  assert.equal(Array.from(sg.rand([5]).toArray()), Array.from(u.slice(0, 5)));
  // the stream continues: the next draw differs from the first
  assert.not.equal(Array.from(sg.rand([5]).toArray()), Array.from(u.slice(0, 5)));
  assertThrows(() => sg.manualSeed(-1), 'manualSeed');
});

test('uniform_, normal_, bernoulli_ in place', () => {
  sg.manualSeed(3);
  const x = sg.zeros([20000]);
  x.uniform_(-2, 2);
  const a = x.toArray();
  assert.ok(a.every((v) => v >= -2 && v < 2));
  x.normal_(3, 0.5);
  assertClose([x.mean().item(), x.std().item()], [3, 0.5], { atol: 0.02, rtol: 0 });
  x.bernoulli_(0.3);
  assert.ok(x.toArray().every((v) => v === 0 || v === 1));
  assertClose([x.mean().item()], [0.3], { atol: 0.015, rtol: 0 });
  assertThrows(() => x.bernoulli_(1.5), 'bernoulli_', '[0, 1]');
  assertThrows(() => x.normal_(0, -1), 'normal_', 'std');
});

test.run();
