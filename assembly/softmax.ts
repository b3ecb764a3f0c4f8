// Row-wise softmax and log-softmax over contiguous rows of length n, stable:
// the row maximum is subtracted before exponentiating. Row sums are accurate
// for any length (sum.ts: float32 lanes flushed into float64 every few terms).
import { vexp, vlog } from './vmath';
import { LANE_TERMS, lane0, lanes64 } from './sum';

// @ts-ignore: decorator
@inline function rowMax(row: usize, n: usize): f32 {
  let m = f32x4.splat(-Infinity);
  let k: usize = 0;
  for (; k + 4 <= n; k += 4) m = f32x4.max(m, v128.load(row + (k << 2)));
  for (; k < n; k++) m = f32x4.max(m, f32x4.splat(load<f32>(row + (k << 2))));
  m = f32x4.max(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
  m = f32x4.max(m, i32x4.shuffle(m, m, 1, 0, 3, 2));
  return f32x4.extract_lane(m, 0);
}

/**
 * e_k = exp(x_k - m) for k < n, stored to o when `write` (o may equal x);
 * returns sum e_k, accurate for any length (sum.ts's float64 cascade).
 */
// @ts-ignore: decorator
@inline export function expSum(x: usize, o: usize, n: usize, m: v128, write: bool): f64 {
  let total: f64 = 0;
  let k: usize = 0;
  while (k + 4 <= n) {
    const end = min(n & ~(<usize>3), k + (LANE_TERMS << 2));
    let acc = f32x4.splat(0);
    for (; k < end; k += 4) {
      const e = vexp(f32x4.sub(v128.load(x + (k << 2)), m));
      acc = f32x4.add(acc, e);
      if (write) v128.store(o + (k << 2), e);
    }
    total += lanes64(acc);
  }
  let acc = f32x4.splat(0);
  for (; k < n; k++) {
    const e = lane0(f32x4.extract_lane(vexp(f32x4.sub(f32x4.splat(load<f32>(x + (k << 2))), m)), 0));
    acc = f32x4.add(acc, e);
    if (write) store<f32>(o + (k << 2), f32x4.extract_lane(e, 0));
  }
  return total + lanes64(acc);
}

/** out[r, :] = exp(x - max) / sum exp(x - max); if log, out = x - max - log(sum). out may equal x. */
// @ts-ignore: decorator
@inline function softmaxRows(rows: usize, n: usize, xp: usize, outp: usize, log: bool): void {
  for (let r: usize = 0; r < rows; r++) {
    const x = xp + ((r * n) << 2);
    const o = outp + ((r * n) << 2);
    const m = f32x4.splat(rowMax(x, n));
    const s = <f32>expSum(x, o, n, m, !log);
    let k: usize = 0;
    if (log) {
      const shift = f32x4.add(m, vlog(f32x4.splat(s)));
      for (; k + 4 <= n; k += 4) v128.store(o + (k << 2), f32x4.sub(v128.load(x + (k << 2)), shift));
      for (; k < n; k++) store<f32>(o + (k << 2), load<f32>(x + (k << 2)) - f32x4.extract_lane(shift, 0));
    } else {
      const inv = f32x4.splat(<f32>1 / s);
      for (; k + 4 <= n; k += 4) v128.store(o + (k << 2), f32x4.mul(v128.load(o + (k << 2)), inv));
      for (; k < n; k++) store<f32>(o + (k << 2), load<f32>(o + (k << 2)) * f32x4.extract_lane(inv, 0));
    }
  }
}

export function softmax_rows_f32(rows: usize, n: usize, xp: usize, outp: usize): void {
  softmaxRows(rows, n, xp, outp, false);
}
export function log_softmax_rows_f32(rows: usize, n: usize, xp: usize, outp: usize): void {
  softmaxRows(rows, n, xp, outp, true);
}

/**
 * Backward of a row-wise softmax (y = softmax) or log-softmax (y = log-softmax):
 * softmax:     dx = y * (g - sum(g * y))
 * log-softmax: dx = g - exp(y) * sum(g)
 */
export function softmax_rows_bwd_f32(rows: usize, n: usize, yp: usize, gp: usize, dxp: usize, log: bool): void {
  for (let r: usize = 0; r < rows; r++) {
    const y = yp + ((r * n) << 2);
    const g = gp + ((r * n) << 2);
    const d = dxp + ((r * n) << 2);
    let total: f64 = 0;
    let k: usize = 0;
    while (k + 4 <= n) {
      const end = min(n & ~(<usize>3), k + (LANE_TERMS << 2));
      let acc = f32x4.splat(0);
      for (; k < end; k += 4) {
        const gv = v128.load(g + (k << 2));
        acc = f32x4.add(acc, log ? gv : f32x4.mul(gv, v128.load(y + (k << 2))));
      }
      total += lanes64(acc);
    }
    let acc = f32x4.splat(0);
    for (; k < n; k++) {
      const gv = load<f32>(g + (k << 2));
      acc = f32x4.add(acc, lane0(log ? gv : gv * load<f32>(y + (k << 2))));
    }
    const s = f32x4.splat(<f32>(total + lanes64(acc)));
    k = 0;
    for (; k + 4 <= n; k += 4) {
      const yv = v128.load(y + (k << 2));
      const gv = v128.load(g + (k << 2));
      v128.store(d + (k << 2), log ? f32x4.sub(gv, f32x4.mul(vexp(yv), s)) : f32x4.mul(yv, f32x4.sub(gv, s)));
    }
    for (; k < n; k++) {
      const yv = f32x4.splat(load<f32>(y + (k << 2)));
      const gv = f32x4.splat(load<f32>(g + (k << 2)));
      store<f32>(d + (k << 2), f32x4.extract_lane(log ? f32x4.sub(gv, f32x4.mul(vexp(yv), s)) : f32x4.mul(yv, f32x4.sub(gv, s)), 0));
    }
  }
}
