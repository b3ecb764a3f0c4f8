// Classification losses over rows: logits or log-probabilities x (N, C),
// integer class labels t (N) stored as floats. A row whose label equals
// ignoreIndex contributes nothing (loss 0, gradient 0).
import { vexp, vlog } from './vmath';

/** Horizontal sum of a vector, lanes (0 + 2) + (1 + 3). */
// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  const p = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.add(p, i32x4.shuffle(p, p, 1, 0, 3, 2)), 0);
}

/** out[0] = the first row whose label is neither an integer in [0, C) nor ignoreIndex, or -1. */
export function loss_check_labels_f32(N: usize, C: usize, tp: usize, ignoreIndex: f64, outp: usize): void {
  for (let i: usize = 0; i < N; i++) {
    const t = <f64>load<f32>(tp + (i << 2));
    if (t == ignoreIndex) continue;
    if (!(t >= 0 && t < <f64>C && Math.floor(t) == t)) {
      store<f32>(outp, <f32>i);
      return;
    }
  }
  store<f32>(outp, -1);
}

/**
 * Per row i with label t (not ignored), lse = max + log sum_c exp(x_c - max):
 *   fused (cross-entropy on logits): loss = lse - (1 - eps) x_t - eps mean_c x_c
 *     (PyTorch's label smoothing: (1 - eps) nll + eps / C sum_c -log p_c)
 *   not fused (nll on log-probabilities): loss = -x_t
 * lse is saved for the backward (fused only).
 */
export function class_loss_fwd_f32(N: usize, C: usize, xp: usize, tp: usize, lossp: usize, lsep: usize, ignoreIndex: f64, eps: f64, fused: bool): void {
  for (let i: usize = 0; i < N; i++) {
    const row = xp + ((i * C) << 2);
    const t = <f64>load<f32>(tp + (i << 2));
    if (!fused) {
      store<f32>(lossp + (i << 2), t == ignoreIndex ? 0 : -load<f32>(row + (<usize>t << 2)));
      continue;
    }
    let m = f32x4.splat(-Infinity);
    let s = f32x4.splat(0);
    let c: usize = 0;
    for (; c + 4 <= C; c += 4) {
      const v = v128.load(row + (c << 2));
      m = f32x4.max(m, v);
      s = f32x4.add(s, v);
    }
    for (; c < C; c++) {
      const v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(row + (c << 2)));
      m = f32x4.max(m, f32x4.splat(f32x4.extract_lane(v, 0)));
      s = f32x4.add(s, v);
    }
    m = f32x4.max(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
    m = f32x4.max(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
    const sum = hsum(s);
    let e = f32x4.splat(0);
    c = 0;
    for (; c + 4 <= C; c += 4) e = f32x4.add(e, vexp(f32x4.sub(v128.load(row + (c << 2)), m)));
    for (; c < C; c++) {
      const v = vexp(f32x4.sub(f32x4.splat(load<f32>(row + (c << 2))), m));
      e = f32x4.add(e, f32x4.replace_lane(f32x4.splat(0), 0, f32x4.extract_lane(v, 0)));
    }
    const lse = f32x4.extract_lane(f32x4.add(m, vlog(f32x4.splat(hsum(e)))), 0);
    store<f32>(lsep + (i << 2), lse);
    if (t == ignoreIndex) {
      store<f32>(lossp + (i << 2), 0);
      continue;
    }
    const xt = <f64>load<f32>(row + (<usize>t << 2));
    store<f32>(lossp + (i << 2), <f32>(<f64>lse - (1 - eps) * xt - eps * <f64>sum / <f64>C));
  }
}

/** out[0] = sum of the per-row losses (f64), divided by the number of rows not ignored if mean; out[1] = that number. */
export function class_loss_reduce_f32(N: usize, lossp: usize, tp: usize, ignoreIndex: f64, outp: usize, mean: bool): void {
  let s: f64 = 0;
  let count: f64 = 0;
  for (let i: usize = 0; i < N; i++) {
    s += <f64>load<f32>(lossp + (i << 2));
    if (<f64>load<f32>(tp + (i << 2)) != ignoreIndex) count += 1;
  }
  store<f32>(outp, <f32>(mean ? s / count : s));
  store<f32>(outp, <f32>count, 4);
}

/**
 * Gradient with g_i = scale gp[i gstride] (gstride 0: one value for all rows):
 *   fused: dx[i, c] = g_i (exp(x_c - lse) - (1 - eps) [c = t] - eps / C)
 *   not fused: dx[i, c] = -g_i [c = t]
 * and 0 for ignored rows.
 */
export function class_loss_bwd_f32(
  N: usize, C: usize, xp: usize, tp: usize, lsep: usize, gp: usize, gstride: usize, scale: f32,
  dxp: usize, ignoreIndex: f64, eps: f64, fused: bool,
): void {
  const off = <f32>(eps / <f64>C);
  for (let i: usize = 0; i < N; i++) {
    const row = xp + ((i * C) << 2);
    const d = dxp + ((i * C) << 2);
    const t = <f64>load<f32>(tp + (i << 2));
    if (t == ignoreIndex) {
      memory.fill(d, 0, C << 2);
      continue;
    }
    const g = scale * load<f32>(gp + ((i * gstride) << 2));
    const ti = <usize>t;
    if (!fused) {
      memory.fill(d, 0, C << 2);
      store<f32>(d + (ti << 2), -g);
      continue;
    }
    const lse = f32x4.splat(load<f32>(lsep + (i << 2)));
    const gv = f32x4.splat(g), ov = f32x4.splat(off);
    let c: usize = 0;
    for (; c + 4 <= C; c += 4) {
      v128.store(d + (c << 2), f32x4.mul(gv, f32x4.sub(vexp(f32x4.sub(v128.load(row + (c << 2)), lse)), ov)));
    }
    for (; c < C; c++) {
      const p = vexp(f32x4.sub(f32x4.splat(load<f32>(row + (c << 2))), lse));
      store<f32>(d + (c << 2), f32x4.extract_lane(f32x4.mul(gv, f32x4.sub(p, ov)), 0));
    }
    const at = d + (ti << 2);
    store<f32>(at, load<f32>(at) - g * <f32>(1 - eps));
  }
}
