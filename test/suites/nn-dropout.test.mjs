import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';

const test = suite('nn-dropout');
const { nn } = sg;

test('lecture: Dropout(0.5) on ones [3, 9], y.norm(2, 1).sum().backward()', () => {
  sg.manualSeed(3);
  const x = sg.ones([3, 9], { requiresGrad: true });
  const y = new nn.Dropout(0.5).forward(x);
  y.norm(2, 1).sum().backward();
  const yv = y.toArray(), g = x.grad.toArray();
  for (let r = 0; r < 3; r++) {
    const row = yv.slice(r * 9, r * 9 + 9);
    assert.ok(row.every((v) => v === 0 || v === 2), `row ${r}: kept entries are 2`);
    const k = row.filter((v) => v === 2).length;
    for (let j = 0; j < 9; j++) {
      // d/dx ||m x||_2 = m^2 x / ||m x|| = 4 / (2 sqrt k) = 2 / sqrt k on kept units
      const expected = row[j] === 2 ? 2 / Math.sqrt(k) : 0;
      assertClose([g[r * 9 + j]], [expected], { what: `grad[${r},${j}]` });
    }
  }
  // the lecture's number: 7 kept units give 2 / sqrt(7)
  assertClose([2 / Math.sqrt(7)], [0.7559], { atol: 5e-5 });
});

/** y is a new handle on x's data: same values, and disposing it leaves x alive. */
function assertAlias(y, x) {
  assert.is.not(y, x);
  assert.equal(y.shape, x.shape);
  assert.equal(Array.from(y.toArray()), Array.from(x.toArray()));
  y.dispose();
  assert.not.ok(x.disposed);
}

test('Dropout: identity in eval and for p = 0, zeros for p = 1, keep rate near 1 - p, p outside [0, 1] refused', () => {
  const x = sg.ones([100, 100]);
  const d = new nn.Dropout(0.2);
  d.eval();
  assertAlias(d.forward(x), x);
  d.train();
  const y = d.forward(x).toArray();
  const kept = y.filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1.25) < 1e-6));
  assert.ok(Math.abs(kept.length / 1e4 - 0.8) < 0.03, `keep rate ${kept.length / 1e4}`);
  assertAlias(new nn.Dropout(0).forward(x), x);
  assertAlias(sg.F.dropout(x, 0.5, false), x);
  assertAlias(sg.F.dropout2d(sg.ones([2, 3, 2, 2]), { training: false }), sg.ones([2, 3, 2, 2]));
  assert.ok(new nn.Dropout(1).forward(x).toArray().every((v) => v === 0));
  assertThrows(() => new nn.Dropout(1.5), 'Dropout: p must be a finite number in [0, 1]', '1.5 (a number)');
  assertThrows(() => new nn.Dropout(-0.1), 'in [0, 1]');
  assert.is(d.toString(), 'Dropout(p=0.2)');
});

test('lecture: Dropout2d on ones [2, 3, 2, 2]: every channel all 2 or all 0; also (C, H, W)', () => {
  const y = new nn.Dropout2d().forward(sg.ones([2, 3, 2, 2])).toArray();
  for (let c = 0; c < 6; c++) {
    const ch = y.slice(c * 4, c * 4 + 4);
    assert.ok(ch.every((v) => v === 2) || ch.every((v) => v === 0), `channel ${c}: ${ch}`);
  }
  const z = new nn.Dropout2d(0.5).forward(sg.ones([8, 3, 3])).toArray();
  for (let c = 0; c < 8; c++) {
    const ch = z.slice(c * 9, c * 9 + 9);
    assert.ok(ch.every((v) => v === 2) || ch.every((v) => v === 0));
  }
  assertThrows(() => new nn.Dropout2d().forward(sg.ones([2, 3])), 'dropout2d', '[2,3]');
  // gradient: the same channel mask
  const x = sg.ones([1, 4, 2, 2], { requiresGrad: true });
  const o = new nn.Dropout2d().forward(x);
  o.sum().backward();
  assertClose(x.grad.toArray(), o.toArray());
});

test('DropConnect: one weight mask per batch in training with inverted scaling, full weights in eval', () => {
  const m = new nn.DropConnect(6, 4, { p: 0.5 });
  try {
    const x = sg.eye(6);
    // with x = I, row i of the output is column i of the masked W^T, plus the bias
    sg.manualSeed(11);
    const y = m.forward(x).sub(m.bias).toArray();
    const w = m.weight.toArray();
    let zeros = 0;
    for (let i = 0; i < 6; i++) for (let o = 0; o < 4; o++) {
      const v = y[i * 4 + o], full = w[o * 6 + i];
      assert.ok(Math.abs(v) < 1e-6 || Math.abs(v - 2 * full) < 1e-5, `entry ${i},${o}: ${v} vs 2 * ${full}`);
      if (Math.abs(v) < 1e-6) zeros++;
    }
    assert.ok(zeros > 0 && zeros < 24, `${zeros} of 24 weights dropped`);
    // gradients reach the weight only through kept entries
    const x2 = sg.randn([3, 6], { requiresGrad: true });
    m.forward(x2).sum().backward();
    assert.ok(m.weight.grad !== null && x2.grad !== null && m.bias.grad !== null);
    assertClose(m.bias.grad.toArray(), [3, 3, 3, 3]);
    m.eval();
    const e = m.forward(x).sub(m.bias).toArray();
    for (let i = 0; i < 6; i++) for (let o = 0; o < 4; o++) assertClose([e[i * 4 + o]], [w[o * 6 + i]]);
  } finally {
    m.dispose();
  }
});
test.run();
