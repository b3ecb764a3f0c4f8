// Rectifiers vs tanh: steps to a training-error threshold for six
// activations, in a small 4-layer CNN and in a deep plain fully connected
// network, under one optimizer, learning rate, data order and step budget.
import { ACTIVATIONS, cnn4, mlp, need } from '../nets.mjs';
import { stepsToThreshold } from '../train.mjs';
import { budget, runArms, stepChart } from './common.mjs';
import { thresholdClaim } from '../verdict.mjs';

const THRESHOLDS = [0.25, 0.1];
const FAST = 3; // "holds" when ReLU is at least this many times faster than tanh (the paper: ~6)

function measure(curves) {
  return Object.fromEntries(Object.entries(curves).map(([k, c]) => [k, THRESHOLDS.map((t) => stepsToThreshold(c.batchError, t))]));
}

export default {
  id: 'rectifiers',
  title: '1. Rectifiers vs tanh',
  claim: 'A 4-layer CNN with ReLUs reaches 25% training error about 6 times faster than the same network with tanh units',
  source: 'Krizhevsky, Sutskever & Hinton 2012 (ImageNet classification with deep CNNs), Figure 1 (CIFAR-10)',
  paperFigure: 'ReLU ~6× fewer epochs to 25% training error',
  cost: { quick: 12, default: 21, full: 21 },
  async run(ctx) {
    const { sg, data, quick, print } = ctx;
    const [c, h, w] = data.train.sampleShape;
    const steps = budget(ctx, 300, 60);
    const deepSteps = budget(ctx, 500, 80);
    const deepDepth = quick ? 12 : 16;
    const lr = 0.02;
    const arms = (build) => ACTIVATIONS.map((kind) => ({ name: kind, build: () => build(kind) }));
    const stop = THRESHOLDS.at(-1);
    const cnn = runArms(ctx, { experiment: 'rectifiers/cnn4', arms: arms((kind) => cnn4(sg, { kind, side: h, inChannels: c })), train: data.train, steps, lr, stopAtError: stop });
    // every deep arm starts from LSUV (the same data-driven procedure for all): with PyTorch's default init no deep plain arm trains at all
    const [lsuv] = need(sg, 'nn.init.lsuv');
    const prepare = (arm, model, loader) => sg.scope(() => { lsuv(model, loader.gather(Array.from({ length: 256 }, (_, i) => i)).x); });
    const deep = runArms(ctx, { experiment: `rectifiers/plain${deepDepth}`, arms: arms((kind) => mlp(sg, { inputs: c * h * w, width: 64, depth: deepDepth, kind })), train: data.train, steps: deepSteps, lr, flatten: true, stopAtError: stop, prepare });
    const tables = [], summary = [];
    for (const [label, curves, budgetSteps] of [['4-layer CNN', cnn, steps], [`plain ${deepDepth}-layer MLP`, deep, deepSteps]]) {
      const m = measure(curves);
      const rows = ACTIVATIONS.map((k) => [k, ...m[k].map((s) => s ?? (curves[k].diverged ? `diverged at ${curves[k].step.length}` : `> ${curves[k].step.length}`)), ...m[k].map((s, i) => (s && m.tanh[i] ? +(m.tanh[i] / s).toFixed(2) : m.tanh[i] === null && s ? `> ${(curves.tanh.step.length / s).toFixed(2)}` : '—'))]);
      tables.push({ title: `${label}: steps to a running training error ≤ threshold (budget ${budgetSteps} steps)`, columns: ['activation', ...THRESHOLDS.map((t) => `steps to ${t * 100}%`), ...THRESHOLDS.map((t) => `tanh / this at ${t * 100}%`)], rows });
      for (const r of rows) print(`${label} ${r.join('  ')}`);
      const [tanh25, relu25] = [m.tanh[0], m.relu[0]];
      // a run that never reached 25% counts as reaching it at the end of its budget (so the ratio is a bound)
      const ratio = relu25 ? (tanh25 ?? curves.tanh.step.length) / relu25 : tanh25 ? 0 : NaN;
      const detail = !relu25 ? `ReLU never reached 25%${tanh25 ? `, tanh in ${tanh25} steps` : ' nor did tanh'}` : !tanh25 ? `tanh never reached 25% in ${curves.tanh.step.length} steps, ReLU in ${relu25}` : `${relu25} vs ${tanh25} steps`;
      summary.push(thresholdClaim({ claim: `${label}: ReLU reaches 25% training error ~6× faster than tanh (at least ${FAST}×)`, paper: '~6× (CIFAR-10)', value: ['tanh steps / ReLU steps to 25%', ratio], op: '>', than: FAST, detail }));
    }
    return {
      setup: `SGD lr ${lr}, momentum 0.9, batch 64, the same data order and initial RNG stream for every arm; CNN: conv3x3(8)-pool-conv3x3(16)-pool-fc64-fc10; deep: ${deepDepth} Linear layers of width 64, LSUV-initialised (orthogonal, then each layer scaled to unit output variance on 256 training samples); running error = mean over the last 20 batches; maxout uses 2 pieces, CReLU doubles the next layer's inputs`,
      charts: [stepChart(cnn, { title: 'Rectifiers: 4-layer CNN' }), stepChart(deep, { title: `Rectifiers: plain ${deepDepth}-layer MLP` })],
      tables,
      summary,
      notes: [`"Holds" means at least ${FAST}× faster (within a factor 2 of the paper's ~6×). MNIST is far easier than CIFAR-10: 25% training error comes within tens of steps for every activation, so the ratio at our scale is a weak test of the claim; the 10% column shows the later part of training.`],
      curves: { cnn, deep },
    };
  },
};
