// Batch normalisation: the lecture's statistics example (BatchNorm1d in
// training mode maps each column to mean = bias, std = weight), then training
// with and without BN at a learning rate where the plain network struggles.
import { mlp, need } from '../nets.mjs';
import { budget, finalEval, pct, runArms, stepChart } from './common.mjs';
import { stepsToThreshold } from '../train.mjs';
import { compareClaim, thresholdClaim } from '../verdict.mjs';

const fmtRow = (v) => `[${Array.from(v, (x) => x.toFixed(4).padStart(9)).join(', ')}]`;

/** Runs the example; returns the printed lines and the after-BN column means/stds. */
export function statisticsExample(sg, seed) {
  const [BatchNorm1d] = need(sg, 'nn.BatchNorm1d');
  sg.manualSeed(seed);
  return sg.scope(() => {
    const x = sg.randn([1000, 3]).mul(sg.tensor([2, 5, 10])).add(sg.tensor([-10, 25, 3]));
    const bn = new BatchNorm1d(3);
    sg.noGrad(() => {
      bn.weight.copy_(sg.tensor([1, 2, 3]));
      bn.bias.copy_(sg.tensor([2, 4, 8]));
    });
    const y = bn.call(x);
    const stats = (t) => ({ mean: t.mean(0).toArray(), std: t.std(0).toArray() });
    const before = stats(x), after = stats(y);
    bn.dispose();
    const lines = [
      'x = randn(1000, 3) * [2, 5, 10] + [-10, 25, 3];  bn = BatchNorm1d(3), weight [1, 2, 3], bias [2, 4, 8], training mode',
      `before: column means ${fmtRow(before.mean)}   column stds ${fmtRow(before.std)}`,
      `after:  column means ${fmtRow(after.mean)}   column stds ${fmtRow(after.std)}`,
    ];
    return { lines, before, after };
  });
}

export default {
  id: 'batchnorm',
  title: '3. Batch normalisation',
  claim: 'Batch normalisation fixes each layer\'s input distribution (mean = bias, std = weight) and lets a network train at a learning rate where the plain one struggles',
  source: 'Ioffe & Szegedy 2015 (Batch normalization), Figure 1 (MNIST, 3 sigmoid layers of 100) and §4.2 (higher learning rates)',
  paperFigure: 'BN reaches the baseline accuracy much faster; trains at 5-30× learning rate',
  cost: { quick: 1.5, default: 5, full: 5 },
  async run(ctx) {
    const { sg, data, seed, quick, print } = ctx;
    const ex = statisticsExample(sg, seed);
    for (const l of ex.lines) print(l);
    const meanErr = Math.max(...[2, 4, 8].map((m, i) => Math.abs(ex.after.mean[i] - m)));
    const stdErr = Math.max(...[1, 2, 3].map((s, i) => Math.abs(ex.after.std[i] / s - 1)));
    const [c, h, w] = data.train.sampleShape;
    const steps = budget(ctx, 600, 150);
    const lr = 0.5;
    const depth = 4, width = 100;
    const arms = [
      { name: 'sigmoid MLP', build: () => mlp(sg, { inputs: c * h * w, width, depth, kind: 'sigmoid' }) },
      { name: 'sigmoid MLP + BN', build: () => mlp(sg, { inputs: c * h * w, width, depth, kind: 'sigmoid', batchNorm: true }) },
    ];
    const evals = { test: data.test };
    const curves = runArms(ctx, { experiment: 'batchnorm', arms, train: data.train, evals, steps, lr, flatten: true, evalEvery: Math.floor(steps / 5) });
    const [plain, bn] = Object.values(curves);
    const t10 = (cv) => stepsToThreshold(cv.batchError, 0.2);
    const rows = Object.entries(curves).map(([n, cv]) => [n, t10(cv) ?? (cv.diverged ? 'diverged' : `> ${cv.step.length}`), pct(finalEval(cv, 'test')), cv.loss.at(-1)]);
    for (const r of rows) print(`${r[0]}: steps to 20% training error ${r[1]}, final test error ${r[2]}`);
    const tail = Math.max(1, Math.floor(steps / 5));
    const finalErr = (cv) => (cv.diverged ? 1 : cv.batchError.slice(-tail).reduce((a, v) => a + v, 0) / tail);
    return {
      setup: `statistics example with seed ${seed}; training: MNIST MLP ${c * h * w}-${width}-${width}-${width}-10 with sigmoid units (the paper's Figure 1 network), SGD lr ${lr} (high on purpose), momentum 0.9, batch 64, ${steps} steps, same data order`,
      charts: [stepChart(curves, { title: `BN vs plain at lr ${lr}: training error` }), stepChart(curves, { title: `BN vs plain at lr ${lr}: training loss`, key: 'loss', yLabel: 'cross-entropy (running mean, nats)' })],
      tables: [
        { title: 'Statistics example (std: unbiased, over the 1000 rows)', columns: ['', 'mean col 1', 'mean col 2', 'mean col 3', 'std col 1', 'std col 2', 'std col 3'], rows: [['before', ...ex.before.mean, ...ex.before.std], ['after', ...ex.after.mean, ...ex.after.std]] },
        { title: 'Training', columns: ['arm', 'steps to 20% training error', 'final test error', 'final batch loss'], rows },
      ],
      summary: [
        thresholdClaim({ claim: 'BN output columns: mean = bias [2,4,8], std = weight [1,2,3]', paper: 'exact by construction', value: ['max(|mean − bias|, |std/weight − 1|)', Math.max(meanErr, stdErr)], op: '<', than: 1e-3, unit: 'exp' }),
        compareClaim({ claim: `BN trains faster at a high learning rate (lr ${lr}): lower training error after the same ${steps} steps`, paper: 'BN reaches baseline accuracy in 1/14 of the steps', a: ['BN', finalErr(bn)], op: '<', b: ['plain', finalErr(plain)], unit: 'pct', detail: `steps to 20%: ${rows[0][1]} plain, ${rows[1][1]} BN` }),
      ],
      notes: ['The printed stds are unbiased (n − 1), so the BN output std is weight × √(1000/999) ≈ 1.0005 × weight; BN itself normalises with the biased variance plus eps = 1e-5.'],
      curves,
    };
  },
};
