import * as assert from 'uvu/assert';
import { suite, sg, assertClose } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';

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
  assert.is(new nn.MaxPool2d(3, { stride: 2, padding: 1 }).toString(), 'MaxPool2d(kernelSize=3, stride=2, padding=1)');
  assert.equal(new nn.MaxPool2d(3, { stride: 2, padding: 1 }).forward(sg.randn([1, 2, 7, 7])).shape, [1, 2, 4, 4]);
});

test('AdaptiveAvgPool2d(1) is the global average; module equals functional', () => {
  const x = sg.randn([2, 3, 5, 4]);
  assertClose(new nn.AdaptiveAvgPool2d(1).forward(x).reshape([2, 3]).toArray(), x.mean([2, 3]).toArray());
  assertClose(new nn.AdaptiveAvgPool2d([2, 2]).forward(x).toArray(), sg.F.adaptiveAvgPool2d(x, [2, 2]).toArray());
});
test.run();
