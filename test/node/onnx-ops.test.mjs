// ONNX export of the newer modules and ops, checked in onnxruntime-web
// (Node, wasm, one thread) as test/node/onnx.test.mjs does: padding,
// softmax, upsampling, pixel shuffle, instance norm, adaptive pools,
// unflatten; reductions, scans, sorting, scatter/gather, shaping, products,
// einsum, unfold/fold; nn.LSTM and nn.GRU (ONNX LSTM / GRU nodes). Each is
// exported at batch 2 and run at batches 1, 3, 5 (for a recurrent layer with
// the sequence first, dim 0 is the sequence length, so that varies), and
// compared with simdgrad's evaluation-mode output (max abs difference <=
// 1e-5 of the output's scale). Then what is refused, and how it is named.
import * as assert from 'uvu/assert';
import { suite, sg } from '../helpers/harness.mjs';
import { roundTripper, warmStats } from '../helpers/onnx.mjs';

const test = suite('onnx-ops');
const { nn } = sg;
const hadWorker = 'Worker' in globalThis;
const ort = await import('onnxruntime-web');
const roundTrip = roundTripper(ort);

/** A model whose forward is f (run in a scope); `setup(module)` registers what it needs. */
class Fn extends nn.Module {
  constructor(f, setup = () => {}) {
    super();
    this.f = f;
    setup(this);
  }

  forward(x) {
    return sg.scope(() => this.f(x, this));
  }
}
const fn = (f, setup) => new Fn(f, setup);

/** Runs each [name, model, shape, options?] case, naming the failing one. */
async function cases(list) {
  for (const [name, model, shape, opts] of list) {
    try {
      await roundTrip(model, shape, opts);
    } catch (e) {
      throw new Error(`${name}: ${e.message}`);
    }
  }
}

const ints = (hi) => (s) => sg.scope(() => sg.floor(sg.rand(s).mul(hi)));

// ---------------------------------------------------------------------------
// modules

test('pad (constant with a value and cropping, reflect, replicate, circular) and the padding modules', async () => {
  sg.manualSeed(31);
  await cases([
    ['pad constant', fn((x) => sg.pad(x, [1, 2, 0, 1], 'constant', 0.5)), [3, 4, 5]],
    ['pad crop', fn((x) => sg.pad(x, [-1, 2, 1, -2])), [3, 4, 5]],
    ['pad reflect', fn((x) => sg.pad(x, [1, 2, 2, 1], 'reflect')), [3, 4, 5]],
    ['pad replicate 1-d', fn((x) => sg.pad(x, [3, 1], 'replicate')), [3, 5]],
    ['pad circular', fn((x) => sg.pad(x, [1, 2, 2, 1], 'circular')), [3, 4, 5]],
    ['ZeroPad2d', new nn.ZeroPad2d([1, 0, 2, 1]), [3, 4, 5]],
    ['ConstantPad2d', new nn.ConstantPad2d(1, 2.5), [3, 4, 5]],
    ['ReflectionPad2d', new nn.ReflectionPad2d(2), [3, 4, 5]],
    ['ReplicationPad2d', new nn.ReplicationPad2d([1, 2, 3, 0]), [3, 4, 5]],
  ]);
});

test('Softmax, LogSoftmax, Unflatten', async () => {
  sg.manualSeed(32);
  await cases([
    ['Softmax', new nn.Softmax(1), [3, 4]],
    ['LogSoftmax', new nn.LogSoftmax(-1), [3, 4]],
    ['Unflatten', new nn.Unflatten(1, [3, 4]), [12]],
    ['Unflatten last', new nn.Unflatten(-1, [2, -1]), [3, 6]],
  ]);
});

test('Upsample and interpolate as Resize: nearest, nearest-exact, linear, bilinear (alignCorners), trilinear; by size and by scale factor', async () => {
  sg.manualSeed(33);
  await cases([
    ['nearest x2', new nn.Upsample({ scaleFactor: 2 }), [3, 4, 5]],
    ['nearest to a size', new nn.Upsample({ size: [7, 9] }), [3, 4, 5]],
    ['nearest down', fn((x) => sg.interpolate(x, { size: [3, 2] })), [2, 7, 5]],
    ['nearest, factor recomputed', fn((x) => sg.interpolate(x, { scaleFactor: 1.7, recomputeScaleFactor: true })), [2, 7, 5]],
    ['nearest-exact', fn((x) => sg.interpolate(x, { size: [7, 3], mode: 'nearest-exact' })), [3, 4, 5]],
    ['bilinear x2', new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }), [3, 4, 5]],
    ['bilinear alignCorners', new nn.Upsample({ size: [7, 9], mode: 'bilinear', alignCorners: true }), [3, 4, 5]],
    ['bilinear down', fn((x) => sg.interpolate(x, { scaleFactor: 0.6, mode: 'bilinear' })), [2, 7, 5]],
    ['bilinear to one row', fn((x) => sg.interpolate(x, { size: [1, 3], mode: 'bilinear' })), [2, 4, 5]],
    ['bilinear to one row, alignCorners', fn((x) => sg.interpolate(x, { size: [1, 3], mode: 'bilinear', alignCorners: true })), [2, 4, 5]],
    ['linear', fn((x) => sg.interpolate(x, { scaleFactor: 1.5, mode: 'linear' })), [3, 6]],
    ['trilinear', fn((x) => sg.interpolate(x, { scaleFactor: [2, 1.5, 1], mode: 'trilinear' })), [2, 3, 4, 5]],
  ]);
});

test('PixelShuffle (DepthToSpace CRD) and PixelUnshuffle', async () => {
  sg.manualSeed(34);
  await cases([
    ['PixelShuffle', new nn.PixelShuffle(2), [8, 3, 4]],
    ['PixelShuffle 3', new nn.PixelShuffle(3), [9, 2, 2]],
    ['PixelUnshuffle', new nn.PixelUnshuffle(2), [2, 4, 6]],
  ]);
});

test('InstanceNorm1d / InstanceNorm2d: own statistics (InstanceNormalization), running statistics (BatchNormalization), affine or not', async () => {
  sg.manualSeed(35);
  const affine = new nn.InstanceNorm2d(3, { affine: true });
  sg.noGrad(() => { affine.weight.uniform_(0.5, 1.5); affine.bias.uniform_(-1, 1); });
  const tracked = new nn.InstanceNorm1d(4, { affine: true, trackRunningStats: true });
  warmStats(tracked, [4, 6]);
  sg.noGrad(() => { tracked.weight.uniform_(0.5, 1.5); tracked.bias.uniform_(-1, 1); });
  await cases([
    ['InstanceNorm2d', new nn.InstanceNorm2d(3), [3, 4, 5]],
    ['InstanceNorm2d affine', affine, [3, 4, 5]],
    ['InstanceNorm1d running statistics', tracked, [4, 6]],
    ['instanceNorm eps', fn((x) => sg.instanceNorm(x, { eps: 0.1 })), [2, 5]],
  ]);
});

test('AdaptiveMaxPool2d and AdaptiveAvgPool2d: global, even and uneven windows', async () => {
  sg.manualSeed(36);
  await cases([
    ['AdaptiveMaxPool2d 1', new nn.AdaptiveMaxPool2d(1), [3, 4, 5]],
    ['AdaptiveMaxPool2d even', new nn.AdaptiveMaxPool2d([2, 3]), [3, 4, 6]],
    ['AdaptiveMaxPool2d uneven', new nn.AdaptiveMaxPool2d([3, 4]), [2, 5, 7]],
    ['AdaptiveAvgPool2d uneven', new nn.AdaptiveAvgPool2d(3), [2, 5, 5]],
    ['AdaptiveAvgPool2d one dim uneven', new nn.AdaptiveAvgPool2d([5, 2]), [2, 5, 7]],
    ['adaptiveMaxPool2d function', fn((x) => sg.adaptiveMaxPool2d(x, [2, 2])), [3, 4, 4]],
  ]);
});

// ---------------------------------------------------------------------------
// recurrent layers

/** An LSTM or GRU inside a model whose forward picks from its [output, states] result. */
class Recurrent extends nn.Module {
  constructor(rnn, pick) {
    super();
    this.rnn = this.registerModule('rnn', rnn);
    this.pick = pick;
  }

  forward(x) {
    return sg.scope(() => this.pick(this.rnn.call(x)));
  }
}

test('nn.LSTM as ONNX LSTM: gate order, batchFirst, sequence first, stacked, bidirectional, no bias, unbatched; output and final states', async () => {
  sg.manualSeed(37);
  const output = ([y]) => y;
  await cases([
    ['batchFirst', new Recurrent(new nn.LSTM(3, 4, { batchFirst: true }), output), [5, 3]],
    ['sequence first (dim 0 varies the length)', new Recurrent(new nn.LSTM(3, 4), output), [2, 3]],
    ['2 layers, bidirectional, dropout (off in eval)', new Recurrent(new nn.LSTM(3, 4, { batchFirst: true, numLayers: 2, bidirectional: true, dropout: 0.3 }), output), [5, 3]],
    ['final states', new Recurrent(new nn.LSTM(3, 4, { batchFirst: true, numLayers: 2, bidirectional: true }), ([, [h, c]]) => sg.cat([h, c], 2).permute([1, 0, 2])), [5, 3]],
    ['no bias', new Recurrent(new nn.LSTM(3, 4, { batchFirst: true, bias: false }), output), [5, 3]],
    ['unbatched (L, inputSize)', new Recurrent(new nn.LSTM(3, 4, { numLayers: 2 }), ([y, [h]]) => y.add(h.sum(0))), [3]],
  ]);
});

test('nn.GRU as ONNX GRU (linear_before_reset): gate order, layouts, stacked, bidirectional, final state', async () => {
  sg.manualSeed(38);
  const output = ([y]) => y;
  await cases([
    ['batchFirst', new Recurrent(new nn.GRU(3, 4, { batchFirst: true }), output), [5, 3]],
    ['3 layers, bidirectional, sequence first', new Recurrent(new nn.GRU(3, 4, { numLayers: 3, bidirectional: true }), output), [2, 3]],
    ['final state (PyTorch positional options)', new Recurrent(new nn.GRU(3, 4, 2, true, true, 0, true), ([, h]) => h.permute([1, 0, 2]).reshape([h.shape[1], -1])), [5, 3]],
    ['unbatched', new Recurrent(new nn.GRU(3, 4, { bidirectional: true }), output), [3]],
  ]);
});

test('LSTM with initial states computed from the input (an encoder-initialised decoder)', async () => {
  sg.manualSeed(39);
  class Seeded extends nn.Module {
    constructor() {
      super();
      this.init = this.registerModule('init', new nn.Linear(3, 2 * 2 * 4));
      this.rnn = this.registerModule('rnn', new nn.LSTM(3, 4, { batchFirst: true, bidirectional: true }));
    }

    forward(x) {
      return sg.scope(() => {
        const s = this.init.call(x.mean(1)).tanh().reshape([x.shape[0], 4, 4]).permute([1, 0, 2]);
        const [h0, c0] = sg.chunk(s, 2, 0);
        const [y, [hN]] = this.rnn.call(x, [h0.contiguous(), c0.contiguous()]);
        return y.add(sg.cat(sg.unbind(hN, 0), 1).unsqueeze(1));
      });
    }
  }
  await roundTrip(new Seeded(), [5, 3]);
});

// ---------------------------------------------------------------------------
// ops in a forward

test('reductions and scans: max/min over a dim (values and indices), amax/amin, logsumexp, prod, cumsum, cumprod, var/std/norm', async () => {
  sg.manualSeed(40);
  await cases([
    ['max(x, dim)', fn((x) => { const [v, i] = sg.max(x, 1); return sg.cat([v, i], 1); }), [4, 5]],
    ['min(x, dim, keepdim)', fn((x) => sg.min(x, 2, true).values), [4, 5]],
    ['amax, amin', fn((x) => sg.amax(x, [1, 2]).add(sg.amin(x, 1).sum(1))), [4, 5]],
    ['logsumexp', fn((x) => sg.logsumexp(x.mul(20), 1)), [4, 5]],
    ['prod over a dim', fn((x) => sg.prod(x, 1)), [4, 5]],
    ['prod over all', fn((x) => sg.prod(x.mul(0.5).add(1)).add(x)), [4]],
    ['cumsum', fn((x) => sg.cumsum(x, -1)), [4, 5]],
    ['cumprod (11 long)', fn((x) => sg.cumprod(x.mul(0.3).add(1), 1)), [11, 3]],
    ['cumprod last dim', fn((x) => sg.cumprod(x, -1)), [3, 4]],
    ['var, std, norm', fn((x) => sg.var(x, 1).add(sg.norm(x, 2, 1)).add(sg.std(x, 1, { unbiased: false }))), [5]],
  ]);
});

test('elementwise: lerp (number and tensor weights), clampMin, clampMax, maskedFill, where', async () => {
  sg.manualSeed(41);
  await cases([
    ['lerp 0.3', fn((x) => sg.lerp(x, x.mul(2).add(1), 0.3)), [4]],
    ['lerp 0.8', fn((x) => sg.lerp(x, x.mul(2).add(1), 0.8)), [4]],
    ['lerp tensor weight', fn((x) => sg.lerp(x, x.exp(), sg.sigmoid(x.mul(3)))), [4]],
    ['clampMin, clampMax', fn((x) => sg.clampMin(x, 0.1).add(sg.clampMax(x, -0.2))), [5]],
    ['maskedFill', fn((x) => sg.maskedFill(x, x.gt(0), -1)), [5]],
    ['where', fn((x) => sg.where(x.gt(0), x, x.mul(0.1))), [5]],
  ]);
});

test('sorting and indexing: sort, argsort, topk (TopK), gather, scatter, scatterAdd (ScatterElements), oneHot', async () => {
  sg.manualSeed(42);
  await cases([
    ['sort values', fn((x) => sg.sort(x, 1).values), [5]],
    ['sort descending indices', fn((x) => sg.sort(x, 1, true).indices), [5]],
    ['argsort', fn((x) => sg.argsort(x, 1)), [3, 5]],
    ['topk', fn((x) => { const t = sg.topk(x, 2, 1); return sg.cat([t.values, t.indices], 1); }), [5]],
    ['topk smallest', fn((x) => sg.topk(x, 3, { dim: -1, largest: false }).values), [2, 5]],
    ['gather by argsort', fn((x) => sg.gather(x, 1, sg.argsort(x, 1))), [5]],
    ['scatter', fn((x) => sg.scatter(x, 1, sg.argsort(x, 1).narrow(1, 0, 2), x.narrow(1, 0, 3).mul(5))), [4]],
    ['scatter a number', fn((x) => sg.scatter(x, 1, sg.argsort(x, 1).narrow(1, 0, 2), 7)), [4]],
    ['scatterAdd', fn((x) => sg.scatterAdd(x, 1, sg.argsort(x, 1).narrow(1, 0, 3), x.narrow(1, 0, 3).mul(5))), [4]],
    ['oneHot', fn((x) => sg.oneHot(sg.argmax(x, 1), 5)), [5]],
    ['oneHot of input classes', fn((x) => sg.oneHot(x, 6).sum(1)), [4], { input: ints(6) }],
  ]);
});

test('shaping: split, chunk, unbind, stack, flip, roll, repeat, tile, repeatInterleave, expandAs, triu, tril, diag', async () => {
  sg.manualSeed(43);
  await cases([
    ['split, chunk', fn((x) => { const [a, b] = sg.split(x, [2, 3], 1); const c = sg.chunk(x, 2, 1); return sg.cat([b, a, c[1]], 1); }), [5]],
    ['unbind, stack', fn((x) => sg.stack(sg.unbind(x, 1).reverse(), 1)), [5]],
    ['flip', fn((x) => sg.flip(x, [1, 2])), [3, 4]],
    ['roll', fn((x) => sg.roll(x, [2, -1], [1, 2])), [3, 4]],
    ['repeat', fn((x) => sg.repeat(x, [1, 2, 3])), [2, 3]],
    ['tile', fn((x) => sg.tile(x, [3])), [5]],
    ['repeatInterleave', fn((x) => sg.repeatInterleave(x, 2, 1)), [5]],
    ['expandAs', fn((x, m) => sg.expandAs(m.b, x).add(x), (m) => { m.b = m.registerParameter('b', sg.randn([1, 5])); }), [5]],
    ['triu, tril', fn((x) => sg.triu(x, 1).add(sg.tril(x, -1).mul(2))), [4, 4]],
    ['diag', fn((x, m) => x.matmul(sg.diag(m.d)).add(sg.diag(m.w, 1).sum()), (m) => { m.d = m.registerParameter('d', sg.randn([4])); m.w = m.registerParameter('w', sg.randn([4, 4])); }), [4]],
  ]);
});

test('products: bmm, baddbmm, outer, dot, einsum (Einsum), normalize, cosineSimilarity', async () => {
  sg.manualSeed(44);
  const vectors = (m) => { m.u = m.registerParameter('u', sg.randn([4])); m.v = m.registerParameter('v', sg.randn([3])); };
  await cases([
    ['bmm', fn((x) => sg.bmm(x, x.transpose(1, 2))), [3, 4]],
    ['baddbmm', fn((x) => sg.baddbmm(x, x, x, { alpha: 0.5, beta: 2 })), [3, 3]],
    ['outer', fn((x, m) => x.matmul(sg.outer(m.u, m.v)), vectors), [4]],
    ['dot', fn((x, m) => x.mul(sg.dot(m.u, m.u)), vectors), [4]],
    ['einsum batched bilinear', fn((x) => sg.einsum('bij,bkj->bik', x, x)), [3, 4]],
    ['einsum with a weight', fn((x, m) => sg.einsum('bi,ij->bj', x, m.w), (m) => { m.w = m.registerParameter('w', sg.randn([5, 3])); }), [5]],
    ['einsum implicit output', fn((x, m) => sg.einsum('ni,ji', x, m.w), (m) => { m.w = m.registerParameter('w', sg.randn([3, 5])); }), [5]],
    ['einsum ellipsis', fn((x) => sg.einsum('...ij->...ji', x)), [3, 4]],
    ['normalize', fn((x) => sg.normalize(x, 2, 1)), [5]],
    ['normalize p=1', fn((x) => sg.normalize(x, { p: 1, dim: -1 })), [3, 5]],
    ['cosineSimilarity', fn((x) => sg.cosineSimilarity(x, x.flip([1]).add(0.5), 1)), [5]],
  ]);
});

test('unfold (im2col) as a grouped Conv, fold (col2im) as a ConvTranspose', async () => {
  sg.manualSeed(45);
  await cases([
    ['unfold', fn((x) => sg.unfold(x, 2)), [3, 4, 4]],
    ['unfold strided, padded, dilated', fn((x) => sg.unfold(x, [2, 3], { stride: [2, 1], padding: 1, dilation: [1, 2] })), [2, 5, 6]],
    ['fold', fn((x) => sg.fold(x, [5, 6], 2, { stride: 2, padding: 1 })), [12, 12]],
    ['fold of unfold', fn((x) => sg.fold(sg.unfold(x, 3, { padding: 1, dilation: 2 }), [6, 5], 3, { padding: 1, dilation: 2 })), [2, 6, 5]],
  ]);
});

test('F.scaledDotProductAttention composed (MatMul, Softmax): self and cross attention, scale, float and 0/1 masks, causal, fully masked rows', async () => {
  sg.manualSeed(46);
  const heads = (t) => t.reshape([t.shape[0], t.shape[1], 2, 3]).permute([0, 2, 1, 3]); // [N, L, 6] -> [N, 2 heads, L, 3]
  const memory = (m) => { m.mem = m.registerParameter('mem', sg.randn([1, 2, 5, 3])); };
  const masks = (m) => {
    m.bias = m.registerParameter('bias', sg.randn([4, 4]));
    m.keep = m.registerBuffer('keep', sg.tensor([[1, 1, 0, 1], [0, 0, 0, 0], [1, 0, 1, 1], [1, 1, 1, 0]]));
  };
  await cases([
    ['self-attention', fn((x) => { const q = heads(x); return sg.F.scaledDotProductAttention(q, q, q); }), [4, 6]],
    ['cross-attention to a parameter memory, scale', fn((x, m) => { const q = heads(x); return sg.F.scaledDotProductAttention(q, m.mem, m.mem.mul(2), { scale: 0.7 }); }, memory), [4, 6]],
    ['float mask', fn((x, m) => { const q = heads(x); return sg.F.scaledDotProductAttention(q, q, q, m.bias); }, masks), [4, 6]],
    ['0/1 mask with a fully masked row', fn((x, m) => { const q = heads(x); return sg.F.scaledDotProductAttention(q, q, q, m.keep, { boolMask: true }); }, masks), [4, 6]],
    ['causal', fn((x) => { const q = heads(x); return sg.F.scaledDotProductAttention(q, q.mul(0.5), q, { isCausal: true }); }), [4, 6]],
    ['causal, more queries than keys', fn((x, m) => sg.F.scaledDotProductAttention(heads(x), m.mem, m.mem, { isCausal: true }), memory), [7, 6]],
  ]);
  const q = sg.randn([2, 2, 4, 3]);
  const dropped = fn((x) => sg.F.scaledDotProductAttention(x, x, x, null, 0.1));
  sg.scope(() => assert.throws(() => sg.exportOnnx(dropped, q), /scaledDotProductAttention with dropoutP 0.1 drops random weights, which a file cannot hold/));
  q.dispose();
});

test('nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerEncoder (traced op by op: projections, heads, attention, norms)', async () => {
  sg.manualSeed(47);
  /** A model whose forward is call(attn, x). */
  class Attend extends nn.Module {
    constructor(attn, call) {
      super();
      this.attn = this.registerModule('attn', attn);
      this.call_ = call;
    }

    forward(x) {
      return sg.scope(() => this.call_(this.attn, x));
    }
  }
  const both = ([y, w]) => sg.cat([y.flatten(1), w.flatten(1)], 1);
  await cases([
    ['MHA batchFirst, fused (no weights)', new Attend(new nn.MultiheadAttention(8, 2, { batchFirst: true }), (a, x) => a.call(x, x, x, { needWeights: false })[0]), [5, 8]],
    ['MHA batchFirst, with averaged weights', new Attend(new nn.MultiheadAttention(8, 2, { batchFirst: true }), (a, x) => both(a.call(x, x, x))), [5, 8]],
    ['MHA per-head weights, float key padding mask from the input', new Attend(new nn.MultiheadAttention(8, 4, { batchFirst: true }), (a, x) => both(a.call(x, x, x, { keyPaddingMask: x.select(2, 0).mul(0.5), averageAttnWeights: false }))), [5, 8]],
    ['MHA sequence first (dim 0 varies the length)', new Attend(new nn.MultiheadAttention(8, 2), (a, x) => a.call(x, x, x, { needWeights: false })[0]), [3, 8]],
    ['MHA batchFirst, causal mask', new Attend(new nn.MultiheadAttention(8, 2, { batchFirst: true }), (a, x) => a.call(x, x, x, { attnMask: nn.generateSquareSubsequentMask(x.shape[1]), isCausal: true, needWeights: false })[0]), [5, 8]],
    ['MHA cross-attention, kdim and vdim, no bias', new Attend(new nn.MultiheadAttention(8, 2, { kdim: 5, vdim: 5, bias: false, batchFirst: true }), (a, x) => { const mem = x.narrow(1, 0, 3).narrow(2, 0, 5).mul(2); return a.call(x, mem, mem)[0]; }), [4, 8]],
  ]);
  const post = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, dropout: 0.1 });
  const pre = new nn.TransformerEncoderLayer(8, 4, { dimFeedforward: 12, activation: 'gelu', normFirst: true, batchFirst: true });
  const template = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
  const stack = new nn.TransformerEncoder(template, 2, { norm: new nn.LayerNorm(8) });
  template.dispose();
  await cases([
    ['TransformerEncoderLayer post-norm, relu, dropout (off in eval)', post, [5, 8]],
    ['TransformerEncoderLayer pre-norm, gelu', pre, [5, 8]],
    ['TransformerEncoder, 2 layers, final norm, causal', new Attend(stack, (a, x) => a.call(x, { mask: nn.generateSquareSubsequentMask(5), isCausal: true })), [5, 8]],
  ]);
});

// ---------------------------------------------------------------------------
// refusals

test('refused, by name: loss modules, ops with no ONNX form (nonzero, any/all), scans and sorts along the batch dim, padding the batch dim, a parameter expanded to the batch size', () => {
  const x = sg.tensor([[1, -1, -2, -3], [-1, -2, -3, -4], [-2, -3, -4, -5]]);
  for (const Loss of [nn.MSELoss, nn.CrossEntropyLoss, nn.NLLLoss, nn.BCEWithLogitsLoss]) {
    const m = fn((t, self) => self.loss.call(t, t), (self) => { self.loss = self.registerModule('loss', new Loss()); });
    assert.throws(() => sg.exportOnnx(m, x), new RegExp(`exportOnnx: nn\\.${Loss.name} \\(module 'loss'\\) has no ONNX export yet`));
  }
  assert.throws(() => sg.exportOnnx(fn((t) => t.add(sg.any(t.gt(0), 1, true))), x, { dynamicBatch: false }), /a tensor of shape \[3,1\] made inside forward changes with the input's values, but no op with an ONNX form computes it.*any\/all/);
  assert.throws(() => sg.exportOnnx(fn((t) => sg.cumprod(t, 0)), x), /exportOnnx: in the model \(Fn\): cumprod along the batch dim 0 ties the file to the example's batch size; export with \{ dynamicBatch: false \}/);
  assert.throws(() => sg.exportOnnx(fn((t) => sg.sort(t, 0).values), x), /sorting along the batch dim 0 ties the file/);
  assert.throws(() => sg.exportOnnx(fn((t) => sg.pad(t, [0, 0, 1, 1])), x), /pad \[0,0,1,1\] pads the batch dim 0, which ties the file to the example's batch size/);
  const expanded = fn((t, m) => t.add(m.b.expand([t.shape[0], 4])), (m) => { m.b = m.registerParameter('b', sg.randn([1, 4])); });
  assert.throws(() => sg.exportOnnx(expanded, x), /exportOnnx: in the model \(Fn\): expand from \[1,4\] to \[3,4\] gives dim 0 the example's batch size 3, which the file would keep fixed; expand with expandAs/);
  expanded.dispose();
});

test('the global Worker onnxruntime installed is removed again', () => {
  if (!hadWorker) delete globalThis.Worker;
  assert.is('Worker' in globalThis, hadWorker);
});

test.run();
