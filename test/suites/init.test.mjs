import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';

const test = suite('init');
const { nn } = sg;
const { init } = nn;

const stats = (a) => {
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  return { mean: m, std: Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length), maxAbs: Math.max(...a.map(Math.abs)) };
};

test('calculateGain and fans follow PyTorch', () => {
  assert.is(init.calculateGain('linear'), 1);
  assert.is(init.calculateGain('tanh'), 5 / 3);
  assertClose([init.calculateGain('relu'), init.calculateGain('leakyRelu', 0.2), init.calculateGain('selu')], [Math.SQRT2, Math.sqrt(2 / 1.04), 0.75]);
  const t = sg.zeros([8, 4, 3, 3]);
  assert.equal(init.calculateFans(t), { fanIn: 36, fanOut: 72 });
  assertThrows(() => init.calculateFans(sg.zeros([5])), 'fewer than 2 dimensions');
});

test('uniform_, normal_, constant_, zeros_, ones_ and xavier/kaiming scales', () => {
  const w = sg.zeros([200, 100], { requiresGrad: true });
  init.uniform_(w, -2, 3);
  let s = stats(Array.from(w.toArray()));
  assert.ok(s.mean > 0.4 && s.mean < 0.6 && s.maxAbs <= 3);
  init.normal_(w, 1, 2);
  s = stats(Array.from(w.toArray()));
  assert.ok(Math.abs(s.mean - 1) < 0.05 && Math.abs(s.std - 2) < 0.05, JSON.stringify(s));
  init.constant_(w, 0.5);
  assert.ok(w.toArray().every((v) => v === 0.5));
  init.zeros_(w);
  assert.ok(w.toArray().every((v) => v === 0));
  init.ones_(w);
  assert.ok(w.toArray().every((v) => v === 1));
  init.xavierUniform_(w);
  s = stats(Array.from(w.toArray()));
  const a = Math.sqrt(6 / 300);
  assert.ok(s.maxAbs <= a && Math.abs(s.std - a / Math.sqrt(3)) < 0.01 * a / Math.sqrt(3) * 5);
  init.xavierNormal_(w, 2);
  assert.ok(Math.abs(stats(Array.from(w.toArray())).std - 2 * Math.sqrt(2 / 300)) < 0.003);
  init.kaimingNormal_(w, { mode: 'fanOut', nonlinearity: 'relu' });
  assert.ok(Math.abs(stats(Array.from(w.toArray())).std - Math.SQRT2 / Math.sqrt(200)) < 0.003);
  init.kaimingUniform_(w);
  s = stats(Array.from(w.toArray()));
  assert.ok(s.maxAbs <= Math.SQRT2 * Math.sqrt(3 / 100) && Math.abs(s.std - Math.SQRT2 / 10) < 0.005);
  assertThrows(() => init.kaimingUniform_(w, { mode: 'fan_in' }), "mode must be one of 'fanIn', 'fanOut'", "did you mean 'fanIn'");
  assert.ok(w.requiresGrad && w.isLeaf);
});

/** max |G - I| for the Gram matrix of the rows (byRows) or columns of an r x c matrix. */
function gramError(a, r, c, byRows) {
  const [n, len] = byRows ? [r, c] : [c, r];
  const at = (i, k) => (byRows ? a[i * c + k] : a[k * c + i]);
  let worst = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < len; k++) s += at(i, k) * at(j, k);
    worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
  }
  return worst;
}

test('orthogonal_: W^T W = I (tall) or W W^T = I (wide) to 1e-5, any rank, with gain', () => {
  const tall = sg.zeros([64, 48]);
  init.orthogonal_(tall);
  assert.ok(gramError(tall.toArray(), 64, 48, false) < 1e-5, 'tall');
  const wide = sg.zeros([20, 70]);
  init.orthogonal_(wide);
  assert.ok(gramError(wide.toArray(), 20, 70, true) < 1e-5, 'wide');
  const sq = sg.zeros([32, 32]);
  init.orthogonal_(sq);
  assert.ok(gramError(sq.toArray(), 32, 32, true) < 1e-5 && gramError(sq.toArray(), 32, 32, false) < 1e-5, 'square');
  const conv = sg.zeros([8, 2, 3, 3]);
  init.orthogonal_(conv, 2);
  const scaled = Array.from(conv.toArray(), (v) => v / 2);
  assert.ok(gramError(scaled, 8, 18, true) < 1e-5, 'conv weight rows');
  assertThrows(() => init.orthogonal_(sg.zeros([4])), 'orthogonal_', '2 or more');
});

test('lsuv: every layer\'s output variance within tolerance of 1, returned in forward order', () => {
  sg.manualSeed(2);
  const model = new nn.Sequential(new nn.Linear(10, 32), new nn.Tanh(), new nn.Linear(32, 32), new nn.ReLU(), new nn.Linear(32, 4));
  try {
    const batch = sg.randn([256, 10]).mul(3);
    const vars = init.lsuv(model, batch, { tolerance: 0.05 });
    assert.is(vars.length, 3);
    for (const v of vars) assert.ok(Math.abs(v - 1) < 0.05, `variance ${v}`);
    // measured again independently
    sg.noGrad(() => {
      let h = batch;
      for (const m of model) {
        h = m.call(h);
        if (m instanceof nn.Linear) assert.ok(Math.abs(h.var().item() - 1) < 0.05);
      }
    });
    const conv = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.Conv2d(8, 4, 3));
    const cv = init.lsuv(conv, sg.randn([4, 3, 6, 6]).mul(0.1), { tolerance: 0.1 });
    assert.is(cv.length, 2);
    for (const v of cv) assert.ok(Math.abs(v - 1) < 0.1, `conv variance ${v}`);
    conv.dispose();
  } finally {
    model.dispose();
  }
});

test('looksLinear_: a deep CReLU network with zero biases is linear at init: f(ax + by) = a f(x) + b f(y)', () => {
  sg.manualSeed(4);
  const layers = [new nn.Linear(6, 8)];
  for (let i = 0; i < 5; i++) layers.push(new nn.CReLU(), new nn.Linear(16, 8));
  layers.push(new nn.CReLU(), new nn.Linear(16, 3));
  const f = init.looksLinear_(new nn.Sequential(...layers));
  try {
    const w = f.at(2).weight.toArray();
    for (let o = 0; o < 8; o++) for (let i = 0; i < 8; i++) assert.is(w[o * 16 + 8 + i], -w[o * 16 + i]);
    for (const m of f) if (m instanceof nn.Linear) assert.ok(m.bias.toArray().every((v) => v === 0));
    const x = sg.randn([5, 6]), y = sg.randn([5, 6]);
    const [a, b] = [0.7, -1.3];
    sg.noGrad(() => {
      const lhs = f.call(x.mul(a).add(y.mul(b))).toArray();
      const rhs = f.call(x).mul(a).add(f.call(y).mul(b)).toArray();
      assertClose(lhs, rhs, { atol: 1e-4, rtol: 0 });
      // and it is not trivially zero
      assert.ok(Math.max(...Array.from(lhs, Math.abs)) > 0.1);
    });
    const odd = new nn.Sequential(new nn.CReLU(), new nn.Linear(3, 2));
    assertThrows(() => init.looksLinear_(odd), 'even number of input features');
    odd.dispose();
  } finally {
    f.dispose();
  }
});
test.run();
