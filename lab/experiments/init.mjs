// Smart initialisation of a deep plain ReLU network: PyTorch's default init
// vs orthogonal (gain √2) vs LSUV, and CReLU with the looks-linear init;
// per-layer activation variance at init and the loss after a fixed budget.
import { mlp, need } from '../nets.mjs';
import { budget, firstBatch, layerProbe, runArms, stepChart } from './common.mjs';
import { compareClaim, thresholdClaim } from '../verdict.mjs';

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;

export default {
  id: 'init',
  title: '5. Smart initialisation',
  claim: 'A deep plain network with a naive init does not train, while orthogonal and LSUV init (and CReLU with looks-linear init) keep the signal at every layer and train',
  source: 'Mishkin & Matas 2016 (All you need is a good init: LSUV); Saxe et al. 2014 (orthogonal init); Balduzzi et al. 2017 (The shattered gradients problem: looks-linear init)',
  paperFigure: 'LSUV trains very deep thin nets where other inits fail; CReLU + LL trains 200-layer nets',
  cost: { quick: 2.5, default: 14, full: 14 },
  async run(ctx) {
    const { sg, data, quick, print } = ctx;
    const [orthogonal_, calculateGain, zeros_, lsuv, looksLinear_] = need(sg, 'nn.init.orthogonal_', 'nn.init.calculateGain', 'nn.init.zeros_', 'nn.init.lsuv', 'nn.init.looksLinear_');
    const [c, h, w] = data.train.sampleShape;
    const inputs = c * h * w;
    const depth = quick ? 20 : 30, width = 64;
    const steps = budget(ctx, 400, 80);
    const lr = 0.01;
    const linears = (model) => [...model.modules()].filter((m) => m.constructor.name === 'Linear');
    const measured = {};
    const measure = (name, model, loader) => {
      const b = firstBatch(loader, 256);
      measured[name] = layerProbe(sg, model, b);
      b.x.dispose();
      b.y.dispose();
    };
    const arms = [
      { name: 'ReLU, default init', build: () => mlp(sg, { inputs, width, depth }) },
      { name: 'ReLU, orthogonal (gain √2)', build: () => mlp(sg, { inputs, width, depth }), init: (m) => sg.noGrad(() => linears(m).forEach((l) => { orthogonal_(l.weight, calculateGain('relu')); zeros_(l.bias); })) },
      { name: 'ReLU, LSUV', build: () => mlp(sg, { inputs, width, depth }), init: (m, loader) => sg.scope(() => { lsuv(m, firstBatch(loader, 256).x); }) },
      { name: 'CReLU, looks-linear', build: () => mlp(sg, { inputs, width, depth, kind: 'crelu' }), init: (m) => sg.noGrad(() => looksLinear_(m)) },
    ];
    for (const arm of arms) {
      arm.prepare = (model, loader) => {
        arm.init?.(model, loader);
        measure(arm.name, model, loader);
      };
    }
    const curves = runArms(ctx, { experiment: 'init', arms, train: data.train, steps, lr, flatten: true });
    const tail = Math.max(1, Math.floor(steps / 5));
    const rows = arms.map(({ name }) => {
      const v = measured[name].map((p) => p.variance);
      const cv = curves[name];
      return [name, v[0], v[Math.floor(v.length / 2)], v.at(-1), cv.diverged ? NaN : mean(cv.loss.slice(-tail)), cv.diverged ? 1 : mean(cv.batchError.slice(-tail))];
    });
    for (const r of rows) print(`${r[0]}: activation variance first/middle/last ${r[1].toExponential(2)} / ${r[2].toExponential(2)} / ${r[3].toExponential(2)}; final loss ${r[4].toFixed(3)}, error ${(100 * r[5]).toFixed(1)}%`);
    const err = Object.fromEntries(rows.map((r) => [r[0], r[5]]));
    const chance = 1 - 1 / data.train.numClasses;
    const [dflt, orth, lsuvName, ll] = arms.map((a) => a.name);
    return {
      setup: `plain MLP, ${depth} Linear layers of width ${width} (CReLU doubles each next layer's inputs), on flattened images; SGD lr ${lr}, momentum 0.9, batch 64, ${steps} steps, same data order; variances of each activation's output on 256 training samples after init; final = mean over the last ${tail} steps`,
      charts: [
        { title: `Activation variance per layer at init (depth ${depth})`, xLabel: 'weight layers from the input', yLabel: 'variance of activations', logY: true, series: Object.entries(measured).map(([n, p]) => ({ name: n, points: p.map((q) => [q.position, q.variance]) })) },
        stepChart(curves, { title: 'Initialisations: training loss', key: 'loss', yLabel: 'cross-entropy (running mean, nats)' }),
        stepChart(curves, { title: 'Initialisations: training error' }),
      ],
      tables: [{ title: 'Activation variance at init and training after the budget', columns: ['init', 'variance layer 1', 'variance middle', 'variance last', 'final loss', 'final error'], rows }],
      summary: [
        thresholdClaim({ claim: `default init: a ${depth}-layer plain ReLU net stays near chance (training error within 10 points of chance)`, paper: 'naive init fails on deep nets', value: ['final training error', err[dflt]], op: '>', than: chance - 0.1, unit: 'pct' }),
        thresholdClaim({ claim: 'orthogonal and LSUV init train it (error at least 20 points below chance)', paper: 'LSUV/orthogonal train deep nets', value: ['worse of orthogonal and LSUV', Math.max(err[orth], err[lsuvName])], op: '<', than: chance - 0.2, unit: 'pct', detail: `${(100 * err[orth]).toFixed(1)}% orthogonal, ${(100 * err[lsuvName]).toFixed(1)}% LSUV` }),
        compareClaim({ claim: 'CReLU + looks-linear trains at least as well as ReLU + orthogonal (within 2 points)', paper: 'LL removes shattering at depth', a: ['CReLU + LL', err[ll]], op: '<', b: ['ReLU + orthogonal', err[orth]], margin: -0.02, unit: 'pct' }),
      ],
      curves: { train: curves, variances: measured },
    };
  },
};
