// The public API written the PyTorch way: positional order and the options
// form do the same thing; positional misuse, unknown / snake_case keys and
// wrong types are refused with a message naming the problem, the heap
// unchanged. Optimizers, schedulers, the DataLoader.
import * as assert from 'uvu/assert';
import { suite, sg } from '../helpers/harness.mjs';
import { refused } from '../helpers/refused.mjs';

const test = suite('api');
const { nn, optim, data } = sg;

const leaf = () => [sg.ones([2], { requiresGrad: true })];
const sgd = () => new optim.SGD(leaf(), 0.1);

test('optimizers: PyTorch positional order equals the options form', () => {
  const p = leaf();
  const pairs = [
    [new optim.SGD(p, 0.1, 0.9), new optim.SGD(p, { lr: 0.1, momentum: 0.9 }), { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false }],
    [new optim.SGD(p, 0.1, 0.9, 0, 5e-4, true), new optim.SGD(p, 0.1, { momentum: 0.9, weightDecay: 5e-4, nesterov: true }), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true }],
    [new optim.Adam(p, 0.01), new optim.Adam(p, { lr: 0.01 }), { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false }],
    [new optim.Adam(p, 2e-4, [0.5, 0.999]), new optim.Adam(p, { lr: 2e-4, betas: [0.5, 0.999] }), { lr: 2e-4, betas: [0.5, 0.999] }],
    [new optim.AdamW(p, 1e-3, [0.9, 0.95], 1e-6, 0.1, true), new optim.AdamW(p, { lr: 1e-3, betas: [0.9, 0.95], eps: 1e-6, weightDecay: 0.1, amsgrad: true }), { weightDecay: 0.1, amsgrad: true }],
    [new optim.AdamW(p), new optim.AdamW(p, {}), { lr: 1e-3, weightDecay: 0.01 }],
    [new optim.RMSprop(p, 0.01, 0.9, 1e-6, 0, 0.5, true), new optim.RMSprop(p, { alpha: 0.9, eps: 1e-6, momentum: 0.5, centered: true }), { lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true }],
    [new optim.SGD(p), new optim.SGD(p, { lr: 1e-3 }), { lr: 1e-3 }],
  ];
  for (const [a, b, want] of pairs) {
    for (const [k, v] of Object.entries(want)) {
      assert.equal(a.paramGroups[0][k], v, `${a.constructor.name} positional ${k}`);
      assert.equal(b.paramGroups[0][k], v, `${b.constructor.name} options ${k}`);
    }
  }
});

test('optimizers: parameter groups take their own hyperparameters, checked like the defaults', () => {
  const [a] = leaf(), [b] = leaf();
  const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.01, momentum: 0.5 }], 0.1, 0.9);
  assert.equal([opt.paramGroups[0].lr, opt.paramGroups[0].momentum], [0.1, 0.9]);
  assert.equal([opt.paramGroups[1].lr, opt.paramGroups[1].momentum], [0.01, 0.5]);
  refused(() => new optim.SGD([{ params: [a], weight_decay: 1e-4 }], 0.1), TypeError, /SGD: parameter group 0: unknown option 'weight_decay'/, /did you mean 'weightDecay'/);
  refused(() => new optim.Adam([{ params: [a] }, { params: [b], lr: '0.1' }]), TypeError, /parameter group 1: lr must be a finite number/, /'0.1' \(a string\)/, /pass the number 0.1/);
  refused(() => new optim.SGD([{ params: [a] }, { lr: 0.1 }]), TypeError, /parameter groups \{ params, \.\.\.hyperparameters \}/, /item 1/);
  refused(() => new optim.SGD([{ params: [a] }, { params: [b], nesterov: true }], 0.1), RangeError, /Nesterov momentum requires a momentum/);
});

test('optimizers: misuse refused with what, where and how to fix, the heap unchanged', () => {
  const p = leaf();
  const model = new nn.Linear(2, 2);
  const rows = [
    [() => new optim.SGD(p, { weight_decay: 5e-4 }), TypeError, /SGD: unknown option 'weight_decay'/, /did you mean 'weightDecay'\? options are camelCase/],
    [() => new optim.SGD(p, { lr: 0.1, momentun: 0.9 }), TypeError, /unknown option 'momentun'/, /did you mean 'momentum'/],
    [() => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: 'false' }), TypeError, /nesterov must be a boolean/, /'false' \(a string\)/, /write false without quotes/],
    [() => new optim.Adam(p, { amsgrad: 'false' }), TypeError, /Adam: amsgrad must be a boolean/],
    [() => new optim.Adam(p, { betas: [1.5, 0.9] }), RangeError, /Adam: betas\[0\] must be a finite number >= 0 and < 1/, /1.5/],
    [() => new optim.Adam(p, { betas: 0.9 }), TypeError, /betas must be an array of 2/],
    [() => new optim.Adam(p, { eps: -1 }), RangeError, /Adam: eps must be a finite number >= 0/],
    [() => new optim.AdamW(p, { weightDecay: -0.1 }), RangeError, /AdamW: weightDecay must be/],
    [() => new optim.SGD(p, -1), RangeError, /SGD: lr must be a finite number >= 0, got -1/],
    [() => new optim.SGD(p, NaN), TypeError, /lr must be a finite number/, /NaN \(a number\)/],
    [() => new optim.SGD(p, 0.1, '0.9'), TypeError, /momentum must be a finite number/, /pass the number 0.9/],
    [() => new optim.SGD(p, 0.1, 0.9, 0, 0, false, 'x'), TypeError, /SGD: takes 6 positional arguments/, /argument 7 is 'x'/],
    [() => new optim.SGD(p, 0.1, { lr: 0.2 }), TypeError, /lr was given twice/],
    [() => new optim.RMSprop(p, { alpha: -0.5 }), RangeError, /RMSprop: alpha must be/, /-0.5/],
    [() => new optim.RMSprop(p, { centered: 1 }), TypeError, /centered must be a boolean/],
    [() => new optim.SGD(model, 0.1), TypeError, /params must be an iterable of Tensors/, /pass model.parameters\(\)/],
    [() => new optim.SGD(p[0], 0.1), TypeError, /wrap a single tensor in an array/],
    [() => new optim.SGD([], 0.1), Error, /empty parameter list/],
    [() => new optim.SGD([1, 2], 0.1), TypeError, /item 0 is 1 \(a number\)/],
  ];
  for (const [fn, kind, ...patterns] of rows) refused(fn, kind, ...patterns);
  const opt = new optim.SGD(p, 0.1);
  refused(() => opt.step(() => 1), TypeError, /SGD.step: takes 0 positional arguments/);
  refused(() => opt.zeroGrad('no'), TypeError, /zeroGrad: setToNone must be a boolean/);
  model.dispose();
});

test('optimizers: zeroGrad() frees gradients, zeroGrad(false) zeroes them', () => {
  const [p] = leaf();
  const opt = new optim.SGD([p], 0.1);
  p.sum().backward();
  opt.zeroGrad(false);
  assert.equal(Array.from(p.grad.toArray()), [0, 0]);
  opt.zeroGrad();
  assert.is(p.grad, null);
});

test('schedulers: PyTorch positional order equals the options form', () => {
  const lrs = (make, n) => {
    const opt = sgd();
    const s = make(opt);
    const out = [opt.paramGroups[0].lr];
    for (let i = 0; i < n; i++) {
      s.step();
      out.push(opt.paramGroups[0].lr);
    }
    return out;
  };
  const same = (a, b, n = 5) => assert.equal(lrs(a, n), lrs(b, n));
  same((o) => new optim.StepLR(o, 2, 0.5), (o) => new optim.StepLR(o, { stepSize: 2, gamma: 0.5 }));
  assert.equal(lrs((o) => new optim.StepLR(o, 2, 0.5), 4), [0.1, 0.1, 0.05, 0.05, 0.025]);
  same((o) => new optim.MultiStepLR(o, [1, 3], 0.5), (o) => new optim.MultiStepLR(o, { milestones: [1, 3], gamma: 0.5 }));
  same((o) => new optim.ExponentialLR(o, 0.9), (o) => new optim.ExponentialLR(o, { gamma: 0.9 }));
  same((o) => new optim.CosineAnnealingLR(o, 4, 0.01), (o) => new optim.CosineAnnealingLR(o, { tMax: 4, etaMin: 0.01 }));
  same((o) => new optim.LinearLR(o, 0.5, 1, 3), (o) => new optim.LinearLR(o, { startFactor: 0.5, totalIters: 3 }));
  same((o) => new optim.OneCycleLR(o, 1, 10), (o) => new optim.OneCycleLR(o, { maxLr: 1, totalSteps: 10 }), 9);
  same((o) => new optim.OneCycleLR(o, 1, null, 2, 5, 0.25), (o) => new optim.OneCycleLR(o, 1, { epochs: 2, stepsPerEpoch: 5, pctStart: 0.25 }), 9);
  const opt = sgd();
  const plateau = new optim.ReduceLROnPlateau(opt, 'max', 0.5, 0);
  assert.equal([plateau.mode, plateau.factor, plateau.patience], ['max', 0.5, 0]);
  plateau.step(0.9);
  plateau.step(0.8); // an accuracy that fell: a bad epoch in 'max' mode
  assert.is(opt.paramGroups[0].lr, 0.05);
});

test('schedulers: misuse refused, the optimizer untouched', () => {
  const opt = sgd();
  const rows = [
    [() => new optim.StepLR(opt, { stepSize: 2, gamma: NaN }), TypeError, /StepLR: gamma must be a finite number/, /NaN/],
    [() => new optim.StepLR(opt, 30, '0.1'), TypeError, /gamma must be a finite number/, /'0.1' \(a string\)/],
    [() => new optim.StepLR(opt, { step_size: 30 }), TypeError, /unknown option 'step_size'/, /did you mean 'stepSize'/],
    [() => new optim.StepLR(opt, 0), RangeError, /stepSize must be an integer >= 1/],
    [() => new optim.StepLR(opt), TypeError, /missing stepSize/],
    [() => new optim.StepLR([], 30), TypeError, /StepLR: optimizer must be an optimizer/],
    [() => new optim.CosineAnnealingLR(opt, { T_max: 10 }), TypeError, /unknown option 'T_max'/, /did you mean 'tMax'/],
    [() => new optim.CosineAnnealingLR(opt, 10, NaN), TypeError, /etaMin must be a finite number/],
    [() => new optim.CosineAnnealingLR(opt, { tMax: 10, gamma: NaN }), TypeError, /unknown option 'gamma'/],
    [() => new optim.MultiStepLR(opt, [2, 1.5]), TypeError, /milestones\[1\] must be an integer/, /1.5/],
    [() => new optim.MultiStepLR(opt, 3), TypeError, /milestones must be an array/],
    [() => new optim.ExponentialLR(opt), TypeError, /ExponentialLR: missing gamma/],
    [() => new optim.LinearLR(opt, { startFactor: 0 }), RangeError, /startFactor must be a finite number > 0 and <= 1/],
    [() => new optim.LinearLR(opt, { total_iters: 3 }), TypeError, /did you mean 'totalIters'/],
    [() => new optim.OneCycleLR(opt, 1), RangeError, /either totalSteps or \(epochs and stepsPerEpoch\)/],
    [() => new optim.OneCycleLR(opt, { max_lr: 1, totalSteps: 10 }), TypeError, /did you mean 'maxLr'/],
    [() => new optim.OneCycleLR(opt, 1, { totalSteps: 10, threePhase: 'yes' }), TypeError, /threePhase must be a boolean/],
    [() => new optim.OneCycleLR(opt, [1, 2], 10), RangeError, /expected 1 values for maxLr/],
    [() => new optim.ReduceLROnPlateau(opt, 'maximize'), RangeError, /mode must be one of 'min', 'max'/, /'maximize' \(a string\)/],
    [() => new optim.ReduceLROnPlateau(opt, { factor: 1 }), RangeError, /factor must be a finite number >= 0 and < 1/],
    [() => new optim.ReduceLROnPlateau(opt, { patience: 2.5 }), TypeError, /patience must be an integer/],
    [() => new optim.ReduceLROnPlateau(opt, { min_lr: 1e-5 }), TypeError, /did you mean 'minLr'/],
  ];
  for (const [fn, kind, ...patterns] of rows) refused(fn, kind, ...patterns);
  assert.is(opt.paramGroups[0].lr, 0.1, 'a refused scheduler left the lr alone');
  const s = new optim.StepLR(opt, 30);
  refused(() => s.step(3), TypeError, /StepLR.step: takes 0 positional arguments/);
  const p = new optim.ReduceLROnPlateau(opt);
  refused(() => p.step('low'), TypeError, /ReduceLROnPlateau.step: metric must be a number or a one-element Tensor/);
  refused(() => p.step(), TypeError, /missing metric/);
});

/** x [n, 2] with row i = [i, -i], y [n] = i. */
function rows(n) {
  const x = sg.tensor(Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? 1 : -1) * Math.floor(k / 2)), { shape: [n, 2] });
  const y = sg.arange(n);
  return new data.TensorDataset(x, y);
}
const ids = (batches) => batches.flatMap(([, y]) => Array.from(y.toArray()));

test('DataLoader: a TensorDataset, iterable, a new shuffle each pass', () => {
  const ds = rows(10);
  const loader = new sg.DataLoader(ds, 4, true);
  assert.equal([loader.batchSize, loader.shuffle, loader.dropLast, loader.length], [4, true, false, 3]);
  const first = [...loader];
  assert.equal(first.map(([x]) => x.shape), [[4, 2], [4, 2], [2, 2]]);
  for (const [x, y] of first) {
    const xs = x.toArray(), ys = y.toArray();
    ys.forEach((v, i) => assert.equal([xs[2 * i], xs[2 * i + 1]], [v, -v], 'x and y rows stay together'));
  }
  const second = [];
  for (const batch of loader) second.push(batch);
  const a = ids(first), b = ids(second);
  const sorted = (v) => [...v].sort((p, q) => p - q);
  assert.equal(sorted(a), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(sorted(b), sorted(a));
  assert.not.equal(a, b, 'the second pass has a new order');
  assert.is(loader.epoch, 2);
  assert.equal(ids([...loader.epochBatches(0)]), a, 'epoch 0 replays');
  assert.equal(ids([...loader.epochBatches()]), ids([...new sg.DataLoader(ds, 4, true).epochBatches(2)]), 'no argument: the next epoch');
  assert.is(loader.epoch, 3);
  const plain = new sg.DataLoader(ds, { batchSize: 3, dropLast: true });
  assert.equal(ids([...plain]), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(ids([...plain]), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'without shuffle every pass is in order');
  const one = new sg.DataLoader(ds);
  assert.is(one.length, 10, 'batchSize defaults to 1 as in PyTorch');
  const seeded = (seed) => ids([...new sg.DataLoader(ds, { batchSize: 10, shuffle: true, seed })]);
  assert.equal(seeded(5), seeded(5));
  assert.not.equal(seeded(5), seeded(6));
  for (const t of ds.tensors) t.dispose();
});

test('DataLoader and TensorDataset: misuse refused', () => {
  const ds = rows(6);
  const [x, y] = ds.tensors;
  const five = sg.zeros([5]);
  const table = [
    [() => new sg.DataLoader(ds, { batch_size: 4 }), TypeError, /DataLoader: unknown option 'batch_size'/, /did you mean 'batchSize'/],
    [() => new sg.DataLoader(ds, 4, 'true'), TypeError, /shuffle must be a boolean/, /without quotes/],
    [() => new sg.DataLoader(ds, 0), RangeError, /batchSize must be an integer >= 1/],
    [() => new sg.DataLoader(ds, 2.5), TypeError, /batchSize must be an integer/, /2.5/],
    [() => new sg.DataLoader(ds, 4, true, null, 0), TypeError, /takes 3 positional arguments/, /dropLast/],
    [() => new sg.DataLoader(ds, { drop_last: true }), TypeError, /did you mean 'dropLast'/],
    [() => new sg.DataLoader(ds, { numWorkers: 2 }), TypeError, /unknown option 'numWorkers'/],
    [() => new sg.DataLoader(x, 4), TypeError, /dataset must be a TensorDataset/, /new data.TensorDataset\(x, y\)/],
    [() => new sg.DataLoader(ds, { batchSize: 8, dropLast: true }), RangeError, /leaves no batch/],
    [() => new sg.DataLoader(ds, { flatten: true }), TypeError, /apply to ImageDatasets/],
    [() => new data.TensorDataset(x, five), RangeError, /size mismatch/, /\[6,2\]/, /\[5\]/],
    [() => new data.TensorDataset([1, 2]), TypeError, /argument 1 must be a Tensor/],
    [() => new data.TensorDataset(), TypeError, /at least one tensor/],
  ];
  for (const [fn, kind, ...patterns] of table) refused(fn, kind, ...patterns);
  const loader = new sg.DataLoader(ds, 2);
  refused(() => loader.epochBatches(-1).next(), RangeError, /epoch must be an integer >= 0/);
  x.dispose();
  y.dispose();
});

test('porting programs: a CIFAR-style loop with SGD + MultiStepLR + a loader, written the PyTorch way', () => {
  sg.manualSeed(0);
  const n = 32;
  const x = sg.randn([n, 4]);
  const w = sg.tensor([[1], [-2], [0.5], [3]]);
  const y = sg.matmul(x, w).squeeze(1);
  const ds = new data.TensorDataset(x, y);
  const net = new nn.Linear(4, 1);
  const opt = new optim.SGD(net.parameters(), 0.05, 0.9, 0, 5e-4, true);
  const sched = new optim.MultiStepLR(opt, [2, 4], 0.1);
  const loader = new sg.DataLoader(ds, 8, true);
  const epochLoss = [];
  const lrs = [];
  for (let epoch = 0; epoch < 5; epoch++) {
    let total = 0;
    for (const [xb, yb] of loader) {
      total += sg.scope(() => {
        const loss = sg.F.mseLoss(net.forward(xb).squeeze(1), yb);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss.item();
      });
      xb.dispose();
      yb.dispose();
    }
    epochLoss.push(total / loader.length);
    lrs.push(opt.paramGroups[0].lr);
    sched.step();
  }
  assert.equal(lrs.map((v) => +v.toPrecision(6)), [0.05, 0.05, 0.005, 0.005, 0.0005]);
  assert.ok(epochLoss[4] < epochLoss[0] / 10, `the loss fell: ${epochLoss}`);
  opt.dispose();
  net.dispose();
  for (const t of [x, w, y]) t.dispose();
});

const values = (t) => Array.from(t.toArray());

test('tensor creation: PyTorch sizes and options; snake_case and wrong types refused', () => {
  assert.equal(sg.zeros(2, 3).shape, [2, 3]);
  assert.equal(sg.ones([2, 3]).shape, [2, 3]);
  assert.equal(sg.zeros([]).shape, []);
  const r = sg.randn(2, 3, { requiresGrad: true });
  assert.equal([r.shape, r.requiresGrad], [[2, 3], true]);
  assert.equal(sg.rand([4]).shape, [4]);
  assert.equal(values(sg.full([2], 7)), [7, 7]);
  assert.ok(Number.isNaN(sg.full([1], NaN).item()), 'a NaN fill value is a value');
  assert.equal(values(sg.arange(1, 2, 0.25)), [1, 1.25, 1.5, 1.75]);
  assert.is(sg.arange(3, { requiresGrad: true }).requiresGrad, true);
  assert.equal(values(sg.eye(2, 3)), [1, 0, 0, 0, 1, 0]);
  assert.equal(sg.tensor([1, 2, 3, 4], { shape: [2, 2] }).shape, [2, 2]);
  assert.equal(sg.zeros([2], { dtype: 'float32' }).dtype, 'float32');
  const x = sg.ones([2]);
  const rows = [
    [() => sg.zeros([2], { requires_grad: true }), TypeError, /zeros: unknown option 'requires_grad'/, /did you mean 'requiresGrad'/],
    [() => sg.tensor([1, 2], { requires_grad: true }), TypeError, /tensor: unknown option 'requires_grad'/, /did you mean 'requiresGrad'/],
    [() => sg.tensor([1, 2], { requiresGrad: 'yes' }), TypeError, /requiresGrad must be a boolean/],
    [() => sg.tensor([1, 2], { dtype: 'float64' }), RangeError, /tensor: dtype must be 'float32' \(the only value supported\), got 'float64' \(a string\)/, /float32 only/],
    [() => sg.zeros(2, { dtype: 'int64' }), RangeError, /zeros: dtype must be 'float32'/],
    [() => sg.randn(2, 3, { requiresgrad: true }), TypeError, /did you mean 'requiresGrad'/],
    [() => sg.ones(2, '3'), TypeError, /ones: size must be an array of integers >= 0/],
    [() => sg.zeros(), TypeError, /zeros: missing the size/],
    [() => sg.full([2], '7'), TypeError, /full: fillValue must be a number/, /pass the number 7/],
    [() => sg.full([2]), TypeError, /full: missing fillValue/],
    [() => sg.arange(0, 5, 0), RangeError, /arange: step must be nonzero/],
    [() => sg.arange('5'), TypeError, /arange: start must be a finite number/],
    [() => sg.eye(2.5), TypeError, /eye: n must be an integer/],
    [() => sg.zerosLike([1, 2]), TypeError, /zerosLike: input must be a Tensor/, /wrap it with tensor/],
    [() => sg.onesLike(x, { requires_grad: true }), TypeError, /did you mean 'requiresGrad'/],
  ];
  for (const [fn, kind, ...patterns] of rows) refused(fn, kind, ...patterns);
});

test('ops with options: clamp, reductions, softmax, activations the PyTorch way', () => {
  const x = sg.tensor([[-2, 0.5], [3, -1]]);
  assert.equal(values(x.clamp({ min: 0 })), [0, 0.5, 3, 0]);
  assert.equal(values(x.clamp(0)), [0, 0.5, 3, 0]);
  assert.equal(values(x.clamp({ max: 1 })), [-2, 0.5, 1, -1]);
  assert.equal(values(x.clamp(null, 1)), [-2, 0.5, 1, -1]);
  assert.equal(values(sg.clamp(x, { min: -1, max: 1 })), [-1, 0.5, 1, -1]);
  const s = x.sum({ dim: 1, keepdim: true });
  assert.equal([s.shape, values(s)], [[2, 1], [-1.5, 2]]);
  assert.equal(values(x.sum(1, true)), values(s));
  assert.equal(x.mean({ dim: 0 }).shape, [2]);
  const { values: mv, indices: mi } = x.max({ dim: 1 });
  assert.equal([values(mv), values(mi)], [[0.5, 3], [1, 0]]);
  assert.equal(values(x.min(1, true)[0]), [-2, -1]);
  assert.equal(values(x.amax({ dim: [0, 1], keepdim: true })), [3]);
  assert.equal(values(sg.logsumexp(x, { dim: 1 })), values(sg.logsumexp(x, 1)));
  assert.equal(values(x.argmax({ dim: 1, keepdim: true })), [1, 0]);
  assert.equal(values(x.var(1, { correction: 0 })), values(x.var({ dim: 1, correction: 0 })));
  assert.equal(values(x.norm({ p: 1, dim: 1 })), [2.5, 4]);
  assert.equal(values(sg.softmax(x, { dim: 1 })), values(sg.softmax(x, 1)));
  assert.equal(values(sg.F.elu(x, 0.5)), values(sg.F.elu(x, { alpha: 0.5 })));
  assert.equal(values(sg.F.leakyRelu(x, 0.2)), values(sg.F.leakyRelu(x, { negativeSlope: 0.2 })));
  assert.equal(values(sg.F.hardtanh(x, 0, 1)), [0, 0.5, 1, 0]);
  assert.equal(values(sg.F.softplus(x, 2)), values(sg.F.softplus(x, { beta: 2 })));
  const rows = [
    [() => x.clamp({ mn: 0 }), TypeError, /clamp: unknown option 'mn'/, /did you mean 'min'/],
    [() => x.clamp('0'), TypeError, /clamp: min must be a number/, /pass the number 0/],
    [() => x.clamp(), TypeError, /at least one of min and max/],
    [() => x.clamp(NaN), TypeError, /min must be a number/],
    [() => x.sum({ dims: 1 }), TypeError, /sum: unknown option 'dims'/, /did you mean 'dim'/],
    [() => x.sum(1, 'true'), TypeError, /sum: keepdim must be a boolean/],
    [() => x.sum({ dim: 1, keep_dim: true }), TypeError, /did you mean 'keepdim'/],
    [() => x.mean(0.5), TypeError, /mean: dim must be an integer/],
    [() => x.sum(5), RangeError, /dim 5 out of range/],
    [() => x.argmax([0, 1]), TypeError, /argmax: dim must be an integer/],
    [() => x.var(0, { unbiased: 'no' }), TypeError, /var: unbiased must be a boolean/],
    [() => x.norm(0), RangeError, /norm: p must be a number > 0/],
    [() => x.max([0, 1]), TypeError, /max: dim must be one integer/, /amax\(x, dims\)/],
    [() => x.max({ dims: 1 }), TypeError, /max: unknown option 'dims'/, /did you mean 'dim'/],
    [() => x.max(null, true), TypeError, /max: keepdim needs a dim/],
    [() => x.amin(0, 'yes'), TypeError, /amin: keepdim must be a boolean/],
    [() => sg.logsumexp(x, { keep_dim: true }), TypeError, /logsumexp: unknown option 'keep_dim'/, /did you mean 'keepdim'/],
    [() => sg.softmax(x), TypeError, /softmax: missing dim/],
    [() => sg.softmax(x, { axis: 1 }), TypeError, /unknown option 'axis'/],
    [() => sg.sum([1, 2]), TypeError, /sum: input must be a Tensor/],
    [() => sg.exp([1, 2]), TypeError, /exp: input must be a Tensor/],
    [() => x.add('1'), TypeError, /add: operand must be a Tensor or a number, got '1' \(a string\)/],
    [() => sg.mul([1, 2], x), TypeError, /mul: operand must be a Tensor or a number/, /wrap it with tensor/],
    [() => sg.F.gelu(x, { approximate: 'erf' }), RangeError, /approximate must be one of 'none', 'tanh'/],
    [() => sg.F.leakyRelu(x, { negative_slope: 0.2 }), TypeError, /did you mean 'negativeSlope'/],
    [() => x.pow('2'), TypeError, /pow: exponent must be a number/],
  ];
  for (const [fn, kind, ...patterns] of rows) refused(fn, kind, ...patterns);
});

test('views, cat/stack, indexing and products: PyTorch order or options; a wrong type refused with its value quoted', () => {
  const x = sg.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.equal(values(sg.cat([x, x], { dim: 1 })), values(sg.cat([x, x], 1)));
  assert.equal(sg.stack([x, x], { dim: -1 }).shape, [2, 3, 2]);
  assert.equal(values(sg.where(sg.gt(x, 3), x, NaN)).map(Number.isNaN), [true, true, true, false, false, false]);
  assert.equal(values(sg.slice(x, 1, null, null, 2)), [1, 3, 4, 6]);
  const w = sg.ones([2, 3]);
  const rows = [
    [() => x.unsqueeze('1'), TypeError, /unsqueeze: dim must be an integer, got '1' \(a string\)/],
    [() => x.transpose(0, 0.5), TypeError, /transpose: dim must be an integer, got 0\.5/],
    [() => sg.flatten(x, '1'), TypeError, /flatten: dim must be an integer, got '1'/],
    [() => sg.permute(x, 'ab'), TypeError, /permute: dims must be an array of integers, got 'ab' \(a string\)/],
    [() => sg.expand(x, 'ab'), TypeError, /expand: shape must be an array of integers/],
    [() => x.reshape(3, '2'), TypeError, /reshape: sizes must be integers, got \[3, '2'\]/],
    [() => sg.narrow(x, 0, '0', 1), TypeError, /narrow: start must be an integer, got '0' \(a string\)/],
    [() => sg.select(x, 0, '1'), TypeError, /select: index must be an integer, got '1'/],
    [() => sg.slice(x, 0, 0, 2, 0), RangeError, /slice: step must be a positive integer/],
    [() => sg.cat(x, x), TypeError, /cat: tensors must be an array of Tensors, got a Tensor of shape \[2,3\]/, /cat\(\[a, b\], dim\)/],
    [() => sg.cat([]), RangeError, /cat: tensors must be a non-empty array/],
    [() => sg.cat([x, [1, 2, 3]]), TypeError, /cat: tensors\[1\] must be a Tensor/, /wrap it with tensor/],
    [() => sg.cat([x, x], { axis: 1 }), TypeError, /cat: unknown option 'axis'/],
    [() => sg.stack([x, x], '0'), TypeError, /stack: dim must be an integer/],
    [() => sg.indexSelect([1, 2], 0, [0]), TypeError, /indexSelect: input must be a Tensor/],
    [() => sg.gather(x, 1, [[0]]), TypeError, /gather: index must be a Tensor, got \[\.\.\.\] \(an array\)/],
    [() => sg.where([1, 0], x, x), TypeError, /where: condition must be a Tensor/],
    [() => sg.where(x, x, '0'), TypeError, /where: other must be a Tensor, got '0' \(a string\)/],
    [() => sg.matmul(x, [1, 2, 3]), TypeError, /matmul: other must be a Tensor/, /wrap it with tensor/],
    [() => sg.F.linear(x, w, 'b'), TypeError, /linear: bias must be a Tensor, got 'b'/],
    [() => sg.addmm(x, 'a', x), TypeError, /addmm: mat1 must be a Tensor/],
    [() => sg.noGrad(() => x.fill_('1')), TypeError, /fill_: value must be a number, got '1' \(a string\)/],
    [() => sg.noGrad(() => x.copy_([1])), TypeError, /copy_: src must be a Tensor/],
  ];
  for (const [fn, kind, ...patterns] of rows) refused(fn, kind, ...patterns);
});

test('F convolutions, pools, norms and embedding: PyTorch positional order equals the options form; misuse refused', () => {
  const same = (a, b) => assert.equal(values(a), values(b));
  const x = sg.randn([2, 4, 7, 7]);
  const w = sg.randn([6, 4, 3, 3]), b = sg.randn([6]);
  same(sg.F.conv2d(x, w, b, 2, 1), sg.F.conv2d(x, w, b, { stride: 2, padding: 1 }));
  same(sg.F.conv2d(x, w, { stride: 2, padding: 1 }), sg.F.conv2d(x, w, null, 2, 1));
  same(sg.F.conv2d(x, w, b, 1, 'same'), sg.F.conv2d(x, w, b, { padding: 1 }));
  const wt = sg.randn([4, 3, 3, 3]);
  same(sg.F.convTranspose2d(x, wt, null, 2, 1, 1), sg.F.convTranspose2d(x, wt, null, { stride: 2, padding: 1, outputPadding: 1 }));
  const x1 = sg.randn([2, 4, 9]), w1 = sg.randn([3, 4, 3]);
  same(sg.F.conv1d(x1, w1, null, 2, 1), sg.F.conv1d(x1, w1, { stride: 2, padding: 1 }));
  assert.equal(sg.F.conv1d(x1, w1, null, 1, 'same').shape, [2, 3, 9]);
  same(sg.F.maxPool2d(x, 3, 2), sg.F.maxPool2d(x, { kernelSize: 3, stride: 2 }));
  same(sg.F.avgPool2d(x, 2, 1, 1, true), sg.F.avgPool2d(x, 2, { stride: 1, padding: 1, ceilMode: true }));
  same(sg.F.avgPool1d(x1, 3, 2), sg.F.avgPool1d(x1, { kernelSize: 3, stride: 2 }));
  const rm = sg.zeros([4]), rv = sg.ones([4]);
  same(sg.F.batchNorm(x, rm, rv, null, null, false, 0.1, 1e-3), sg.F.batchNorm(x, rm, rv, null, null, { training: false, eps: 1e-3 }));
  const g = sg.randn([7]), beta = sg.randn([7]);
  same(sg.F.layerNorm(x, 7, g, beta, 1e-3), sg.F.layerNorm(x, [7], { weight: g, bias: beta, eps: 1e-3 }));
  same(sg.F.groupNorm(x, 2, null, null, 1e-3), sg.F.groupNorm(x, 2, { eps: 1e-3 }));
  const table = sg.randn([5, 3]), ids = sg.tensor([[0, 4], [2, 0]]);
  same(sg.F.embedding(ids, table, 0), sg.F.embedding(ids, table, { paddingIdx: 0 }));
  const rows = [
    [() => sg.F.conv2d(x, w, b, '2'), TypeError, /conv2d: stride must be an integer >= 1 or a pair of them, got '2' \(a string\)/],
    [() => sg.F.conv2d(x, w, b, 2, { stride: 2 }), TypeError, /conv2d: stride was given twice/],
    [() => sg.F.conv2d(x, w, b, { padding_mode: 'zeros' }), TypeError, /conv2d: unknown option 'padding_mode'/],
    [() => sg.F.conv2d(x, w, b, 2, 'same'), RangeError, /conv2d: stride must be 1 with padding 'same'/],
    [() => sg.F.conv2d(x, w, b, 1, 'full'), TypeError, /conv2d: padding must be an integer >= 0, a pair of them, or 'same' or 'valid', got 'full'/],
    [() => sg.F.conv1d(x1, w1, null, 1, 1, 1, 1, 1), TypeError, /conv1d: takes 5 positional arguments/],
    [() => sg.F.maxPool2d(x, 2, { ceil_mode: true }), TypeError, /maxPool2d: unknown option 'ceil_mode'/, /did you mean 'ceilMode'/],
    [() => sg.F.batchNorm(x, rm, rv, null, null, 'true'), TypeError, /batchNorm: training must be a boolean/],
    [() => sg.F.layerNorm(x, [7], { epsilon: 1e-3 }), TypeError, /layerNorm: unknown option 'epsilon'/, /the options are .*'eps'/],
    [() => sg.F.layerNorm(x, [7], g, beta, 0), RangeError, /layerNorm: eps must be a finite number > 0/],
    [() => sg.F.groupNorm(x, 2.5), TypeError, /groupNorm: numGroups must be an integer >= 1/],
    [() => sg.F.embedding(ids, table, { padding_idx: 0 }), TypeError, /embedding: unknown option 'padding_idx'/, /did you mean 'paddingIdx'/],
    [() => sg.F.embedding(ids, table, '0'), TypeError, /embedding: paddingIdx must be an integer/],
  ];
  for (const [fn, kind, ...patterns] of rows) refused(fn, kind, ...patterns);
});

test('every exported function and F: a string or a stray options object where the input belongs is refused, naming the function, the heap unchanged', () => {
  // functions that take no argument, or report state, or are internal
  const noInput = new Set(['init', 'memory', 'checkHeap', 'wasmVariant', 'getNumThreads', 'threadingStatus', 'threadsReady', 'terminateThreads', 'parallelFor', 'isGradEnabled', 'getRngState', 'saveOnnx']);
  const named = { loadWithMetadata: 'load' };
  let checked = 0;
  for (const [where, ns] of [['sg', sg], ['F', sg.F]]) {
    for (const [name, fn] of Object.entries(ns)) {
      if (typeof fn !== 'function' || /^[A-Z]/.test(name) || noInput.has(name)) continue;
      const own = new RegExp(`\\b${named[name] ?? name}\\b`);
      for (const bad of ['x', { unknown_key: 1 }]) {
        let e;
        try {
          e = refused(() => fn(bad), Error, own);
        } catch (failure) {
          throw new Error(`${where}.${name}(${JSON.stringify(bad)}): ${failure.message}`);
        }
        assert.ok(e instanceof TypeError || e instanceof RangeError, `${where}.${name}(${JSON.stringify(bad)}): ${e.constructor.name}: ${e.message}`);
        assert.not.match(e.message, /is not a function|Cannot read|undefined \(reading/, `${where}.${name}: ${e.message}`);
      }
      checked++;
    }
  }
  assert.ok(checked > 150, `only ${checked} functions checked`);
});

test('losses: PyTorch positional weight, camelCase options, snake_case refused', () => {
  const logits = sg.tensor([[2, 0.5, -1], [0.1, 0.2, 3]]);
  const target = sg.tensor([0, 2]);
  const w = sg.tensor([1, 2, 0.5]);
  assert.equal(values(sg.F.crossEntropy(logits, target, w)), values(sg.F.crossEntropy(logits, target, { weight: w })));
  assert.equal(values(sg.F.crossEntropy(logits, target, w, { reduction: 'sum' })), values(sg.F.crossEntropy(logits, target, { weight: w, reduction: 'sum' })));
  const smooth = sg.F.crossEntropy(logits, target, { labelSmoothing: 0.1 }).item();
  assert.ok(smooth > sg.F.crossEntropy(logits, target).item(), 'label smoothing is applied');
  const rows = [
    [() => sg.F.crossEntropy(logits, target, { label_smoothing: 0.1 }), TypeError, /crossEntropy: unknown option 'label_smoothing'/, /did you mean 'labelSmoothing'/],
    [() => sg.F.crossEntropy(logits, target, { ignore_index: 0 }), TypeError, /did you mean 'ignoreIndex'/],
    [() => sg.F.crossEntropy(logits, target, { reduction: 'avg' }), RangeError, /reduction must be one of 'mean', 'sum', 'none'/, /'avg'/],
    [() => sg.F.crossEntropy(logits, target, { labelSmoothing: 1.5 }), RangeError, /labelSmoothing must be a finite number in \[0, 1\]/],
    [() => sg.F.crossEntropy(logits, target, { weight: [1, 2, 3] }), TypeError, /weight must be a Tensor/],
    [() => sg.F.crossEntropy(logits, [0, 2]), TypeError, /target must be a Tensor/],
    [() => sg.F.nllLoss(logits, target, { labelSmoothing: 0.1 }), TypeError, /nllLoss: unknown option 'labelSmoothing'/],
    [() => sg.F.nllLoss(logits, target, { ignoreIndex: 0.5 }), TypeError, /ignoreIndex must be an integer/],
  ];
  for (const [fn, kind, ...patterns] of rows) refused(fn, kind, ...patterns);
});

/**
 * Runs `op` outside any scope with the heap capped at its current size, after
 * allocating an input of `bytes` that the heap had to grow for, so the op's
 * output of the same size cannot fit: the op must throw OutOfMemoryError and
 * leave bytes in use and live tensors as they were. Retries with a larger
 * input if an old free block happened to fit.
 */
function oomInside(makeInput, op) {
  for (let elems = 1 << 21; elems <= 1 << 25; elems *= 2) {
    const inputs = makeInput(elems);
    const before = sg.memory();
    const limit = sg.setMemoryLimit(before.heapBytes);
    let error = null, out = null;
    try {
      out = op(...inputs);
    } catch (e) {
      error = e;
    } finally {
      sg.setMemoryLimit(limit);
    }
    const after = sg.memory();
    if (out !== null) out.dispose();
    for (const t of inputs) t.dispose();
    if (error === null) continue;
    assert.instance(error, sg.OutOfMemoryError, String(error));
    assert.is(after.bytesInUse, before.bytesInUse, `bytes in use after an out-of-memory inside the op (${error.message})`);
    assert.is(after.liveTensors, before.liveTensors, 'live tensors after an out-of-memory inside the op');
    return error;
  }
  throw new Error('could not provoke an out-of-memory inside the op');
}

test('memory: an out-of-memory inside an op leaves bytes in use unchanged; its message names the live tensors and scope()', async () => {
  const e = oomInside(
    (n) => [sg.randn([4, 8, n / 32]), sg.zeros([8]), sg.ones([8])],
    (x, rm, rv) => sg.batchNorm(x, rm, rv, null, null, { training: true }),
  );
  assert.match(e.message, /\d+ tensors are alive, \d+ of them created outside any scope\(\)/);
  assert.match(e.message, /sg\.scope\(\(\) => \{ \.\.\. \}\)/);
  // a non-contiguous operand is copied first: that copy must go too
  oomInside((n) => {
    const base = sg.randn([n / 1024, 1024]);
    return [base.t(), base];
  }, (a) => sg.exp(a));
  oomInside((n) => [sg.randn([n / 256, 256]), sg.randn([256, 256])], (a, b) => sg.matmul(a, b));
  oomInside((n) => [sg.randn([n / 16, 16])], (x) => sg.softmax(x, 1));
  oomInside((n) => [sg.randn([n / 16, 16])], (x) => x.var(1));
  oomInside((n) => [sg.randn([4, 4, n / 64, 4])], (x) => sg.maxPool2d(x, [1, 2], 1, 0, 1, true));
});

test('memory: the newer ops free what they made when an allocation inside them fails', () => {
  // each op's largest allocation is at least the input's size, so a large enough input makes one fail
  const transposed = (n) => {
    const base = sg.randn([64, n / 64]);
    return [base.t(), base];
  };
  const rows = [
    [(n) => [sg.randn([n / 64, 64])], (x) => x.std(1)],
    [(n) => [sg.randn([n / 64, 64])], (x) => x.norm(3, 1)],
    [(n) => [sg.randn([n / 64, 64])], (x) => sg.logsumexp(x, 1)],
    [transposed, (x) => x.max(1)],
    [(n) => [sg.randn([n / 64, 64])], (x) => sg.sort(x, 1)],
    [(n) => [sg.randn([n / 64, 64])], (x) => sg.topk(x, 8, 1)],
    [transposed, (x) => sg.cumsum(x, 0)],
    [transposed, (x) => sg.prod(x, 1)],
    [(n) => [sg.randn([n / 64, 64]), sg.zeros([n / 64, 4])], (x, i) => sg.scatter(x, 1, i, 1)],
    [(n) => [sg.randn([4, 4, n / 256, 16])], (x) => sg.pad(x, [2, 2, 1, 1], 'reflect')],
    [(n) => [sg.randn([4, 4, n / 256, 16])], (x) => sg.interpolate(x, { scaleFactor: 2, mode: 'bilinear' })],
    [(n) => [sg.randn([n / 64, 64]), sg.randn([64, 64])], (a, b) => sg.einsum('ij,jk->ik', a, b)],
    [(n) => [sg.randn([n / 64, 64])], (x) => sg.F.normalize(x)],
    [(n) => [sg.randn([n / 64, 64]), sg.randn([n / 64, 64])], (a, b) => sg.F.cosineSimilarity(a, b)],
    [(n) => [sg.randn([n / 64, 64])], (x) => sg.roll(x, [1, 1], [0, 1])],
    [(n) => [sg.randn([n / 64, 64])], (x) => sg.repeatInterleave(x, 2, 1)],
    [(n) => [sg.randn([4, 4, n / 256, 16])], (x) => sg.F.unfold(x, 3, { padding: 1 })],
  ];
  for (const [makeInputs, op] of rows) {
    oomInside(makeInputs, (...xs) => {
      const out = op(...xs);
      // [values, indices]: both disposed
      return Array.isArray(out) ? { dispose: () => out.forEach((t) => t.dispose()) } : out;
    });
  }
});

test('memory: backward frees the contiguous copies of a strided gradient (pools, norms, losses, conv)', () => {
  const ops = [
    (x) => sg.maxPool2d(x, 2),
    (x) => sg.avgPool2d(x, 2),
    (x) => sg.adaptiveAvgPool2d(x, 1),
    (x) => sg.batchNorm(x, null, null, null, null, { training: true }),
    (x) => sg.layerNorm(x, [4]),
    (x) => sg.crossEntropy(x.reshape(16, 4), sg.zeros([16]), { reduction: 'none' }).reshape(2, 2, 2, 2),
  ];
  const w = sg.randn([2, 2, 1, 1], { requiresGrad: true });
  ops.push((x) => sg.conv2d(x, w));
  for (const op of ops) {
    const x = sg.randn([2, 2, 4, 4], { requiresGrad: true });
    const before = sg.memory();
    sg.scope(() => {
      const y = op(x);
      // a permuted view: the gradient reaching the op is not contiguous
      const z = y.permute(0, 1, 3, 2);
      sg.mul(z, sg.randn(z.shape)).sum().backward();
    });
    x.grad.dispose();
    x.grad = null;
    if (w.grad) {
      w.grad.dispose();
      w.grad = null;
    }
    const after = sg.memory();
    assert.is(after.liveTensors, before.liveTensors, `live tensors after backward of ${op}`);
    assert.is(after.bytesInUse, before.bytesInUse, `bytes in use after backward of ${op}`);
    x.dispose();
  }
  w.dispose();
});

test('backward: options checked; var/std made inside a scope still differentiate after it', () => {
  const x = sg.randn([4, 3], { requiresGrad: true });
  for (const reduce of [(t) => t.var(0), (t) => t.std(0), (t) => t.norm(3, 0)]) {
    const loss = sg.scope(() => reduce(x).sum());
    loss.backward();
    assert.equal(x.grad.shape, [4, 3]);
    x.grad.dispose();
    x.grad = null;
    loss.dispose();
  }
  const y = sg.scope(() => x.sum());
  refused(() => y.backward({ retain_graph: true }), TypeError, /backward: unknown option 'retain_graph'/, /did you mean 'retainGraph'/);
  refused(() => y.backward('1'), TypeError, /backward: gradient must be a Tensor, got '1' \(a string\)/);
  refused(() => y.backward(null, { retainGraph: 'yes' }), TypeError, /backward: retainGraph must be a boolean/);
  y.backward(null, { retainGraph: true });
  y.backward();
  assert.equal(values(x.grad), new Array(12).fill(2));
  y.dispose();
  x.dispose();
});

test('memory: one warning when tensors outside any scope pass the threshold', async () => {
  const warnings = [];
  const warn = console.warn;
  console.warn = (...a) => warnings.push(a.join(' '));
  const made = [];
  try {
    for (let i = 0; i <= 10000; i++) made.push(sg.zeros([1]));
    for (let i = 0; i < 100; i++) made.push(sg.zeros([1]));
  } finally {
    console.warn = warn;
    for (const t of made) t.dispose();
  }
  assert.is(warnings.length, 1, `one warning, got ${warnings.length}`);
  assert.match(warnings[0], /simdgrad: \d+ tensors are alive outside any scope\(\)/);
  assert.match(warnings[0], /sg\.scope/);
});

test.run();
