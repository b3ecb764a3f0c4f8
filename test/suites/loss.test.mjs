// crossEntropy and nllLoss against float64 references: reductions, label
// smoothing (PyTorch's formula), ignoreIndex, gradients by finite
// differences, label errors.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';

const test = suite('ops: losses');

/** Per-row losses and the reduction, PyTorch's semantics (weights absent). */
function refLoss(x, target, { reduction = 'mean', labelSmoothing = 0, ignoreIndex = -100 } = {}, logits = true) {
  const [N, C] = x.shape;
  const rows = new Float64Array(N);
  let count = 0;
  for (let i = 0; i < N; i++) {
    const t = target[i];
    if (t === ignoreIndex) continue;
    count++;
    const row = Array.from(x.data.slice(i * C, (i + 1) * C));
    if (!logits) { rows[i] = -row[t]; continue; }
    const m = Math.max(...row), lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    const logp = row.map((v) => v - lse);
    rows[i] = (1 - labelSmoothing) * -logp[t] + (labelSmoothing / C) * logp.reduce((s, v) => s - v, 0);
  }
  if (reduction === 'none') return nd([N], rows);
  const s = rows.reduce((a, b) => a + b, 0);
  return nd([], [reduction === 'mean' ? s / count : s]);
}

const labels = [2, 0, 4, 1, 4, 3, 0];
const cases = [
  [{}, labels],
  [{ reduction: 'sum' }, labels],
  [{ reduction: 'none' }, labels],
  [{ labelSmoothing: 0.1 }, labels],
  [{ labelSmoothing: 0.3, reduction: 'none' }, labels],
  [{ ignoreIndex: 4 }, labels],
  [{ labelSmoothing: 0.2, ignoreIndex: -100 }, [1, -100, 3, -100, 0, 2, 4]],
  [{ labelSmoothing: 0.2, reduction: 'sum', ignoreIndex: 0 }, labels],
];

for (const [opts, t] of cases) {
  test(`crossEntropy ${JSON.stringify(opts)} ${JSON.stringify(t)}`, () => {
    const target = sg.tensor(t);
    gradcheck({ inputs: [{ shape: [7, 5], lo: -3, hi: 3 }], fn: (x) => sg.crossEntropy(x, target, opts), ref: (x) => refLoss(x, t, opts) });
  });
  if (!opts.labelSmoothing) {
    test(`nllLoss ${JSON.stringify(opts)} ${JSON.stringify(t)}`, () => {
      const target = sg.tensor(t);
      gradcheck({ inputs: [{ shape: [7, 5], lo: -3, hi: 0 }], fn: (x) => sg.nllLoss(x, target, opts), ref: (x) => refLoss(x, t, opts, false) });
    });
  }
}

test('odd class counts and large logits stay finite and accurate', () => {
  for (const C of [1, 3, 4, 9, 17]) {
    const t = [0, C - 1, Math.floor(C / 2)];
    gradcheck({ inputs: [{ shape: [3, C], lo: -50, hi: 50 }], fn: (x) => sg.crossEntropy(x, sg.tensor(t), { labelSmoothing: 0.1 }), ref: (x) => refLoss(x, t, { labelSmoothing: 0.1 }), fatol: 1e-4, h: 1e-4 });
  }
  const big = sg.tensor([[1000, 0, -1000]]);
  assertClose([sg.crossEntropy(big, sg.tensor([1])).item()], [1000], { rtol: 1e-6 });
});

test('crossEntropy equals nllLoss of logSoftmax', () => {
  const x = sg.randn([6, 10]), t = sg.tensor([1, 9, 0, 3, 3, 7]);
  assertClose([sg.crossEntropy(x, t).item()], [sg.nllLoss(x.logSoftmax(1), t).item()], { atol: 1e-6 });
});

test('mean over all-ignored rows is NaN, like PyTorch', () => {
  assert.ok(Number.isNaN(sg.crossEntropy(sg.zeros([2, 3]), sg.tensor([-100, -100])).item()));
});

test('bad labels and shapes are refused, naming the label and C', () => {
  const x = sg.zeros([3, 4]);
  assertThrows(() => sg.crossEntropy(x, sg.tensor([0, 4, 1])), 'crossEntropy', 'target 4', 'C = 4');
  assertThrows(() => sg.crossEntropy(x, sg.tensor([0, -1, 1])), 'target -1', 'C = 4');
  assertThrows(() => sg.nllLoss(x, sg.tensor([0, 1.5, 1])), 'nllLoss', 'target 1.5');
  assertThrows(() => sg.crossEntropy(x, sg.tensor([0, 1])), 'crossEntropy', '[3,4]', '[2]');
  assertThrows(() => sg.crossEntropy(sg.zeros([3]), sg.tensor([0, 1, 2])), '[3]', 'expected input (N, C)');
  assertThrows(() => sg.crossEntropy(x, sg.tensor([0, 1, 2]), { reduction: 'avg' }), 'reduction');
  assertThrows(() => sg.crossEntropy(x, sg.tensor([0, 1, 2]), { labelSmoothing: 2 }), 'labelSmoothing');
});

test.run();
