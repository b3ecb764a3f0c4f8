// nn.LSTM and nn.GRU: one cell step written out by hand, layers, directions
// and layouts against a float64 recurrence written here, gradients by finite
// differences (inputs, states and every parameter), PyTorch's state-dict keys,
// refused arguments, and a character-level language model that learns.
import * as assert from 'uvu/assert';
import { suite, sg, rng, assertClose } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';
import { refused } from '../helpers/refused.mjs';

const test = suite('nn-rnn');
const { nn, optim } = sg;

const sigma = (v) => 1 / (1 + Math.exp(-v));

/** PyTorch's parameter keys in state-dict order. */
function torchKeys(numLayers, bidirectional, bias = true) {
  const keys = [];
  for (let l = 0; l < numLayers; l++) {
    for (const sfx of bidirectional ? ['', '_reverse'] : ['']) {
      keys.push(`weight_ih_l${l}${sfx}`, `weight_hh_l${l}${sfx}`);
      if (bias) keys.push(`bias_ih_l${l}${sfx}`, `bias_hh_l${l}${sfx}`);
    }
  }
  return keys;
}

/** float64 rows of W (G, K) times v (K) plus b. */
function affine(W, v, b) {
  const [G, K] = W.shape;
  const out = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    let s = b ? b.data[g] : 0;
    for (let k = 0; k < K; k++) s += W.data[g * K + k] * v[k];
    out[g] = s;
  }
  return out;
}

/** One float64 step: LSTM (gates i, f, g, o) or GRU (r, z, n); returns [h, c]. */
function refStep(mode, P, sfx, x, h, c) {
  const H = h.length;
  const gi = affine(P[`weight_ih_${sfx}`], x, P[`bias_ih_${sfx}`]);
  const gh = affine(P[`weight_hh_${sfx}`], h, P[`bias_hh_${sfx}`]);
  const h2 = new Float64Array(H), c2 = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    if (mode === 'LSTM') {
      const a = (k) => gi[k * H + j] + gh[k * H + j];
      c2[j] = sigma(a(1)) * c[j] + sigma(a(0)) * Math.tanh(a(2));
      h2[j] = sigma(a(3)) * Math.tanh(c2[j]);
    } else {
      const r = sigma(gi[j] + gh[j]), z = sigma(gi[H + j] + gh[H + j]);
      const n = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
      h2[j] = (1 - z) * n + z * h[j];
    }
  }
  return [h2, c2];
}

/**
 * float64 LSTM/GRU over x ((L, N, in), (N, L, in) with batchFirst, or (L, in));
 * P maps PyTorch's keys to {shape, data}; h0/c0 (layers*D, [N,] H) or null.
 * Returns {output, hN, cN} as nd arrays.
 */
function refRnn(mode, P, x, { numLayers = 1, bidirectional = false, batchFirst = false } = {}, h0 = null, c0 = null) {
  const H = P.weight_hh_l0.shape[1], D = bidirectional ? 2 : 1;
  const batched = x.shape.length === 3;
  const [L, N, I] = !batched ? [x.shape[0], 1, x.shape[1]] : batchFirst ? [x.shape[1], x.shape[0], x.shape[2]] : x.shape;
  const xAt = (t, n) => x.data.subarray(...(batchFirst && batched ? [(n * L + t) * I, (n * L + t + 1) * I] : [(t * N + n) * I, (t * N + n + 1) * I]));
  let seq = Array.from({ length: L }, (_, t) => Array.from({ length: N }, (_, n) => Float64Array.from(xAt(t, n))));
  const S = numLayers * D;
  const hN = new Float64Array(S * N * H), cN = new Float64Array(S * N * H);
  const init = (s, n, src) => (src ? Float64Array.from(src.data.subarray((s * N + n) * H, (s * N + n + 1) * H)) : new Float64Array(H));
  for (let l = 0; l < numLayers; l++) {
    const next = Array.from({ length: L }, () => Array.from({ length: N }, () => new Float64Array(D * H)));
    for (let d = 0; d < D; d++) {
      const s = l * D + d, sfx = `l${l}${d === 1 ? '_reverse' : ''}`;
      for (let n = 0; n < N; n++) {
        let h = init(s, n, h0), c = init(s, n, c0);
        for (let k = 0; k < L; k++) {
          const t = d === 1 ? L - 1 - k : k;
          [h, c] = refStep(mode, P, sfx, seq[t][n], h, c);
          next[t][n].set(h, d * H);
        }
        hN.set(h, (s * N + n) * H);
        cN.set(c, (s * N + n) * H);
      }
    }
    seq = next;
  }
  const out = new Float64Array(L * N * D * H);
  for (let t = 0; t < L; t++) for (let n = 0; n < N; n++) out.set(seq[t][n], (batchFirst && batched ? n * L + t : t * N + n) * D * H);
  const outShape = !batched ? [L, D * H] : batchFirst ? [N, L, D * H] : [L, N, D * H];
  const stateShape = batched ? [S, N, H] : [S, H];
  return { output: nd(outShape, out), hN: nd(stateShape, hN), cN: nd(stateShape, cN) };
}

/** Random float32-representable parameters under PyTorch's keys, loaded into m; returns the float64 copies. */
function setParams(m, r, scale = 0.6) {
  const P = {};
  const dict = {};
  for (const [k, t] of m.stateDict()) {
    const key = nn.toTorchKey(k);
    P[key] = nd([...t.shape], r.array(t.numel(), -scale, scale));
    dict[key] = sg.tensor(Float32Array.from(P[key].data), { shape: [...t.shape] });
  }
  m.loadStateDict(dict);
  return P;
}

const tensorOf = (a) => sg.tensor(Float32Array.from(a.data), { shape: a.shape });

test('an LSTM cell step by hand: gates i, f, g, o in that order', () => {
  const m = new nn.LSTM(1, 1);
  // W_ih = [i, f, g, o] rows, likewise W_hh, b_ih, b_hh
  m.loadStateDict({
    weight_ih_l0: sg.tensor([[0.5], [-0.25], [1], [0.75]]),
    weight_hh_l0: sg.tensor([[0.125], [0.5], [-0.5], [0.25]]),
    bias_ih_l0: sg.tensor([0.1, 0.2, -0.3, 0.4]),
    bias_hh_l0: sg.tensor([-0.05, 0.15, 0.25, -0.35]),
  });
  const x = 2, h0 = 0.5, c0 = -0.75;
  const i = sigma(0.5 * x + 0.1 + 0.125 * h0 - 0.05);
  const f = sigma(-0.25 * x + 0.2 + 0.5 * h0 + 0.15);
  const g = Math.tanh(1 * x - 0.3 - 0.5 * h0 + 0.25);
  const o = sigma(0.75 * x + 0.4 + 0.25 * h0 - 0.35);
  const c1 = f * c0 + i * g, h1 = o * Math.tanh(c1);
  const [out, [hN, cN]] = m.forward(sg.tensor([[[x]]]), [sg.tensor([[[h0]]]), sg.tensor([[[c0]]])]);
  assert.equal(out.shape, [1, 1, 1]);
  assertClose(out.toArray(), [h1], { atol: 1e-6, what: 'output' });
  assertClose(hN.toArray(), [h1], { atol: 1e-6, what: 'hN' });
  assertClose(cN.toArray(), [c1], { atol: 1e-6, what: 'cN' });
  m.dispose();
});

test('a GRU step by hand: gates r, z, n with n = tanh(W_in x + b_in + r (W_hn h + b_hn))', () => {
  const m = new nn.GRU(1, 1);
  m.loadStateDict({
    weight_ih_l0: sg.tensor([[0.5], [-0.25], [1]]),
    weight_hh_l0: sg.tensor([[0.125], [0.5], [-0.5]]),
    bias_ih_l0: sg.tensor([0.1, 0.2, -0.3]),
    bias_hh_l0: sg.tensor([-0.05, 0.15, 0.25]),
  });
  const x = 1.5, h0 = -0.5;
  const r = sigma(0.5 * x + 0.1 + 0.125 * h0 - 0.05);
  const z = sigma(-0.25 * x + 0.2 + 0.5 * h0 + 0.15);
  const n = Math.tanh(1 * x - 0.3 + r * (-0.5 * h0 + 0.25));
  const h1 = (1 - z) * n + z * h0;
  const [out, hN] = m.forward(sg.tensor([[x]]), sg.tensor([[h0]])); // unbatched (L=1, in=1), h0 (1, 1)
  assert.equal(out.shape, [1, 1]);
  assert.equal(hN.shape, [1, 1]);
  assertClose(out.toArray(), [h1], { atol: 1e-6, what: 'output' });
  assertClose(hN.toArray(), [h1], { atol: 1e-6, what: 'hN' });
  m.dispose();
});

test('two layers, bidirectional, batchFirst, unbatched, no bias: shapes and values against the float64 recurrence', () => {
  const r = rng(7);
  const cases = [
    { mode: 'LSTM', o: {}, x: [5, 2, 3] },
    { mode: 'LSTM', o: { numLayers: 2, bidirectional: true }, x: [4, 3, 3], states: true },
    { mode: 'LSTM', o: { numLayers: 2, batchFirst: true }, x: [2, 6, 3] },
    { mode: 'LSTM', o: { bidirectional: true, batchFirst: true, bias: false }, x: [3, 4, 3], states: true },
    { mode: 'LSTM', o: { numLayers: 2, bidirectional: true }, x: [5, 3], states: true },
    { mode: 'GRU', o: {}, x: [5, 2, 3] },
    { mode: 'GRU', o: { numLayers: 2, bidirectional: true }, x: [4, 3, 3], states: true },
    { mode: 'GRU', o: { numLayers: 2, batchFirst: true, bias: false }, x: [2, 6, 3], states: true },
    { mode: 'GRU', o: { bidirectional: true }, x: [5, 3] },
  ];
  for (const { mode, o, x: xs, states } of cases) {
    const what = `${mode} ${JSON.stringify(o)} x [${xs}]`;
    const m = new nn[mode](3, 4, o);
    const P = setParams(m, r);
    const S = (o.numLayers ?? 1) * (o.bidirectional ? 2 : 1);
    const N = xs.length === 3 ? xs[o.batchFirst ? 0 : 1] : null;
    const stateShape = N === null ? [S, 4] : [S, N, 4];
    const x = nd(xs, r.array(xs.reduce((a, b) => a * b), -1, 1));
    const h0 = states ? nd(stateShape, r.array(stateShape.reduce((a, b) => a * b), -1, 1)) : null;
    const c0 = states ? nd(stateShape, r.array(stateShape.reduce((a, b) => a * b), -1, 1)) : null;
    const ref = refRnn(mode, P, x, o, h0, c0);
    const hx = !states ? undefined : mode === 'LSTM' ? [tensorOf(h0), tensorOf(c0)] : tensorOf(h0);
    const [out, st] = m.forward(tensorOf(x), hx);
    const [hN, cN] = mode === 'LSTM' ? st : [st, null];
    assert.equal(out.shape, ref.output.shape, `${what}: output shape`);
    assert.equal(hN.shape, ref.hN.shape, `${what}: hN shape`);
    assertClose(out.toArray(), ref.output.data, { atol: 2e-6, what: `${what}: output` });
    assertClose(hN.toArray(), ref.hN.data, { atol: 2e-6, what: `${what}: hN` });
    if (cN) assertClose(cN.toArray(), ref.cN.data, { atol: 2e-6, what: `${what}: cN` });
    m.dispose();
  }
});

/** Concatenates output and final states into one flat tensor (engine) / array (reference). */
const flatEngine = (out, states) => sg.cat([out, ...states].map((t) => t.reshape([-1])), 0);
const flatRef = (ref, mode) => {
  const parts = [ref.output.data, ref.hN.data, ...(mode === 'LSTM' ? [ref.cN.data] : [])];
  const all = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return nd([all.length], all);
};

for (const mode of ['LSTM', 'GRU']) {
  test(`${mode} gradients by finite differences: input and initial states (2 layers, bidirectional)`, () => {
    const o = { numLayers: 2, bidirectional: true };
    const m = new nn[mode](2, 3, o);
    const P = setParams(m, rng(11), 0.8);
    const lstm = mode === 'LSTM';
    const inputs = [{ shape: [3, 2, 2] }, { shape: [4, 2, 3] }, ...(lstm ? [{ shape: [4, 2, 3] }] : [])];
    gradcheck({
      inputs,
      fn: (x, h0, c0) => {
        const [out, st] = m.forward(x, lstm ? [h0, c0] : h0);
        return flatEngine(out, lstm ? st : [st]);
      },
      ref: (x, h0, c0) => flatRef(refRnn(mode, P, x, o, h0, c0 ?? null), mode),
      fatol: 2e-6,
    });
    m.dispose();
  });

  test(`${mode} gradients by finite differences: every parameter (batchFirst, 2 layers)`, () => {
    const o = { numLayers: 2, batchFirst: true };
    const m = new nn[mode](2, 3, o);
    const r = rng(13);
    const P = setParams(m, r, 0.8);
    const x = nd([2, 3, 2], r.array(12, -1, 1));
    const ref0 = refRnn(mode, P, x, o);
    const w = r.array(flatRef(ref0, mode).data.length, -1, 1);
    const [out, st] = m.forward(tensorOf(x));
    sg.mul(flatEngine(out, mode === 'LSTM' ? st : [st]), sg.tensor(Float32Array.from(w))).sum().backward();
    const L = (Q) => flatRef(refRnn(mode, Q, x, o), mode).data.reduce((s, v, i) => s + w[i] * v, 0);
    const named = new Map([...m.namedParameters()].map(([k, t]) => [nn.toTorchKey(k), t]));
    for (const key of torchKeys(2, false)) {
      const p = P[key];
      const numeric = p.data.map((v, j) => {
        const step = 1e-6 * Math.max(1, Math.abs(v));
        const at = (d) => L({ ...P, [key]: nd(p.shape, p.data.map((u, q) => (q === j ? v + d : u))) });
        return (at(step) - at(-step)) / (2 * step);
      });
      assertClose(named.get(key).grad.toArray(), numeric, { atol: 2e-3, rtol: 2e-3, what: `${mode} gradient of ${key}` });
    }
    m.dispose();
  });
}

test('state dict keys, shapes and order are PyTorch\'s; a PyTorch-keyed dict loads; init bound 1/sqrt(hiddenSize)', () => {
  for (const [mode, G] of [['LSTM', 4], ['GRU', 3]]) {
    for (const [L, bi, bias] of [[1, false, true], [2, true, true], [3, false, false]]) {
      const m = new nn[mode](5, 6, L, bias, false, 0, bi);
      const sd = m.stateDict();
      const keys = [...sd.keys()].map(nn.toTorchKey);
      assert.equal(keys, torchKeys(L, bi, bias), `${mode} numLayers=${L} bidirectional=${bi} bias=${bias}`);
      for (const [k, t] of sd) {
        const key = nn.toTorchKey(k);
        const l = Number(/_l(\d)/.exec(key)[1]);
        const want = key.startsWith('bias') ? [G * 6] : key.startsWith('weight_hh') ? [G * 6, 6] : [G * 6, l === 0 ? 5 : 6 * (bi ? 2 : 1)];
        assert.equal(t.shape, want, `${mode} ${key} shape`);
        const a = t.toArray();
        const bound = 1 / Math.sqrt(6);
        assert.ok(a.every((v) => v >= -bound && v <= bound), `${mode} ${key} within ±1/sqrt(6)`);
        assert.ok(Math.max(...a) - Math.min(...a) > bound, `${mode} ${key} spread over the range`);
      }
      const snake = Object.fromEntries(keys.map((k, i) => [k, sg.full([...sd.get([...sd.keys()][i]).shape], i)]));
      m.loadStateDict(snake);
      assert.is(m.stateDict().get([...sd.keys()][1]).toArray()[0], 1, 'loaded by PyTorch key');
      m.dispose();
    }
  }
});

test('dropout acts between layers in training only; eval is deterministic', () => {
  const m = new nn.LSTM(3, 4, 2, true, false, 0.5);
  const x = sg.randn([6, 2, 3]);
  const [a] = m.forward(x), [b] = m.forward(x);
  assert.not.equal(Array.from(a.toArray()), Array.from(b.toArray()), 'training: a fresh dropout mask each call');
  m.eval();
  const [c] = m.forward(x), [d] = m.forward(x);
  assert.equal(Array.from(c.toArray()), Array.from(d.toArray()));
  const single = new nn.GRU(3, 4, { dropout: 0.5 }); // one layer: nothing to drop between
  const [e] = single.forward(x), [f] = single.forward(x);
  assert.equal(Array.from(e.toArray()), Array.from(f.toArray()));
  m.dispose();
  single.dispose();
});

test('refused arguments: sizes, options, states and inputs, the heap unchanged', () => {
  refused(() => new nn.LSTM(3), TypeError, /LSTM/, /hiddenSize/);
  refused(() => new nn.LSTM(0, 4), RangeError, /inputSize/);
  refused(() => new nn.GRU(3, 4, 1.5), TypeError, /numLayers/);
  refused(() => new nn.LSTM(3, 4, { batch_first: true }), TypeError, /batchFirst/);
  refused(() => new nn.GRU(3, 4, { dropout: 1.5 }), RangeError, /dropout/);
  refused(() => new nn.LSTM(3, 4, { projSize: 2 }), RangeError, /projSize/, /not implemented/);
  refused(() => new nn.GRU(3, 4, { projSize: 2 }), TypeError, /unknown option 'projSize'/);
  refused(() => new nn.LSTM(3, 4, 1, 'yes'), TypeError, /bias/);
  const lstm = new nn.LSTM(3, 4, 2);
  const gru = new nn.GRU(3, 4, { batchFirst: true });
  const z = (...shape) => sg.zeros(shape);
  const x = z(5, 2, 3), x4 = z(5, 2, 4), x1 = z(5, 2, 3, 1), s224 = z(2, 2, 4), s124 = z(1, 2, 4), s24 = z(2, 4), s154 = z(1, 5, 4);
  refused(() => lstm.forward(x4), RangeError, /LSTM/, /inputSize = 3/);
  refused(() => lstm.forward(x1), RangeError, /LSTM/);
  refused(() => lstm.forward([[1, 2, 3]]), TypeError, /Tensor/);
  refused(() => lstm.forward(x, s224), TypeError, /\[h0, c0\]/);
  refused(() => lstm.forward(x, [s124, s224]), RangeError, /h0 \[1,2,4\]/, /\[2,2,4\]/);
  refused(() => lstm.forward(x, [s224, s24]), RangeError, /c0/);
  refused(() => gru.forward(x, [s154]), TypeError, /Tensor/);
  refused(() => gru.forward(x, s124), RangeError, /h0 \[1,2,4\]/, /\[1,5,4\]/);
  lstm.dispose();
  gru.dispose();
});

test('a character-level language model (embedding -> LSTM -> linear) learns a fixed string', () => {
  const text = 'hello simdgrad, hello lstm. ';
  const chars = [...new Set(text)];
  const ids = [...text].map((ch) => chars.indexOf(ch));
  const V = chars.length;
  sg.manualSeed(3);
  const emb = new nn.Embedding(V, 8), lstm = new nn.LSTM(8, 24), head = new nn.Linear(24, V);
  const params = [...emb.parameters(), ...lstm.parameters(), ...head.parameters()];
  const opt = new optim.Adam(params, 0.03);
  const lossFn = new nn.CrossEntropyLoss();
  const input = sg.tensor(ids.slice(0, -1)), target = sg.tensor(ids.slice(1));
  const losses = [];
  for (let step = 0; step < 40; step++) {
    sg.scope(() => {
      opt.zeroGrad();
      const [h] = lstm.forward(emb.call(input)); // unbatched: (L, 24)
      const loss = lossFn.call(head.call(h), target);
      losses.push(loss.item());
      loss.backward();
      opt.step();
    });
  }
  assert.ok(losses[0] > Math.log(V) * 0.8, `starts near chance: ${losses[0]} vs log V = ${Math.log(V)}`);
  assert.ok(losses.at(-1) < losses[0] * 0.3, `loss falls: ${losses[0].toFixed(3)} -> ${losses.at(-1).toFixed(3)}`);
  opt.dispose();
  for (const m of [emb, lstm, head]) m.dispose();
});

test.run();
