// Scaled dot-product attention, the row-wise pieces between the GEMMs of the
// blocked formulation (src/drivers/attention.ts). For one (batch, head) slice
// with queries Q (L x E), keys K (S x E), values V (S x Ev):
//   s_ij = scale q_i . k_j + mask_ij   (j < jEnd(i); causal: jEnd = min(S, i + 1))
//   p_ij = exp(s_ij - lse_i),  lse_i = log sum_j exp(s_ij)   (row-stable: max first)
//   O    = (P o drop) V
// and, given O's gradient G, with D_i = g_i . o_i (= sum_j p_ij dp_ij):
//   dp_ij = drop_ij (g_i . v_j),  ds_ij = p_ij (dp_ij - D_i),  dmask_ij = ds_ij
//   dQ = scale dS K,  dK = scale dS^T Q,  dV = (P o drop)^T G.
// The driver computes the products (q_i . k_j, G V^T, ...) with the GEMM into
// a block of query rows of scratch (rows x S, contiguous); these kernels turn
// those rows into probabilities and score gradients in place. A row whose
// scores are all -inf (fully masked, or S = 0) gets p = 0 (so o_i = 0, no
// gradient) and lse_i = -inf. The mask is read through element strides (0
// where it broadcasts); drop is a contiguous L x S scaled keep-mask.
import { vlog } from './vmath';
import { madd } from './tile';
import { expSum } from './softmax';

/** a . b over n floats: four lanes, folded (0 + 2) + (1 + 3), then the tail. */
// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, n: usize): f32 {
  let acc = f32x4.splat(0);
  let k: usize = 0;
  for (; k + 4 <= n; k += 4) acc = madd(v128.load(a + (k << 2)), v128.load(b + (k << 2)), acc);
  acc = f32x4.add(acc, i32x4.shuffle(acc, acc, 2, 3, 0, 1));
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1);
  for (; k < n; k++) s += load<f32>(a + (k << 2)) * load<f32>(b + (k << 2));
  return s;
}

/** Scores of row i in place: s[j] = scale s[j] + mask[j] for j < jEnd; returns their maximum (-inf when none is above it). */
// @ts-ignore: decorator
@inline function scores(jEnd: usize, sp: usize, maskRow: usize, mcs: usize, scale: f32): f32 {
  let m: f32 = -Infinity;
  for (let j: usize = 0; j < jEnd; j++) {
    let v = scale * load<f32>(sp + (j << 2));
    if (maskRow != 0) v += load<f32>(maskRow + ((j * mcs) << 2));
    store<f32>(sp + (j << 2), v);
    if (v > m) m = v;
  }
  return m;
}

/**
 * Query rows [i0, i0 + rows) of one slice: sp holds their raw products
 * q_i . k_j (rows x S), turned in place into p_ij (0 past jEnd and on fully
 * masked rows). With findLse, each row's lse is computed and stored at lsep
 * and p is multiplied by the keep-mask (dropp != 0): the forward's P o drop.
 * Without, lse is read from lsep (the backward's recomputation; drop unused).
 * mask: 0 or the slice's [0, 0] with row / column strides mrs, mcs (elements).
 */
export function attention_probs_f32(
  rows: usize, S: usize, i0: usize, sp: usize, maskp: usize, mrs: usize, mcs: usize,
  dropp: usize, causal: bool, scale: f32, lsep: usize, findLse: bool,
): void {
  for (let r: usize = 0; r < rows; r++) {
    const i = i0 + r, row = sp + ((r * S) << 2);
    const jEnd = causal ? min(S, i + 1) : S;
    const m = scores(jEnd, row, maskp == 0 ? <usize>0 : maskp + ((i * mrs) << 2), mcs, scale);
    const lse: f32 = findLse ? m : load<f32>(lsep + (i << 2));
    if (m == -Infinity || lse == -Infinity) {
      memory.fill(row, 0, S << 2);
      if (findLse) store<f32>(lsep + (i << 2), -Infinity);
      continue;
    }
    memory.fill(row + (jEnd << 2), 0, (S - jEnd) << 2);
    const total = expSum(row, row, jEnd, f32x4.splat(lse), true);
    if (!findLse) continue;
    store<f32>(lsep + (i << 2), m + f32x4.extract_lane(vlog(f32x4.splat(<f32>total)), 0));
    const inv = <f32>(1 / total);
    const drow = dropp == 0 ? <usize>0 : dropp + ((i * S) << 2);
    const iv = f32x4.splat(inv);
    let j: usize = 0;
    for (; j + 4 <= jEnd; j += 4) {
      let p = f32x4.mul(v128.load(row + (j << 2)), iv);
      if (drow != 0) p = f32x4.mul(p, v128.load(drow + (j << 2)));
      v128.store(row + (j << 2), p);
    }
    for (; j < jEnd; j++) {
      let p = load<f32>(row + (j << 2)) * inv;
      if (drow != 0) p *= load<f32>(drow + (j << 2));
      store<f32>(row + (j << 2), p);
    }
  }
}

/**
 * Score gradients of query rows [i0, i0 + rows) of one slice, in place: from
 * P (pp, rows x S, as attention_probs_f32 recomputed it) and G V^T (dpp,
 * rows x S), with out and its gradient g (L x Ev) for D_i: dpp becomes
 * scale ds, pp becomes P o drop (dropp != 0), and dmask's rows (L x S,
 * contiguous) receive ds when dmaskp != 0.
 */
export function attention_dscores_f32(
  rows: usize, S: usize, Ev: usize, i0: usize, pp: usize, dpp: usize, dropp: usize,
  outp: usize, gp: usize, scale: f32, dmaskp: usize,
): void {
  const sv = f32x4.splat(scale);
  for (let r: usize = 0; r < rows; r++) {
    const i = i0 + r;
    const prow = pp + ((r * S) << 2), dprow = dpp + ((r * S) << 2);
    const drow = dropp == 0 ? <usize>0 : dropp + ((i * S) << 2);
    const mrow = dmaskp == 0 ? <usize>0 : dmaskp + ((i * S) << 2);
    const D = f32x4.splat(dot(gp + ((i * Ev) << 2), outp + ((i * Ev) << 2), Ev));
    let j: usize = 0;
    for (; j + 4 <= S; j += 4) {
      const p = v128.load(prow + (j << 2));
      let dp = v128.load(dprow + (j << 2));
      if (drow != 0) {
        const d = v128.load(drow + (j << 2));
        dp = f32x4.mul(d, dp);
        v128.store(prow + (j << 2), f32x4.mul(p, d));
      }
      const ds = f32x4.mul(p, f32x4.sub(dp, D));
      if (mrow != 0) v128.store(mrow + (j << 2), ds);
      v128.store(dprow + (j << 2), f32x4.mul(sv, ds));
    }
    for (; j < S; j++) {
      const p = load<f32>(prow + (j << 2));
      let dp = load<f32>(dprow + (j << 2));
      if (drow != 0) {
        const d = load<f32>(drow + (j << 2));
        dp = d * dp;
        store<f32>(prow + (j << 2), p * d);
      }
      const ds = p * (dp - f32x4.extract_lane(D, 0));
      if (mrow != 0) store<f32>(mrow + (j << 2), ds);
      store<f32>(dprow + (j << 2), scale * ds);
    }
  }
}
