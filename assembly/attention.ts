// Fused scaled dot-product attention for one (batch, head) slice: query rows
// Q (L x E), keys K (S x E), values V (S x Ev), all contiguous, and
//   s_ij = scale q_i . k_j + mask_ij   (j < jEnd(i); causal: jEnd = min(S, i + 1))
//   p_ij = exp(s_ij - lse_i),  lse_i = log sum_j exp(s_ij)   (row-stable: max first)
//   o_i  = sum_j p_ij drop_ij v_j
// One query row at a time: its scores live in a row of scratch (S floats) and
// are exponentiated in place, so the L x S score matrix is never written; the
// forward keeps only lse (L floats) for the backward, which recomputes p:
//   D_i   = g_i . o_i                     (= sum_j p_ij dp_ij)
//   dp_ij = drop_ij (g_i . v_j),  ds_ij = p_ij (dp_ij - D_i)
//   dQ_i  = scale sum_j ds_ij k_j,  dK_j = scale sum_i ds_ij q_i,  dV_j = sum_i p_ij drop_ij g_i
//   dmask_ij = ds_ij
// A row whose scores are all -inf (fully masked, or S = 0) gives o_i = 0,
// lse_i = -inf and no gradient. The mask is read through element strides
// (0 where it broadcasts); drop is a contiguous L x S scaled keep-mask.
// Sums run in a fixed order (j, then i), so results do not depend on threads:
// the host splits the forward over rows and the backward over slices.
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

/** y += a x over n floats. */
// @ts-ignore: decorator
@inline function axpy(y: usize, a: f32, x: usize, n: usize): void {
  const av = f32x4.splat(a);
  let k: usize = 0;
  for (; k + 4 <= n; k += 4) v128.store(y + (k << 2), madd(av, v128.load(x + (k << 2)), v128.load(y + (k << 2))));
  for (; k < n; k++) store<f32>(y + (k << 2), load<f32>(y + (k << 2)) + a * load<f32>(x + (k << 2)));
}

/** n floats at p set to zero. */
// @ts-ignore: decorator
@inline function zero(p: usize, n: usize): void {
  memory.fill(p, 0, n << 2);
}

/** Row i's scores s[j] (j < jEnd) into sp; returns their maximum (-inf when none is above it). */
// @ts-ignore: decorator
@inline function scores(jEnd: usize, E: usize, qi: usize, kp: usize, maskRow: usize, mcs: usize, scale: f32, sp: usize): f32 {
  let m: f32 = -Infinity;
  for (let j: usize = 0; j < jEnd; j++) {
    let v = scale * dot(qi, kp + ((j * E) << 2), E);
    if (maskRow != 0) v += load<f32>(maskRow + ((j * mcs) << 2));
    store<f32>(sp + (j << 2), v);
    if (v > m) m = v;
  }
  return m;
}

/**
 * Forward of query rows [i0, i1) of one slice: out (L x Ev) and lse (L).
 * mask: 0 or the slice's [0, 0] with row / column strides mrs, mcs (elements);
 * drop: 0 or the slice's L x S scaled keep-mask; scratch: S floats.
 */
export function attention_fwd_f32(
  L: usize, S: usize, E: usize, Ev: usize, i0: usize, i1: usize, qp: usize, kp: usize, vp: usize,
  maskp: usize, mrs: usize, mcs: usize, dropp: usize, causal: bool, scale: f32, outp: usize, lsep: usize, sp: usize,
): void {
  for (let i = i0; i < i1; i++) {
    const o = outp + ((i * Ev) << 2);
    zero(o, Ev);
    const jEnd = causal ? min(S, i + 1) : S;
    const m = scores(jEnd, E, qp + ((i * E) << 2), kp, maskp == 0 ? <usize>0 : maskp + ((i * mrs) << 2), mcs, scale, sp);
    if (m == -Infinity) {
      store<f32>(lsep + (i << 2), -Infinity);
      continue;
    }
    const total = expSum(sp, sp, jEnd, f32x4.splat(m), true);
    const drow = dropp == 0 ? <usize>0 : dropp + ((i * S) << 2);
    for (let j: usize = 0; j < jEnd; j++) {
      let p = load<f32>(sp + (j << 2));
      if (drow != 0) p *= load<f32>(drow + (j << 2));
      axpy(o, p, vp + ((j * Ev) << 2), Ev);
    }
    const inv = <f32>(1 / total);
    const iv = f32x4.splat(inv);
    let k: usize = 0;
    for (; k + 4 <= Ev; k += 4) v128.store(o + (k << 2), f32x4.mul(v128.load(o + (k << 2)), iv));
    for (; k < Ev; k++) store<f32>(o + (k << 2), load<f32>(o + (k << 2)) * inv);
    store<f32>(lsep + (i << 2), m + f32x4.extract_lane(vlog(f32x4.splat(<f32>total)), 0));
  }
}

/**
 * Backward of one slice given out, its gradient g (L x Ev) and lse: dq (L x E),
 * dk (S x E), dv (S x Ev) overwritten, and dmask (L x S, contiguous) when
 * dmaskp != 0. Other arguments as attention_fwd_f32's; scratch: S floats.
 */
export function attention_bwd_f32(
  L: usize, S: usize, E: usize, Ev: usize, qp: usize, kp: usize, vp: usize,
  maskp: usize, mrs: usize, mcs: usize, dropp: usize, causal: bool, scale: f32,
  outp: usize, gp: usize, lsep: usize, dqp: usize, dkp: usize, dvp: usize, dmaskp: usize, sp: usize,
): void {
  zero(dqp, L * E);
  zero(dkp, S * E);
  zero(dvp, S * Ev);
  if (dmaskp != 0) zero(dmaskp, L * S);
  for (let i: usize = 0; i < L; i++) {
    const lse = load<f32>(lsep + (i << 2));
    if (lse == -Infinity) continue;
    const jEnd = causal ? min(S, i + 1) : S;
    const qi = qp + ((i * E) << 2), gi = gp + ((i * Ev) << 2), dqi = dqp + ((i * E) << 2);
    scores(jEnd, E, qi, kp, maskp == 0 ? <usize>0 : maskp + ((i * mrs) << 2), mcs, scale, sp);
    expSum(sp, sp, jEnd, f32x4.splat(lse), true);
    const D = dot(gi, outp + ((i * Ev) << 2), Ev);
    const drow = dropp == 0 ? <usize>0 : dropp + ((i * S) << 2);
    for (let j: usize = 0; j < jEnd; j++) {
      const p = load<f32>(sp + (j << 2));
      const d: f32 = drow == 0 ? 1 : load<f32>(drow + (j << 2));
      const vj = vp + ((j * Ev) << 2);
      const ds = p * (d * dot(gi, vj, Ev) - D);
      axpy(dvp + ((j * Ev) << 2), p * d, gi, Ev);
      axpy(dqi, scale * ds, kp + ((j * E) << 2), E);
      axpy(dkp + ((j * E) << 2), scale * ds, qi, E);
      if (dmaskp != 0) store<f32>(dmaskp + ((i * S + j) << 2), ds);
    }
  }
}
