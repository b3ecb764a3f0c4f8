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
  assertThrows(() => new optim.SGD([sg.ones([1], { requiresGrad: true })], { lr: -1 }), 'learning rate');
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
