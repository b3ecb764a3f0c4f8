// Classification losses over rows: logits or log-probabilities x (N, C),
// integer class labels t (N) stored as floats, optional class weights w (C)
// at wp (wp = 0: every weight 1). A row whose label equals ignoreIndex
// contributes nothing (loss 0, gradient 0).
import { vexp, vlog } from './vmath';
import { zeroF32 } from './mem';
import { LANE_TERMS, PLAIN, lanes64, rowSum } from './sum';

/** w[c] (1 without weights). */
// @ts-ignore: decorator
@inline function weightAt(wp: usize, c: usize): f32 {
  return wp == 0 ? 1 : load<f32>(wp + (c << 2));
}

/** w[c..c+4] (ones without weights). */
// @ts-ignore: decorator
@inline function weights4(wp: usize, c: usize): v128 {
  return wp == 0 ? f32x4.splat(1) : v128.load(wp + (c << 2));
}

/** W = sum_c w[c] (C without weights). */
function weightSum(C: usize, wp: usize): f64 {
  if (wp == 0) return <f64>C;
  return rowSum(PLAIN, wp, C);
}



/**
 * Per row i with label t (not ignored), lse = max + log sum_c exp(x_c - max):
 *   fused (cross-entropy on logits):
 *     loss = (1 - eps) w_t (lse - x_t) + eps / C (W lse - sum_c w_c x_c),  W = sum_c w_c
 *     (PyTorch's label smoothing: (1 - eps) w_t nll + eps / C sum_c -w_c log p_c)
 *   not fused (nll on log-probabilities): loss = -w_t x_t
 * lse is saved for the backward (fused only).
 */
export function class_loss_fwd_f32(N: usize, C: usize, xp: usize, tp: usize, wp: usize, lossp: usize, lsep: usize, ignoreIndex: f64, eps: f64, fused: bool): void {
  const W = weightSum(C, wp);
  for (let i: usize = 0; i < N; i++) {
    const row = xp + ((i * C) << 2);
    const t = <f64>load<f32>(tp + (i << 2));
    if (!fused) {
      store<f32>(lossp + (i << 2), t == ignoreIndex ? 0 : -weightAt(wp, <usize>t) * load<f32>(row + (<usize>t << 2)));
      continue;
    }
    let m = f32x4.splat(-Infinity);
    let sum: f64 = 0;
    let c: usize = 0;
    while (c + 4 <= C) {
      const end = min(C & ~(<usize>3), c + (LANE_TERMS << 2));
      let s = f32x4.splat(0);
      for (; c < end; c += 4) {
        const v = v128.load(row + (c << 2));
        m = f32x4.max(m, v);
        s = f32x4.add(s, f32x4.mul(v, weights4(wp, c)));
      }
      sum += lanes64(s);
    }
    for (; c < C; c++) {
      const v = load<f32>(row + (c << 2));
      m = f32x4.max(m, f32x4.splat(v));
      sum += <f64>(v * weightAt(wp, c));
    }
    m = f32x4.max(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
    m = f32x4.max(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
    let esum: f64 = 0;
    c = 0;
    while (c + 4 <= C) {
      const end = min(C & ~(<usize>3), c + (LANE_TERMS << 2));
      let e = f32x4.splat(0);
      for (; c < end; c += 4) e = f32x4.add(e, vexp(f32x4.sub(v128.load(row + (c << 2)), m)));
      esum += lanes64(e);
    }
    for (; c < C; c++) esum += <f64>f32x4.extract_lane(vexp(f32x4.sub(f32x4.splat(load<f32>(row + (c << 2))), m)), 0);
    const lse = f32x4.extract_lane(f32x4.add(m, vlog(f32x4.splat(<f32>esum))), 0);
    store<f32>(lsep + (i << 2), lse);
    if (t == ignoreIndex) {
      store<f32>(lossp + (i << 2), 0);
      continue;
    }
    const xt = <f64>load<f32>(row + (<usize>t << 2)), wt = <f64>weightAt(wp, <usize>t);
    store<f32>(lossp + (i << 2), <f32>((1 - eps) * wt * (<f64>lse - xt) + eps / <f64>C * (W * <f64>lse - <f64>sum)));
  }
}

/**
 * out[0] = sum of the per-row losses (f64), divided if mean by the total
 * weight of the rows not ignored, sum_i w_{t_i} (their number without
 * weights); out[1] = that total.
 */
export function class_loss_reduce_f32(N: usize, lossp: usize, tp: usize, wp: usize, ignoreIndex: f64, outp: usize, mean: bool): void {
  let s: f64 = 0;
  let count: f64 = 0;
  for (let i: usize = 0; i < N; i++) {
    s += <f64>load<f32>(lossp + (i << 2));
    const t = <f64>load<f32>(tp + (i << 2));
    if (t != ignoreIndex) count += <f64>weightAt(wp, <usize>t);
  }
  store<f32>(outp, <f32>(mean ? s / count : s));
  store<f32>(outp, <f32>count, 4);
}

/**
 * Gradient with g_i = scale gp[i gstride] (gstride 0: one value for all rows):
 *   fused: dx[i, c] = g_i (p_c a - eps / C w_c - (1 - eps) w_t [c = t]),
 *     p_c = exp(x_c - lse), a = (1 - eps) w_t + eps / C W
 *   not fused: dx[i, c] = -g_i w_t [c = t]
 * and 0 for ignored rows.
 */
export function class_loss_bwd_f32(
  N: usize, C: usize, xp: usize, tp: usize, wp: usize, lsep: usize, gp: usize, gstride: usize, scale: f32,
  dxp: usize, ignoreIndex: f64, eps: f64, fused: bool,
): void {
  const off = <f32>(eps / <f64>C);
  const W = weightSum(C, wp);
  for (let i: usize = 0; i < N; i++) {
    const row = xp + ((i * C) << 2);
    const d = dxp + ((i * C) << 2);
    const t = <f64>load<f32>(tp + (i << 2));
    if (t == ignoreIndex) {
      zeroF32(d, C);
      continue;
    }
    const g = scale * load<f32>(gp + ((i * gstride) << 2));
    const ti = <usize>t, wt = weightAt(wp, ti);
    if (!fused) {
      zeroF32(d, C);
      store<f32>(d + (ti << 2), -g * wt);
      continue;
    }
    const lse = f32x4.splat(load<f32>(lsep + (i << 2)));
    const gv = f32x4.splat(g), ov = f32x4.splat(off), av = f32x4.splat(<f32>((1 - eps) * <f64>wt + eps / <f64>C * W));
    let c: usize = 0;
    for (; c + 4 <= C; c += 4) {
      const p = vexp(f32x4.sub(v128.load(row + (c << 2)), lse));
      v128.store(d + (c << 2), f32x4.mul(gv, f32x4.sub(f32x4.mul(p, av), f32x4.mul(ov, weights4(wp, c)))));
    }
    for (; c < C; c++) {
      const p = vexp(f32x4.sub(f32x4.splat(load<f32>(row + (c << 2))), lse));
      const dv = f32x4.mul(gv, f32x4.sub(f32x4.mul(p, av), f32x4.mul(ov, f32x4.splat(weightAt(wp, c)))));
      store<f32>(d + (c << 2), f32x4.extract_lane(dv, 0));
    }
    const at = d + (ti << 2);
    store<f32>(at, load<f32>(at) - g * <f32>((1 - eps) * <f64>wt));
  }
}
