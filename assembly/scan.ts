// Scans and products along the middle axis of an (outer, r, inner) layout,
// one line (o, i) at a time, k in order. Running sums and products are kept
// in float64 and each output rounded once (PyTorch's CPU cumsum / cumprod
// accumulate in double too), so results depend only on the line's values.

/** Byte offset of element (o, k, i). */
// @ts-ignore: decorator
@inline function at(p: usize, o: usize, k: usize, i: usize, r: usize, inner: usize): usize {
  return p + (((o * r + k) * inner + i) << 2);
}

/**
 * out[o, k, i] = sum of x[o, j, i] over j <= k (reverse: j >= k), or the
 * product (product true). out may equal x.
 */
export function scan_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, outp: usize, product: bool, reverse: bool): void {
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      let acc: f64 = product ? 1 : 0;
      for (let s: usize = 0; s < r; s++) {
        const k = reverse ? r - 1 - s : s;
        const v = <f64>load<f32>(at(xp, o, k, i, r, inner));
        acc = product ? acc * v : acc + v;
        store<f32>(at(outp, o, k, i, r, inner), <f32>acc);
      }
    }
  }
}

/** out[o, i] = product of x[o, k, i] over k (1 for r = 0). */
export function prod_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, outp: usize): void {
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      let acc: f64 = 1;
      for (let k: usize = 0; k < r; k++) acc *= <f64>load<f32>(at(xp, o, k, i, r, inner));
      store<f32>(outp + ((o * inner + i) << 2), <f32>acc);
    }
  }
}

/**
 * The gradient of y = cumprod(x) along the axis, without division (so zeros
 * in x are exact): dx_k = sum over j >= k of g_j prod_{m <= j, m != k} x_m
 *                       = (x_0 ... x_{k-1}) S_k,  S_k = g_k + x_{k+1} S_{k+1}.
 * prod's gradient is the case g = (0, ..., 0, g_{r-1}). dx may equal g.
 */
export function cumprod_bwd_f32(outer: usize, r: usize, inner: usize, xp: usize, gp: usize, dxp: usize): void {
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      // S_k from the end into dx (g_k is read before dx_k is written)
      let s: f64 = 0;
      for (let k = r; k > 0; k--) {
        const next: f64 = k < r ? <f64>load<f32>(at(xp, o, k, i, r, inner)) : 0;
        s = <f64>load<f32>(at(gp, o, k - 1, i, r, inner)) + next * s;
        store<f32>(at(dxp, o, k - 1, i, r, inner), <f32>s);
      }
      // times the exclusive prefix products
      let p: f64 = 1;
      for (let k: usize = 0; k < r; k++) {
        const d = at(dxp, o, k, i, r, inner);
        store<f32>(d, <f32>(p * <f64>load<f32>(d)));
        p *= <f64>load<f32>(at(xp, o, k, i, r, inner));
      }
    }
  }
}
