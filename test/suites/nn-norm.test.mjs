import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';

const test = suite('nn-norm');
const { nn } = sg;

const colStats = (a, rows, cols) => {
  const mean = [], std = [];
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += a[r * cols + c];
    const m = s / rows;
    let q = 0;
    for (let r = 0; r < rows; r++) q += (a[r * cols + c] - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(q / (rows - 1)));
  }
  return { mean, std };
};

test('lecture: BatchNorm1d(3) with weight [1,2,3], bias [2,4,8] on shifted, scaled normals', () => {
  sg.manualSeed(0);
  const x = sg.randn([1000, 3]).mul(sg.tensor([2, 5, 10])).add(sg.tensor([-10, 25, 3]));
  const bn = new nn.BatchNorm1d(3);
  try {
    sg.noGrad(() => {
      bn.weight.copy_(sg.tensor([1, 2, 3]));
      bn.bias.copy_(sg.tensor([2, 4, 8]));
    });
    const y = bn.forward(x);
    const { mean, std } = colStats(y.toArray(), 1000, 3);
    assertClose(mean, [2, 4, 8], { atol: 1e-4, rtol: 0 });
    assertClose(std, [1.0005, 2.001, 3.0015], { atol: 1e-4, rtol: 0 });
    // running statistics: 0.9 * init + 0.1 * batch (unbiased variance)
    const xs = colStats(x.toArray(), 1000, 3);
    assertClose(bn.runningMean.toArray(), xs.mean.map((m) => 0.1 * m), { atol: 1e-4 });
    assertClose(bn.runningVar.toArray(), xs.std.map((s) => 0.9 + 0.1 * s * s), { rtol: 1e-4 });
    assert.is(bn.numBatchesTracked.item(), 1);
  } finally {
    bn.dispose();
  }
});

test('BatchNorm eval uses running statistics; momentum null is a cumulative average; gradients flow', () => {
  const bn = new nn.BatchNorm1d(2, { momentum: null });
  try {
    const a = sg.tensor([[1, 10], [3, 30]]), b = sg.tensor([[5, 50], [7, 70]]);
    bn.forward(a);
    bn.forward(b);
    // cumulative: running mean = average of the batch means
    assertClose(bn.runningMean.toArray(), [(2 + 6) / 2, (20 + 60) / 2]);
    assertClose(bn.runningVar.toArray(), [(2 + 2) / 2, (200 + 200) / 2]);
    assert.is(bn.numBatchesTracked.item(), 2);
    bn.eval();
    const y = bn.forward(sg.tensor([[4, 40]]));
    assertClose(y.toArray(), [0, 0], { atol: 1e-5 });
    bn.train();
    const x = sg.randn([4, 2, 3], { requiresGrad: true });
    bn.forward(x).mul(sg.randn([4, 2, 3])).sum().backward();
    assert.ok(x.grad !== null && bn.weight.grad !== null && bn.bias.grad !== null);
    assertThrows(() => bn.forward(sg.ones([2, 2, 2, 2])), 'BatchNorm1d', '[2,2,2,2]');
    assertThrows(() => bn.forward(sg.ones([2, 3])), 'expected 2 channels');
  } finally {
    bn.dispose();
  }
});

test('BatchNorm2d: buffers and state-dict keys, no running stats without tracking, affine=false', () => {
  const bn = new nn.BatchNorm2d(3);
  const plain = new nn.BatchNorm2d(3, { affine: false, trackRunningStats: false });
  try {
    assert.equal([...bn.stateDict().keys()], ['weight', 'bias', 'runningMean', 'runningVar', 'numBatchesTracked']);
    assert.equal([...plain.stateDict().keys()], []);
    const x = sg.randn([2, 3, 4, 4]);
    plain.eval();
    const y = plain.forward(x).toArray();
    // batch statistics even in eval: each channel has mean 0
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let n = 0; n < 2; n++) for (let i = 0; i < 16; i++) s += y[(n * 3 + c) * 16 + i];
      assert.ok(Math.abs(s / 32) < 1e-5);
    }
    assertThrows(() => bn.forward(sg.ones([2, 3])), 'BatchNorm2d', 'expected 4D');
    assert.is(bn.toString(), 'BatchNorm2d(3, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
  } finally {
    bn.dispose();
    plain.dispose();
  }
});
test.run();
