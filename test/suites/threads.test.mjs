// Threads: the pool runs where the runtime allows (Node, Deno, Chromium served
// with COOP/COEP), results are bit-identical for 1, 2 and 3 threads (GEMM
// around the tile and strip sizes, conv2d and convTranspose2d forward and
// both gradients, whole training steps), a kernel that traps in a worker
// surfaces as an Error and the pool keeps working, and setNumThreads(1)
// falls back with its reason.
import * as assert from 'uvu/assert';
import { suite, sg, rng, assertThrows } from '../helpers/harness.mjs';

const test = suite('threads');

/** Whether this runtime should run threads (test/run.mjs serves the browser suite cross-origin isolated). */
const inBrowser = typeof document !== 'undefined';
const expectThreads = typeof SharedArrayBuffer === 'function' && (!inBrowser || globalThis.crossOriginIsolated === true);

/** Runs fn with n threads and every kernel split however small (restores the settings after). */
function withThreads(n, fn) {
  const prevN = sg.setNumThreads(n);
  const prevWork = sg.setMinWorkPerThread(0);
  try {
    return fn();
  } finally {
    sg.setNumThreads(prevN);
    sg.setMinWorkPerThread(prevWork);
  }
}

/**
 * fn's Float32Arrays for 1, 2 and 3 threads; asserts every element has the
 * same bits, and (unless the work cannot be split) that 2 and 3 threads split it.
 */
function sameBitsForThreadCounts(what, fn, { mustSplit = true } = {}) {
  const runs = [1, 2, 3].map((n) => {
    const before = sg.threadingStatus().parallelTasks;
    const out = withThreads(n, () => sg.scope(() => fn()));
    const split = sg.threadingStatus().parallelTasks - before;
    if (n > 1 && expectThreads && mustSplit) assert.ok(split > 0, `${what}: ${n} threads ran no parallel task`);
    if (n === 1) assert.is(split, 0, `${what}: one thread must not dispatch`);
    return out;
  });
  for (let r = 1; r < runs.length; r++) {
    for (let i = 0; i < runs[0].length; i++) {
      const a = runs[0][i], b = runs[r][i];
      assert.is(a.length, b.length, `${what} output ${i} length`);
      const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
      for (let j = 0; j < ua.length; j++) {
        if (ua[j] !== ub[j]) throw new Error(`${what}: output ${i} element ${j} differs with ${r + 1} threads: ${a[j]} vs ${b[j]}`);
      }
    }
  }
}

const randT = (shape, seed, requiresGrad = false) => {
  const r = rng(seed);
  return sg.tensor(Float32Array.from(r.array(shape.reduce((a, b) => a * b, 1))), { shape, requiresGrad });
};

test('the browser suite is served cross-origin isolated (test/run.mjs sends COOP/COEP)', () => {
  if (inBrowser) assert.is(globalThis.crossOriginIsolated, true);
  else assert.is(typeof SharedArrayBuffer, 'function');
});

test('threads are on where the runtime allows, with the reason otherwise', async () => {
  const s = sg.threadingStatus();
  assert.is(s.enabled, expectThreads, `threadingStatus ${JSON.stringify(s)}`);
  if (!expectThreads) {
    assert.ok(s.reason.length > 0, 'a fallback names its reason');
    return;
  }
  assert.is(s.reason, '');
  const prev = sg.setNumThreads(3);
  try {
    const ready = await sg.threadsReady();
    assert.is(ready.threads, 3);
    assert.is(ready.workersReady, 2, `two workers for three threads: ${JSON.stringify(ready)}`);
  } finally {
    sg.setNumThreads(prev);
  }
});

test('setNumThreads(1) falls back to the calling thread and says so', () => {
  const prev = sg.setNumThreads(1);
  try {
    const s = sg.threadingStatus();
    assert.is(s.enabled, false);
    assert.is(s.threads, 1);
    assert.is(sg.getNumThreads(), 1);
    if (expectThreads) assert.is(s.reason, 'setNumThreads(1)');
  } finally {
    sg.setNumThreads(prev);
  }
  assertThrows(() => sg.setNumThreads(0), 'setNumThreads', '>= 1');
  assertThrows(() => sg.setNumThreads(2.5), 'setNumThreads');
  assertThrows(() => sg.setNumThreads(1000), 'at most 32');
  assertThrows(() => sg.setMinWorkPerThread(-1), 'setMinWorkPerThread');
});

test('GEMM: bit-identical for 1, 2, 3 threads around tiles, strips and cache blocks, transposed operands, fused bias', () => {
  // M x K times K x N, with M crossing the 4-row strip and 64-row block sizes, K the 256-deep block
  for (const [M, K, N] of [[1, 3, 5], [5, 7, 9], [13, 300, 17], [67, 33, 70], [130, 260, 41]]) {
    sameBitsForThreadCounts(`matmul ${M}x${K}x${N}`, () => {
      const a = randT([M, K], M + K), b = randT([K, N], K + N), bias = randT([N], N);
      const bt = sg.transpose(randT([N, K], N * K), 0, 1);
      const w = randT([N, K], 7 * N + K);
      return [sg.matmul(a, b).toArray(), sg.matmul(sg.transpose(randT([K, M], 3), 0, 1), bt).toArray(), sg.F.linear(a, w, bias).toArray(), sg.addmm(randT([M, N], 5), a, b).toArray()];
    }, { mustSplit: M > 4 });
  }
});

test('matmul gradients: bit-identical for 1, 2, 3 threads (batched operands, broadcast right operand)', () => {
  sameBitsForThreadCounts('batched matmul backward', () => {
    const a = randT([3, 37, 21], 1, true), b = randT([21, 45], 2, true);
    sg.matmul(a, b).tanh().sum().backward();
    return [a.grad.toArray(), b.grad.toArray()];
  });
});

test('conv2d forward, input and weight gradients: bit-identical for 1, 2, 3 threads', () => {
  const cases = [
    [[5, 3, 9, 8], [16, 3, 3, 3], { padding: 1 }],
    [[3, 4, 9, 7], [20, 4, 3, 2], { stride: 2, padding: 1 }],
    [[4, 4, 6, 6], [24, 2, 3, 3], { padding: 1, groups: 2 }],
    [[2, 3, 10, 11], [9, 3, 3, 3], { padding: 2, dilation: 2 }],
  ];
  for (const [xs, ws, opts] of cases) {
    sameBitsForThreadCounts(`conv2d ${xs} ${ws} ${JSON.stringify(opts)}`, () => {
      const x = randT(xs, 11, true), w = randT(ws, 12, true), b = randT([ws[0]], 13, true);
      const y = sg.conv2d(x, w, b, opts);
      y.mul(randT(y.shape, 14)).sum().backward();
      return [y.toArray(), x.grad.toArray(), w.grad.toArray(), b.grad.toArray()];
    });
  }
});

test('convTranspose2d forward, input and weight gradients: bit-identical for 1, 2, 3 threads', () => {
  const cases = [
    [[5, 3, 8, 7], [3, 16, 3, 3], { padding: 1 }],
    [[3, 4, 6, 5], [4, 10, 3, 2], { stride: 2, padding: 1, outputPadding: 1 }],
    [[4, 4, 6, 6], [4, 12, 3, 3], { padding: 1, groups: 2 }],
    [[2, 3, 7, 8], [3, 9, 3, 3], { dilation: 2, outputPadding: 1 }],
  ];
  for (const [xs, ws, opts] of cases) {
    sameBitsForThreadCounts(`convTranspose2d ${xs} ${ws} ${JSON.stringify(opts)}`, () => {
      const x = randT(xs, 21, true), w = randT(ws, 22, true), b = randT([ws[1] * (opts.groups ?? 1)], 23, true);
      const y = sg.convTranspose2d(x, w, b, opts);
      y.mul(randT(y.shape, 24)).sum().backward();
      return [y.toArray(), x.grad.toArray(), w.grad.toArray(), b.grad.toArray()];
    });
  }
});

test('large elementwise ops (unary and binary, with a scalar operand): bit-identical for 1, 2, 3 threads', () => {
  // lengths below, at and past the 16384-element chunk, and not a multiple of the SIMD width
  for (const n of [100, 16384, 16385 * 3 + 7]) {
    sameBitsForThreadCounts(`elementwise n=${n}`, () => {
      const x = randT([n], n), y = randT([n], n + 1);
      return [x.exp().toArray(), x.tanh().toArray(), x.relu().toArray(), sg.add(x, y).toArray(), sg.mul(x, 3).toArray(), sg.div(2, y).toArray(), x.pow(2.5).toArray()];
    }, { mustSplit: n > 16384 });
  }
});

test('strided copies, broadcasts, broadcast binary ops and fills: bit-identical for 1, 2, 3 threads, and the element-by-element values', () => {
  // ranks 1 to 6 (the walked dims above a block's four), a ragged contiguous run, a transpose of two long dims
  const shapes = [[70001], [37, 129], [3, 5, 7, 11, 13], [2, 3, 4, 5, 6, 7]];
  sameBitsForThreadCounts('copies', () => shapes.flatMap((shape, i) => {
    const x = randT(shape, 61 + i);
    const perm = shape.map((_, d) => shape.length - 1 - d);
    const last = shape[shape.length - 1];
    const row = randT([last], 71 + i), first = randT([1, ...shape.slice(1)], 81 + i);
    const transposed = x.permute(perm).contiguous();
    // reference: element (i0, .., ik) of the transpose is x's element (ik, .., i0)
    const xs = x.toArray(), ts = transposed.toArray(), tShape = perm.map((d) => shape[d]);
    for (let j = 0; j < ts.length; j += 97) {
      let rem = j, src = 0;
      const idx = tShape.map(() => 0);
      for (let d = tShape.length - 1; d >= 0; d--) { idx[d] = rem % tShape[d]; rem = Math.floor(rem / tShape[d]); }
      for (let d = 0; d < shape.length; d++) src = src * shape[d] + idx[shape.length - 1 - d];
      if (!Object.is(ts[j], xs[src])) throw new Error(`transpose of ${JSON.stringify(shape)}: element ${j} is ${ts[j]}, expected ${xs[src]}`);
    }
    const sumRow = x.add(row), sumFirst = first.expand(shape).contiguous();
    const xa = sumRow.toArray(), ra = row.toArray();
    for (let j = 0; j < xa.length; j += 89) assert.is(xa[j], Math.fround(xs[j] + ra[j % last]), `broadcast add ${JSON.stringify(shape)} element ${j}`);
    return [transposed.toArray(), sumRow.toArray(), sumFirst.toArray(), x.permute(perm).mul(row.reshape([last, ...Array(shape.length - 1).fill(1)])).toArray(), sg.full(shape, 2.5).toArray()];
  }));
});

test('optimizer steps (SGD, Adam, AdamW, RMSprop) and gradient clipping on a large parameter: bit-identical for 1, 2, 3 threads', () => {
  // a length past three 16384-element chunks and not a multiple of the SIMD width
  const n = 16385 * 3 + 7;
  const makers = [
    (p) => new sg.optim.SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 1e-2, nesterov: true }),
    (p) => new sg.optim.Adam([p], { lr: 1e-2, weightDecay: 1e-2, amsgrad: true }),
    (p) => new sg.optim.AdamW([p], { lr: 1e-2 }),
    (p) => new sg.optim.RMSprop([p], { lr: 1e-2, momentum: 0.5, centered: true, weightDecay: 1e-3 }),
  ];
  makers.forEach((make, m) => {
    sameBitsForThreadCounts(`optimizer ${m}`, () => {
      const p = randT([n], 50 + m, true);
      const opt = make(p);
      const states = [];
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad();
        p.mul(randT([n], 60 + step)).sum().backward();
        opt.step();
      }
      for (const st of opt.stateDict().state.values()) {
        for (const [, t] of [...st.tensors].sort(([a], [b]) => (a < b ? -1 : 1))) states.push(t.toArray());
      }
      const out = [p.toArray(), ...states];
      opt.dispose();
      p.dispose();
      return out;
    });
  });
  sameBitsForThreadCounts('clipping', () => {
    const p = randT([n], 70, true), q = randT([3, n], 71, true);
    sg.add(p.mul(randT([n], 72)).sum(), q.mul(randT([3, n], 73)).sum()).backward();
    const total = sg.nn.utils.clipGradNorm_([p, q], 0.5);
    const value = sg.tensor([total.item()]).toArray();
    sg.nn.utils.clipGradValue_([q], 1e-3);
    return [value, p.grad.toArray(), q.grad.toArray()];
  });
});

test('cumsum, cumprod and prod forward and backward (split over the blocks before the dim): bit-identical for 1, 2, 3 threads', () => {
  sameBitsForThreadCounts('scans', () => {
    const x = randT([37, 5, 29], 80, true);
    const outs = [sg.cumsum(x, 1), sg.cumprod(x, 1), sg.prod(x, 1), sg.cumsum(x, 2)];
    outs.map((o, i) => o.mul(randT([...o.shape], 81 + i)).sum()).reduce((s, t) => sg.add(s, t)).backward();
    return [...outs.map((o) => o.toArray()), x.grad.toArray()];
  });
});

test('pooling forward and backward (max, average, adaptive; dilation, ceilMode, divisorOverride): bit-identical for 1, 2, 3 threads', () => {
  sameBitsForThreadCounts('pooling', () => {
    const x = randT([3, 5, 9, 11], 17, true);
    const m = sg.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 });
    const a = sg.avgPool2d(x, { kernelSize: 2, countIncludePad: false });
    const p = sg.adaptiveAvgPool2d(x, [4, 3]);
    const md = sg.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 2, dilation: 2, ceilMode: true });
    const ac = sg.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true });
    const ad = sg.avgPool2d(x, { kernelSize: 2, ceilMode: true, divisorOverride: 3 });
    const outs = [m, a, p, md, ac, ad];
    outs.map((o, i) => o.mul(randT([...o.shape], 1 + i)).sum()).reduce((s, t) => sg.add(s, t)).backward();
    return [...outs.map((o) => o.toArray()), x.grad.toArray()];
  });
});

test('batch norm (training and eval) forward and backward: bit-identical for 1, 2, 3 threads', () => {
  sameBitsForThreadCounts('batchNorm', () => {
    const x = randT([6, 4, 5, 7], 23, true);
    const w = randT([4], 24, true), b = randT([4], 25, true);
    const rm = sg.zeros([4]), rv = sg.ones([4]);
    const y = sg.batchNorm(x, rm, rv, w, b, { training: true });
    const e = sg.batchNorm(x, rm, rv, w, b, { training: false });
    sg.add(y.mul(randT([...y.shape], 26)).sum(), e.sum()).backward();
    return [y.toArray(), e.toArray(), rm.toArray(), rv.toArray(), x.grad.toArray(), w.grad.toArray(), b.grad.toArray()];
  });
});

test('fused batch norm + ReLU, batch norm + add + ReLU and add + ReLU forward and backward: bit-identical for 1, 2, 3 threads', () => {
  sameBitsForThreadCounts('batchNormRelu, batchNormAddRelu, addRelu', () => {
    const x = randT([6, 4, 5, 7], 27, true), s = randT([6, 4, 5, 7], 28, true);
    const w = randT([4], 29, true), b = randT([4], 30, true);
    const rm = sg.zeros([4]), rv = sg.ones([4]);
    const y = sg.F.batchNormRelu(x, rm, rv, w, b, { training: true });
    const e = sg.F.batchNormRelu(x, rm, rv, w, b, { training: false });
    const z = sg.F.addRelu(y, s);
    const u = sg.F.batchNormAddRelu(z, s, rm, rv, w, b, { training: true });
    sg.add(sg.add(z.mul(randT([...z.shape], 31)).sum(), e.sum()), u.mul(randT([...u.shape], 32)).sum()).backward();
    return [y.toArray(), e.toArray(), z.toArray(), u.toArray(), rm.toArray(), rv.toArray(), x.grad.toArray(), w.grad.toArray(), b.grad.toArray(), s.grad.toArray()];
  });
});

test('layer norm and group norm forward, input and parameter gradients: bit-identical for 1, 2, 3 threads', () => {
  // layer norm over 1 and 2 dims (rows of 13 and 4x5), group norm with and without spatial dims
  for (const [kind, xs, arg, ws] of [['layer', [7, 13], [13], [13]], ['layer', [3, 5, 4, 5], [4, 5], [4, 5]], ['group', [5, 6, 3, 7], 3, [6]], ['group', [9, 12], 2, [12]]]) {
    sameBitsForThreadCounts(`${kind}Norm ${xs} ${arg}`, () => {
      const x = randT(xs, 41, true), w = randT(ws, 42, true), b = randT(ws, 43, true);
      const y = kind === 'layer' ? sg.layerNorm(x, arg, w, b) : sg.groupNorm(x, arg, w, b);
      y.mul(randT(xs, 44)).sum().backward();
      return [y.toArray(), x.grad.toArray(), w.grad.toArray(), b.grad.toArray()];
    });
  }
});

test('a small CNN trained three SGD steps: bit-identical parameters for 1, 2, 3 threads', () => {
  sameBitsForThreadCounts('training', () => {
    sg.manualSeed(42);
    const net = new sg.nn.Sequential(
      new sg.nn.Conv2d(2, 8, 3, { padding: 1 }), new sg.nn.ReLU(),
      new sg.nn.Conv2d(8, 16, 3, { stride: 2, padding: 1 }), new sg.nn.ReLU(),
      new sg.nn.Flatten(), new sg.nn.Linear(16 * 4 * 4, 24), new sg.nn.ReLU(), new sg.nn.Linear(24, 5),
    );
    const opt = new sg.optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
    const x = randT([6, 2, 8, 8], 21);
    const labels = sg.tensor([0, 1, 2, 3, 4, 0]);
    for (let step = 0; step < 3; step++) {
      sg.scope(() => {
        opt.zeroGrad();
        sg.crossEntropy(net.forward(x), labels).backward();
        opt.step();
      });
    }
    const params = [...net.parameters()].map((p) => p.toArray());
    opt.dispose();
    net.dispose();
    return params;
  });
});

test('after the shared memory grows, workers and heap views see the new pages', () => {
  const before = sg.memory().heapBytes;
  // a block larger than the whole memory cannot fit in it, whatever is free: the memory must grow
  const big = sg.zeros([(before + (1 << 20)) >> 2]);
  assert.ok(sg.memory().heapBytes > before, 'the memory grew');
  sameBitsForThreadCounts('matmul on grown memory', () => {
    const a = randT([96, 80], 31), b = randT([80, 72], 32);
    return [sg.matmul(a, b).toArray()];
  });
  big.dispose();
});

test('a kernel that traps in a parallel task throws an Error naming it and the thread; the pool stays usable', () => {
  if (!expectThreads) return void assert.ok(true);
  const t = sg.zeros([64]);
  withThreads(2, () => {
    // piece 1 traps on whichever thread takes it; piece 0, taken first, runs
    const err = assertThrows(
      () => sg.parallelFor(2, 1, (k, lo, hi, piece) => k.fill_f32(16, piece === 1 ? 0xfffffff0 : t.ptr, 1)),
      'fill_f32', 'thread',
    );
    assert.instance(err, Error);
    assert.match(err.message, /RuntimeError: .*\((in worker thread \d+|in the calling thread)\)$/);
    assert.is(t.toArray()[0], 1);
    const before = sg.threadingStatus().parallelTasks;
    const a = randT([40, 30], 3), b = randT([30, 20], 4);
    const c = sg.matmul(a, b).toArray();
    assert.ok(sg.threadingStatus().parallelTasks > before);
    const ref = withThreads(1, () => sg.matmul(a, b).toArray());
    assert.equal(Array.from(c), Array.from(ref));
  });
});

test.run();
