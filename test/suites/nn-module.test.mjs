import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';

const test = suite('nn-module');
const { nn } = sg;

class Block extends nn.Module {
  constructor() {
    super();
    this.fc = this.registerModule('fc', new nn.Linear(3, 2));
    this.scale = this.registerParameter('scale', sg.ones([2]));
    this.runningMean = this.registerBuffer('runningMean', sg.zeros([2]));
  }
  forward(x) {
    return this.fc.call(x).mul(this.scale);
  }
}

test('registration: parameters, buffers, children, modules in order with dotted names', () => {
  const m = new nn.Sequential(new Block(), new nn.ReLU(), new nn.Linear(2, 4, { bias: false }));
  try {
    assert.equal([...m.namedParameters()].map(([k]) => k), ['0.scale', '0.fc.weight', '0.fc.bias', '2.weight']);
    assert.equal([...m.namedBuffers()].map(([k]) => k), ['0.runningMean']);
    assert.is([...m.children()].length, 3);
    assert.equal([...m.modules()].map((x) => x.constructor.name), ['Sequential', 'Block', 'Linear', 'ReLU', 'Linear']);
    assert.is(m.length, 3);
    assert.ok(m.at(-1) instanceof nn.Linear);
    assert.equal([...m].map((x) => x.constructor.name), ['Block', 'ReLU', 'Linear']);
    for (const p of m.parameters()) assert.ok(p.requiresGrad);
    for (const b of m.buffers()) assert.not.ok(b.requiresGrad);
    assertThrows(() => m.at(3), 'out of range');
  } finally {
    m.dispose();
  }
});

test('train/eval recurse; zeroGrad frees grads; forward and call agree', () => {
  const m = new nn.Sequential(new nn.Linear(3, 3), new nn.Dropout(0.3));
  try {
    m.eval();
    assert.equal([...m.modules()].map((x) => x.training), [false, false, false]);
    m.train();
    assert.equal([...m.modules()].map((x) => x.training), [true, true, true]);
    m.eval();
    const x = sg.randn([2, 3]);
    assertClose(m.forward(x).toArray(), m.call(x).toArray());
    m.call(x).sum().backward();
    assert.ok(m.at(0).weight.grad !== null);
    m.zeroGrad();
    assert.is(m.at(0).weight.grad, null);
  } finally {
    m.dispose();
  }
});

test('a model built inside a scope outlives it; dispose frees every parameter and buffer', () => {
  const before = sg.memory().liveTensors;
  const m = sg.scope(() => new nn.Sequential(new Block(), new nn.Linear(2, 2)));
  assert.is(sg.memory().liveTensors - before, 6);
  assert.ok(!m.at(0).fc.weight.disposed);
  m.dispose();
  assert.is(sg.memory().liveTensors, before);
});

test('stateDict / loadStateDict round trip; keys map to and from PyTorch spelling', () => {
  const a = new Block(), b = new Block();
  try {
    const sd = a.stateDict();
    assert.equal([...sd.keys()], ['scale', 'runningMean', 'fc.weight', 'fc.bias']);
    b.loadStateDict(sd);
    assertClose(b.fc.weight.toArray(), a.fc.weight.toArray(), { atol: 0, rtol: 0 });
    assert.is(nn.toTorchKey('layer1.0.bn1.runningMean'), 'layer1.0.bn1.running_mean');
    assert.is(nn.toTorchKey('bn.numBatchesTracked'), 'bn.num_batches_tracked');
    assert.is(nn.fromTorchKey('layer1.0.bn1.num_batches_tracked'), 'layer1.0.bn1.numBatchesTracked');
    // PyTorch's keys are accepted too
    const torchSd = new Map([...a.stateDict()].map(([k, v]) => [nn.toTorchKey(k), v]));
    b.loadStateDict(torchSd);
    // loading copies: changing the source afterwards leaves b alone
    sg.noGrad(() => a.fc.weight.fill_(7));
    assert.ok(b.fc.weight.toArray()[0] !== 7);
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('mismatched state dicts list missing, unexpected keys and shape mismatches', () => {
  const m = new Block();
  try {
    const sd = m.stateDict();
    sd.delete('scale');
    sd.set('extra', sg.zeros([1]));
    sd.set('fc.bias', sg.zeros([5]));
    assertThrows(() => m.loadStateDict(sd), 'missing keys: scale', 'unexpected keys: extra', 'fc.bias: checkpoint [5] vs module [2]');
    sd.set('fc.bias', sg.zeros([2]));
    const r = m.loadStateDict(sd, { strict: false });
    assert.equal(r.missingKeys, ['scale']);
    assert.equal(r.unexpectedKeys, ['extra']);
    assert.equal(Array.from(m.fc.bias.toArray()), [0, 0]);
  } finally {
    m.dispose();
  }
});

test('toString looks like PyTorch\'s repr', () => {
  const m = new nn.Sequential(new nn.Linear(2, 3), new nn.LeakyReLU(0.2), new nn.Sequential(new nn.Dropout(0.1)));
  try {
    assert.is(
      m.toString(),
      'Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n  (1): LeakyReLU(negativeSlope=0.2)\n  (2): Sequential(\n    (0): Dropout(p=0.1)\n  )\n)',
    );
  } finally {
    m.dispose();
  }
});

test('ModuleList registers children; registration names are checked', () => {
  const l = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 1)]);
  try {
    assert.is(l.length, 2);
    assert.equal([...l.namedParameters()].map(([k]) => k), ['0.weight', '0.bias', '1.weight', '1.bias']);
    assertThrows(() => l.registerModule('0', new nn.ReLU()), 'already registered');
    assertThrows(() => l.registerModule('a.b', new nn.ReLU()), 'without dots');
  } finally {
    l.dispose();
  }
});
test.run();
