// Dropout: an over-sized MLP trained far past fitting a small training set,
// with and without dropout (and with DropConnect); SpatialDropout (Dropout2d)
// in the small CNN. The measure is the generalisation gap: test error minus
// training error at the end of the same step budget.

import { cnn4, mlp } from '../nets.mjs';
import { budget, evalChart, finalEval, pct, runArms } from './common.mjs';
import { compareClaim } from '../verdict.mjs';

export default {
  id: 'dropout',
  title: '2. Dropout',
  claim: 'Dropout reduces overfitting: an over-sized network trained with dropout has a smaller gap between training and test error',
  source: 'Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov 2014 (Dropout, JMLR), Figure 4; Tompson et al. 2015 (SpatialDropout); Wan et al. 2013 (DropConnect)',
  paperFigure: 'MNIST test error 1.6% → 1.25% (large nets)',
  cost: { quick: 13, default: 45, full: 100 },
  async run(ctx) {
    const { sg, data, quick, mode, print } = ctx;
    const subset = quick ? 500 : 1000;
    const train = sg.data.headOf(data.train, subset);
    const [c, h, w] = data.train.sampleShape;
    const steps = budget(ctx, 900, 300, 1500);
    const cnnSteps = budget(ctx, 300, 100, 400);
    const evalEvery = Math.max(1, Math.floor(steps / 10));
    const width = quick ? 256 : mode === 'full' ? 512 : 384;
    const lr = 0.02;
    const evals = { train, test: data.test };
    const arms = [
      { name: 'no dropout', build: () => mlp(sg, { inputs: c * h * w, width, depth: 3 }) },
      { name: 'dropout 0.5 (input 0.2)', build: () => mlp(sg, { inputs: c * h * w, width, depth: 3, dropout: 0.5, inputDropout: 0.2 }) },
      { name: 'DropConnect 0.5', build: () => mlp(sg, { inputs: c * h * w, width, depth: 3, dropConnect: 0.5 }) },
    ];
    const curves = runArms(ctx, { experiment: 'dropout/mlp', arms, train, evals, steps, lr, flatten: true, evalEvery });
    const cnnCurves = runArms(ctx, {
      experiment: 'dropout/cnn',
      arms: [
        { name: 'CNN', build: () => cnn4(sg, { side: h, inChannels: c }) },
        { name: 'CNN + SpatialDropout 0.2', build: () => cnn4(sg, { side: h, inChannels: c, spatialDropout: 0.2 }) },
      ],
      train, evals, steps: cnnSteps, lr, evalEvery: Math.max(1, Math.floor(cnnSteps / 5)),
    });
    const gap = (cv) => finalEval(cv, 'test') - finalEval(cv, 'train');
    const lossGap = (cv) => finalEval(cv, 'test', 'evalLoss') - finalEval(cv, 'train', 'evalLoss');
    const rows = Object.entries({ ...curves, ...cnnCurves }).map(([name, cv]) => [name, pct(finalEval(cv, 'train')), pct(finalEval(cv, 'test')), pct(gap(cv)), finalEval(cv, 'train', 'evalLoss'), finalEval(cv, 'test', 'evalLoss'), lossGap(cv)]);
    for (const r of rows) print(`${r[0]}: error train ${r[1]}, test ${r[2]}, gap ${r[3]}; loss train ${r[4].toFixed(3)}, test ${r[5].toFixed(3)}, gap ${r[6].toFixed(3)}`);
    const [none, drop, dc] = Object.values(curves);
    const [cnnPlain, cnnSd] = Object.values(cnnCurves);
    return {
      setup: `${subset} training samples (to make overfitting visible), MLP ${c * h * w}-${width}-${width}-10 ReLU for ${steps} steps, CNN for ${cnnSteps} steps; SGD lr ${lr}, momentum 0.9, batch 64, same data order; errors on the ${subset} training samples and 1000 test samples`,
      charts: [
        evalChart(curves, { title: 'Dropout: MLP train (solid) and test (dashed) error', sets: ['train', 'test'] }),
        evalChart(curves, { title: 'Dropout: MLP train (solid) and test (dashed) loss', sets: ['train', 'test'], key: 'evalLoss', yLabel: 'cross-entropy (nats)' }),
        evalChart(cnnCurves, { title: 'SpatialDropout: CNN train (solid) and test (dashed) error', sets: ['train', 'test'] })],
      tables: [{ title: 'Final errors and generalisation gap (test − train)', columns: ['arm', 'train error', 'test error', 'error gap', 'train loss', 'test loss', 'loss gap'], rows }],
      summary: [
        compareClaim({ claim: 'dropout shrinks the train-test loss gap (MLP)', paper: 'smaller gap', a: ['dropout: loss gap', lossGap(drop)], op: '<', b: ['none', lossGap(none)] }),
        compareClaim({ claim: 'dropout shrinks the train-test error gap (MLP)', paper: 'smaller gap', a: ['dropout: error gap', gap(drop)], op: '<', b: ['none', gap(none)], unit: 'pct' }),
        compareClaim({ claim: 'dropout lowers test error (MLP)', paper: '1.6% → 1.25% (full MNIST)', a: ['dropout: test error', finalEval(drop, 'test')], op: '<', b: ['none', finalEval(none, 'test')], unit: 'pct' }),
        compareClaim({ claim: 'DropConnect shrinks the train-test loss gap (MLP)', paper: 'comparable to dropout', a: ['DropConnect: loss gap', lossGap(dc)], op: '<', b: ['none', lossGap(none)] }),
        compareClaim({ claim: 'SpatialDropout shrinks the train-test loss gap (CNN)', paper: 'regularises conv features', a: ['SpatialDropout: loss gap', lossGap(cnnSd)], op: '<', b: ['none', lossGap(cnnPlain)] }),
      ],
      curves: { mlp: curves, cnn: cnnCurves },
    };
  },
};
