// Shattered gradients: the derivative of a network's output with respect to
// its input, along a line of inputs, for plain and residual ReLU networks
// and for CReLU networks with the looks-linear init, at several depths. In
// deep plain networks it decorrelates into white noise (neighbouring inputs
// get unrelated gradients); shortcuts keep it correlated, and a looks-linear
// network is linear at initialisation, so its gradient is the same everywhere.
import { mlp, need, resMlp } from '../nets.mjs';
import { compareClaim, thresholdClaim } from '../verdict.mjs';

const POINTS = 256, RANGE = 2, WIDTH = 128, MAX_LAG = 32;

/**
 * d f(x) / d x at POINTS inputs evenly spaced on [-RANGE, RANGE] for a model
 * with one input and one output. Batch norm layers first take the statistics
 * of these inputs (one training-mode pass, momentum null: a plain average
 * over that one batch), then the model runs in eval mode, so every point's
 * gradient is that of one fixed function of one input.
 */
export function gradientAlongLine(sg, model) {
  return sg.scope(() => {
    const x = sg.arange(0, POINTS).mul((2 * RANGE) / (POINTS - 1)).sub(RANGE).reshape([POINTS, 1]);
    model.train();
    sg.noGrad(() => model.call(x));
    model.eval();
    const leaf = x.clone().requiresGrad_();
    model.call(leaf).sum().backward();
    return Array.from(leaf.grad.reshape([POINTS]).toArray());
  });
}

/**
 * The autocorrelation of a sequence g at lags 0..maxLag, computed on the
 * engine: R(k) = mean_i g_i g_{i+k} / mean_i g_i^2 (uncentred, as in signal
 * processing: a constant gradient is perfectly correlated, R = 1 at every
 * lag; zero-mean white noise has R(k) ~ 0 for k >= 1).
 */
export function autocorrelation(sg, values, maxLag = MAX_LAG) {
  return sg.scope(() => sg.noGrad(() => {
    const g = sg.tensor(values);
    const n = values.length;
    const r0 = g.mul(g).mean().item();
    return Array.from({ length: maxLag + 1 }, (_, k) => g.narrow(0, 0, n - k).mul(g.narrow(0, k, n - k)).mean().item() / r0);
  }));
}

export default {
  id: 'shattered',
  title: '7. Shattered gradients',
  claim: 'The gradient of a deep plain network with respect to its input shatters: along a line of inputs it decorrelates toward white noise as depth grows, while residual networks and CReLU networks with the looks-linear init keep it correlated',
  source: 'Balduzzi, Frean, Leary, Lewis, Ma & McWilliams 2017 (The shattered gradients problem: if resnets are the answer, then what is the question?), Figures 1-2 (gradients and their autocorrelation along a line of 256 inputs in [-2, 2]) and §5 (looks-linear init)',
  paperFigure: 'deep plain: white noise; resnet: brown noise (correlated); LL: linear at init',
  cost: { quick: 0.7, default: 2, full: 2 },
  async run(ctx) {
    const { sg, seed, mode, print, progress } = ctx;
    const [looksLinear_] = need(sg, 'nn.init.looksLinear_');
    const depths = mode === 'quick' ? [2, 10, 30] : [2, 10, 24, 50];
    const bn = { momentum: null };
    const kinds = {
      'plain ReLU + BN': (depth) => mlp(sg, { inputs: 1, classes: 1, width: WIDTH, depth, kind: 'relu', batchNorm: bn }),
      'residual ReLU + BN': (depth) => resMlp(sg, { inputs: 1, classes: 1, width: WIDTH, depth, kind: 'relu', batchNorm: bn }),
      'CReLU, looks-linear': (depth) => sg.noGrad(() => looksLinear_(mlp(sg, { inputs: 1, classes: 1, width: WIDTH, depth, kind: 'crelu' }))),
    };
    const grads = {}, acf = {};
    progress.start('shattered', depths.length * Object.keys(kinds).length);
    let done = 0;
    for (const [kind, build] of Object.entries(kinds)) {
      for (const depth of depths) {
        sg.manualSeed(seed * 100 + depth);
        const model = build(depth);
        try {
          const name = `${kind}, depth ${depth}`;
          grads[name] = gradientAlongLine(sg, model);
          acf[name] = autocorrelation(sg, grads[name]);
        } finally {
          model.dispose();
        }
        progress.update(++done, {});
      }
    }
    progress.done();
    const r1 = (kind, depth) => acf[`${kind}, depth ${depth}`][1];
    const [plain, res, ll] = Object.keys(kinds);
    const [shallow, deep] = [depths[0], depths.at(-1)];
    for (const kind of Object.keys(kinds)) print(`${kind}: lag-1 autocorrelation ${depths.map((d) => `${r1(kind, d).toFixed(3)} (depth ${d})`).join(', ')}`);
    const step = (2 * RANGE) / (POINTS - 1);
    const acfChart = (kind) => ({
      title: `${kind}: autocorrelation of ∂f/∂x along the line`,
      xLabel: `distance between inputs (lag × ${step.toFixed(4)})`,
      yLabel: 'autocorrelation R(k)',
      series: depths.map((d) => ({ name: `depth ${d}`, points: acf[`${kind}, depth ${d}`].map((v, k) => [k * step, v]) })),
    });
    const rms = (g) => Math.sqrt(g.reduce((s, v) => s + v * v, 0) / g.length);
    return {
      setup: `networks with one input and one output, ${WIDTH} units per hidden layer, depths ${depths.join('/')} (weight layers); plain and residual ReLU with BatchNorm1d (PyTorch default init), residual blocks x + W₂ ReLU(BN(W₁ x)); CReLU without BN, looks-linear init (orthogonal W, [W, −W] after each CReLU, zero biases); ∂f/∂x at ${POINTS} inputs evenly spaced on [−${RANGE}, ${RANGE}], BN statistics taken from those inputs and then frozen; autocorrelation R(k) = mean gᵢgᵢ₊ₖ / mean gᵢ² for lags 0..${MAX_LAG}`,
      charts: [
        ...Object.keys(kinds).map(acfChart),
        {
          title: `∂f/∂x along the line at depth ${deep} (÷ its rms; seed ${seed})`,
          xLabel: 'input x',
          yLabel: 'gradient / rms',
          seedOnly: true,
          series: Object.keys(kinds).map((kind) => {
            const g = grads[`${kind}, depth ${deep}`];
            return { name: kind, points: g.map((v, i) => [-RANGE + i * step, v / rms(g)]) };
          }),
        },
      ],
      tables: [{ title: 'Lag-1 autocorrelation of ∂f/∂x (neighbouring inputs)', columns: ['network', ...depths.map((d) => `depth ${d}`)], rows: Object.keys(kinds).map((kind) => [kind, ...depths.map((d) => r1(kind, d))]) }],
      summary: [
        compareClaim({ claim: `plain nets: the gradient decorrelates with depth (lag-1 autocorrelation, depth ${deep} below depth ${shallow})`, paper: 'shallow: correlated; deep: white noise', a: [`depth ${deep}`, r1(plain, deep)], op: '<', b: [`depth ${shallow}`, r1(plain, shallow)] }),
        thresholdClaim({ claim: `plain net of depth ${deep}: the gradient is close to white noise (lag-1 autocorrelation below 0.5)`, paper: 'white noise at depth 50', value: [`plain, depth ${deep}`, r1(plain, deep)], op: '<', than: 0.5 }),
        compareClaim({ claim: `residual shortcuts keep the gradient correlated (depth ${deep}: residual above plain)`, paper: 'resnet: brown noise', a: [`residual, depth ${deep}`, r1(res, deep)], op: '>', b: [`plain, depth ${deep}`, r1(plain, deep)] }),
        compareClaim({ claim: `CReLU + looks-linear keeps the gradient correlated (depth ${deep}: above plain)`, paper: 'LL: linear at init, no shattering', a: [`CReLU + LL, depth ${deep}`, r1(ll, deep)], op: '>', b: [`plain, depth ${deep}`, r1(plain, deep)] }),
      ],
      notes: ['The gradient chart shows one seed (gradients of different random networks are not averaged); the autocorrelation charts and the table are means over the seeds.'],
      curves: { gradients: grads, autocorrelation: acf },
    };
  },
};
