// Depth and identity shortcuts, as in He et al.'s CIFAR-10 figure: the
// convolutional plain-20/56 and ResNet-20/56 (resnetCifar with batch norm,
// option-A shortcuts) trained with SGD + momentum under one budget and one
// data order; per-block gradient norms of the conv nets at initialisation;
// and, because every conv net here has batch norm, the fully connected
// probe without it: plain tanh / ReLU nets whose gradients vanish toward the
// input, and a residual net whose gradients do not.
import { cifarNet, mlp, resMlp } from '../nets.mjs';
import { budget, firstBatch, layerProbe, runArms, stepChart } from './common.mjs';
import { compareClaim, tailMean, thresholdClaim } from '../verdict.mjs';

/**
 * ‖∂L/∂h‖ after the stem and after every BasicBlock of a cifarNet at one
 * forward/backward pass (read through zero leaves added to the block
 * outputs); position = conv layers from the input.
 */
export function blockProbe(sg, model, batch) {
  const [pool, net] = [...model.children()];
  return sg.scope(() => {
    const probes = [];
    const tap = (h, position) => {
      const z = sg.zeros(h.shape).requiresGrad_();
      probes.push({ position, z });
      return h.add(z);
    };
    let h = tap(net.bn1.call(net.conv1.call(pool.call(batch.x))).relu(), 1);
    let convs = 1;
    for (const stage of [net.layer1, net.layer2, net.layer3]) {
      for (const block of stage.children()) {
        convs += 2;
        h = tap(block.call(h), convs);
      }
    }
    const loss = sg.F.crossEntropy(net.fc.call(h.mean([2, 3])), batch.y);
    loss.backward();
    return probes.map((p) => ({ position: p.position, gradNorm: p.z.grad.norm().item() }));
  });
}

/** Gradient norm at the first probe / at the last (how much larger the gradient is near the input). */
const firstOverLast = (p) => p[0].gradNorm / p.at(-1).gradNorm;

export default {
  id: 'depth',
  title: '4. Depth and identity shortcuts',
  claim: 'Deeper plain networks train worse (the degradation problem) while residual networks with identity shortcuts keep training as depth grows; shortcuts keep gradients from vanishing toward the input',
  source: 'He, Zhang, Ren & Sun 2016 (Deep residual learning), Figure 6 (CIFAR-10: plain-56 has higher training error than plain-20; ResNet-56 lower than ResNet-20) and §4.1 (plain nets with BN do not suffer from vanishing gradients)',
  paperFigure: 'plain-56 > plain-20 training error; ResNet-56 < ResNet-20',
  cost: { quick: 4.5, default: 51, full: 270 },
  async run(ctx) {
    const { sg, data, seed, mode, print, progress } = ctx;
    const [c, h, w] = data.train.sampleShape;
    const width = mode === 'full' ? 8 : 4;
    const depths = mode === 'quick' ? [8, 20] : [20, 56];
    const steps = budget(ctx, 250, 60, 600);
    const lr = 0.1, batchSize = 32;
    const name = (residual, d) => `${residual ? 'ResNet' : 'plain'}-${d}`;
    // conv nets: per-block gradient norms at init (deepest depth), then training
    const convProbes = {};
    const loader = new sg.DataLoader(data.train, { batchSize: 64, shuffle: true, seed, normalize: 'dataset' });
    try {
      const batch = firstBatch(loader, 64);
      for (const residual of [false, true]) {
        sg.manualSeed(seed);
        const model = cifarNet(sg, { depth: depths[1], residual, width, inChannels: c });
        convProbes[name(residual, depths[1])] = blockProbe(sg, model, batch);
        model.dispose();
      }
      batch.x.dispose();
      batch.y.dispose();
    } finally {
      loader.dispose();
    }
    const arms = depths.flatMap((d) => [false, true].map((residual) => ({ name: name(residual, d), build: () => cifarNet(sg, { depth: d, residual, width, inChannels: c }) })));
    progress.log(`training ${arms.length} conv nets for ${steps} steps each`);
    const curves = runArms(ctx, { experiment: 'depth', arms, train: data.train, steps, lr, batchSize });
    const final = Object.fromEntries(Object.entries(curves).map(([n, cv]) => [n, cv.diverged ? 1 : tailMean(cv.batchError)]));
    const finalLoss = Object.fromEntries(Object.entries(curves).map(([n, cv]) => [n, cv.diverged ? NaN : tailMean(cv.loss)]));
    for (const n of Object.keys(curves)) print(`${n}: final training error ${(100 * final[n]).toFixed(1)}%, loss ${finalLoss[n].toFixed(3)}`);
    const [lo, hi] = depths;
    // fully connected, no BN: gradient norms at init (depth 56)
    const fcDepth = 56, fcWidth = 64, inputs = c * h * w;
    const fcArms = {
      'FC plain tanh': () => mlp(sg, { inputs, width: fcWidth, depth: fcDepth, kind: 'tanh' }),
      'FC plain ReLU': () => mlp(sg, { inputs, width: fcWidth, depth: fcDepth, kind: 'relu' }),
      'FC residual ReLU': () => resMlp(sg, { inputs, width: fcWidth, depth: fcDepth, kind: 'relu' }),
    };
    const fcProbes = {};
    const fcLoader = new sg.DataLoader(data.train, { batchSize: 128, shuffle: true, seed, flatten: true });
    try {
      const batch = firstBatch(fcLoader, 128);
      for (const [n, build] of Object.entries(fcArms)) {
        sg.manualSeed(seed);
        const model = build();
        fcProbes[n] = layerProbe(sg, model, batch);
        model.dispose();
      }
      batch.x.dispose();
      batch.y.dispose();
    } finally {
      fcLoader.dispose();
    }
    const ratios = { ...Object.fromEntries(Object.entries(convProbes).map(([n, p]) => [`conv ${n}`, firstOverLast(p)])), ...Object.fromEntries(Object.entries(fcProbes).map(([n, p]) => [n, firstOverLast(p)])) };
    for (const [n, r] of Object.entries(ratios)) print(`${n}: ‖∂L/∂h‖ first / last probed layer = ${r.toExponential(2)}`);
    return {
      setup: `resnetCifar(6n+2) with batch norm, widths ${width}/${2 * width}/${4 * width} (the paper: 16/32/64), option-A shortcuts for ResNet and none for plain, on the training images average-pooled 2×2 (${h}×${w} → ${Math.floor(h / 2)}×${Math.floor(w / 2)}); PyTorch default init; SGD lr ${lr}, momentum 0.9, batch ${batchSize}, ${steps} steps, the same data order for every arm; final = mean training error over the last 20% of the steps. Gradient probes: one batch at init, ‖∂L/∂h‖ after the stem and each block (conv, depth ${hi}), after each activation or residual block (fully connected, width ${fcWidth}, depth ${fcDepth}, no BN)`,
      charts: [
        stepChart(curves, { title: 'Plain vs ResNet (conv): training error' }),
        stepChart(curves, { title: 'Plain vs ResNet (conv): training loss', key: 'loss', yLabel: 'cross-entropy (running mean, nats)' }),
        { title: `Conv nets: ‖∂L/∂h‖ per block at init (depth ${hi})`, xLabel: 'conv layers from the input', yLabel: 'gradient norm', logY: true, series: Object.entries(convProbes).map(([n, p]) => ({ name: n, points: p.map((q) => [q.position, q.gradNorm]) })) },
        { title: `Fully connected, no BN: ‖∂L/∂h‖ per layer at init (depth ${fcDepth})`, xLabel: 'weight layers from the input', yLabel: 'gradient norm', logY: true, series: Object.entries(fcProbes).map(([n, p]) => ({ name: n, points: p.map((q) => [q.position, q.gradNorm]) })) },
      ],
      tables: [
        { title: 'Final training error and loss (last 20% of the steps)', columns: ['depth', 'plain error', 'ResNet error', 'plain loss', 'ResNet loss'], rows: depths.map((d) => [d, final[name(false, d)], final[name(true, d)], finalLoss[name(false, d)], finalLoss[name(true, d)]]) },
        { title: 'Gradient norm at init: first probed layer / last', columns: ['network', 'ratio'], rows: Object.entries(ratios) },
      ],
      summary: [
        compareClaim({ claim: `degradation: plain-${hi} trains worse than plain-${lo} (conv)`, paper: 'plain-56 > plain-20 training error', a: [`plain-${hi}`, final[name(false, hi)]], op: '>', b: [`plain-${lo}`, final[name(false, lo)]], unit: 'pct' }),
        compareClaim({ claim: `ResNet-${hi} trains no worse than ResNet-${lo} (within 2 points)`, paper: 'ResNet-56 < ResNet-20 training error', a: [`ResNet-${hi}`, final[name(true, hi)]], op: '<', b: [`ResNet-${lo}`, final[name(true, lo)]], margin: -0.02, unit: 'pct' }),
        compareClaim({ claim: `ResNet-${hi} trains better than plain-${hi}`, paper: 'ResNet-56 far below plain-56', a: [`ResNet-${hi}`, final[name(true, hi)]], op: '<', b: [`plain-${hi}`, final[name(false, hi)]], unit: 'pct' }),
        thresholdClaim({ claim: `plain-${hi} with BN: gradients at init do not vanish toward the input (first/last ≥ 0.1)`, paper: 'BN keeps backward gradients healthy (§4.1)', value: ['first/last', ratios[`conv plain-${hi}`]], op: '>', than: 0.1, log: true }),
        thresholdClaim({ claim: 'FC plain tanh and ReLU without BN: gradients shrink toward the input by orders of magnitude (first/last < 0.01)', paper: 'vanishing gradients (motivation)', value: ['larger of tanh, ReLU first/last', Math.max(ratios['FC plain tanh'], ratios['FC plain ReLU'])], op: '<', than: 0.01, log: true }),
        thresholdClaim({ claim: 'FC residual ReLU without BN: gradients stay within 10× from last layer to first', paper: 'identity shortcuts pass gradients', value: ['|log10 first/last|', Math.abs(Math.log10(ratios['FC residual ReLU']))], op: '<', than: 1 }),
      ],
      notes: ['The fully connected probe is kept because every conv net here has batch norm: it shows the vanishing gradient that BN and shortcuts remove, which the conv probe cannot. The fully connected training comparison of earlier versions is gone: the conv nets are the paper\'s.'],
      curves: { train: curves, convProbes, fcProbes },
    };
  },
};
