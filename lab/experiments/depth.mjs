// Depth and identity pass-through: plain vs residual fully connected
// networks (both with BN, as in the paper) at several depths, trained under
// one budget; and the gradient of the loss at every layer at initialisation
// for plain tanh, plain ReLU, plain ReLU + BN and residual ReLU networks.
import { mlp, resMlp } from '../nets.mjs';
import { budget, firstBatch, layerProbe, runArms, stepChart } from './common.mjs';

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;

export default {
  id: 'depth',
  title: '4. Depth and identity shortcuts',
  claim: 'Deeper plain networks train worse (the degradation problem) while residual networks with identity shortcuts keep training as depth grows; shortcuts keep gradients from vanishing toward the input',
  source: 'He, Zhang, Ren & Sun 2016 (Deep residual learning), Figures 1 and 6 (CIFAR-10: plain-56 has higher training error than plain-20; ResNet-56 lower than ResNet-20)',
  paperFigure: 'plain-56 > plain-20 training error; ResNet-56 < ResNet-20',
  async run(ctx) {
    const { sg, data, quick, print, progress } = ctx;
    const [c, h, w] = data.train.sampleShape;
    const inputs = c * h * w;
    const depths = quick ? [8, 20, 56] : [8, 20, 56];
    const width = quick ? 32 : 64;
    const steps = budget(ctx, 400, 60);
    const lr = 0.02;
    // gradient norms at init (depth 56, no training)
    const probeDepth = 56;
    const probeArms = {
      'plain tanh': () => mlp(sg, { inputs, width, depth: probeDepth, kind: 'tanh' }),
      'plain ReLU': () => mlp(sg, { inputs, width, depth: probeDepth, kind: 'relu' }),
      'plain ReLU + BN': () => mlp(sg, { inputs, width, depth: probeDepth, kind: 'relu', batchNorm: true }),
      'residual ReLU': () => resMlp(sg, { inputs, width, depth: probeDepth, kind: 'relu' }),
    };
    const probes = {};
    const loader = new sg.DataLoader(data.train, { batchSize: 128, shuffle: true, seed: ctx.seed, flatten: true });
    try {
      const batch = firstBatch(loader, 128);
      for (const [name, build] of Object.entries(probeArms)) {
        sg.manualSeed(ctx.seed);
        const model = build();
        probes[name] = layerProbe(sg, model, batch);
        model.dispose();
      }
      batch.x.dispose();
      batch.y.dispose();
    } finally {
      loader.dispose();
    }
    // last / first; a first-layer gradient that underflowed to 0 gives Infinity
    const spread = Object.fromEntries(Object.entries(probes).map(([n, p]) => [n, p.at(-1).gradNorm / p[0].gradNorm]));
    const fmtRatio = (r) => (r === Infinity ? '∞ (the gradient at the first layer underflows to 0 in float32)' : r.toExponential(2));
    for (const [n, r] of Object.entries(spread)) print(`${n}: |dL/dh| at the last hidden layer / at the first = ${fmtRatio(r)}`);
    // training curves
    const arms = depths.flatMap((d) => [
      { name: `plain-${d}`, build: () => mlp(sg, { inputs, width, depth: d, kind: 'relu', batchNorm: true }) },
      { name: `residual-${d}`, build: () => resMlp(sg, { inputs, width, depth: d, kind: 'relu', batchNorm: true }) },
    ]);
    progress.log(`training ${arms.length} networks for ${steps} steps each`);
    const curves = runArms(ctx, { experiment: 'depth', arms, train: data.train, steps, lr, flatten: true });
    const tail = Math.max(1, Math.floor(steps / 5));
    const finalErr = Object.fromEntries(Object.entries(curves).map(([n, cv]) => [n, mean(cv.batchError.slice(-tail))]));
    const finalLoss = Object.fromEntries(Object.entries(curves).map(([n, cv]) => [n, mean(cv.loss.slice(-tail))]));
    const rows = depths.map((d) => [d, finalErr[`plain-${d}`], finalErr[`residual-${d}`], finalLoss[`plain-${d}`], finalLoss[`residual-${d}`]]);
    for (const r of rows) print(`depth ${r[0]}: final training error plain ${(100 * r[1]).toFixed(1)}%, residual ${(100 * r[2]).toFixed(1)}%`);
    const [dLo, dHi] = [depths[1], depths.at(-1)];
    return {
      setup: `fully connected nets of width ${width} on flattened images (the paper's nets are convolutional); residual blocks x + W₂ ReLU(BN(W₁ x)); both plain and residual with BatchNorm1d; PyTorch default init; SGD lr ${lr}, momentum 0.9, batch 64, ${steps} steps, same data order; final error = mean batch error over the last ${tail} steps. Gradient probe: one batch of 128 at init, ‖∂L/∂h‖ after every activation (plain) or block (residual), depth ${probeDepth}, no BN except where named`,
      charts: [
        { title: `‖∂L/∂h‖ per layer at init (depth ${probeDepth})`, xLabel: 'weight layers from the input', yLabel: 'gradient norm', logY: true, series: Object.entries(probes).map(([n, p]) => ({ name: n, points: p.map((q) => [q.position, q.gradNorm]) })) },
        stepChart(curves, { title: 'Plain vs residual: training error' }),
        stepChart(curves, { title: 'Plain vs residual: training loss', key: 'loss', yLabel: 'cross-entropy (running mean, nats)' }),
      ],
      tables: [
        { title: `Gradient norm at init: last hidden / first hidden layer (depth ${probeDepth})`, columns: ['network', 'ratio'], rows: Object.entries(spread).map(([n, r]) => [n, fmtRatio(r)]) },
        { title: `Final training error and loss (last ${tail} steps)`, columns: ['depth', 'plain error', 'residual error', 'plain loss', 'residual loss'], rows },
      ],
      summary: [
        { claim: 'plain tanh/ReLU: gradients shrink toward the input by orders of magnitude', paper: 'vanishing gradients (motivation)', ours: `last/first ${fmtRatio(spread['plain tanh']).split(' (')[0]} (tanh), ${fmtRatio(spread['plain ReLU']).split(' (')[0]} (ReLU), ${fmtRatio(spread['plain ReLU + BN'])} (ReLU + BN)`, holds: spread['plain tanh'] > 100 && spread['plain ReLU'] > 100 },
        { claim: 'residual: gradients stay within a small factor across depth', paper: 'identity shortcuts pass gradients', ours: `ratio ${spread['residual ReLU'].toFixed(2)}`, holds: spread['residual ReLU'] < 10 && spread['residual ReLU'] > 0.1 },
        { claim: `degradation: plain-${dHi} trains worse than plain-${dLo}`, paper: 'plain-56 > plain-20 (CIFAR-10)', ours: `${(100 * finalErr[`plain-${dHi}`]).toFixed(1)}% vs ${(100 * finalErr[`plain-${dLo}`]).toFixed(1)}%`, holds: finalErr[`plain-${dHi}`] > finalErr[`plain-${dLo}`] },
        { claim: `residual-${dHi} trains better than plain-${dHi}`, paper: 'ResNet-56 6.97% test vs plain much worse', ours: `${(100 * finalErr[`residual-${dHi}`]).toFixed(1)}% vs ${(100 * finalErr[`plain-${dHi}`]).toFixed(1)}%`, holds: finalErr[`residual-${dHi}`] < finalErr[`plain-${dHi}`] },
      ],
      curves: { train: curves, gradientProbes: probes },
    };
  },
};
