import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';

const test = suite('nn-resnet');
const { nn, optim } = sg;

/** float64 conv2d (N, C, H, W) with weight (O, C, kh, kw), stride and padding. */
function refConv(x, w, b, s, p) {
  const [N, C, H, W] = x.shape, [O, , kh, kw] = w.shape;
  const OH = Math.floor((H + 2 * p - kh) / s) + 1, OW = Math.floor((W + 2 * p - kw) / s) + 1;
  const out = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    let acc = b ? b[o] : 0;
    for (let c = 0; c < C; c++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = oy * s - p + ky, ix = ox * s - p + kx;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      acc += x.data[((n * C + c) * H + iy) * W + ix] * w.data[((o * C + c) * kh + ky) * kw + kx];
    }
    out[((n * O + o) * OH + oy) * OW + ox] = acc;
  }
  return nd([N, O, OH, OW], out);
}

test('Conv2d: PyTorch default init, forward and input gradient, parameter gradients', () => {
  const m = new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1 });
  try {
    assert.equal(m.weight.shape, [3, 2, 3, 3]);
    const bound = 1 / Math.sqrt(18);
    assert.ok([...m.weight.toArray(), ...m.bias.toArray()].every((v) => Math.abs(v) <= bound));
    const w = nd(m.weight.shape, Float64Array.from(m.weight.toArray())), b = Array.from(m.bias.toArray());
    gradcheck({ inputs: [{ shape: [2, 2, 5, 5] }], fn: (x) => m.call(x), ref: (x) => refConv(x, w, b, 2, 1) });
    assert.ok(m.weight.grad !== null && m.bias.grad !== null);
    assert.is(m.toString(), 'Conv2d(2, 3, kernelSize=[3,3], stride=[2,2], padding=[1,1])');
    assertThrows(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), 'divisible by groups');
  } finally {
    m.dispose();
  }
});

test('BasicBlock: shapes for options A and B, identity shortcut, plain variant without the addition', () => {
  const a = new nn.BasicBlock(4, 8, { stride: 2, shortcut: 'A' });
  const b = new nn.BasicBlock(4, 8, { stride: 2, shortcut: 'B' });
  const same = new nn.BasicBlock(4, 4);
  const plain = new nn.BasicBlock(4, 8, { stride: 2, residual: false });
  try {
    const x = sg.randn([2, 4, 6, 6]);
    for (const m of [a, b, plain]) assert.equal(m.call(x).shape, [2, 8, 3, 3]);
    assert.equal(same.call(x).shape, [2, 4, 6, 6]);
    assert.equal([...a.namedParameters()].length, 6);
    assert.equal([...b.namedParameters()].map(([k]) => k).slice(-3), ['shortcut.0.weight', 'shortcut.1.weight', 'shortcut.1.bias']);
    assert.is(plain.shortcut, null);
    // option A: with the residual branch silenced (bn2 weight and bias 0) the block is relu(pad(subsample(x)))
    sg.noGrad(() => {
      a.bn2.weight.fill_(0);
      a.bn2.bias.fill_(0);
    });
    const y = a.call(x).toArray(), xv = x.toArray();
    for (let n = 0; n < 2; n++) for (let c = 0; c < 8; c++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const expected = c < 4 ? Math.max(0, xv[((n * 4 + c) * 6 + 2 * i) * 6 + 2 * j]) : 0;
      assertClose([y[((n * 8 + c) * 3 + i) * 3 + j]], [expected], { atol: 1e-6 });
    }
  } finally {
    for (const m of [a, b, same, plain]) m.dispose();
  }
});

test('resnetCifar: depth 6n + 2, layer names like layer1.0.bn1.runningMean, output shape, save/load round trip', () => {
  const m = nn.resnetCifar(8, { numClasses: 5, width: 4 });
  try {
    const keys = [...m.stateDict().keys()];
    assert.ok(keys.includes('layer1.0.bn1.runningMean'));
    assert.ok(keys.includes('layer3.0.conv2.weight'));
    assert.ok(keys.includes('fc.bias'));
    assert.is(keys.filter((k) => k.endsWith('conv1.weight')).length, 4);
    assert.equal(m.call(sg.randn([2, 3, 8, 8])).shape, [2, 5]);
    const bytes = sg.save(m.stateDict());
    const loaded = sg.load(bytes);
    const other = nn.resnetCifar(8, { numClasses: 5, width: 4 });
    other.loadStateDict(loaded);
    m.eval();
    other.eval();
    const x = sg.randn([2, 3, 8, 8]);
    assertClose(other.call(x).toArray(), m.call(x).toArray(), { atol: 1e-6 });
    other.dispose();
    assertThrows(() => nn.resnetCifar(21), 'depth must be 6n + 2');
  } finally {
    m.dispose();
  }
});

test('lecture: 56-layer plain and residual networks train 2 steps on (2, 3, 8, 8) without NaN', () => {
  sg.manualSeed(1);
  const x = sg.randn([2, 3, 8, 8]);
  const target = sg.tensor([[1, 0], [0, 1]]);
  for (const residual of [false, true]) {
    const m = nn.resnetCifar(56, { numClasses: 2, width: 4, residual });
    const opt = new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
    try {
      assert.is([...m.modules()].filter((u) => u instanceof nn.Conv2d).length, 55);
      for (let s = 0; s < 2; s++) {
        sg.scope(() => {
          opt.zeroGrad();
          const loss = new nn.BCEWithLogitsLoss().forward(m.call(x), target);
          loss.backward();
          opt.step();
          assert.ok(Number.isFinite(loss.item()), `loss ${loss.item()}`);
        });
      }
      for (const p of m.parameters()) assert.ok(p.toArray().every(Number.isFinite));
    } finally {
      opt.dispose();
      m.dispose();
    }
  }
});
test.run();
