// Shared by the experiments: step budgets, running the arms of a comparison
// under identical conditions, and turning curves into charts.
import { disposeModel } from '../nets.mjs';
import { smooth, trainArm } from '../train.mjs';

/** The step budget: --steps when given, else the experiment's figure for the run's mode (default, --quick, --full). */
export const budget = (ctx, dflt, quick, full = dflt) => ctx.steps ?? (ctx.mode === 'quick' ? quick : ctx.mode === 'full' ? full : dflt);

/**
 * Trains each arm {name, build(), ...} with the same optimizer settings, the
 * same step budget and the same data order (one loader seed); the engine RNG
 * is reseeded before each build so initial weights come from the same stream.
 * `train` and `evals` are ImageDatasets ({name: dataset} for evals).
 */
export function runArms(ctx, { experiment, arms, train, evals = {}, steps, lr, momentum = 0.9, batchSize = 64, flatten = false, evalEvery = 0, evalLimit = 1000, stopAtError = null, prepare }) {
  const { sg, seed, progress } = ctx;
  const curves = {};
  const loaderOpts = { batchSize, seed, flatten, normalize: 'dataset' };
  for (const arm of arms) {
    sg.manualSeed(seed);
    const model = arm.build();
    const trainLoader = new sg.DataLoader(train, { ...loaderOpts, shuffle: true });
    const evalLoaders = Object.fromEntries(Object.entries(evals).map(([k, ds]) => [k, new sg.DataLoader(ds, { ...loaderOpts, shuffle: false })]));
    try {
      prepare?.(arm, model, trainLoader);
      arm.prepare?.(model, trainLoader);
      curves[arm.name] = trainArm(sg, { model, train: trainLoader, steps, lr, momentum, progress, label: `${experiment} ${arm.name}`, evals: evalLoaders, evalEvery, evalLimit, stopAtError });
    } finally {
      trainLoader.dispose();
      for (const l of Object.values(evalLoaders)) l.dispose();
      disposeModel(model);
    }
  }
  return curves;
}

/** A chart of one per-step quantity (smoothed) for every arm. */
export function stepChart(curves, { title, key = 'batchError', yLabel = 'training error (running mean of 20 batches)', logY = false, window = 20 }) {
  return {
    title,
    xLabel: 'SGD step',
    yLabel,
    logY,
    series: Object.entries(curves).map(([name, c]) => ({ name, points: smooth(c.step, c[key], window) })),
  };
}

/** A chart of evaluation curves: for each arm and each eval set, [step, error]. */
export function evalChart(curves, { title, sets, yLabel = 'error', key = 'evals' }) {
  return {
    title,
    xLabel: 'SGD step',
    yLabel,
    series: Object.entries(curves).flatMap(([name, c]) => sets.map((s, i) => ({ name: `${name}: ${s}`, points: c[key][s], dashed: i > 0 }))),
  };
}

/** The last value of an eval curve. */
export const finalEval = (curve, set, key = 'evals') => curve[key][set].at(-1)[1];

export const pct = (v) => `${(100 * v).toFixed(1)}%`;

/** The first `n` training samples as one batch (for initialisation and measurements at init). */
export const firstBatch = (loader, n) => loader.gather(Array.from({ length: Math.min(n, loader.dataset.length) }, (_, i) => i));

/**
 * Per-layer statistics at one forward/backward pass: for every top-level
 * child whose class is in `at`, the variance of its output and the norm of
 * the loss gradient there (read through a zero leaf added to the output).
 * `position` counts the weight layers (Linear) before each probe.
 */
export function layerProbe(sg, model, batch, at = ['ReLU', 'Tanh', 'Sigmoid', 'CReLU', 'Residual', 'Maxout', 'LeakyReLU', 'PReLU']) {
  return sg.scope(() => {
    const probes = [];
    let linears = 0;
    const logits = probeNet(model, batch.x, (m, h) => {
      const name = m.constructor.name;
      if (name === 'Linear' || name === 'DropConnect' || name === 'Maxout') linears++;
      if (name === 'Residual') linears += 2;
      if (!at.includes(name)) return undefined;
      const z = sg.zeros(h.shape).requiresGrad_();
      probes.push({ position: linears, variance: sg.noGrad(() => h.var().item()), z });
      return h.add(z);
    });
    const loss = sg.F.crossEntropy(logits, batch.y);
    loss.backward();
    return probes.map((p) => ({ position: p.position, variance: p.variance, gradNorm: p.z.grad.norm().item() }));
  });
}

/** Runs the model with a forward hook on each top-level child; onLayer(child, output) may return a replacement output. */
function probeNet(model, x, onLayer) {
  const handles = [...model.children()].map((m) => m.registerForwardHook((child, _, out) => onLayer(child, out)));
  try {
    return model.call(x);
  } finally {
    for (const h of handles) h.remove();
  }
}
