// The benchmark rows, as data: each row names what it measures, how to turn
// a time into its figure, and one setup per contender. A setup gets the
// engines (ctx.sg, ctx.tfjs(backend), ctx.jax(), ctx.ort()) and returns
// { run, dispose, note? }; run may return a promise. A row with `requires`
// is listed only when simdgrad exports those names (ops other engineers add).
import { matmulModel, convModel } from './peers/onnx-model.mjs';

const rand = (n, scale = 1) => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);

// ---------- figures ----------
/** µs per call (lower is better). */
const perCall = { unit: 'µs', lowerIsBetter: true, figure: (ms) => ms * 1000 };
/** ms per call (lower is better). */
const perStep = { unit: 'ms', lowerIsBetter: true, figure: (ms) => ms };
const gflops = (flops) => ({ unit: 'GFLOP/s', lowerIsBetter: false, figure: (ms) => flops / ms / 1e6 });
const gbps = (bytes) => ({ unit: 'GB/s', lowerIsBetter: false, figure: (ms) => bytes / ms / 1e6 });

// ---------- simdgrad ----------
const sgTensor = (sg, shape, { requiresGrad = false, scale = 1 } = {}) => sg.tensor(rand(shape.reduce((a, b) => a * b, 1), scale), { shape, requiresGrad });

function sgBinary(op, n, requiresGrad) {
  return ({ sg }) => {
    const a = sgTensor(sg, [n], { requiresGrad }), b = sgTensor(sg, [n], { requiresGrad });
    return { run: () => sg[op](a, b).dispose(), dispose: () => { a.dispose(); b.dispose(); } };
  };
}

/** 100 adds of n floats inside one scope (tensors freed together at its end, as in a training step). */
function sgAddsInScope(n) {
  return ({ sg }) => {
    const a = sgTensor(sg, [n], { requiresGrad: true }), b = sgTensor(sg, [n], { requiresGrad: true });
    return { run: () => sg.scope(() => { for (let i = 0; i < 100; i++) sg.add(a, b); }), dispose: () => { a.dispose(); b.dispose(); } };
  };
}

function sgUnary(op, n) {
  return ({ sg }) => {
    const a = sgTensor(sg, [n]);
    return { run: () => sg[op](a).dispose(), dispose: () => a.dispose() };
  };
}

/** n x n x n matmul; with `threads`, on that many threads (restored after). */
function sgMatmul(n, threads) {
  return async ({ sg }) => {
    const previous = threads ? sg.setNumThreads(threads) : undefined;
    if (threads) await sg.threadsReady();
    const a = sgTensor(sg, [n, n]), b = sgTensor(sg, [n, n]);
    return {
      run: () => sg.matmul(a, b).dispose(),
      dispose: () => { a.dispose(); b.dispose(); if (previous !== undefined) sg.setNumThreads(previous); },
    };
  };
}

/** Parameters [out, in] and [out] for each layer, PyTorch layout. */
function sgMlp(dims, batch) {
  return ({ sg }) => {
    const params = [];
    for (let i = 0; i + 1 < dims.length; i++) {
      params.push(sgTensor(sg, [dims[i + 1], dims[i]], { requiresGrad: true, scale: 1 / Math.sqrt(dims[i]) }), sg.zeros([dims[i + 1]], { requiresGrad: true }));
    }
    const x = sgTensor(sg, [batch, dims[0]]);
    const labels = sg.tensor(Float32Array.from({ length: batch }, (_, i) => i % dims.at(-1)), { shape: [batch, 1] });
    const opt = new sg.optim.SGD(params, { lr: 0.01 });
    const run = () => sg.scope(() => {
      opt.zeroGrad();
      let h = x;
      for (let i = 0; i < params.length; i += 2) {
        h = sg.F.linear(h, params[i], params[i + 1]);
        if (i + 2 < params.length) h = sg.relu(h);
      }
      const loss = sg.logSoftmax(h, 1).gather(1, labels).mean().neg();
      loss.backward();
      opt.step(); // the SGD update runs under noGrad
    });
    return { run, dispose: () => { opt.zeroGrad(); for (const t of [...params, x, labels]) t.dispose(); } };
  };
}

/** conv2d 3x3 'same' on [batch, c, hw, hw]; pass: 'forward' | 'input-grad' | 'weight-grad' (forward + that backward). */
function sgConv(batch, c, hw, pass) {
  return ({ sg }) => {
    const x = sgTensor(sg, [batch, c, hw, hw], { requiresGrad: pass === 'input-grad' });
    const w = sgTensor(sg, [c, c, 3, 3], { requiresGrad: pass === 'weight-grad', scale: 0.1 });
    const g = sgTensor(sg, [batch, c, hw, hw]);
    const leaf = pass === 'input-grad' ? x : w;
    const run = () => sg.scope(() => {
      const y = sg.conv2d(x, w, null, { padding: 1 });
      if (pass === 'forward') return;
      y.backward(g);
      leaf.grad.dispose();
      leaf.grad = null;
    });
    return { run, dispose: () => { x.dispose(); w.dispose(); g.dispose(); } };
  };
}

/** A small CNN training step: conv(3->16, 3x3)-relu-conv(16->32, 3x3, stride 2)-relu-flatten-linear(->10), softmax cross-entropy, SGD. */
function sgCnn(batch) {
  return ({ sg }) => {
    const w1 = sgTensor(sg, [16, 3, 3, 3], { requiresGrad: true, scale: 0.3 }), w2 = sgTensor(sg, [32, 16, 3, 3], { requiresGrad: true, scale: 0.1 });
    const b1 = sg.zeros([16], { requiresGrad: true }), b2 = sg.zeros([32], { requiresGrad: true });
    const wf = sgTensor(sg, [10, 32 * 16 * 16], { requiresGrad: true, scale: 0.01 }), bf = sg.zeros([10], { requiresGrad: true });
    const params = [w1, b1, w2, b2, wf, bf];
    const x = sgTensor(sg, [batch, 3, 32, 32]);
    const labels = sg.tensor(Float32Array.from({ length: batch }, (_, i) => i % 10), { shape: [batch, 1] });
    const opt = new sg.optim.SGD(params, { lr: 0.01 });
    const run = () => sg.scope(() => {
      opt.zeroGrad();
      const h1 = sg.relu(sg.conv2d(x, w1, b1, { padding: 1 }));
      const h2 = sg.relu(sg.conv2d(h1, w2, b2, { padding: 1, stride: 2 }));
      const logits = sg.F.linear(sg.flatten(h2, 1), wf, bf);
      sg.logSoftmax(logits, 1).gather(1, labels).mean().neg().backward();
      opt.step();
    });
    return { run, dispose: () => { opt.zeroGrad(); for (const t of [...params, x, labels]) t.dispose(); } };
  };
}

/** Training-mode batch norm forward + backward on [batch, c, hw, hw]. */
function sgBatchNorm(batch, c, hw) {
  return ({ sg }) => {
    const x = sgTensor(sg, [batch, c, hw, hw], { requiresGrad: true });
    const gamma = sg.ones([c], { requiresGrad: true }), beta = sg.zeros([c], { requiresGrad: true });
    const rm = sg.zeros([c]), rv = sg.ones([c]);
    const g = sgTensor(sg, [batch, c, hw, hw]);
    const run = () => sg.scope(() => {
      sg.batchNorm(x, rm, rv, gamma, beta, { training: true }).backward(g);
      for (const p of [x, gamma, beta]) { p.grad.dispose(); p.grad = null; }
    });
    return { run, dispose: () => { for (const t of [x, gamma, beta, rm, rv, g]) t.dispose(); } };
  };
}

// ---------- TensorFlow.js ----------
const tfSetup = (backend, make) => async (ctx) => make(await ctx.tfjs(backend));

function tfBinary(backend, op, n) {
  return tfSetup(backend, (tf) => {
    const a = tf.tensor1d(rand(n)), b = tf.tensor1d(rand(n));
    return { run: () => tf[op](a, b).dispose(), dispose: () => { a.dispose(); b.dispose(); } };
  });
}

/** 100 adds of n floats inside one tf.tidy. */
function tfAddsInTidy(backend, n) {
  return tfSetup(backend, (tf) => {
    const a = tf.tensor1d(rand(n)), b = tf.tensor1d(rand(n));
    return { run: () => tf.tidy(() => { for (let i = 0; i < 100; i++) tf.add(a, b); }), dispose: () => { a.dispose(); b.dispose(); } };
  });
}

function tfUnary(backend, op, n) {
  return tfSetup(backend, (tf) => {
    const a = tf.tensor1d(rand(n));
    return { run: () => tf[op](a).dispose(), dispose: () => a.dispose() };
  });
}

function tfMatmul(backend, n) {
  return tfSetup(backend, (tf) => {
    const a = tf.tensor2d(rand(n * n), [n, n]), b = tf.tensor2d(rand(n * n), [n, n]);
    return { run: () => tf.matMul(a, b).dispose(), dispose: () => { a.dispose(); b.dispose(); } };
  });
}

/** Same MLP; weights [in, out] (tfjs layout), softmax cross-entropy, SGD through optimizer.minimize. */
function tfMlp(backend, dims, batch) {
  return tfSetup(backend, (tf) => {
    const vars = [];
    for (let i = 0; i + 1 < dims.length; i++) vars.push(tf.variable(tf.tensor2d(rand(dims[i] * dims[i + 1]), [dims[i], dims[i + 1]])), tf.variable(tf.zeros([dims[i + 1]])));
    const x = tf.tensor2d(rand(batch * dims[0]), [batch, dims[0]]);
    const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % dims.at(-1)), 'int32'), dims.at(-1));
    const opt = tf.train.sgd(0.01);
    const run = () => {
      const cost = opt.minimize(() => {
        let h = x;
        for (let i = 0; i < vars.length; i += 2) {
          h = tf.add(tf.matMul(h, vars[i]), vars[i + 1]);
          if (i + 2 < vars.length) h = tf.relu(h);
        }
        return tf.losses.softmaxCrossEntropy(y, h);
      }, true);
      cost.dispose();
    };
    return { run, dispose: () => { for (const v of [...vars, x, y]) v.dispose(); opt.dispose(); } };
  });
}

/** NHWC conv 3x3 'same'. weight-grad on tfjs-wasm: no Conv2DBackpropFilter, so dW is a forward convolution (PEERS.md workaround). */
function tfConv(backend, batch, c, hw, pass) {
  return tfSetup(backend, (tf) => {
    const x = tf.tensor4d(rand(batch * hw * hw * c), [batch, hw, hw, c]);
    const w = tf.tensor4d(rand(9 * c * c, 0.1), [3, 3, c, c]);
    const dy = tf.tensor4d(rand(batch * hw * hw * c), [batch, hw, hw, c]);
    let run, note;
    if (pass === 'forward') {
      run = () => tf.conv2d(x, w, 1, 'same').dispose();
    } else if (pass === 'input-grad') {
      const f = tf.grad((xx) => tf.conv2d(xx, w, 1, 'same'));
      run = () => f(x, dy).dispose();
    } else if (backend === 'wasm') {
      note = 'peer with workaround (dW as a forward conv)';
      // dW[kh,kw,ci,co] = conv2d(xpad^T as [Ci,Hp,Wp,N], dy^T as [Ho,Wo,N,Co], stride 1, 'valid')
      run = () => tf.tidy(() => {
        tf.conv2d(x, w, 1, 'same');
        const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]).transpose([3, 1, 2, 0]);
        const dyt = dy.transpose([1, 2, 0, 3]);
        tf.conv2d(xp, dyt, 1, 'valid');
      });
    } else {
      const f = tf.grad((ww) => tf.conv2d(x, ww, 1, 'same'));
      run = () => f(w, dy).dispose();
    }
    return { run, note, dispose: () => { x.dispose(); w.dispose(); dy.dispose(); } };
  });
}

/** Training-mode batch norm forward + backward (moments, normalize, affine) through tf.grads. */
function tfBatchNorm(backend, batch, c, hw) {
  return tfSetup(backend, (tf) => {
    const x = tf.tensor4d(rand(batch * hw * hw * c), [batch, hw, hw, c]);
    const gamma = tf.ones([c]), beta = tf.zeros([c]);
    const dy = tf.tensor4d(rand(batch * hw * hw * c), [batch, hw, hw, c]);
    const f = tf.grads((xx, gg, bb) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      return tf.batchNorm(xx, mean, variance, bb, gg, 1e-5);
    });
    const run = () => { for (const t of f([x, gamma, beta], dy)) t.dispose(); };
    return { run, dispose: () => { for (const t of [x, gamma, beta, dy]) t.dispose(); } };
  });
}

// ---------- jax-js ----------
function jaxMatmul(n) {
  return async (ctx) => {
    const { numpy: np } = await ctx.jax();
    const a = np.array(rand(n * n)).reshape([n, n]), b = np.array(rand(n * n)).reshape([n, n]);
    const run = async () => (await np.matmul(a.ref, b.ref).blockUntilReady()).dispose();
    return { run, dispose: () => { a.dispose(); b.dispose(); } };
  };
}

/**
 * A jax-js training step: jitted value-and-grad of softmax cross-entropy plus
 * the SGD update. makeParams(np) -> {name: Array}; forward(jax, p, x) -> logits
 * (consumes p and x, jax-js ownership rules). The first step (compilation) runs
 * in setup.
 */
function jaxTraining(makeParams, forward, inputShape, classes) {
  return async (ctx) => {
    const j = await ctx.jax();
    const { numpy: np, nn, jit, valueAndGrad } = j;
    const batch = inputShape[0];
    let params = makeParams(np);
    const x = np.array(rand(inputShape.reduce((a, b) => a * b, 1))).reshape(inputShape);
    const onehot = new Float32Array(batch * classes);
    for (let i = 0; i < batch; i++) onehot[i * classes + (i % classes)] = 1;
    const y = np.array(onehot).reshape([batch, classes]);
    const loss = (p, xx, yy) => nn.logSoftmax(forward(j, p, xx), -1).mul(yy).sum().mul(-1 / batch);
    const step = jit((p, xx, yy) => {
      const refs = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.ref]));
      const [l, g] = valueAndGrad(loss)(refs, xx, yy);
      const next = {};
      for (const k of Object.keys(p)) next[k] = p[k].sub(g[k].mul(0.01));
      return [l, next];
    });
    const run = async () => {
      const [l, next] = step(params, x.ref, y.ref);
      params = next;
      (await l.blockUntilReady()).dispose();
    };
    await run();
    return { run, note: 'jit, compiled in setup', dispose: () => { for (const v of [...Object.values(params), x, y]) v.dispose(); step.dispose?.(); } };
  };
}

/** Same MLP (weights [in, out]). */
function jaxMlp(dims, batch) {
  const layers = dims.length - 1;
  return jaxTraining(
    (np) => Object.fromEntries(dims.slice(1).flatMap((d, i) => [[`w${i}`, np.array(rand(dims[i] * d, 1 / Math.sqrt(dims[i]))).reshape([dims[i], d])], [`b${i}`, np.zeros([d])]])),
    ({ numpy: np, nn }, p, x) => {
      let h = x;
      for (let i = 0; i < layers; i++) {
        h = np.matmul(h, p[`w${i}`]).add(p[`b${i}`]);
        if (i + 1 < layers) h = nn.relu(h);
      }
      return h;
    },
    [batch, dims[0]], dims.at(-1),
  );
}

/** Same CNN, NCHW ('SAME' padding; for the stride-2 conv it pads 0/1 instead of 1/1: same work). */
function jaxCnn(batch) {
  return jaxTraining(
    (np) => ({
      w1: np.array(rand(16 * 3 * 9, 0.3)).reshape([16, 3, 3, 3]), b1: np.zeros([1, 16, 1, 1]),
      w2: np.array(rand(32 * 16 * 9, 0.1)).reshape([32, 16, 3, 3]), b2: np.zeros([1, 32, 1, 1]),
      wf: np.array(rand(32 * 16 * 16 * 10, 0.01)).reshape([32 * 16 * 16, 10]), bf: np.zeros([10]),
    }),
    ({ numpy: np, nn, lax }, p, x) => {
      const h1 = nn.relu(lax.conv(x, p.w1, [1, 1], 'SAME').add(p.b1));
      const h2 = nn.relu(lax.conv(h1, p.w2, [2, 2], 'SAME').add(p.b2));
      return np.matmul(h2.reshape([batch, 32 * 16 * 16]), p.wf).add(p.bf);
    },
    [batch, 3, 32, 32], 10,
  );
}

// ---------- onnxruntime-web ----------
function ortMatmul(n) {
  return async (ctx) => {
    const o = await ctx.ort();
    const session = await o.InferenceSession.create(matmulModel(n, n, n), { executionProviders: ['wasm'] });
    const A = new o.Tensor('float32', rand(n * n), [n, n]), B = new o.Tensor('float32', rand(n * n), [n, n]);
    return { run: async () => { (await session.run({ A, B })).C.dispose(); }, dispose: () => session.release() };
  };
}

function ortConv(batch, c, hw) {
  return async (ctx) => {
    const o = await ctx.ort();
    const session = await o.InferenceSession.create(convModel([batch, c, hw, hw], rand(c * c * 9, 0.1), [c, c, 3, 3], 1), { executionProviders: ['wasm'] });
    const X = new o.Tensor('float32', rand(batch * c * hw * hw), [batch, c, hw, hw]);
    return { run: async () => { (await session.run({ X })).Y.dispose(); }, dispose: () => session.release() };
  };
}

// ---------- the rows ----------
const MLP = [784, 512, 512, 10];
/** FLOPs of one MLP training step (forward, both backward GEMMs; elementwise ignored). */
const mlpFlops = (dims, batch) => dims.slice(1).reduce((s, d, i) => s + 6 * batch * dims[i] * d, 0);

export const rows = [
  { id: 'dispatch-add-32', group: 'dispatch', label: 'add of 32 floats (simdgrad inputs requiresGrad: node recorded)', ...perCall,
    contenders: { simdgrad: sgBinary('add', 32, true), 'tfjs-wasm': tfBinary('wasm', 'add', 32) } },
  { id: 'dispatch-add-32-scope', group: 'dispatch', label: 'add of 32 floats, 100 per scope / tf.tidy (per add; simdgrad records nodes)', unit: 'µs', lowerIsBetter: true, figure: (ms) => ms * 10,
    contenders: { simdgrad: sgAddsInScope(32), 'tfjs-wasm': tfAddsInTidy('wasm', 32) } },
  { id: 'add-1M', group: 'elementwise', label: 'add, 1M floats (12 MB moved)', ...gbps(12 * 2 ** 20 * 1.0),
    contenders: { simdgrad: sgBinary('add', 2 ** 20, false), 'tfjs-wasm': tfBinary('wasm', 'add', 2 ** 20) } },
  { id: 'relu-1M', group: 'elementwise', label: 'relu, 1M floats (8 MB moved)', ...gbps(8 * 2 ** 20),
    contenders: { simdgrad: sgUnary('relu', 2 ** 20), 'tfjs-wasm': tfUnary('wasm', 'relu', 2 ** 20) } },
  ...[128, 256, 512, 1024].map((n) => ({
    id: `matmul-${n}`, group: 'matmul', label: `matmul ${n}x${n}x${n}`, ...gflops(2 * n ** 3),
    contenders: {
      simdgrad: sgMatmul(n), 'tfjs-wasm': tfMatmul('wasm', n), jax: jaxMatmul(n), ort: ortMatmul(n),
      ...(n <= 256 ? { 'tfjs-cpu': tfMatmul('cpu', n) } : {}),
    },
  })),
  { id: 'matmul-1024-2threads', group: 'matmul', label: 'matmul 1024x1024x1024 on 2 threads (workers over shared memory)', ...gflops(2 * 1024 ** 3),
    contenders: { simdgrad: sgMatmul(1024, 2) } },
  { id: 'mlp-step', group: 'training', label: 'MLP 784-512-512-10 training step, batch 128 (ReLU, softmax CE, SGD)', ...perStep, flops: mlpFlops(MLP, 128),
    contenders: { simdgrad: sgMlp(MLP, 128), jax: jaxMlp(MLP, 128), 'tfjs-wasm': tfMlp('wasm', MLP, 128) } },
  ...[32, 64].flatMap((c) => ['forward', 'input-grad', 'weight-grad'].map((pass) => ({
    id: `conv-${c}-${pass}`, group: 'conv', requires: ['conv2d'],
    label: `conv2d 3x3 same, [32,${c},32,32], ${pass === 'forward' ? 'forward' : `forward + ${pass}`}`, ...gflops(2 * 32 * 32 * 32 * c * c * 9 * (pass === 'forward' ? 1 : 2)),
    contenders: { simdgrad: sgConv(32, c, 32, pass), 'tfjs-wasm': tfConv('wasm', 32, c, 32, pass), ...(pass === 'forward' ? { ort: ortConv(32, c, 32) } : {}) },
  }))),
  { id: 'cnn-step', group: 'training', requires: ['conv2d'], label: 'CNN step [32,3,32,32]: conv3-16, conv16-32/2, linear-10, CE, SGD', ...perStep,
    contenders: { simdgrad: sgCnn(32), jax: jaxCnn(32) } },
  { id: 'batchnorm-fwd-bwd', group: 'batchnorm', requires: ['batchNorm'], label: 'batchNorm training fwd+bwd [32,64,32,32]', ...gbps(32 * 64 * 32 * 32 * 4 * 5),
    contenders: { simdgrad: sgBatchNorm(32, 64, 32), 'tfjs-wasm': tfBatchNorm('wasm', 32, 64, 32) } },
];
