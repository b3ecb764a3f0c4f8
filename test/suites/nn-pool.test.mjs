import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';
import { refWindowed } from '../helpers/ref-nn.mjs';

const test = suite('nn-pool');
const { nn } = sg;

/** float64 2x2 stride-2 pooling of (N, C, H, W) with f over each window. */
function refPool(x, f) {
  const [N, C, H, W] = x.shape, OH = H / 2, OW = W / 2;
  const out = new Float64Array(N * C * OH * OW);
  for (let p = 0; p < N * C; p++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    const v = [0, 1].flatMap((a) => [0, 1].map((b) => x.data[(p * H + 2 * i + a) * W + 2 * j + b]));
    out[(p * OH + i) * OW + j] = f(v);
  }
  return nd([N, C, OH, OW], out);
}

test('MaxPool2d and AvgPool2d (stride defaults to the kernel): forward and gradients', () => {
  gradcheck({ inputs: [{ shape: [2, 2, 4, 4] }], fn: (x) => new nn.MaxPool2d(2).forward(x), ref: (x) => refPool(x, (v) => Math.max(...v)) });
  gradcheck({ inputs: [{ shape: [2, 2, 4, 6] }], fn: (x) => new nn.AvgPool2d(2).forward(x), ref: (x) => refPool(x, (v) => v.reduce((s, u) => s + u, 0) / 4) });
  assert.is(new nn.MaxPool2d(3, { stride: 2, padding: 1 }).toString(), 'MaxPool2d(kernelSize=3, stride=2, padding=1, dilation=1, ceilMode=false)');
  assert.is(new nn.AvgPool2d(3, { stride: 2, padding: 1 }).toString(), 'AvgPool2d(kernelSize=3, stride=2, padding=1)');
  assert.equal(new nn.MaxPool2d(3, { stride: 2, padding: 1 }).forward(sg.randn([1, 2, 7, 7])).shape, [1, 2, 4, 4]);
});

test('MaxPool2d / AvgPool2d take one options object (or kernelSize and options): dilation, ceilMode, countIncludePad, divisorOverride', () => {
  const maxOpts = { kernelSize: [2, 3], stride: 2, padding: 1, dilation: [2, 1], ceilMode: true };
  const m = new nn.MaxPool2d(maxOpts);
  assert.is(m.toString(), 'MaxPool2d(kernelSize=[2,3], stride=2, padding=1, dilation=[2,1], ceilMode=true)');
  const n = 2 * 2 * 7 * 8, data = Array.from({ length: n }, (_, i) => ((i * 37) % n) / n - 0.5);
  gradcheck({ inputs: [{ shape: [2, 2, 7, 8], data }], fn: (x) => m.forward(x), ref: (x) => refWindowed(x, maxOpts, 'max') });
  const avgOpts = { stride: [2, 1], padding: 1, ceilMode: true, countIncludePad: false, divisorOverride: 4 };
  const a = new nn.AvgPool2d(3, avgOpts);
  assert.is(a.toString(), 'AvgPool2d(kernelSize=3, stride=[2,1], padding=1, ceilMode=true, countIncludePad=false, divisorOverride=4)');
  gradcheck({ inputs: [{ shape: [1, 3, 6, 5] }], fn: (x) => a.forward(x), ref: (x) => refWindowed(x, { kernelSize: 3, ...avgOpts }, 'avg') });
  // both forms and the functional op agree
  const x = sg.randn([2, 3, 9, 9]);
  const b = new nn.AvgPool2d({ kernelSize: 3, ...avgOpts });
  assert.equal(Array.from(b.forward(x).toArray()), Array.from(a.forward(x).toArray()));
  assert.equal(Array.from(m.forward(x).toArray()), Array.from(sg.F.maxPool2d(x, maxOpts).toArray()));
});

test('MaxPool2d / AvgPool2d refuse bad options at construction', () => {
  assertThrows(() => new nn.MaxPool2d({ kernelSize: 2, dilation: 0 }), 'MaxPool2d', 'dilation');
  assertThrows(() => new nn.MaxPool2d(2, { padding: 2 }), 'MaxPool2d', 'padding 2x2', 'at most half');
  assertThrows(() => new nn.MaxPool2d({ stride: 2 }), 'MaxPool2d', 'kernelSize');
  assertThrows(() => new nn.MaxPool2d({ kernelSize: 2 }, { stride: 1 }), 'MaxPool2d', 'kernelSize must be an integer', 'an object {kernelSize}');
  assertThrows(() => new nn.AvgPool2d(2, { divisorOverride: -1 }), 'AvgPool2d', 'divisorOverride', '-1');
  assertThrows(() => new nn.AvgPool2d(2, { dilation: 2 }), 'AvgPool2d', 'dilation');
  assertThrows(() => new nn.AvgPool2d({ kernelSize: 2, ceilMode: 'yes' }), 'AvgPool2d', 'ceilMode');
});

test('AdaptiveAvgPool2d(1) is the global average; module equals functional', () => {
  const x = sg.randn([2, 3, 5, 4]);
  assertClose(new nn.AdaptiveAvgPool2d(1).forward(x).reshape([2, 3]).toArray(), x.mean([2, 3]).toArray());
  assertClose(new nn.AdaptiveAvgPool2d([2, 2]).forward(x).toArray(), sg.F.adaptiveAvgPool2d(x, [2, 2]).toArray());
});
test.run();
