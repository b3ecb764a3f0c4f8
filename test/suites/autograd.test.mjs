import * as assert from 'uvu/assert';
import { suite, sg, assertThrows } from '../helpers/harness.mjs';

const test = suite('autograd');

test('gradients accumulate into leaves across backward calls', () => {
  const x = sg.tensor([1, 2, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  assert.equal(Array.from(x.grad.toArray()), [2, 4, 6]);
  x.mul(3).sum().backward();
  assert.equal(Array.from(x.grad.toArray()), [5, 7, 9]);
});

test('a tensor used twice gets both contributions', () => {
  const x = sg.tensor([2], { requiresGrad: true });
  const y = sg.add(x, x).mul(x); // 2x^2 -> 4x
  y.sum().backward();
  assert.equal(x.grad.item(), 8);
});

test('a node reached by several paths sums them in place, leaving gradients that share a buffer untouched', () => {
  const x = sg.tensor([-1, 0.5, 2], { requiresGrad: true });
  const before = sg.memory().bytesInUse;
  sg.scope(() => {
    // h feeds addRelu twice (whose backward hands the same mask to both inputs), then tanh and a mul:
    // four contributions reach h, two of them one buffer
    const h = x.mul(1.5);
    const y = sg.F.addRelu(h, h).add(h.tanh()).add(h.mul(h));
    y.sum().backward();
  });
  const e = [-1, 0.5, 2].map((v) => { const h = 1.5 * v; return 1.5 * ((h > 0 ? 2 : 0) + (1 - Math.tanh(h) ** 2) + 2 * h); });
  const got = Array.from(x.grad.toArray());
  got.forEach((v, i) => assert.ok(Math.abs(v - e[i]) < 1e-5, `x.grad[${i}] = ${v}, expected ${e[i]}`));
  x.grad.dispose();
  x.grad = null;
  assert.equal(sg.memory().bytesInUse, before, 'the gradients summed along the way are all freed');
});

test('a backward that hands one gradient to both inputs, both the same leaf that already has a .grad', () => {
  const x = sg.tensor([-1, 0.5, 2], { requiresGrad: true });
  x.mul(3).sum().backward();
  sg.scope(() => sg.F.addRelu(x, x).sum().backward());
  assert.equal(Array.from(x.grad.toArray()), [3, 5, 5]);
  const alive = sg.memory().bytesInUse;
  sg.scope(() => sg.F.addRelu(x, x).sum().backward());
  assert.equal(Array.from(x.grad.toArray()), [3, 7, 7]);
  assert.equal(sg.memory().bytesInUse, alive, 'no gradient handle is left behind');
});

test('a backward that writes its result over the incoming gradient leaves a gradient shared with another path alone', () => {
  // addRelu hands one buffer to both relus; each relu's backward may write in place only over a buffer of its own
  const x1 = sg.tensor([-1, 2], { requiresGrad: true }), x2 = sg.tensor([3, -4], { requiresGrad: true });
  sg.scope(() => sg.F.addRelu(x1.relu(), x2.relu()).sum().backward());
  assert.equal(Array.from(x1.grad.toArray()), [0, 1]);
  assert.equal(Array.from(x2.grad.toArray()), [1, 0]);
  for (const t of [x1, x2]) { t.grad.dispose(); t.dispose(); }
  // the same through two batch norms: each one's dx may go over its gradient only when that buffer is its own
  const a = sg.randn([2, 3, 4, 4], { requiresGrad: true }), b = sg.randn([2, 3, 4, 4], { requiresGrad: true });
  const [ga, gb] = sg.scope(() => {
    const ya = sg.F.batchNorm(a, null, null, null, null, { training: true }), yb = sg.F.batchNorm(b, null, null, null, null, { training: true });
    const m = sg.add(ya, yb).gt(0);
    const [ra, rb] = [ya, yb].map((y, i) => { y.backward(m, { retainGraph: true }); const t = [a, b][i]; const r = t.grad.toArray(); t.grad.dispose(); t.grad = null; return r; });
    sg.F.addRelu(ya, yb).sum().backward();
    return [ra, rb];
  });
  assert.equal(Array.from(a.grad.toArray()), Array.from(ga));
  assert.equal(Array.from(b.grad.toArray()), Array.from(gb));
  for (const t of [a, b]) { t.grad.dispose(); t.dispose(); }
});

test('backward on a non-scalar needs a gradient', () => {
  const x = sg.ones([2, 2], { requiresGrad: true });
  const y = x.mul(2);
  assertThrows(() => y.backward(), 'backward', 'one element', '[2,2]');
  y.backward(sg.ones([2, 2]));
  assert.equal(Array.from(x.grad.toArray()), [2, 2, 2, 2]);
});

test('a second backward through freed buffers is refused; retainGraph allows it', () => {
  const x = sg.tensor([1, 2], { requiresGrad: true });
  const y = x.exp().sum();
  y.backward();
  assertThrows(() => y.backward(), 'second time', 'retainGraph');
  const z = x.tanh().sum();
  z.backward({ retainGraph: true });
  z.backward();
  assert.equal(Array.from(x.grad.toArray()).map((v) => +v.toFixed(4)), [2 * (1 - Math.tanh(1) ** 2) + Math.E, 2 * (1 - Math.tanh(2) ** 2) + Math.exp(2)].map((v) => +v.toFixed(4)));
});

test('backward of a tensor without grad is refused', () => {
  assertThrows(() => sg.ones([1]).sum().backward(), 'does not require grad');
});

test('noGrad records nothing; detach cuts the graph', () => {
  const x = sg.tensor([1, 2], { requiresGrad: true });
  const y = sg.noGrad(() => x.mul(2));
  assert.is(y.requiresGrad, false);
  assert.is(y.gradFn, null);
  const d = x.mul(2).detach();
  assert.is(d.requiresGrad, false);
  const z = x.mul(3);
  assert.is(z.gradFn, 'MulBackward');
});

test('a 10,000-op chain backpropagates without overflowing the stack', () => {
  const x = sg.tensor([0.5], { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 10000; i++) y = sg.scope(() => y.mul(1.0001).add(0));
  y.sum().backward();
  const expected = Math.pow(1.0001, 10000);
  assert.ok(Math.abs(x.grad.item() - expected) / expected < 1e-3, `grad ${x.grad.item()} vs ${expected}`);
});

test('intermediate buffers are freed by backward', () => {
  const x = sg.randn([64, 64], { requiresGrad: true });
  const before = sg.memory().bytesInUse;
  // the intermediates' handles are dropped; only the graph keeps their buffers
  const y = sg.scope(() => x.tanh().exp().mul(2).sum());
  const held = sg.memory().bytesInUse;
  y.backward();
  const after = sg.memory().bytesInUse;
  // saved outputs of tanh and exp (16 KiB each) are gone; x.grad (16 KiB) remains
  assert.ok(held - before >= 2 * 64 * 64 * 4, `graph holds ${held - before} bytes`);
  assert.ok(after - before <= 1.25 * 64 * 64 * 4 + 1024, // x.grad, in its size class (canaries on)
    `after backward ${after - before} bytes remain beyond x`);
});

test('using a disposed tensor says so', () => {
  const x = sg.ones([2, 3]);
  x.dispose();
  assertThrows(() => x.add(1), 'add', 'disposed', '[2,3]');
  assertThrows(() => x.toArray(), 'disposed');
});

test('scope frees what it does not return, keeps what it returns', () => {
  const before = sg.memory().liveTensors;
  const kept = sg.scope(() => {
    const a = sg.ones([10]);
    const b = a.mul(2);
    a.add(b);
    return { b };
  });
  assert.is(sg.memory().liveTensors, before + 1);
  assert.equal(kept.b.toArray()[0], 2);
});

test('Symbol.dispose frees the tensor (the `using` protocol)', () => {
  const x = sg.ones([4]);
  x[Symbol.dispose]();
  assert.ok(x.disposed);
});

test('grad of a broadcast operand is summed to its shape', () => {
  const a = sg.ones([3, 1], { requiresGrad: true });
  const b = sg.ones([1, 4], { requiresGrad: true });
  a.mul(b).sum().backward();
  assert.equal([...a.grad.shape], [3, 1]);
  assert.equal(Array.from(a.grad.toArray()), [4, 4, 4]);
  assert.equal(Array.from(b.grad.toArray()), [3, 3, 3, 3]);
});

test.run();
