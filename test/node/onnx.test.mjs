// ONNX export checked in onnxruntime-web (Node, wasm, one thread): every
// toolkit module, ResNet-20, an MLP with dropout and batch norm, a DCGAN-style
// generator and a user's own forward are exported at one batch size, run in
// onnxruntime at others, and compared with simdgrad's evaluation-mode output
// (max abs difference <= 1e-5 of the output's largest magnitude). Then the
// refusals: ops and modules without an ONNX form, batch-sized constants,
// disposed parameters, bad options; and training mode (exported in eval,
// restored after, said in the file).
//
// Creating an onnxruntime session installs a global Worker; the last test
// removes it again so later suites see the runtime as it was.
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, sg } from '../helpers/harness.mjs';
import { dcganGenerator, mlp, relativeError, resnet20, roundTripper, warmStats } from '../helpers/onnx.mjs';

const test = suite('onnx');
const { nn } = sg;
const hadWorker = 'Worker' in globalThis;
const ort = await import('onnxruntime-web');

const roundTrip = roundTripper(ort);

/** simdgrad's eval output for x (a Float32Array copy), inside a scope. */
const evalOutput = (model, xs) => sg.scope(() => model.call(...xs).toArray());

const wide = (s) => sg.scope(() => sg.randn(s).mul(3));

// ---------------------------------------------------------------------------
// layers

test('Linear (with and without bias, 2-d and 3-d inputs)', async () => {
  sg.manualSeed(1);
  await roundTrip(new nn.Linear(5, 3), [5]);
  await roundTrip(new nn.Linear(5, 3, { bias: false }), [5]);
  await roundTrip(new nn.Linear(5, 3), [4, 5]);
});

test('Conv2d: stride, padding, dilation, groups, bias', async () => {
  sg.manualSeed(2);
  await roundTrip(new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }), [4, 9, 9]);
  await roundTrip(new nn.Conv2d(3, 5, [3, 2], { stride: [1, 2], padding: [2, 1], dilation: [2, 1], bias: false }), [3, 8, 7]);
});

test('Conv1d: stride, padding, dilation, groups', async () => {
  sg.manualSeed(3);
  await roundTrip(new nn.Conv1d(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2 }), [4, 13]);
  await roundTrip(new nn.Conv1d(3, 2, 1, { bias: false }), [3, 5]);
});

test('ConvTranspose2d: stride, padding, output padding, dilation, groups', async () => {
  sg.manualSeed(4);
  await roundTrip(new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), [4, 5, 5]);
  await roundTrip(new nn.ConvTranspose2d(3, 2, [2, 3], { stride: [1, 2], dilation: 2, bias: false }), [3, 4, 6]);
});

test('MaxPool2d and AvgPool2d with padding, dilation, ceilMode, countIncludePad, divisorOverride', async () => {
  sg.manualSeed(5);
  await roundTrip(new nn.MaxPool2d(2), [3, 8, 8]);
  await roundTrip(new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), [2, 8, 8]);
  await roundTrip(new nn.MaxPool2d(2, { stride: 2, dilation: 2 }), [2, 9, 9]);
  await roundTrip(new nn.AvgPool2d(2), [3, 8, 8]);
  await roundTrip(new nn.AvgPool2d(3, { stride: 2, padding: 1 }), [2, 7, 7]);
  await roundTrip(new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), [2, 7, 7]);
  await roundTrip(new nn.AvgPool2d(3, { stride: 2, ceilMode: true, countIncludePad: false }), [2, 8, 8]);
  await roundTrip(new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }), [2, 8, 8]);
  await roundTrip(new nn.AvgPool2d(2, { divisorOverride: 3 }), [2, 6, 6]);
});

test('adaptive pools and the 1-d pools', async () => {
  sg.manualSeed(6);
  await roundTrip(new nn.AdaptiveAvgPool2d(1), [3, 5, 7]);
  await roundTrip(new nn.AdaptiveAvgPool2d([2, 3]), [3, 6, 6]);
  await roundTrip(new nn.MaxPool1d(3, { stride: 2, padding: 1, ceilMode: true }), [3, 10]);
  await roundTrip(new nn.AvgPool1d(2), [3, 10]);
  await roundTrip(new nn.AdaptiveAvgPool1d(1), [3, 10]);
});

test('BatchNorm1d and BatchNorm2d as BatchNormalization with the running statistics', async () => {
  sg.manualSeed(7);
  for (const [bn, shape] of [[new nn.BatchNorm1d(5), [5]], [new nn.BatchNorm1d(4), [4, 6]], [new nn.BatchNorm2d(3), [3, 4, 4]], [new nn.BatchNorm2d(3, { affine: false }), [3, 4, 4]]]) {
    warmStats(bn, shape);
    if (bn.weight !== null) sg.noGrad(() => { bn.weight.uniform_(0.5, 1.5); bn.bias.uniform_(-1, 1); });
    await roundTrip(bn, shape);
  }
});

test('LayerNorm and GroupNorm (with and without affine)', async () => {
  sg.manualSeed(8);
  const ln = new nn.LayerNorm([4, 5]);
  sg.noGrad(() => { ln.weight.uniform_(0.5, 1.5); ln.bias.uniform_(-1, 1); });
  await roundTrip(ln, [3, 4, 5]);
  await roundTrip(new nn.LayerNorm(6, { elementwiseAffine: false }), [6]);
  const gn = new nn.GroupNorm(2, 6);
  sg.noGrad(() => { gn.weight.uniform_(0.5, 1.5); gn.bias.uniform_(-1, 1); });
  await roundTrip(gn, [6, 4, 3]);
  await roundTrip(new nn.GroupNorm(3, 6, { affine: false }), [6, 5]);
});

test('every activation module', async () => {
  sg.manualSeed(9);
  const modules = [
    new nn.ReLU(), new nn.LeakyReLU(0.2), new nn.PReLU({ numParameters: 3, init: 0.3 }), new nn.Tanh(), new nn.Sigmoid(),
    new nn.ELU({ alpha: 0.7 }), new nn.SELU(), new nn.CELU({ alpha: 1.5 }), new nn.GELU(), new nn.GELU({ approximate: 'tanh' }),
    new nn.SiLU(), new nn.Mish(), new nn.Softplus(), new nn.Softplus({ beta: 2, threshold: 5 }), new nn.Hardtanh({ minVal: -0.5, maxVal: 2 }),
    new nn.ReLU6(), new nn.Hardsigmoid(), new nn.Hardswish(), new nn.LogSigmoid(), new nn.Softsign(),
  ];
  for (const m of modules) {
    try {
      await roundTrip(m, [3, 4], { input: wide });
    } catch (e) {
      throw new Error(`${m.constructor.name}(${m.extraRepr()}): ${e.message}`);
    }
  }
});

test('Maxout, ChannelMaxout, CReLU', async () => {
  sg.manualSeed(10);
  await roundTrip(new nn.Maxout(6, 4, 3), [6]);
  await roundTrip(new nn.ChannelMaxout(2), [6, 3, 3]);
  await roundTrip(new nn.CReLU(), [3, 4]);
});

test('Dropout, Dropout2d and DropConnect export as their evaluation form', async () => {
  sg.manualSeed(11);
  await roundTrip(new nn.Dropout(0.5).train(), [7]);
  await roundTrip(new nn.Dropout2d(0.3).train(), [3, 4, 4]);
  await roundTrip(new nn.DropConnect(5, 3, { p: 0.5 }).train(), [5]);
});

test('Flatten, Identity, Embedding (with paddingIdx)', async () => {
  sg.manualSeed(12);
  await roundTrip(new nn.Flatten(), [3, 4, 5]);
  await roundTrip(new nn.Flatten(2), [3, 4, 5]);
  await roundTrip(new nn.Identity(), [3]);
  const ints = (s) => sg.scope(() => sg.tensor(Array.from(sg.rand(s).toArray(), (v) => Math.floor(v * 10)), { shape: s }));
  await roundTrip(new nn.Embedding(10, 4), [3], { input: ints });
  await roundTrip(new nn.Embedding(10, 4, { paddingIdx: 0 }), [2, 3], { input: ints });
});

// ---------------------------------------------------------------------------
// networks

test('BasicBlock: shortcut A (subsample + zero channels), shortcut B, identity, plain', async () => {
  sg.manualSeed(13);
  for (const block of [
    new nn.BasicBlock(4, 8, { stride: 2, shortcut: 'A' }),
    new nn.BasicBlock(4, 4, { stride: 1, shortcut: 'A' }),
    new nn.BasicBlock(4, 8, { stride: 2, shortcut: 'B' }),
    new nn.BasicBlock(4, 4, { stride: 1, shortcut: 'B' }),
    new nn.BasicBlock(4, 8, { stride: 2, residual: false }),
  ]) {
    warmStats(block, [block.inChannels, 8, 8]);
    await roundTrip(block, [block.inChannels, 8, 8]);
  }
});

test('ResNet-20 (shortcut A), trained a few steps', async () => {
  sg.manualSeed(14);
  const { model, shape } = resnet20();
  await roundTrip(model, shape, { batches: [1, 4] });
});

test('an MLP with dropout and batch norm, trained, exported from training mode', async () => {
  sg.manualSeed(15);
  const { model, shape } = mlp();
  await roundTrip(model, shape);
});

test('a DCGAN-style generator (transposed convolutions, batch norm, tanh)', async () => {
  sg.manualSeed(16);
  const { model, shape } = dcganGenerator();
  await roundTrip(model, shape);
});

/** A user's own module: its forward mixes toolkit modules and tensor ops. */
class Custom extends nn.Module {
  constructor() {
    super();
    this.conv = this.registerModule('conv', new nn.Conv2d(3, 4, 3, { padding: 1 }));
    this.fc = this.registerModule('fc', new nn.Linear(16, 6));
    this.proj = this.registerParameter('proj', sg.randn([6, 6]));
    this.scale = this.registerBuffer('scale', sg.tensor([0.5, 1, 1.5, 2, 2.5, 3]));
  }

  forward(x) {
    return sg.scope(() => {
      const h = this.conv.call(x).relu();                                  // [N, 4, 4, 4]
      const pooled = sg.cat([h.mean([2]), h.amax(3)], 2);                  // [N, 4, 8]
      const t = pooled.transpose(1, 2).contiguous();                       // [N, 8, 4]
      const flat = t.reshape([t.shape[0], -1]).narrow(1, 0, 16);           // [N, 16]
      const z = this.fc.call(flat).matmul(this.proj).mul(this.scale).sub(0.25).div(2);
      const u = z.unsqueeze(1).permute([0, 2, 1]).squeeze(2);              // [N, 6]
      const gated = sg.where(u.gt(0), u.exp().clamp(null, 4), u.abs().add(1).log().neg());
      const s = gated.softmax(1).add(gated.logSoftmax(1).mul(0.1)).add(u.sum(1, true).abs().sqrt().pow(2).mul(0.01).mul(sg.sign(u.select(1, 0).unsqueeze(1))));
      return s.add(u.flatten(1).expand([u.shape[0], 6]).mul(0.05)).add(sg.argmax(u, 1, true).mul(0.01)).sub(u.std(1, { keepdim: true }).mul(0.1));
    });
  }
}

test("a user's own forward: the tensor ops (add, mul, matmul, reshape, transpose, cat, softmax, mean, where, ...)", async () => {
  sg.manualSeed(17);
  await roundTrip(new Custom(), [3, 4, 4]);
});

test('the fused pairs F.batchNormRelu and F.addRelu export as BatchNormalization + Relu and Add + Relu', async () => {
  sg.manualSeed(22);
  class Fused extends nn.Module {
    constructor() {
      super();
      this.conv = this.registerModule('conv', new nn.Conv2d(3, 4, 3, { padding: 1 }));
      this.gamma = this.registerParameter('gamma', sg.scope(() => sg.rand([4]).add(0.5)));
      this.beta = this.registerParameter('beta', sg.scope(() => sg.randn([4]).mul(0.3)));
      this.mean = this.registerBuffer('mean', sg.scope(() => sg.randn([4]).mul(0.2)));
      this.variance = this.registerBuffer('variance', sg.scope(() => sg.rand([4]).add(0.5)));
    }

    forward(x) {
      return sg.scope(() => {
        const h = this.conv.call(x);
        return sg.F.addRelu(sg.F.batchNormRelu(h, this.mean, this.variance, this.gamma, this.beta, { training: this.training }), h);
      });
    }
  }
  // nodes of an op type: NodeProto field 4 (op_type) is the byte 0x22, the length, the name
  const count = (bytes, op) => new TextDecoder('latin1').decode(bytes).split(String.fromCharCode(0x22, op.length) + op).length - 1;
  const bytes = await roundTrip(new Fused(), [3, 5, 5]);
  assert.equal(['BatchNormalization', 'Relu', 'Add'].map((op) => count(bytes, op)), [1, 2, 1]);
  // a BasicBlock traced through its own (unfused) path: one BatchNormalization per norm, a Relu after bn1 and after the Add
  sg.manualSeed(23);
  const block = new nn.BasicBlock(4, 4);
  warmStats(block, [4, 6, 6]);
  const blockBytes = await roundTrip(block, [4, 6, 6]);
  assert.equal(['BatchNormalization', 'Relu', 'Add'].map((op) => count(blockBytes, op)), [2, 2, 1]);
});

test('the math ops in a forward: sin, cos, square, rsqrt, reciprocal, floor, ceil, trunc, round (with decimals), cumsum', async () => {
  sg.manualSeed(21);
  class Trig extends nn.Module {
    forward(x) {
      return sg.scope(() => {
        const pos = x.abs().add(0.5);
        const parts = [sg.sin(x), sg.cos(x), sg.square(x), sg.rsqrt(pos), sg.reciprocal(pos), sg.floor(x), sg.ceil(x), sg.trunc(x), sg.round(x), sg.round(x, { decimals: 1 }), sg.round(x.mul(40), { decimals: -1 }), sg.cumsum(x, 1)];
        return sg.cat(parts, 1);
      });
    }
  }
  await roundTrip(new Trig(), [5], { input: wide });
});

test('several inputs, names, and a fixed batch (dynamicBatch: false)', async () => {
  sg.manualSeed(18);
  class Pair extends nn.Module {
    constructor() {
      super();
      this.a = this.registerModule('a', new nn.Linear(3, 2));
    }
    forward(x, y) {
      return sg.scope(() => this.a.call(x).add(y));
    }
  }
  const m = new Pair();
  try {
    const bytes = sg.scope(() => sg.exportOnnx(m, [sg.randn([2, 3]), sg.randn([2, 2])], { inputNames: ['x', 'y'], outputNames: ['z'], dynamicBatch: false }));
    const session = await ort.InferenceSession.create(bytes);
    assert.equal([session.inputNames, session.outputNames], [['x', 'y'], ['z']]);
    const [x, y, expected] = sg.scope(() => {
      const a = sg.randn([2, 3]), b = sg.randn([2, 2]);
      return [a.toArray(), b.toArray(), evalOutput(m, [a, b])];
    });
    const r = await session.run({ x: new ort.Tensor('float32', x, [2, 3]), y: new ort.Tensor('float32', y, [2, 2]) });
    assert.ok(relativeError(r.z.data, expected) <= 1e-5);
    // the batch is fixed in this file: another batch size is refused by the runtime
    let refused = false;
    try {
      await session.run({ x: new ort.Tensor('float32', new Float32Array(9), [3, 3]), y: new ort.Tensor('float32', new Float32Array(6), [3, 2]) });
    } catch {
      refused = true;
    }
    assert.ok(refused, 'a fixed-batch file should refuse batch 3');
    await session.release();
  } finally {
    m.dispose();
  }
});

test('saveOnnx writes the same bytes as exportOnnx', async () => {
  sg.manualSeed(19);
  const m = new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh());
  const dir = mkdtempSync(join(tmpdir(), 'simdgrad-onnx-'));
  try {
    const x = sg.randn([2, 4]);
    await sg.saveOnnx(join(dir, 'm.onnx'), m, x);
    const bytes = sg.exportOnnx(m, x);
    x.dispose();
    assert.equal(new Uint8Array(readFileSync(join(dir, 'm.onnx'))), bytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    m.dispose();
  }
});

// ---------------------------------------------------------------------------
// training mode and refusals

const text = (bytes) => new TextDecoder('latin1').decode(bytes);

test('a model in training mode is exported in eval mode, says so, and is left in training mode', () => {
  sg.manualSeed(20);
  const m = new nn.Sequential(new nn.Linear(4, 4), new nn.BatchNorm1d(4), new nn.Dropout(0.5));
  try {
    m.train();
    m.at(2).eval();
    const bytes = sg.exportOnnx(m, sg.randn([3, 4]));
    assert.equal([...m.modules()].map((x) => x.training), [true, true, true, false]);
    assert.ok(text(bytes).includes('simdgrad.trainingModeAtExport') && text(bytes).includes('switched to eval for the export'));
    m.eval();
    assert.ok(text(sg.exportOnnx(m, sg.randn([3, 4]))).includes('Exported by simdgrad in evaluation mode'));
    assert.not.ok(text(sg.exportOnnx(m, sg.randn([3, 4]))).includes('switched to eval'));
  } finally {
    m.dispose();
  }
});

test('refused: an op without an ONNX form, named by its autograd node', () => {
  class WithLoss extends nn.Module {
    forward(x) {
      return sg.crossEntropy(x, sg.tensor([0, 1]));
    }
  }
  const m = new WithLoss();
  assert.throws(() => sg.exportOnnx(m, sg.randn([2, 3])), /exportOnnx: in the model: the forward uses an op with no ONNX form yet: crossEntropy \(autograd node CrossEntropyBackward\), on a tensor of shape \[\]/);
});

test('refused: a toolkit module without an ONNX export, by name; batch norm with batch statistics in eval', () => {
  class WithLossModule extends nn.Module {
    constructor() {
      super();
      this.loss = this.registerModule('loss', new nn.MSELoss());
    }
    forward(x) {
      return this.loss.call(x, x);
    }
  }
  assert.throws(() => sg.exportOnnx(new WithLossModule(), sg.randn([2, 3])), /exportOnnx: nn\.MSELoss \(module 'loss'\) has no ONNX export yet/);
  const bn = new nn.BatchNorm1d(4, { trackRunningStats: false });
  assert.throws(() => sg.exportOnnx(bn, sg.randn([2, 4])), /^exportOnnx: in the model \(BatchNorm1d\): batch norm with batch statistics in evaluation .* has no ONNX BatchNormalization form/);
  bn.dispose();
});

test('refused: a constant with the batch size made inside forward (unless the batch is fixed)', async () => {
  class PadChannels extends nn.Module {
    forward(x) {
      return sg.scope(() => sg.cat([x, sg.zeros([x.shape[0], 2])], 1));
    }
  }
  const m = new PadChannels();
  assert.throws(() => sg.scope(() => sg.exportOnnx(m, sg.randn([3, 4]))), /created inside forward has the example's batch size 3 in dim 0.*dynamicBatch: false/);
  const bytes = sg.scope(() => sg.exportOnnx(m, sg.randn([3, 4]), { dynamicBatch: false }));
  const session = await ort.InferenceSession.create(bytes);
  const r = await session.run({ input: new ort.Tensor('float32', Float32Array.from({ length: 12 }, (_, i) => i), [3, 4]) });
  assert.equal([...r.output.data.slice(0, 6)], [0, 1, 2, 3, 0, 0]);
  await session.release();
});

test('refused: a trace that depends on the values (a data-dependent branch, any/all, random numbers)', () => {
  class Branchy extends nn.Module {
    forward(x) {
      return sg.scope(() => (x.select(1, 0).sum().item() > 0 ? x.relu() : x.neg()));
    }
  }
  const x = sg.tensor([[1, -5], [2, -7]]);
  assert.throws(() => sg.exportOnnx(new Branchy(), x), /exportOnnx: the forward runs different ops when the example input's elements are reordered: its path depends on the values/);
  class Thresholded extends nn.Module {
    forward(x) {
      return sg.scope(() => x.mul(sg.any(x.gt(1.5), 1, true)));
    }
  }
  assert.throws(() => sg.exportOnnx(new Thresholded(), x, { dynamicBatch: false }), /exportOnnx: in the model \(Thresholded\): a tensor of shape \[2,1\] made inside forward changes with the input's values, but no op with an ONNX form computes it/);
  class Noisy extends nn.Module {
    forward(x) {
      return sg.scope(() => x.add(sg.randn([2])));
    }
  }
  assert.throws(() => sg.exportOnnx(new Noisy(), x), /a tensor of shape \[2\] made inside forward changes with the input's values/);
});

test('refused: a disposed parameter, bad arguments and options (the heap unchanged)', () => {
  const m = new nn.Linear(3, 2);
  const x = sg.randn([2, 3]);
  assert.throws(() => sg.exportOnnx(m, x, { input_names: ['a'] }), /unknown option 'input_names' \(did you mean 'inputNames'\? options are camelCase\)/);
  assert.throws(() => sg.exportOnnx(m, x, { dynamicBatch: 'yes' }), /dynamicBatch must be a boolean/);
  assert.throws(() => sg.exportOnnx(m, x, { inputNames: ['a', 'b'] }), /inputNames must be 1 name \(one per example input\)/);
  assert.throws(() => sg.exportOnnx({}, x), /exportOnnx: model must be an nn.Module, got an object/);
  assert.throws(() => sg.exportOnnx(m, [1, 2]), /exampleInput must be a Tensor or a non-empty array of Tensors/);
  m.weight.dispose();
  assert.throws(() => sg.exportOnnx(m, x), /exportOnnx: weight \(shape \[2,3\]\) of Linear was disposed/);
  m.dispose();
});

test('the global Worker onnxruntime installed is removed again', () => {
  if (!hadWorker) delete globalThis.Worker;
  assert.is('Worker' in globalThis, hadWorker);
});

test.run();
