// nn.MultiheadAttention, nn.TransformerEncoderLayer and nn.TransformerEncoder:
// a two-head attention computed by hand, layouts and masks against a float64
// multi-head attention written here, finite-difference gradients of the
// inputs and of the projection weights, dropout in training and evaluation,
// PyTorch's state-dict keys and init, post- and pre-norm layers against a
// float64 layer, independent layer copies, refused arguments, and a
// character-level transformer language model whose loss falls.
import * as assert from 'uvu/assert';
import { suite, sg, rng, assertClose } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';
import { refused } from '../helpers/refused.mjs';

const test = suite('nn-transformer');
const { nn, optim } = sg;

const params = (m) => Object.fromEntries([...m.stateDict()].map(([k, v]) => [nn.toTorchKey(k), nd(v.shape, v.toArray())]));

/** x (T, K) rows times W^T (O, K) plus b: (T, O). */
function affine(x, T, W, b, rowOff = 0, O = W.shape[0] - rowOff) {
  const K = W.shape[1];
  const out = new Float64Array(T * O);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < O; o++) {
      let s = b ? b.data[rowOff + o] : 0;
      for (let k = 0; k < K; k++) s += x[t * K + k] * W.data[(rowOff + o) * K + k];
      out[t * O + o] = s;
    }
  }
  return out;
}

/**
 * float64 multi-head attention for one sequence: q (L, E), k (S, kdim), v (S, vdim)
 * as Float64Arrays, P PyTorch's state dict, mask(h, i, j) added to the scores.
 * Returns { out (L, E), weights (H, L, S) }.
 */
function refMha(P, E, H, q, L, k, S, v, mask = () => 0) {
  const d = E / H;
  const sep = P.in_proj_weight === undefined;
  const Q = affine(q, L, sep ? P.q_proj_weight : P.in_proj_weight, P.in_proj_bias, 0, E);
  const K = sep ? affine(k, S, P.k_proj_weight, P.in_proj_bias && nd([E], P.in_proj_bias.data.slice(E, 2 * E))) : affine(k, S, P.in_proj_weight, P.in_proj_bias, E, E);
  const V = sep ? affine(v, S, P.v_proj_weight, P.in_proj_bias && nd([E], P.in_proj_bias.data.slice(2 * E))) : affine(v, S, P.in_proj_weight, P.in_proj_bias, 2 * E, E);
  const heads = new Float64Array(L * E), weights = new Float64Array(H * L * S);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < L; i++) {
      const s = new Float64Array(S);
      for (let j = 0; j < S; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += Q[i * E + h * d + c] * K[j * E + h * d + c];
        s[j] = dot / Math.sqrt(d) + mask(h, i, j);
      }
      const mx = Math.max(...s);
      let total = 0;
      for (let j = 0; j < S; j++) total += (s[j] = Math.exp(s[j] - mx));
      for (let j = 0; j < S; j++) {
        const p = (weights[(h * L + i) * S + j] = s[j] / total);
        for (let c = 0; c < d; c++) heads[i * E + h * d + c] += p * V[j * E + h * d + c];
      }
    }
  }
  return { out: affine(heads, L, P['out_proj.weight'], P['out_proj.bias']), weights };
}

test('a two-head attention computed by hand (E = 4, L = 2, S = 3)', () => {
  const mha = new nn.MultiheadAttention(4, 2);
  // in_proj rows: W_q = I, W_k = 2 I, W_v = [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, -1]]; biases
  const I = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  const Wv = [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1];
  sg.noGrad(() => {
    mha.inProjWeight.copy_(sg.tensor([...I, ...I.map((x) => 2 * x), ...Wv], { shape: [12, 4] }));
    mha.inProjBias.copy_(sg.tensor([0, 0, 0, 0, 0, 0, 0, 0, 0.5, 0, 0, 0]));
    mha.outProj.weight.copy_(sg.tensor(I, { shape: [4, 4] }));
    mha.outProj.bias.copy_(sg.tensor([0, 0, 0, 1]));
  });
  const q = sg.tensor([[1, 0, 0, 1], [0, 1, 1, 0]]); // (L, E), unbatched
  const kv = sg.tensor([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]]);
  const [out, w] = mha.forward(q, kv, kv, { averageAttnWeights: false });
  // by hand: head 0 uses features 0-1, head 1 features 2-3, d = 2, scale 1/sqrt 2.
  // K = 2 kv, so score(i, j) = 2 q_i,h . kv_j,h / sqrt 2 = sqrt 2 q_i,h . kv_j,h
  // V rows: v = (x0 + x1 + 0.5, x1, x2, -x3): (1.5, 0, 1, 0), (1.5, 1, 0, -1), (2.5, 1, 0, 0)
  const r2 = Math.SQRT2;
  const dots = [ // [head][i][j] of q_i,h . kv_j,h
    [[1, 0, 1], [0, 1, 1]],
    [[0, 1, 0], [1, 0, 0]],
  ];
  const V = [[1.5, 0, 1, 0], [1.5, 1, 0, -1], [2.5, 1, 0, 0]];
  const expW = [], expOut = [];
  for (let h = 0; h < 2; h++) {
    for (let i = 0; i < 2; i++) {
      const e = dots[h][i].map((x) => Math.exp(r2 * x));
      const s = e[0] + e[1] + e[2];
      expW.push(...e.map((x) => x / s));
    }
  }
  for (let i = 0; i < 2; i++) {
    const row = [0, 0, 0, 0];
    for (let h = 0; h < 2; h++) for (let j = 0; j < 3; j++) for (let c = 0; c < 2; c++) row[2 * h + c] += expW[(h * 2 + i) * 3 + j] * V[j][2 * h + c];
    row[3] += 1; // out_proj bias
    expOut.push(...row);
  }
  assert.equal(w.shape, [2, 2, 3]);
  assertClose(w.toArray(), expW, { atol: 1e-6 });
  assertClose(out.toArray(), expOut, { atol: 1e-6 });
  // averaged weights, and the fused path without weights
  const [out2, wavg] = mha.forward(q, kv, kv);
  assertClose(wavg.toArray(), [0, 1, 2, 3, 4, 5].map((n) => (expW[n] + expW[6 + n]) / 2), { atol: 1e-6 });
  const [out3, none] = mha.forward(q, kv, kv, { needWeights: false });
  assert.is(none, null);
  assertClose(out2.toArray(), expOut, { atol: 1e-6 });
  assertClose(out3.toArray(), expOut, { atol: 1e-6 });
  mha.dispose();
});

test('layouts (sequence-first, batchFirst, kdim / vdim) and masks (key padding bool / float, 2-d and 3-d attnMask) against float64', () => {
  const r = rng(4);
  const E = 6, H = 3, L = 3, S = 4, N = 2;
  for (const [kdim, vdim, batchFirst] of [[6, 6, false], [5, 4, true]]) {
    const mha = new nn.MultiheadAttention(E, H, { kdim, vdim, batchFirst });
    sg.noGrad(() => { for (const b of [mha.inProjBias, mha.outProj.bias]) b.copy_(sg.tensor(Float32Array.from(r.array(b.numel(), -1, 1)))); });
    const P = params(mha);
    const data = (shape) => sg.tensor(Float32Array.from(r.array(shape.reduce((a, b) => a * b, 1), -1, 1)), { shape });
    const q = data([N, L, E]), k = data([N, S, kdim]), v = data([N, S, vdim]);
    const pad = sg.tensor([[0, 0, 1, 0], [0, 0, 0, 1]]);
    const am3 = data([N * H, L, S]), am2 = data([L, S]);
    const layout = (t) => (batchFirst ? t : sg.transpose(t, 0, 1));
    for (const [opts, mask] of [
      [{}, () => 0],
      [{ keyPaddingMask: pad, boolMask: true }, (n) => (h, i, j) => (pad.toArray()[n * S + j] ? -Infinity : 0)],
      [{ keyPaddingMask: sg.mul(pad, -3), attnMask: am2 }, (n) => (h, i, j) => -3 * pad.toArray()[n * S + j] + am2.toArray()[i * S + j]],
      [{ attnMask: am3 }, (n) => (h, i, j) => am3.toArray()[((n * H + h) * L + i) * S + j]],
    ]) {
      for (const needWeights of [true, false]) {
        const [out, w] = mha.forward(layout(q), layout(k), layout(v), { ...opts, needWeights, averageAttnWeights: false });
        const o = batchFirst ? out : sg.transpose(out, 0, 1);
        for (let n = 0; n < N; n++) {
          const slice = (t, T, C) => Float64Array.from(t.toArray().slice(n * T * C, (n + 1) * T * C));
          const ref = refMha(P, E, H, slice(q, L, E), L, slice(k, S, kdim), S, slice(v, S, vdim), typeof mask(0) === 'function' ? mask(n) : mask);
          assertClose(slice(sg.contiguous ? o.contiguous() : o, L, E), ref.out, { atol: 2e-5, what: `output ${JSON.stringify(Object.keys(opts))} n=${n}` });
          if (needWeights) assertClose(w.toArray().slice(n * H * L * S, (n + 1) * H * L * S), ref.weights, { atol: 2e-6, what: 'weights' });
        }
      }
    }
    mha.dispose();
  }
});

test('gradients of query, key and value (both paths), and of the projection weights, by finite differences', () => {
  const E = 4, H = 2, L = 3, S = 2;
  const mha = new nn.MultiheadAttention(E, H, { kdim: 3, vdim: 5 });
  const P = params(mha);
  for (const needWeights of [true, false]) {
    gradcheck({
      inputs: [{ shape: [L, E] }, { shape: [S, 3] }, { shape: [S, 5] }],
      fn: (q, k, v) => mha.forward(q, k, v, { needWeights })[0],
      ref: (q, k, v) => nd([L, E], refMha(P, E, H, q.data, L, k.data, S, v.data).out),
      seed: needWeights ? 1 : 2,
    });
  }
  // the parameters: d(sum w * out)/dW against central differences of the float64 reference
  mha.zeroGrad();
  const r = rng(5);
  const q = sg.tensor(Float32Array.from(r.array(L * E, -1, 1)), { shape: [L, E] }), k = sg.tensor(Float32Array.from(r.array(S * 3, -1, 1)), { shape: [S, 3] }), v = sg.tensor(Float32Array.from(r.array(S * 5, -1, 1)), { shape: [S, 5] });
  const w = r.array(L * E, -1, 1);
  const [out] = mha.forward(q, k, v, { needWeights: false });
  sg.mul(out, sg.tensor(Float32Array.from(w), { shape: [L, E] })).sum().backward();
  const loss = (Q) => refMha(Q, E, H, Float64Array.from(q.toArray()), L, Float64Array.from(k.toArray()), S, Float64Array.from(v.toArray())).out.reduce((s, y, i) => s + w[i] * y, 0);
  for (const [key, t] of [['q_proj_weight', mha.qProjWeight], ['k_proj_weight', mha.kProjWeight], ['v_proj_weight', mha.vProjWeight], ['in_proj_bias', mha.inProjBias], ['out_proj.weight', mha.outProj.weight]]) {
    const numeric = P[key].data.map((x, j) => {
      const at = (y) => loss({ ...P, [key]: nd(P[key].shape, P[key].data.map((z, i) => (i === j ? y : z))) });
      return (at(x + 1e-6) - at(x - 1e-6)) / 2e-6;
    });
    assertClose(t.grad.toArray(), numeric, { atol: 2e-3, rtol: 2e-3, what: `gradient of ${key}` });
  }
  mha.dispose();
});

test('dropout on the attention weights in training only; eval is deterministic and equals dropout 0', () => {
  const mha = new nn.MultiheadAttention(8, 2, { dropout: 0.5 });
  const plain = new nn.MultiheadAttention(8, 2);
  plain.loadStateDict(mha.stateDict());
  const x = sg.randn([5, 1, 8]);
  mha.eval();
  const [e1, we] = mha.forward(x, x, x);
  const [ref, wr] = plain.forward(x, x, x);
  assert.equal(Array.from(e1.toArray()), Array.from(ref.toArray()));
  assert.equal(Array.from(we.toArray()), Array.from(wr.toArray()));
  mha.train();
  sg.manualSeed(9);
  const [t1, wt] = mha.forward(x, x, x, { averageAttnWeights: false });
  sg.manualSeed(9);
  const [t2] = mha.forward(x, x, x, { averageAttnWeights: false });
  assert.equal(Array.from(t1.toArray()), Array.from(t2.toArray()), 'the same seed draws the same mask');
  assert.ok(wt.toArray().some((p) => p === 0), 'some weights dropped');
  assert.ok(wt.toArray().some((p) => p > 0), 'kept weights scaled by 2 remain');
  assert.ok(t1.toArray().some((y, i) => Math.abs(y - ref.toArray()[i]) > 1e-4), 'training output differs');
  // the fused path (no weights) drops too, reproducibly
  sg.manualSeed(9);
  const [f1] = mha.forward(x, x, x, { needWeights: false });
  sg.manualSeed(9);
  const [f2] = mha.forward(x, x, x, { needWeights: false });
  assert.equal(Array.from(f1.toArray()), Array.from(f2.toArray()));
  assert.ok(f1.toArray().some((y, i) => Math.abs(y - ref.toArray()[i]) > 1e-4));
  mha.dispose();
  plain.dispose();
});

test("state-dict keys, shapes and init are PyTorch's", () => {
  const keys = (m) => [...m.stateDict().keys()].map(nn.toTorchKey);
  const made = [];
  const keep = (m) => (made.push(m), m);
  const mha = keep(new nn.MultiheadAttention(8, 2));
  assert.equal(keys(mha), ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
  assert.equal(mha.inProjWeight.shape, [24, 8]);
  const bound = Math.sqrt(6 / (8 + 24)); // xavier uniform: fanIn 8, fanOut 24
  const wv = mha.inProjWeight.toArray();
  assert.ok(wv.every((x) => Math.abs(x) <= bound) && wv.some((x) => Math.abs(x) > 0.9 * bound), 'xavier-uniform in_proj_weight');
  assert.ok(mha.inProjBias.toArray().every((x) => x === 0) && mha.outProj.bias.toArray().every((x) => x === 0), 'zero biases');
  assert.equal(keys(keep(new nn.MultiheadAttention(8, 2, { kdim: 3, vdim: 5 }))), ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
  assert.equal(keys(keep(new nn.MultiheadAttention(8, 2, 0, false))), ['in_proj_weight', 'out_proj.weight']);
  const layer = ['self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias',
    'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias'];
  const l = keep(new nn.TransformerEncoderLayer(8, 2, 16));
  assert.equal(keys(l), layer);
  assert.equal(keys(keep(new nn.TransformerEncoder(l, 2, new nn.LayerNorm(8)))), [...layer.map((k) => `layers.0.${k}`), ...layer.map((k) => `layers.1.${k}`), 'norm.weight', 'norm.bias']);
  assert.equal(keys(keep(new nn.TransformerEncoderLayer(8, 2, { bias: false }))), ['self_attn.in_proj_weight', 'self_attn.out_proj.weight', 'linear1.weight', 'linear2.weight', 'norm1.weight', 'norm2.weight']);
  for (const m of made) m.dispose();
});

/** float64 layer norm over rows of D (no affine when w is undefined). */
function refNorm(x, D, w, b, eps = 1e-5) {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    const row = x.subarray(r * D, (r + 1) * D);
    const m = row.reduce((a, c) => a + c, 0) / D;
    const v = row.reduce((a, c) => a + (c - m) ** 2, 0) / D;
    for (let i = 0; i < D; i++) out[r * D + i] = ((row[i] - m) / Math.sqrt(v + eps)) * w.data[i] + b.data[i];
  }
  return out;
}

test('TransformerEncoderLayer post-norm and pre-norm (relu) against float64, with a causal mask; gelu wired as the activation', () => {
  const D = 8, H = 2, F = 12, L = 5;
  const causal = nn.generateSquareSubsequentMask(L);
  assert.equal(Array.from(causal.toArray()).map((x) => (x === 0 ? 0 : 1)), Array.from({ length: L * L }, (_, n) => (n % L > Math.floor(n / L) ? 1 : 0)));
  for (const normFirst of [false, true]) {
    const layer = new nn.TransformerEncoderLayer(D, H, { dimFeedforward: F, dropout: 0.3, normFirst });
    layer.eval();
    sg.noGrad(() => { for (const b of [layer.norm1.weight, layer.norm2.bias, layer.selfAttn.inProjBias]) b.copy_(sg.randn(b.shape)); });
    const P = params(layer);
    const sub = (prefix) => Object.fromEntries(Object.entries(P).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    const x = sg.randn([L, D]);
    for (const isCausal of [false, true]) {
      const y = layer.forward(x, isCausal ? { mask: causal, isCausal } : {});
      const sa = (u) => refMha(sub('self_attn.'), D, H, u, L, u, L, u, (h, i, j) => (isCausal && j > i ? -Infinity : 0)).out;
      const ff = (u) => affine(affine(u, L, P['linear1.weight'], P['linear1.bias']).map((z) => Math.max(0, z)), L, P['linear2.weight'], P['linear2.bias']);
      const n1 = (u) => refNorm(u, D, P['norm1.weight'], P['norm1.bias']), n2 = (u) => refNorm(u, D, P['norm2.weight'], P['norm2.bias']);
      const plus = (a, b) => a.map((z, i) => z + b[i]);
      let u = Float64Array.from(x.toArray());
      if (normFirst) {
        u = plus(u, sa(n1(u)));
        u = plus(u, ff(n2(u)));
      } else {
        u = n1(plus(u, sa(u)));
        u = n2(plus(u, ff(u)));
      }
      assertClose(y.toArray(), u, { atol: 5e-5, what: `normFirst=${normFirst} isCausal=${isCausal}` });
    }
    layer.dispose();
  }
  const g = new nn.TransformerEncoderLayer(D, H, { dimFeedforward: F, dropout: 0, activation: 'gelu' });
  const x = sg.randn([L, D]);
  const h = sg.add(x, g.selfAttn.forward(x, x, x, { needWeights: false })[0]);
  const u = g.norm1.call(h);
  const expected = g.norm2.call(sg.add(u, g.linear2.call(sg.F.gelu(g.linear1.call(u)))));
  assertClose(g.forward(x).toArray(), expected.toArray(), { atol: 1e-6 });
  g.dispose();
});

test('TransformerEncoder: independent copies of the layer, applied in turn, then the norm; gradients reach every layer', () => {
  const template = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
  const norm = new nn.LayerNorm(8);
  const enc = new nn.TransformerEncoder(template, 2, norm);
  const [l0, l1] = [...enc.layers];
  assert.ok(l0 !== template && l1 !== template && l0.linear1.weight !== l1.linear1.weight);
  assert.equal(Array.from(l0.linear1.weight.toArray()), Array.from(template.linear1.weight.toArray()));
  sg.noGrad(() => l1.linear1.weight.copy_(sg.mul(l1.linear1.weight, 0.5)));
  assert.ok(l0.linear1.weight.toArray()[0] === template.linear1.weight.toArray()[0], 'changing one copy leaves the others');
  const x = sg.randn([2, 4, 8]);
  const pad = sg.tensor([[0, 0, 0, 1], [0, 0, 0, 0]]);
  const y = enc.forward(x, { srcKeyPaddingMask: pad, boolMask: true });
  const step = (layer, u) => layer.forward(u, { srcKeyPaddingMask: pad, boolMask: true });
  assertClose(y.toArray(), norm.call(step(l1, step(l0, x))).toArray(), { atol: 1e-6 });
  y.sum().backward();
  for (const [name, p] of enc.namedParameters()) assert.ok(p.grad !== null, `${name} has a gradient`);
  enc.dispose();
  template.dispose();
});

test('refused arguments name the module and the fix, and leave the heap as it was', () => {
  refused(() => new nn.MultiheadAttention(8, 3), RangeError, /embedDim 8 must be divisible by numHeads 3/);
  refused(() => new nn.MultiheadAttention(8, 2, { addBiasKV: true }), Error, /addBiasKV/);
  refused(() => new nn.MultiheadAttention(8, 2, { addZeroAttn: true }), Error, /addZeroAttn/);
  refused(() => new nn.MultiheadAttention(8, 2, { batch_first: true }), TypeError, /batchFirst/);
  refused(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' }), Error, /activation/);
  const lin = new nn.Linear(2, 2), mha = new nn.MultiheadAttention(8, 2);
  refused(() => new nn.TransformerEncoder(lin, 2), TypeError, /TransformerEncoderLayer/);
  const x = sg.randn([3, 2, 8]), bad = sg.randn([3, 2, 6]), kpm = sg.ones([3, 3]), am = sg.ones([2, 3]);
  refused(() => mha.forward(x, bad, bad), RangeError, /expected \(L, N, E\), \(S, N, kdim\), \(S, N, vdim\) with E = 8/);
  refused(() => mha.forward(x, x, x, { keyPaddingMask: kpm }), RangeError, /keyPaddingMask \[3,3\]: expected \[2,3\]/);
  refused(() => mha.forward(x, x, x, { attnMask: am }), RangeError, /attnMask \[2,3\]/);
  refused(() => mha.forward(x, x, x, { isCausal: true }), RangeError, /generateSquareSubsequentMask/);
  refused(() => mha.forward(x, x, x, { need_weights: false }), TypeError, /needWeights/);
  lin.dispose();
  mha.dispose();
});

test('a character-level transformer language model (embedding -> 2 causal encoder layers -> linear) learns a fixed string', () => {
  const text = 'hello simdgrad, hello attention. ';
  const chars = [...new Set(text)];
  const ids = [...text].map((ch) => chars.indexOf(ch));
  const V = chars.length, D = 16, T = ids.length - 1;
  sg.manualSeed(5);
  const emb = new nn.Embedding(V, D), pos = new nn.Embedding(T, D), head = new nn.Linear(D, V);
  const template = new nn.TransformerEncoderLayer(D, 2, { dimFeedforward: 32, dropout: 0, normFirst: true });
  const enc = new nn.TransformerEncoder(template, 2);
  const opt = new optim.Adam([...emb.parameters(), ...pos.parameters(), ...enc.parameters(), ...head.parameters()], 0.01);
  const lossFn = new nn.CrossEntropyLoss();
  const input = sg.tensor(ids.slice(0, -1)), target = sg.tensor(ids.slice(1)), where = sg.arange(T);
  const mask = nn.generateSquareSubsequentMask(T);
  const losses = [];
  for (let step = 0; step < 60; step++) {
    sg.scope(() => {
      opt.zeroGrad();
      const h = enc.forward(sg.add(emb.call(input), pos.call(where)), { mask, isCausal: true }); // unbatched (T, D)
      const loss = lossFn.call(head.call(h), target);
      losses.push(loss.item());
      loss.backward();
      opt.step();
    });
  }
  opt.dispose();
  for (const m of [emb, pos, head, enc, template]) m.dispose();
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses.at(-1) < 0.25 * losses[0], `loss ${losses[0].toFixed(3)} -> ${losses.at(-1).toFixed(3)}`);
});

test.run();
