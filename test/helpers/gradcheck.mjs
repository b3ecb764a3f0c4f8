// Gradient checks: the engine's float32 backward against central finite
// differences of a float64 reference of the same function.
import { sg, rng, assertClose } from './harness.mjs';
import { nd } from './ref.mjs';

/**
 * @param {object} o
 * @param {{shape:number[], data?:ArrayLike<number>, lo?:number, hi?:number, grad?:boolean}[]} o.inputs
 *   input specs: random uniform data in [lo, hi) (float32-rounded) unless data is given
 * @param {(...t) => any} o.fn the op under test on engine tensors
 * @param {(...a) => {shape:number[], data:Float64Array}} o.ref the same op on float64 reference arrays
 * @param {number} [o.seed]
 * @param {number} [o.atol] [o.rtol] gradient tolerances (float32 backward vs float64 numeric)
 * @param {number} [o.fatol] [o.frtol] forward tolerances
 * @param {number} [o.h] finite-difference step (relative to max(1, |x|))
 */
export function gradcheck({ inputs, fn, ref, seed = 1, atol = 2e-3, rtol = 2e-3, fatol = 1e-5, frtol = 1e-4, h = 1e-6 }) {
  const r = rng(seed);
  const data = inputs.map((s) => (s.data ? Float64Array.from(s.data, Math.fround) : r.array(s.shape.reduce((a, b) => a * b, 1), s.lo ?? -1, s.hi ?? 1)));
  const refs = inputs.map((s, i) => nd(s.shape, data[i]));
  const ts = inputs.map((s, i) => sg.tensor(Float32Array.from(data[i]), { shape: s.shape, requiresGrad: s.grad !== false }));
  const out = fn(...ts);
  const expected = ref(...refs);
  const outShape = [...out.shape];
  if (outShape.join() !== expected.shape.join()) throw new Error(`forward: shape [${outShape}] != reference [${expected.shape}]`);
  assertClose(out.toArray(), expected.data, { atol: fatol, rtol: frtol, what: 'forward' });

  // L = sum(w * out) with random weights, so every output element matters
  const w = r.array(expected.data.length, -1, 1);
  const loss = sg.mul(out, sg.tensor(Float32Array.from(w), { shape: outShape })).sum();
  loss.backward();
  const L = (arrays) => {
    const y = ref(...arrays).data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += w[i] * y[i];
    return s;
  };
  inputs.forEach((s, i) => {
    if (s.grad === false) return;
    const numeric = new Float64Array(data[i].length);
    for (let j = 0; j < data[i].length; j++) {
      const x = data[i][j];
      const step = h * Math.max(1, Math.abs(x));
      const plus = refs.map((a, k) => (k === i ? nd(a.shape, Float64Array.from(a.data, (v, q) => (q === j ? x + step : v))) : a));
      const minus = refs.map((a, k) => (k === i ? nd(a.shape, Float64Array.from(a.data, (v, q) => (q === j ? x - step : v))) : a));
      numeric[j] = (L(plus) - L(minus)) / (2 * step);
    }
    const g = ts[i].grad;
    if (g === null) throw new Error(`input ${i}: no gradient reached it`);
    if (g.shape.join() !== s.shape.join()) throw new Error(`input ${i}: gradient shape [${g.shape}] != input shape [${s.shape}]`);
    assertClose(g.toArray(), numeric, { atol, rtol, what: `gradient of input ${i}` });
  });
  return { out, ts };
}
