import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd, zip, matmul, permute, max } from '../helpers/ref.mjs';

const test = suite('nn-layers');
const { nn, F } = sg;

// float64 references
const refLinear = (x, w, b) => {
  const y = matmul(x, permute(w, [1, 0]));
  return b ? zip((u, v) => u + v, y, b) : y;
};
const relu = (v) => Math.max(0, v);

test('Linear: default init bounds 1/sqrt(in); forward and gradients of input, weight, bias', () => {
  const m = new nn.Linear(50, 20);
  try {
    assert.equal(m.weight.shape, [20, 50]);
    const bound = 1 / Math.sqrt(50);
    for (const t of [m.weight, m.bias]) {
      const a = t.toArray();
      assert.ok(a.every((v) => Math.abs(v) <= bound), 'within the bound');
      assert.ok(Math.max(...a.map(Math.abs)) > 0.8 * bound, 'spreads over the range');
    }
  } finally {
    m.dispose();
  }
  gradcheck({ inputs: [{ shape: [4, 3] }, { shape: [5, 3] }, { shape: [5] }], fn: (x, w, b) => F.linear(x, w, b), ref: refLinear });
  gradcheck({ inputs: [{ shape: [2, 3, 3] }, { shape: [2, 3] }], fn: (x, w) => F.linear(x, w), ref: (x, w) => refLinear(x, w) });
  assertThrows(() => F.linear(sg.ones([2, 4]), sg.ones([5, 3])), 'linear', '[2,4]', '[5,3]', 'expected 3 input features, got 4');
});

test('Linear module: forward equals the functional form, gradients reach the parameters', () => {
  const m = new nn.Linear(3, 2);
  try {
    const x = sg.randn([4, 3], { requiresGrad: true });
    const y = m.call(x);
    assertClose(y.toArray(), F.linear(x, m.weight, m.bias).toArray());
    y.sum().backward();
    // d sum / d W[o, i] = sum_n x[n, i]; d / d b = N
    const xs = x.sum(0).toArray();
    assertClose(m.weight.grad.toArray(), [...xs, ...xs]);
    assertClose(m.bias.grad.toArray(), [4, 4]);
    assertClose(x.grad.toArray(), Array.from({ length: 12 }, (_, i) => m.weight.toArray()[i % 3] + m.weight.toArray()[3 + (i % 3)]));
  } finally {
    m.dispose();
  }
});

test('Flatten and Identity', () => {
  const x = sg.randn([2, 3, 4, 5]);
  assert.equal(new nn.Flatten().forward(x).shape, [2, 60]);
  assert.equal(new nn.Flatten(0, 1).forward(x).shape, [6, 4, 5]);
  const y = new nn.Identity().forward(x);
  assert.is.not(y, x, 'Identity returns a new handle');
  assert.equal(Array.from(y.toArray()), Array.from(x.toArray()));
  y.dispose();
  assert.not.ok(x.disposed, 'disposing the output leaves the input alive');
});

test('ReLU, LeakyReLU, Tanh, Sigmoid modules match their definitions and gradients', () => {
  gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => new nn.ReLU().forward(x), ref: (x) => zip(relu, x) });
  gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => new nn.LeakyReLU(0.2).forward(x), ref: (x) => zip((v) => (v > 0 ? v : 0.2 * v), x) });
  gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => new nn.Tanh().forward(x), ref: (x) => zip(Math.tanh, x) });
  gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => new nn.Sigmoid().forward(x), ref: (x) => zip((v) => 1 / (1 + Math.exp(-v)), x) });
  assert.is(new nn.LeakyReLU().negativeSlope, 0.01);
});

test('PReLU: one slope or one per channel (dim 1); gradients of input and slope', () => {
  gradcheck({
    inputs: [{ shape: [2, 3, 2, 2] }, { shape: [1], lo: 0.1, hi: 0.5 }],
    fn: (x, a) => F.prelu(x, a),
    ref: (x, a) => zip((v, s) => (v > 0 ? v : s * v), x, a),
  });
  gradcheck({
    inputs: [{ shape: [2, 3, 2] }, { shape: [3], lo: 0.1, hi: 0.5 }],
    fn: (x, a) => F.prelu(x, a),
    ref: (x, a) => zip((v, s) => (v > 0 ? v : s * v), x, nd([3, 1], a.data)),
  });
  const m = new nn.PReLU({ numParameters: 3 });
  try {
    assert.equal(Array.from(m.weight.toArray()), [0.25, 0.25, 0.25]);
    const y = m.forward(sg.tensor([[-4, 1, -2]]));
    assertClose(y.toArray(), [-1, 1, -0.5]);
    assertThrows(() => m.forward(sg.ones([2, 4])), 'prelu', 'expected 3 channels');
  } finally {
    m.dispose();
  }
});

test('CReLU doubles the dim: cat(relu(x), relu(-x)); gradient', () => {
  gradcheck({
    inputs: [{ shape: [2, 3] }],
    fn: (x) => new nn.CReLU().forward(x),
    ref: (x) => {
      const out = new Float64Array(12);
      for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) {
        out[n * 6 + c] = relu(x.data[n * 3 + c]);
        out[n * 6 + 3 + c] = relu(-x.data[n * 3 + c]);
      }
      return nd([2, 6], out);
    },
  });
  assert.equal(new nn.CReLU({ dim: 1 }).forward(sg.ones([2, 3, 4, 4])).shape, [2, 6, 4, 4]);
});

test('Maxout: max over pieces of a Linear to out x pieces; gradients of input, weight, bias', () => {
  const refMaxout = (x, w, b) => {
    const z = refLinear(x, w, b);
    return max(nd([z.shape[0], 2, 3], z.data), 2);
  };
  gradcheck({
    inputs: [{ shape: [4, 3] }, { shape: [6, 3] }, { shape: [6] }],
    fn: (x, w, b) => F.linear(x, w, b).reshape([4, 2, 3]).amax(2),
    ref: refMaxout,
  });
  const m = new nn.Maxout(3, 2, 3);
  try {
    assert.equal(m.linear.weight.shape, [6, 3]);
    const x = sg.randn([4, 3]);
    const y = m.forward(x);
    assert.equal(y.shape, [4, 2]);
    const z = F.linear(x, m.linear.weight, m.linear.bias).toArray();
    const expected = [];
    for (let n = 0; n < 4; n++) for (let j = 0; j < 2; j++) expected.push(Math.max(...z.slice(n * 6 + j * 3, n * 6 + j * 3 + 3)));
    assertClose(y.toArray(), expected);
  } finally {
    m.dispose();
  }
});
test('ChannelMaxout: max over groups of consecutive channels, gradient to the winners', () => {
  const m = new sg.nn.ChannelMaxout(2);
  gradcheck({
    inputs: [{ shape: [2, 6, 2, 3] }],
    fn: (x) => m.forward(x),
    ref: (a) => {
      const out = new Float64Array(2 * 3 * 2 * 3);
      for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let p = 0; p < 6; p++) {
        const v0 = a.data[(n * 6 + 2 * c) * 6 + p], v1 = a.data[(n * 6 + 2 * c + 1) * 6 + p];
        out[(n * 3 + c) * 6 + p] = Math.max(v0, v1);
      }
      return nd([2, 3, 2, 3], out);
    },
  });
  assertThrows(() => m.forward(sg.ones([2, 5])), 'ChannelMaxout', '[2,5]', 'pieces=2');
});

test('Residual: y = x + body(x) with gradients through both paths; shape changes refused', () => {
  sg.manualSeed(4);
  const lin = new sg.nn.Linear(3, 3);
  const r = new sg.nn.Residual(lin);
  const x = sg.randn([4, 3], { requiresGrad: true });
  const y = r.forward(x);
  const expected = sg.add(x, lin.forward(x));
  assertClose(y.toArray(), expected.toArray(), { atol: 0, rtol: 0 });
  y.sum().backward();
  // d/dx sum(x + x W^T + b) = 1 + column sums of W
  const w = lin.weight.toArray();
  const colSums = [0, 1, 2].map((j) => w[j] + w[3 + j] + w[6 + j]);
  assertClose(x.grad.toArray(), Array.from({ length: 12 }, (_, k) => 1 + colSums[k % 3]), { atol: 1e-6 });
  assert.equal([...r.stateDict().keys()].sort(), ['body.bias', 'body.weight']);
  r.dispose();
  const narrowing = new sg.nn.Residual(new sg.nn.Linear(3, 2));
  assertThrows(() => narrowing.forward(sg.ones([1, 3])), 'Residual', '[1,3]', '[1,2]');
  narrowing.dispose();
});

test('activation modules: PyTorch defaults, repr, forward equal to the functional form, gradients through a Sequential', () => {
  const cases = [
    [new nn.ELU(), 'ELU(alpha=1)', (x) => F.elu(x)],
    [new nn.ELU({ alpha: 0.5 }), 'ELU(alpha=0.5)', (x) => F.elu(x, { alpha: 0.5 })],
    [new nn.SELU(), 'SELU()', F.selu],
    [new nn.CELU(), 'CELU(alpha=1)', (x) => F.celu(x)],
    [new nn.CELU({ alpha: 2 }), 'CELU(alpha=2)', (x) => F.celu(x, { alpha: 2 })],
    [new nn.GELU(), "GELU(approximate='none')", (x) => F.gelu(x)],
    [new nn.GELU({ approximate: 'tanh' }), "GELU(approximate='tanh')", (x) => F.gelu(x, { approximate: 'tanh' })],
    [new nn.SiLU(), 'SiLU()', F.silu],
    [new nn.Mish(), 'Mish()', F.mish],
    [new nn.Softplus(), 'Softplus(beta=1, threshold=20)', (x) => F.softplus(x)],
    [new nn.Softplus({ beta: 2, threshold: 1 }), 'Softplus(beta=2, threshold=1)', (x) => F.softplus(x, { beta: 2, threshold: 1 })],
    [new nn.Hardtanh(), 'Hardtanh(minVal=-1, maxVal=1)', (x) => F.hardtanh(x)],
    [new nn.Hardtanh({ minVal: -2, maxVal: 0.5 }), 'Hardtanh(minVal=-2, maxVal=0.5)', (x) => F.hardtanh(x, { minVal: -2, maxVal: 0.5 })],
    [new nn.ReLU6(), 'ReLU6()', F.relu6],
    [new nn.Hardsigmoid(), 'Hardsigmoid()', F.hardsigmoid],
    [new nn.Hardswish(), 'Hardswish()', F.hardswish],
    [new nn.LogSigmoid(), 'LogSigmoid()', F.logSigmoid],
    [new nn.Softsign(), 'Softsign()', F.softsign],
  ];
  const x = sg.tensor([[-7, -3, -1.5, -0.25], [0, 0.75, 2.5, 9]]);
  for (const [m, repr, f] of cases) {
    assert.is(m.toString(), repr);
    assert.equal([...m.parameters()].length, 0, `${repr} has no parameters`);
    assert.equal(Array.from(m.call(x).toArray()), Array.from(f(x).toArray()), `${repr} forward`);
  }
  assert.is(new nn.ELU().alpha, 1);
  assert.is(new nn.CELU().alpha, 1);
  assert.is(new nn.GELU().approximate, 'none');
  assert.equal([new nn.Softplus().beta, new nn.Softplus().threshold], [1, 20]);
  assert.equal([new nn.Hardtanh().minVal, new nn.Hardtanh().maxVal], [-1, 1]);
  // a small net through two of them: gradient by finite differences
  const net = new nn.Sequential(new nn.Linear(3, 4), new nn.GELU(), new nn.Linear(4, 2), new nn.SELU());
  try {
    assert.is(net.toString(), "Sequential(\n  (0): Linear(inFeatures=3, outFeatures=4, bias=true)\n  (1): GELU(approximate='none')\n  (2): Linear(inFeatures=4, outFeatures=2, bias=true)\n  (3): SELU()\n)");
    const [l1, , l2] = [...net];
    const w1 = nd(l1.weight.shape, l1.weight.toArray()), b1 = nd(l1.bias.shape, l1.bias.toArray());
    const w2 = nd(l2.weight.shape, l2.weight.toArray()), b2 = nd(l2.bias.shape, l2.bias.toArray());
    const erf = (v) => { let t = Math.abs(v), s = t; for (let n = 0; t > s * 1e-17; n++) { t *= (2 * v * v) / (2 * n + 3); s += t; } return Math.sign(v) * (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v) * s; };
    const gelu = (v) => 0.5 * v * (1 + erf(v * Math.SQRT1_2));
    const selu = (v) => 1.0507009873554804934193349852946 * (v > 0 ? v : 1.6732632423543772848170429916717 * Math.expm1(v));
    gradcheck({
      inputs: [{ shape: [5, 3], lo: -2, hi: 2 }],
      fn: (t) => net.call(t),
      ref: (t) => zip(selu, refLinear(zip(gelu, refLinear(t, w1, b1)), w2, b2)),
    });
  } finally {
    net.dispose();
  }
});

test('activation modules check their options like PyTorch', () => {
  assertThrows(() => new nn.ELU({ alpha: 'big' }), 'ELU', 'alpha', 'finite number');
  assert.is(new nn.ELU(0.5).alpha, 0.5, "PyTorch's positional alpha");
  assertThrows(() => new nn.ELU('0.5'), 'ELU', 'alpha', "'0.5' (a string)");
  assertThrows(() => new nn.CELU({ alpha: 0 }), 'CELU', 'alpha cannot be 0');
  assertThrows(() => new nn.GELU({ approximate: 'erf' }), 'GELU', "approximate must be one of 'none', 'tanh'");
  assertThrows(() => new nn.Softplus({ beta: Infinity }), 'Softplus', 'beta');
  assertThrows(() => new nn.Softplus({ treshold: 5 }), 'Softplus', "unknown option 'treshold'");
  // the module asserts maxVal > minVal (the functional form allows them equal)
  assertThrows(() => new nn.Hardtanh({ minVal: 1, maxVal: 1 }), 'Hardtanh', 'maxVal must be greater than minVal');
  assertThrows(() => new nn.Hardtanh({ minVal: 2 }), 'Hardtanh', 'maxVal must be greater than minVal', 'minVal=2, maxVal=1');
});

test.run();
