import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';

const test = suite('optim');
const { nn, optim } = sg;

const P0 = [0.5, -1.5, 2, 0.25, -0.75, 3, -2];
const C = [1, 2, 0.5, 3, 1.5, 0.1, 4];

/** Runs `steps` steps of opt on loss = sum(c p^2) / 2 (gradient c p); returns the parameter. */
function run(makeOpt, steps = 3) {
  const p = sg.tensor(P0, { requiresGrad: true });
  const c = sg.tensor(C);
  const opt = makeOpt([p]);
  try {
    for (let s = 0; s < steps; s++) {
      opt.zeroGrad();
      p.mul(p).mul(c).sum().mul(0.5).backward();
      opt.step();
    }
    return Array.from(p.toArray());
  } finally {
    opt.dispose();
    p.dispose();
  }
}

/** torch.optim.SGD, written out in float64. */
function refSGD({ lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false }, steps = 3) {
  const p = [...P0];
  const buf = [];
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < p.length; i++) {
      let d = C[i] * p[i] + weightDecay * p[i];
      if (momentum !== 0) {
        buf[i] = s === 0 ? d : momentum * buf[i] + (1 - dampening) * d;
        d = nesterov ? d + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
  }
  return p;
}

/** torch.optim.Adam / AdamW, written out in float64. */
function refAdam({ lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false }, decoupled, steps = 3) {
  const p = [...P0], m = p.map(() => 0), v = p.map(() => 0), vmax = p.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < p.length; i++) {
      let g = C[i] * p[i];
      if (decoupled) p[i] *= 1 - lr * weightDecay;
      else g += weightDecay * p[i];
      m[i] = betas[0] * m[i] + (1 - betas[0]) * g;
      v[i] = betas[1] * v[i] + (1 - betas[1]) * g * g;
      vmax[i] = Math.max(vmax[i], v[i]);
      const denom = Math.sqrt(amsgrad ? vmax[i] : v[i]) / Math.sqrt(1 - betas[1] ** t) + eps;
      p[i] -= (lr / (1 - betas[0] ** t)) * (m[i] / denom);
    }
  }
  return p;
}

test('SGD matches torch.optim.SGD over 3 steps: plain, momentum, dampening, weight decay, Nesterov', () => {
  for (const o of [
    { lr: 0.1 },
    { lr: 0.1, momentum: 0.9 },
    { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 },
    { lr: 0.1, momentum: 0.8, nesterov: true, weightDecay: 0.1 },
  ]) {
    assertClose(run((ps) => new optim.SGD(ps, o)), refSGD(o), { atol: 1e-6, rtol: 1e-5, what: JSON.stringify(o) });
  }
  assertThrows(() => new optim.SGD([sg.ones([1], { requiresGrad: true })], { lr: 0.1, nesterov: true }), 'Nesterov');
  assertThrows(() => new optim.SGD([sg.ones([1], { requiresGrad: true })], { lr: -1 }), 'SGD', 'lr must be', '-1');
});

test('Adam and AdamW match torch.optim over 3 steps (with weight decay, amsgrad)', () => {
  for (const o of [{}, { lr: 0.1 }, { lr: 0.05, weightDecay: 0.1 }, { lr: 0.1, betas: [0.8, 0.99], eps: 1e-6, amsgrad: true }]) {
    assertClose(run((ps) => new optim.Adam(ps, o)), refAdam(o, false), { atol: 1e-6, rtol: 1e-5, what: `Adam ${JSON.stringify(o)}` });
  }
  for (const o of [{}, { lr: 0.1 }, { lr: 0.05, weightDecay: 0.5, amsgrad: true }]) {
    assertClose(run((ps) => new optim.AdamW(ps, o)), refAdam({ weightDecay: 0.01, ...o }, true), { atol: 1e-6, rtol: 1e-5, what: `AdamW ${JSON.stringify(o)}` });
  }
  // decoupled decay differs from L2 decay
  const a = run((ps) => new optim.Adam(ps, { lr: 0.1, weightDecay: 0.5 }));
  const w = run((ps) => new optim.AdamW(ps, { lr: 0.1, weightDecay: 0.5 }));
  assert.ok(a.some((v, i) => Math.abs(v - w[i]) > 1e-4));
});

test('parameter groups carry their own hyperparameters; parameters without grad are skipped', () => {
  const a = sg.tensor([1, 1], { requiresGrad: true }), b = sg.tensor([1, 1], { requiresGrad: true }), c = sg.tensor([5], { requiresGrad: true });
  const opt = new optim.SGD([{ params: [a] }, { params: [b, c], lr: 0.5 }], { lr: 0.1 });
  try {
    a.add(b).sum().backward();
    opt.step();
    assertClose(a.toArray(), [0.9, 0.9]);
    assertClose(b.toArray(), [0.5, 0.5]);
    assertClose(c.toArray(), [5]);
    assert.is(opt.paramGroups[1].lr, 0.5);
    opt.zeroGrad();
    assert.is(a.grad, null);
    assertThrows(() => new optim.SGD([{ params: [a] }, { params: [a] }], { lr: 1 }), 'more than one parameter group');
  } finally {
    opt.dispose();
  }
});

test('optimizer stateDict / loadStateDict: resuming gives the same trajectory', () => {
  const o = { lr: 0.1, betas: [0.9, 0.99] };
  const straight = run((ps) => new optim.Adam(ps, o), 4);
  const p = sg.tensor(P0, { requiresGrad: true });
  const c = sg.tensor(C);
  const stepOnce = (opt) => {
    opt.zeroGrad();
    p.mul(p).mul(c).sum().mul(0.5).backward();
    opt.step();
  };
  const first = new optim.Adam([p], o);
  stepOnce(first);
  stepOnce(first);
  const sd = first.stateDict();
  assert.equal(sd.paramGroups[0].params, [0]);
  assert.is(sd.state.get(0).step, 2);
  const second = new optim.Adam([p], { lr: 0.5 });
  second.loadStateDict(sd);
  first.dispose();
  assert.is(second.paramGroups[0].lr, 0.1);
  stepOnce(second);
  stepOnce(second);
  assertClose(p.toArray(), straight, { atol: 1e-6 });
  second.dispose();
  p.dispose();
});

test('StepLR and CosineAnnealingLR follow the closed forms', () => {
  const p = sg.zeros([1], { requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 1 });
  const step = new optim.StepLR(opt, { stepSize: 2, gamma: 0.5 });
  const seen = [];
  for (let e = 0; e < 5; e++) {
    seen.push(opt.paramGroups[0].lr);
    step.step();
  }
  assertClose(seen, [1, 1, 0.5, 0.5, 0.25]);
  const opt2 = new optim.SGD([p], { lr: 0.1 });
  const cos = new optim.CosineAnnealingLR(opt2, { tMax: 4, etaMin: 0.01 });
  const lrs = [opt2.paramGroups[0].lr];
  for (let e = 1; e <= 4; e++) {
    cos.step();
    lrs.push(cos.getLastLr()[0]);
  }
  assertClose(lrs, [0, 1, 2, 3, 4].map((e) => 0.01 + (0.09 * (1 + Math.cos((Math.PI * e) / 4))) / 2));
  opt.dispose();
  opt2.dispose();
  p.dispose();
});

/** torch.optim.RMSprop, written out in float64 (lerp as PyTorch: a + w (b - a) for w < 0.5, else b - (b - a) (1 - w)). */
function refRMSprop({ lr = 0.01, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false }, steps = 3) {
  const p = [...P0], v = p.map(() => 0), buf = p.map(() => 0), gavg = p.map(() => 0);
  const w = 1 - alpha;
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < p.length; i++) {
      const g = C[i] * p[i] + weightDecay * p[i];
      v[i] = alpha * v[i] + (1 - alpha) * g * g;
      let avg;
      if (centered) {
        gavg[i] = w < 0.5 ? gavg[i] + w * (g - gavg[i]) : g - (g - gavg[i]) * (1 - w);
        avg = Math.sqrt(v[i] - gavg[i] * gavg[i]) + eps;
      } else {
        avg = Math.sqrt(v[i]) + eps;
      }
      if (momentum > 0) {
        buf[i] = momentum * buf[i] + g / avg;
        p[i] -= lr * buf[i];
      } else {
        p[i] -= (lr * g) / avg;
      }
    }
  }
  return p;
}

test('RMSprop matches torch.optim.RMSprop over 3 steps: plain, momentum, centered, weight decay', () => {
  for (const o of [
    {},
    { lr: 0.02, momentum: 0.9 },
    { lr: 0.005, centered: true },
    { lr: 0.02, alpha: 0.9, weightDecay: 0.1 },
    // 1 - alpha >= 0.5 takes lerp's other branch
    { lr: 0.01, alpha: 0.3, momentum: 0.5, centered: true, weightDecay: 0.05, eps: 1e-6 },
  ]) {
    assertClose(run((ps) => new optim.RMSprop(ps, o)), refRMSprop(o), { atol: 1e-6, rtol: 1e-5, what: `RMSprop ${JSON.stringify(o)}` });
  }
  // the first plain step moves every parameter by lr g / sqrt((1 - alpha) g^2) = 10 lr sign(g)
  assertClose(run((ps) => new optim.RMSprop(ps), 1), P0.map((x) => x - 0.1 * Math.sign(x)), { atol: 1e-6 });
  // state names and the state dict
  const p = sg.tensor([1, -2, 3], { requiresGrad: true });
  const opt = new optim.RMSprop([p], { momentum: 0.9, centered: true });
  try {
    p.mul(p).sum().backward();
    opt.step();
    const sd = opt.stateDict();
    assert.equal([...sd.state.get(0).tensors.keys()].sort(), ['gradAvg', 'momentumBuffer', 'squareAvg']);
    assert.is(sd.state.get(0).step, 1);
    // squareAvg = 0.01 g^2 with g = 2 p
    assertClose(sd.state.get(0).tensors.get('squareAvg').toArray(), [0.04, 0.16, 0.36]);
    assertClose(sd.state.get(0).tensors.get('gradAvg').toArray(), [0.02, -0.04, 0.06]);
    assert.equal(opt.paramGroups[0].alpha, 0.99);
    assert.equal(opt.defaults, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0.9, centered: true });
  } finally {
    opt.dispose();
    p.dispose();
  }
  const leaf = () => [sg.ones([1], { requiresGrad: true })];
  assertThrows(() => new optim.RMSprop(leaf(), { lr: -1 }), 'RMSprop', 'lr must be', '-1');
  assertThrows(() => new optim.RMSprop(leaf(), { alpha: -0.5 }), 'RMSprop', 'alpha', '-0.5');
  assertThrows(() => new optim.RMSprop(leaf(), { momentum: -1 }), 'RMSprop', 'momentum');
  assertThrows(() => new optim.RMSprop(leaf(), { eps: -1 }), 'RMSprop', 'eps must be');
  assertThrows(() => new optim.RMSprop(leaf(), { weightDecay: -1 }), 'RMSprop', 'weightDecay');
});

/** The lr of group 0 after construction and after each of `steps` steps. */
function lrSequence(opt, sched, steps, metricAt) {
  const seq = [opt.paramGroups[0].lr];
  for (let s = 0; s < steps; s++) {
    if (metricAt) sched.step(metricAt(s));
    else sched.step();
    seq.push(opt.paramGroups[0].lr);
  }
  return seq;
}

/** An SGD (or other optimizer) over one throwaway parameter. */
function withOpt(make, fn) {
  const p = sg.zeros([1], { requiresGrad: true });
  const opt = make([p]);
  try {
    fn(opt);
  } finally {
    opt.dispose();
    p.dispose();
  }
}

const EXACT = { atol: 0, rtol: 1e-12 };

test('MultiStepLR, ExponentialLR and LinearLR give PyTorch lr sequences', () => {
  // MultiStepLR(lr0 1, milestones [5, 2, 5], gamma 0.5): a milestone listed twice applies gamma twice
  // e 0,1: 1; e 2..4: 0.5; e 5..: 0.5 * 0.5^2 = 0.125
  withOpt((ps) => new optim.SGD(ps, { lr: 1 }), (opt) => {
    const s = new optim.MultiStepLR(opt, { milestones: [5, 2, 5], gamma: 0.5 });
    assertClose(lrSequence(opt, s, 6), [1, 1, 0.5, 0.5, 0.5, 0.125, 0.125], EXACT);
    assert.equal(s.getLastLr(), [0.125]);
  });
  // default gamma 0.1: lr0 0.5, milestones [1, 3]: 0.5, 0.05, 0.05, 0.005
  withOpt((ps) => new optim.SGD(ps, { lr: 0.5 }), (opt) => {
    assertClose(lrSequence(opt, new optim.MultiStepLR(opt, { milestones: [1, 3] }), 3), [0.5, 0.05, 0.05, 0.005], EXACT);
  });
  // ExponentialLR(lr0 0.1, gamma 0.9): 0.1 * 0.9^e
  withOpt((ps) => new optim.SGD(ps, { lr: 0.1 }), (opt) => {
    assertClose(lrSequence(opt, new optim.ExponentialLR(opt, { gamma: 0.9 }), 4), [0.1, 0.09, 0.081, 0.0729, 0.06561], EXACT);
  });
  // LinearLR defaults (startFactor 1/3, endFactor 1, totalIters 5), lr0 1: the lr is set to 1/3 at
  // construction, then 1/3 + (2/3) e / 5 = 5/15, 7/15, 9/15, 11/15, 13/15, 1, and stays 1
  withOpt((ps) => new optim.SGD(ps, { lr: 1 }), (opt) => {
    const s = new optim.LinearLR(opt);
    assertClose(lrSequence(opt, s, 7), [1 / 3, 7 / 15, 0.6, 11 / 15, 13 / 15, 1, 1, 1], EXACT);
    // PyTorch's recursive form gives the same: lr_e = lr_(e-1) (1 + (f - s) / (T s + (e - 1)(f - s)))
    let lr = 1 / 3;
    const rec = [lr];
    for (let e = 1; e <= 7; e++) rec.push((lr = e > 5 ? lr : lr * (1 + (2 / 3) / (5 / 3 + (e - 1) * (2 / 3)))));
    assertClose(rec, [1 / 3, 7 / 15, 0.6, 11 / 15, 13 / 15, 1, 1, 1], EXACT);
  });
  // LinearLR(lr0 0.1, startFactor 0.5, endFactor 1, totalIters 4): 0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1
  // and a decreasing one (lr0 0.2, startFactor 1, endFactor 0.5, totalIters 2): 0.2, 0.15, 0.1, 0.1
  withOpt((ps) => new optim.SGD(ps, { lr: 0.1 }), (opt) => {
    assertClose(lrSequence(opt, new optim.LinearLR(opt, { startFactor: 0.5, totalIters: 4 }), 5), [0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1], EXACT);
  });
  withOpt((ps) => new optim.SGD(ps, { lr: 0.2 }), (opt) => {
    assertClose(lrSequence(opt, new optim.LinearLR(opt, { startFactor: 1, endFactor: 0.5, totalIters: 2 }), 3), [0.2, 0.15, 0.1, 0.1], EXACT);
  });
  // parameter groups keep their own initial lr
  const a = sg.zeros([1], { requiresGrad: true }), b = sg.zeros([1], { requiresGrad: true });
  const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.01 }], { lr: 1 });
  const s = new optim.ExponentialLR(opt, { gamma: 0.5 });
  s.step();
  s.step();
  assertClose(s.getLastLr(), [0.25, 0.0025], EXACT);
  // state dict: a fresh scheduler resumes at the same epoch
  const s2 = new optim.ExponentialLR(opt, { gamma: 0.5 });
  s2.loadStateDict(s.stateDict());
  s2.step();
  assertClose(s2.getLastLr(), [0.125, 0.00125], EXACT);
  opt.dispose();
  const sgd = () => new optim.SGD([sg.zeros([1], { requiresGrad: true })], { lr: 0.1 });
  assertThrows(() => new optim.MultiStepLR(sgd(), { milestones: [2, 1.5] }), 'MultiStepLR', 'milestone', '1.5');
  assertThrows(() => new optim.MultiStepLR(sgd(), { milestones: 3 }), 'MultiStepLR', 'milestones');
  assertThrows(() => new optim.ExponentialLR(sgd(), {}), 'ExponentialLR', 'gamma');
  assertThrows(() => new optim.LinearLR(sgd(), { startFactor: 0 }), 'LinearLR', 'startFactor', '0');
  assertThrows(() => new optim.LinearLR(sgd(), { startFactor: 1.5 }), 'LinearLR', 'startFactor');
  assertThrows(() => new optim.LinearLR(sgd(), { endFactor: -0.1 }), 'LinearLR', 'endFactor');
  assertThrows(() => new optim.LinearLR(sgd(), { totalIters: 0 }), 'LinearLR', 'totalIters');
});

test('OneCycleLR gives PyTorch lr and momentum sequences (cos and linear, two and three phases)', () => {
  // maxLr 1, totalSteps 10, defaults (pctStart 0.3, cos, divFactor 25, finalDivFactor 1e4):
  // initial = 1 / 25 = 0.04, min = 0.04 / 1e4 = 4e-6; phase ends 0.3 * 10 - 1 = 2 and 10 - 1 = 9.
  // s <= 2: pct = s / 2, lr = 1 + (0.04 - 1) / 2 (cos(pi pct) + 1): s0 = 1 - 0.96 = 0.040000000000000036
  // (as in float64), 0.52, 1; s >= 3: pct = (s - 2) / 7, lr = 4e-6 + (1 - 4e-6) / 2 (cos(pi pct) + 1);
  // step 10 (= totalSteps) is allowed and continues the cosine (pct 8/7).
  // momentum (SGD): 0.85 + 0.1 / 2 (cos(pi pct) + 1) in the first phase, 0.95 - 0.1 / 2 (cos(pi pct) + 1) after.
  withOpt((ps) => new optim.SGD(ps, { lr: 123 }), (opt) => {
    const moms = [];
    const s = new optim.OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
    moms.push(opt.paramGroups[0].momentum);
    const lrs = [opt.paramGroups[0].lr];
    for (let k = 0; k < 10; k++) {
      s.step();
      lrs.push(opt.paramGroups[0].lr);
      moms.push(opt.paramGroups[0].momentum);
    }
    assertClose(lrs, [
      0.040000000000000036, 0.52, 1, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893,
      0.38874197806371075, 0.18825834605023697, 0.049519367986526286, 0.000004, 0.04951936798652623,
    ], EXACT);
    assertClose(moms, [
      0.95, 0.9, 0.85, 0.854951556604879, 0.8688255099070633, 0.8888739533021842,
      0.9111260466978157, 0.9311744900929366, 0.945048443395121, 0.95, 0.945048443395121,
    ], EXACT);
    assert.is(opt.paramGroups[0].initialLr, 0.04);
    assert.is(opt.paramGroups[0].maxLr, 1);
    assert.is(opt.paramGroups[0].minLr, 0.000004);
    assertThrows(() => s.step(), 'OneCycleLR', 'tried to step 11 times', 'total steps is 10');
  });
  // three phases, linear, Adam (beta1 cycles), maxLr 0.5, epochs 2 x stepsPerEpoch 5 = 10 steps, pctStart 0.25,
  // divFactor 10, finalDivFactor 100: initial 0.05, min 0.0005; phase ends 0.25 * 10 - 1 = 1.5,
  // 2 * 0.25 * 10 - 2 = 3, 9. lr = start + (end - start) pct:
  // s0: 0.05; s1: pct 1/1.5 -> 0.05 + 0.45 * 2/3 = 0.35; s2: pct (2 - 1.5) / 1.5 = 1/3 -> 0.5 - 0.45/3 = 0.35;
  // s3: 0.05; s4..s9: pct (s - 3) / 6 from 0.05 to 0.0005: 0.04175, 0.0335, 0.02525, 0.017, 0.00875, 0.0005.
  // beta1: 0.95 -> 0.85 (s1: 0.95 - 0.1 * 2/3), 0.85 -> 0.95 (s2: 0.85 + 0.1/3, s3: 0.95), then 0.95.
  withOpt((ps) => new optim.Adam(ps, { betas: [0.9, 0.99] }), (opt) => {
    const s = new optim.OneCycleLR(opt, { maxLr: 0.5, epochs: 2, stepsPerEpoch: 5, pctStart: 0.25, annealStrategy: 'linear', divFactor: 10, finalDivFactor: 100, threePhase: true });
    const lrs = [opt.paramGroups[0].lr], b1 = [opt.paramGroups[0].betas[0]];
    for (let k = 0; k < 9; k++) {
      s.step();
      lrs.push(opt.paramGroups[0].lr);
      b1.push(opt.paramGroups[0].betas[0]);
    }
    assertClose(lrs, [0.05, 0.35, 0.35, 0.05, 0.04175, 0.0335, 0.02525, 0.017, 0.00875, 0.0005], EXACT);
    assertClose(b1, [0.95, 0.95 - 0.2 / 3, 0.85 + 0.1 / 3, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95], EXACT);
    assert.is(opt.paramGroups[0].betas[1], 0.99);
  });
  // cycleMomentum false leaves momentum alone; per-group maxLr
  const a = sg.zeros([1], { requiresGrad: true }), b = sg.zeros([1], { requiresGrad: true });
  const opt = new optim.SGD([{ params: [a] }, { params: [b] }], { lr: 1, momentum: 0.5 });
  const s = new optim.OneCycleLR(opt, { maxLr: [1, 2], totalSteps: 4, pctStart: 0.5, cycleMomentum: false });
  // phase ends 1 and 3: s0 initial (0.04, 0.08), s1 max (1, 2)
  assertClose(s.getLastLr(), [0.04, 0.08], { atol: 1e-15, rtol: 1e-12 });
  s.step();
  assertClose(s.getLastLr(), [1, 2], EXACT);
  assert.is(opt.paramGroups[0].momentum, 0.5);
  opt.dispose();
  const sgd = () => new optim.SGD([sg.zeros([1], { requiresGrad: true })], { lr: 0.1 });
  assertThrows(() => new optim.OneCycleLR(sgd(), { maxLr: 1 }), 'OneCycleLR', 'totalSteps', 'epochs and stepsPerEpoch');
  assertThrows(() => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 0 }), 'OneCycleLR', 'totalSteps', '0');
  assertThrows(() => new optim.OneCycleLR(sgd(), { maxLr: 1, epochs: 2.5, stepsPerEpoch: 3 }), 'OneCycleLR', 'epochs', '2.5');
  assertThrows(() => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 1.2 }), 'OneCycleLR', 'pctStart', '1.2');
  assertThrows(() => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, annealStrategy: 'exp' }), 'OneCycleLR', 'annealStrategy', 'exp');
  assertThrows(() => new optim.OneCycleLR(sgd(), { maxLr: [1, 2], totalSteps: 10 }), 'OneCycleLR', 'expected 1 values for maxLr', 'got 2');
  // pctStart 0.1 of 10 steps: the first phase ends at step 0 and has zero length (PyTorch divides by zero)
  assertThrows(() => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 0.1 }), 'OneCycleLR', 'zero length');
});

test('ReduceLROnPlateau follows PyTorch: patience, threshold modes, cooldown, minLr, eps', () => {
  // min, rel threshold 0.1, patience 2, cooldown 1, factor 0.5, minLr 0.2, lr0 1; metrics 10, 9.5, 9.2, 9.1, then 8 forever.
  // e1 best 10; e2..e4 not below 0.9 best = 9: bad 1, 2, 3 > 2 -> lr 0.5, cooldown 1. e5 8 < 9: best 8
  // (cooldown ends). e6, e7, e8 not below 7.2: bad 1, 2, 3 -> 0.25. e9 bad epoch ignored in cooldown;
  // e10..e12 -> max(0.125, 0.2) = 0.2; e13 cooldown; e16 max(0.1, 0.2) = 0.2: no change.
  withOpt((ps) => new optim.SGD(ps, { lr: 1 }), (opt) => {
    const s = new optim.ReduceLROnPlateau(opt, { factor: 0.5, patience: 2, threshold: 0.1, cooldown: 1, minLr: 0.2 });
    const metrics = [10, 9.5, 9.2, 9.1, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8];
    assert.equal(lrSequence(opt, s, metrics.length, (i) => metrics[i]), [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2]);
    assert.is(s.best, 8);
    assert.is(s.lastEpoch, 16);
    assert.equal(s.getLastLr(), [0.2]);
  });
  // max, abs threshold 0.5, patience 0, default factor 0.1; a metric may be a one-element tensor.
  // e1 best 1; e2 1.4 not above 1.5 -> lr 0.1; e3 2 > 1.5: best 2; e4 2.2 not above 2.5 -> 0.1 * 0.1
  withOpt((ps) => new optim.SGD(ps, { lr: 1 }), (opt) => {
    const s = new optim.ReduceLROnPlateau(opt, { mode: 'max', threshold: 0.5, thresholdMode: 'abs', patience: 0 });
    const metrics = [1, 1.4, 2, 2.2];
    assertClose(lrSequence(opt, s, 4, (i) => sg.tensor(metrics[i])), [1, 1, 0.1, 0.1, 0.010000000000000002], EXACT);
  });
  // min, abs: 5, 4.95 (not below 5 - 0.1), patience 0 -> reduce; eps: a step of 5e-9 <= 1e-8 is skipped
  withOpt((ps) => new optim.SGD(ps, { lr: 1e-8 }), (opt) => {
    const s = new optim.ReduceLROnPlateau(opt, { threshold: 0.1, thresholdMode: 'abs', patience: 0, factor: 0.5 });
    assert.equal(lrSequence(opt, s, 2, (i) => [5, 4.95][i]), [1e-8, 1e-8, 1e-8]);
    assert.is(s.numBadEpochs, 0);
    // NaN is never better; the state dict round-trips into a new scheduler
    s.step(NaN);
    const s2 = new optim.ReduceLROnPlateau(opt, { threshold: 0.1, thresholdMode: 'abs', patience: 0, factor: 0.5 });
    s2.loadStateDict(s.stateDict());
    assert.is(s2.best, 5);
    assert.is(s2.lastEpoch, 3);
    assert.equal(s2.stateDict(), s.stateDict());
  });
  const sgd = () => new optim.SGD([sg.zeros([1], { requiresGrad: true })], { lr: 0.1 });
  assertThrows(() => new optim.ReduceLROnPlateau(sgd(), { factor: 1 }), 'ReduceLROnPlateau', 'factor must be', '< 1', '1');
  assertThrows(() => new optim.ReduceLROnPlateau(sgd(), { mode: 'up' }), 'ReduceLROnPlateau', 'mode', 'up');
  assertThrows(() => new optim.ReduceLROnPlateau(sgd(), { thresholdMode: 'pct' }), 'ReduceLROnPlateau', 'thresholdMode', 'pct');
  assertThrows(() => new optim.ReduceLROnPlateau(sgd(), { patience: -1 }), 'ReduceLROnPlateau', 'patience');
  assertThrows(() => new optim.ReduceLROnPlateau(sgd(), { minLr: [0, 0] }), 'ReduceLROnPlateau', 'minLr', 'got 2');
  withOpt((ps) => new optim.SGD(ps, { lr: 1 }), (opt) => {
    assertThrows(() => new optim.ReduceLROnPlateau(opt).step('low'), 'ReduceLROnPlateau.step', 'metric');
  });
});

test('a small MLP trains: the loss falls with Adam', () => {
  sg.manualSeed(5);
  const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 1));
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  try {
    const x = sg.randn([64, 2]);
    const y = x.select(1, 0).mul(x.select(1, 1)).unsqueeze(1);
    const losses = [];
    for (let i = 0; i < 60; i++) {
      sg.scope(() => {
        opt.zeroGrad();
        const loss = new nn.MSELoss().forward(model.call(x), y);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      });
    }
    assert.ok(losses.at(-1) < 0.3 * losses[0], `loss ${losses[0]} -> ${losses.at(-1)}`);
  } finally {
    opt.dispose();
    model.dispose();
  }
});
test.run();
