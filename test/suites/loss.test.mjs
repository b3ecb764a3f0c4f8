// crossEntropy and nllLoss against float64 references: reductions, label
// smoothing (PyTorch's formula), ignoreIndex, class weights (mean divides by
// the targets' total weight), (N, C, d...) and unbatched inputs, class
// probability targets, gradients by finite differences, label errors.
import * as assert from 'uvu/assert';
import { suite, sg, rng, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';

const test = suite('ops: losses');

/** log softmax of one row, in float64. */
function logSoftmaxRow(row) {
  const m = Math.max(...row), lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

/**
 * Per-row losses and the reduction, PyTorch's semantics: with weights w,
 * loss_i = (1 - eps) w_t (-log p_t) + eps / C sum_c w_c (-log p_c); 'mean'
 * divides by sum_i w_{t_i} over rows not ignored.
 */
function refLoss(x, target, { reduction = 'mean', labelSmoothing = 0, ignoreIndex = -100, weight = null } = {}, logits = true) {
  const [N, C] = x.shape;
  const w = weight ?? new Array(C).fill(1);
  const rows = new Float64Array(N);
  let count = 0;
  for (let i = 0; i < N; i++) {
    const t = target[i];
    if (t === ignoreIndex) continue;
    count += w[t];
    const row = Array.from(x.data.slice(i * C, (i + 1) * C));
    if (!logits) { rows[i] = -w[t] * row[t]; continue; }
    const logp = logSoftmaxRow(row);
    rows[i] = (1 - labelSmoothing) * w[t] * -logp[t] + (labelSmoothing / C) * logp.reduce((s, v, c) => s - w[c] * v, 0);
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
  [{ weight: [0.5, 2, 1, 0.25, 3] }, labels],
  [{ weight: [0.5, 2, 1, 0.25, 3], reduction: 'none' }, labels],
  [{ weight: [0.5, 2, 1, 0.25, 3], reduction: 'sum', ignoreIndex: 4 }, labels],
  [{ weight: [0.5, 2, 1, 0.25, 3], labelSmoothing: 0.2, ignoreIndex: 0 }, labels],
];

/** The options with weight as a tensor (the reference takes the plain array). */
const withTensors = (opts) => (opts.weight ? { ...opts, weight: sg.tensor(opts.weight) } : opts);

for (const [opts, t] of cases) {
  test(`crossEntropy ${JSON.stringify(opts)} ${JSON.stringify(t)}`, () => {
    const target = sg.tensor(t);
    gradcheck({ inputs: [{ shape: [7, 5], lo: -3, hi: 3 }], fn: (x) => sg.crossEntropy(x, target, withTensors(opts)), ref: (x) => refLoss(x, t, opts) });
  });
  if (!opts.labelSmoothing) {
    test(`nllLoss ${JSON.stringify(opts)} ${JSON.stringify(t)}`, () => {
      const target = sg.tensor(t);
      gradcheck({ inputs: [{ shape: [7, 5], lo: -3, hi: 0 }], fn: (x) => sg.nllLoss(x, target, withTensors(opts)), ref: (x) => refLoss(x, t, opts, false) });
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

test('class weights, by hand: zeros logits, weights [1, 2]: rows log 2 and 2 log 2, mean (3 log 2) / 3', () => {
  const x = sg.zeros([2, 2]), t = sg.tensor([0, 1]), weight = sg.tensor([1, 2]);
  assertClose(sg.crossEntropy(x, t, { weight, reduction: 'none' }).toArray(), [Math.LN2, 2 * Math.LN2], { rtol: 1e-6 });
  assertClose([sg.crossEntropy(x, t, { weight }).item()], [Math.LN2], { rtol: 1e-6 });
  assertClose([sg.crossEntropy(x, sg.tensor([1, 1]), { weight }).item()], [Math.LN2], { rtol: 1e-6 });
  assertClose([new sg.nn.CrossEntropyLoss({ weight }).forward(x, t).item()], [Math.LN2], { rtol: 1e-6 });
  assertClose([new sg.nn.NLLLoss({ weight, reduction: 'sum' }).forward(sg.tensor([[-1, -2], [-3, -4]]), t).item()], [1 + 8], { rtol: 1e-6 });
});

test('(N, C, d1, d2) logits with (N, d1, d2) labels: one row per position, gradients by finite differences', () => {
  const t = [[[0, 2], [1, 1], [2, -100]], [[1, 0], [0, 2], [2, 1]]];
  const flatLabels = t.flat(2);
  for (const opts of [{}, { reduction: 'none' }, { labelSmoothing: 0.1, weight: [1, 0.5, 2] }]) {
    const target = sg.tensor(t);
    // positions are rows of the (N, C, d1, d2) -> (N d1 d2, C) reference
    const ref = (x) => {
      const [N, C, D1, D2] = x.shape;
      const rows = new Float64Array(N * D1 * D2 * C);
      for (let n = 0; n < N; n++) for (let a = 0; a < D1; a++) for (let b = 0; b < D2; b++) for (let c = 0; c < C; c++) {
        rows[((n * D1 + a) * D2 + b) * C + c] = x.data[((n * C + c) * D1 + a) * D2 + b];
      }
      const r = refLoss(nd([N * D1 * D2, C], rows), flatLabels, opts);
      return opts.reduction === 'none' ? nd([N, D1, D2], r.data) : r;
    };
    gradcheck({ inputs: [{ shape: [2, 3, 3, 2], lo: -3, hi: 3 }], fn: (x) => sg.crossEntropy(x, target, withTensors(opts)), ref });
  }
  const out = sg.crossEntropy(sg.zeros([2, 3, 3, 2]), sg.tensor(t), { reduction: 'none' });
  assert.equal(out.shape, [2, 3, 2]);
});

test('unbatched (C) logits with a scalar label', () => {
  gradcheck({ inputs: [{ shape: [5], lo: -3, hi: 3 }], fn: (x) => sg.crossEntropy(x, sg.tensor(3)), ref: (x) => refLoss(nd([1, 5], x.data), [3]) });
  const l = sg.crossEntropy(sg.zeros([4]), sg.tensor(1), { reduction: 'none' });
  assert.equal(l.shape, []);
  assertClose([l.item()], [Math.log(4)], { rtol: 1e-6 });
});

test('class-probability targets: -sum_c w_c y_c log p_c, smoothing mixes in eps / C, mean over rows', () => {
  const r = rng(7);
  const probs = [];
  for (let i = 0; i < 4; i++) {
    const u = [r.uniform(0.1, 1), r.uniform(0.1, 1), r.uniform(0.1, 1)], s = u[0] + u[1] + u[2];
    probs.push(u.map((v) => Math.fround(v / s)));
  }
  const y = sg.tensor(probs);
  for (const opts of [{}, { reduction: 'sum' }, { reduction: 'none' }, { labelSmoothing: 0.2, weight: [2, 1, 0.5] }]) {
    const eps = opts.labelSmoothing ?? 0, w = opts.weight ?? [1, 1, 1];
    const ref = (x) => {
      const rows = probs.map((p, i) => {
        const logp = logSoftmaxRow(Array.from(x.data.slice(i * 3, i * 3 + 3)));
        return -logp.reduce((s, v, c) => s + w[c] * ((1 - eps) * p[c] + eps / 3) * v, 0);
      });
      if (opts.reduction === 'none') return nd([4], rows);
      const s = rows.reduce((a, b) => a + b, 0);
      return nd([], [opts.reduction === 'sum' ? s : s / 4]);
    };
    gradcheck({ inputs: [{ shape: [4, 3], lo: -3, hi: 3 }], fn: (x) => sg.crossEntropy(x, y, withTensors(opts)), ref });
  }
  // one-hot probabilities equal class labels
  const x = sg.randn([3, 4]);
  assertClose([sg.crossEntropy(x, sg.tensor([[0, 1, 0, 0], [0, 0, 0, 1], [1, 0, 0, 0]])).item()], [sg.crossEntropy(x, sg.tensor([1, 3, 0])).item()], { rtol: 1e-6 });
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
  assertThrows(() => sg.crossEntropy(sg.zeros([3]), sg.tensor([0, 1])), '[3]', '[2]', 'expected input (N, C)');
  assertThrows(() => sg.crossEntropy(sg.zeros([2, 3, 4]), sg.tensor([[0, 1, 2]])), '[2,3,4]', '(N, d1, ...)');
  assertThrows(() => sg.nllLoss(x, sg.zeros([3, 4])), 'nllLoss', '[3,4]');
  assertThrows(() => sg.crossEntropy(x, sg.tensor([0, 1, 2]), { weight: sg.ones([3]) }), 'crossEntropy', 'weight [3]', 'expected [4]');
  assertThrows(() => sg.crossEntropy(x, sg.tensor([0, 1, 2]), { weight: [1, 1, 1, 1] }), 'weight must be a Tensor');
  assertThrows(() => sg.crossEntropy(x, sg.tensor([0, 1, 2]), { reduction: 'avg' }), 'reduction');
  assertThrows(() => sg.crossEntropy(x, sg.tensor([0, 1, 2]), { labelSmoothing: 2 }), 'labelSmoothing');
});

test.run();
