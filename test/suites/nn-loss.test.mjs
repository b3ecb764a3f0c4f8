import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';

const test = suite('nn-loss');
const { nn, F } = sg;

const reduceRef = (vals, shape, reduction) =>
  reduction === 'none' ? nd(shape, vals) : nd([], [vals.reduce((s, v) => s + v, 0) / (reduction === 'mean' ? vals.length : 1)]);

test('MSELoss: mean, sum, none; gradients of input and target', () => {
  for (const reduction of ['mean', 'sum', 'none']) {
    gradcheck({
      inputs: [{ shape: [3, 4] }, { shape: [3, 4] }],
      fn: (x, y) => new nn.MSELoss({ reduction }).forward(x, y),
      ref: (x, y) => reduceRef(Array.from(x.data, (v, i) => (v - y.data[i]) ** 2), x.shape, reduction),
    });
  }
  assertThrows(() => F.mseLoss(sg.ones([2]), sg.ones([3])), 'mseLoss', '[2]', '[3]');
  assertThrows(() => F.mseLoss(sg.ones([2]), sg.ones([2]), { reduction: 'avg' }), "reduction must be one of 'mean', 'sum', 'none'", "'avg' (a string)");
});

test('BCEWithLogitsLoss: stable for large logits, posWeight, gradients of logits', () => {
  const softplus = (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  const target = [0, 1, 1, 0, 0.3, 1];
  const pw = [2, 0.5, 1];
  for (const reduction of ['mean', 'sum', 'none']) {
    gradcheck({
      inputs: [{ shape: [2, 3], lo: -4, hi: 4 }, { shape: [2, 3], data: target, grad: false }],
      fn: (x, y) => new nn.BCEWithLogitsLoss({ reduction }).forward(x, y),
      ref: (x) => reduceRef(Array.from(x.data, (v, i) => (1 - target[i]) * v + softplus(-v)), x.shape, reduction),
    });
    gradcheck({
      inputs: [{ shape: [2, 3], lo: -4, hi: 4 }, { shape: [2, 3], data: target, grad: false }, { shape: [3], data: pw, grad: false }],
      fn: (x, y, w) => F.binaryCrossEntropyWithLogits(x, y, { reduction, posWeight: w }),
      // -w y log s(x) - (1 - y) log(1 - s(x))
      ref: (x) => reduceRef(Array.from(x.data, (v, i) => pw[i % 3] * target[i] * softplus(-v) + (1 - target[i]) * softplus(v)), x.shape, reduction),
    });
  }
  const big = F.binaryCrossEntropyWithLogits(sg.tensor([100, -100, 100]), sg.tensor([0, 1, 1]), { reduction: 'none' }).toArray();
  assertClose(big, [100, 100, 0], { atol: 1e-4 });
  assert.ok(big.every(Number.isFinite));
});
test('CrossEntropyLoss and NLLLoss modules: -log softmax at the target, reductions, label smoothing, ignoreIndex', () => {
  const logits = [[2, 0.5, -1], [0.1, 0.2, 3], [1, 1, 1]], target = [0, 2, 1];
  const lse = (r) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
  const per = logits.map((r, i) => lse(r) - r[target[i]]);
  const x = sg.tensor(logits), t = sg.tensor(target);
  assertClose([new nn.CrossEntropyLoss().forward(x, t).item()], [per.reduce((a, b) => a + b) / 3]);
  assertClose(new nn.CrossEntropyLoss({ reduction: 'none' }).forward(x, t).toArray(), per);
  assertClose([new nn.NLLLoss({ reduction: 'sum' }).forward(x.logSoftmax(1), t).item()], [per.reduce((a, b) => a + b)]);
  // label smoothing e: (1 - e) nll + e mean over classes of -log p
  const e = 0.1;
  const smooth = logits.map((r, i) => (1 - e) * per[i] + (e / 3) * r.reduce((s, v) => s + lse(r) - v, 0));
  assertClose([new nn.CrossEntropyLoss({ labelSmoothing: e }).forward(x, t).item()], [smooth.reduce((a, b) => a + b) / 3]);
  // ignored targets count neither in the sum nor in the mean's divisor
  assertClose([new nn.CrossEntropyLoss({ ignoreIndex: 2 }).forward(x, t).item()], [(per[0] + per[2]) / 2]);
});
test.run();
