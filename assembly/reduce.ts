// Reductions over the middle axis of an (outer, r, inner) layout: the reduced
// axis may be the last one (inner = 1) or any other, without a transpose.

// @ts-ignore: decorator
@inline const SUM = 0;
// @ts-ignore: decorator
@inline const MAX = 1;
// @ts-ignore: decorator
@inline const MIN = 2;

// @ts-ignore: decorator
@inline function combine(kind: i32, a: v128, b: v128): v128 {
  return kind == SUM ? f32x4.add(a, b) : kind == MAX ? f32x4.max(a, b) : f32x4.min(a, b);
}

/**
 * out[o, i] = reduce_k x[o, k, i]. Rows (inner = 1) use four vector
 * accumulators combined in a fixed order; columns (inner > 1) walk k with a
 * vector over i. The summation order depends only on the shape.
 */
// @ts-ignore: decorator
@inline function reduceAxis(kind: i32, outer: usize, r: usize, inner: usize, xp: usize, outp: usize): void {
  const init: f32 = kind == SUM ? 0 : kind == MAX ? -Infinity : Infinity;
  if (inner == 1) {
    for (let o: usize = 0; o < outer; o++) {
      const row = xp + ((o * r) << 2);
      let acc0 = f32x4.splat(init), acc1 = acc0, acc2 = acc0, acc3 = acc0;
      let k: usize = 0;
      for (; k + 16 <= r; k += 16) {
        acc0 = combine(kind, acc0, v128.load(row + (k << 2)));
        acc1 = combine(kind, acc1, v128.load(row + (k << 2), 16));
        acc2 = combine(kind, acc2, v128.load(row + (k << 2), 32));
        acc3 = combine(kind, acc3, v128.load(row + (k << 2), 48));
      }
      for (; k + 4 <= r; k += 4) acc0 = combine(kind, acc0, v128.load(row + (k << 2)));
      let acc = combine(kind, combine(kind, acc0, acc1), combine(kind, acc2, acc3));
      for (; k < r; k++) acc = combine(kind, acc, f32x4.replace_lane(f32x4.splat(init), 0, load<f32>(row + (k << 2))));
      const pair = combine(kind, acc, i32x4.shuffle(acc, acc, 2, 3, 0, 1));
      const one = combine(kind, pair, i32x4.shuffle(pair, pair, 1, 0, 3, 2));
      store<f32>(outp + (o << 2), f32x4.extract_lane(one, 0));
    }
    return;
  }
  for (let o: usize = 0; o < outer; o++) {
    const base = xp + ((o * r * inner) << 2);
    const dst = outp + ((o * inner) << 2);
    let i: usize = 0;
    for (; i + 4 <= inner; i += 4) {
      let acc = f32x4.splat(init);
      for (let k: usize = 0; k < r; k++) acc = combine(kind, acc, v128.load(base + ((k * inner + i) << 2)));
      v128.store(dst + (i << 2), acc);
    }
    for (; i < inner; i++) {
      let acc = f32x4.splat(init);
      for (let k: usize = 0; k < r; k++) acc = combine(kind, acc, f32x4.splat(load<f32>(base + ((k * inner + i) << 2))));
      store<f32>(dst + (i << 2), f32x4.extract_lane(acc, 0));
    }
  }
}

export function sum_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, outp: usize): void {
  reduceAxis(SUM, outer, r, inner, xp, outp);
}
export function max_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, outp: usize): void {
  reduceAxis(MAX, outer, r, inner, xp, outp);
}
export function min_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, outp: usize): void {
  reduceAxis(MIN, outer, r, inner, xp, outp);
}

/** out[o, i] = first k maximizing (sign * x[o, k, i]), as a float; NaN wins like PyTorch. */
export function argmax_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, outp: usize, sign: f32): void {
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      let best: f32 = -Infinity;
      let at: usize = 0;
      for (let k: usize = 0; k < r; k++) {
        const v = sign * load<f32>(xp + (((o * r + k) * inner + i) << 2));
        if (v != v) { at = k; break; }
        if (v > best) { best = v; at = k; }
      }
      store<f32>(outp + ((o * inner + i) << 2), <f32>at);
    }
  }
}
