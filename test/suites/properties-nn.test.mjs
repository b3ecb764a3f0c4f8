// Property tests over random module configurations, seeded (a failure names
// its seed): conv2d with random strides, paddings, dilations and groups;
// max/average pooling with random windows, dilation (max), ceilMode and
// divisorOverride (average); batch norm in training and eval
// mode. Values and gradients against the float64 references.
import { suite, sg, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { refConv, refWindowed, refStats, refNorm } from '../helpers/ref-nn.mjs';

const test = suite('properties: modules');
const CASES = 25;
const pick = (r, xs) => xs[r.int(xs.length)];

function each(base, body) {
  for (let c = 0; c < CASES; c++) {
    const seed = base + c;
    let what = '';
    try {
      sg.scope(() => body(rng(seed), seed, (w) => (what = w)));
    } catch (e) {
      throw new Error(`seed ${seed} ${what}: ${e.message}`);
    }
  }
}

test(`conv2d: ${CASES} random configurations (stride, padding, dilation, groups, bias)`, () => {
  each(5000, (r, seed, note) => {
    const groups = pick(r, [1, 1, 2]);
    const C = groups * (1 + r.int(2)), O = groups * (1 + r.int(2));
    const k = [1 + r.int(3), 1 + r.int(3)];
    const opts = { stride: [1 + r.int(2), 1 + r.int(2)], padding: [r.int(2), r.int(2)], dilation: [1 + r.int(2), 1], groups };
    const H = (k[0] - 1) * opts.dilation[0] + 1 + r.int(4), W = k[1] + r.int(4);
    const N = 1 + r.int(2), bias = r.next() < 0.5;
    const inputs = [{ shape: [N, C, H, W] }, { shape: [O, C / groups, ...k] }, ...(bias ? [{ shape: [O] }] : [])];
    note(`x [${N},${C},${H},${W}] w [${O},${C / groups},${k}] ${JSON.stringify(opts)} bias ${bias}`);
    gradcheck({ inputs, fn: (x, w, b) => sg.conv2d(x, w, b ?? null, opts), ref: (x, w, b) => refConv(x, w, b ?? null, opts), seed, atol: 3e-3, rtol: 3e-3 });
  });
});

test(`pooling: ${CASES} random windows (max with dilation on distinct values, average with and without padding counted or a divisorOverride; ceilMode either way)`, () => {
  each(6000, (r, seed, note) => {
    const kernelSize = [1 + r.int(3), 1 + r.int(3)];
    const stride = [1 + r.int(2), 1 + r.int(3)];
    const dilation = [1 + r.int(2), 1 + r.int(3)];
    const span = [0, 1].map((i) => dilation[i] * (kernelSize[i] - 1) + 1);
    const ceilMode = r.next() < 0.5;
    // padding up to half the (dilated, for max) window; the input at least one dilated window, so every max window holds a tap
    const maxPadding = [r.int(Math.floor(span[0] / 2) + 1), r.int(Math.floor(span[1] / 2) + 1)];
    const padding = [r.int(Math.floor(kernelSize[0] / 2) + 1), r.int(Math.floor(kernelSize[1] / 2) + 1)];
    const shape = [1 + r.int(2), 1 + r.int(2), span[0] + r.int(4), span[1] + r.int(4)];
    const countIncludePad = r.next() < 0.5;
    const divisorOverride = r.next() < 0.25 ? 1 + r.int(6) : null;
    const n = shape.reduce((a, b) => a * b, 1);
    // distinct values keep the max's argmax away from ties
    const data = Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n - 0.5);
    const maxOpts = { kernelSize, stride, padding: maxPadding, dilation, ceilMode };
    const avgOpts = { kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride };
    note(`shape ${JSON.stringify(shape)} max ${JSON.stringify(maxOpts)} avg ${JSON.stringify(avgOpts)}`);
    gradcheck({ inputs: [{ shape, data }], fn: (x) => sg.maxPool2d(x, maxOpts), ref: (x) => refWindowed(x, maxOpts, 'max'), seed });
    gradcheck({ inputs: [{ shape }], fn: (x) => sg.avgPool2d(x, avgOpts), ref: (x) => refWindowed(x, avgOpts, 'avg'), seed });
  });
});

test(`batch norm: ${CASES} random shapes in training and eval mode, with and without affine`, () => {
  each(7000, (r, seed, note) => {
    const rank = 2 + r.int(3);
    const shape = [2 + r.int(3), 1 + r.int(3), ...Array.from({ length: rank - 2 }, () => 1 + r.int(3))];
    const C = shape[1], affine = r.next() < 0.7, training = r.next() < 0.6;
    const rm = Float64Array.from({ length: C }, () => Math.fround(r.uniform(-0.5, 0.5)));
    const rv = Float64Array.from({ length: C }, () => Math.fround(r.uniform(0.5, 2)));
    const inputs = [{ shape }, ...(affine ? [{ shape: [C] }, { shape: [C] }] : [])];
    note(`shape ${JSON.stringify(shape)} affine ${affine} training ${training}`);
    gradcheck({
      inputs,
      fn: (x, w, b) => {
        const runningMean = sg.tensor(Float32Array.from(rm)), runningVar = sg.tensor(Float32Array.from(rv));
        return sg.batchNorm(x, runningMean, runningVar, w ?? null, b ?? null, { training });
      },
      ref: (x, w, b) => {
        if (!training) return refNorm(x, rm, rv, w ?? null, b ?? null);
        const { mean, v } = refStats(x);
        return refNorm(x, mean, v, w ?? null, b ?? null);
      },
      seed,
      atol: 3e-3,
      rtol: 3e-3,
    });
  });
});

test.run();
