// Reductions over the middle axis of an (outer, r, inner) layout: the reduced
// axis may be the last one (inner = 1) or any other, without a transpose.
// Sums are accurate for any length (see sum.ts: float32 lanes flushed into
// float64 every LANE_TERMS terms); max and min are exact in any order.
import { LANE_TERMS, PLAIN, rowSum } from './sum';

// @ts-ignore: decorator
@inline const MAX = 1;
// @ts-ignore: decorator
@inline const MIN = 2;

// @ts-ignore: decorator
@inline function combine(kind: i32, a: v128, b: v128): v128 {
  return kind == MAX ? f32x4.max(a, b) : f32x4.min(a, b);
}

/**
 * out[o, i] = max or min over k of x[o, k, i]. Rows (inner = 1) use four
 * vector accumulators; columns (inner > 1) walk k with a vector over i.
 */
// @ts-ignore: decorator
@inline function extremeAxis(kind: i32, outer: usize, r: usize, inner: usize, xp: usize, outp: usize): void {
  const init: f32 = kind == MAX ? -Infinity : Infinity;
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
      for (; k < r; k++) acc = combine(kind, acc, f32x4.splat(load<f32>(row + (k << 2))));
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

/** acc (two f64 lanes) += the low (half 0) or high (half 1) two float32 lanes of a. */
// @ts-ignore: decorator
@inline function flush(acc: v128, a: v128, half: i32): v128 {
  return f64x2.add(acc, f64x2.promote_low_f32x4(half == 0 ? a : i32x4.shuffle(a, a, 2, 3, 0, 1)));
}

/** Four float32 lanes from two f64x2 (low lanes 0, 1; high lanes 2, 3), rounded. */
// @ts-ignore: decorator
@inline function demote(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * Column sums over `vectors` (1 or 4) adjacent vectors of columns starting at
 * column i: each column adds LANE_TERMS rows in float32, then into float64.
 * Each column's result is the same whichever chunk width covers it.
 */
// @ts-ignore: decorator
@inline function sumColumns(vectors: i32, base: usize, r: usize, inner: usize, i: usize, dst: usize): void {
  const z = f64x2.splat(0);
  let l0 = z, h0 = z, l1 = z, h1 = z, l2 = z, h2 = z, l3 = z, h3 = z;
  let k: usize = 0;
  while (k < r) {
    const end = min(r, k + LANE_TERMS);
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (; k < end; k++) {
      const q = base + ((k * inner + i) << 2);
      a0 = f32x4.add(a0, v128.load(q));
      if (vectors == 4) {
        a1 = f32x4.add(a1, v128.load(q, 16));
        a2 = f32x4.add(a2, v128.load(q, 32));
        a3 = f32x4.add(a3, v128.load(q, 48));
      }
    }
    l0 = flush(l0, a0, 0); h0 = flush(h0, a0, 1);
    if (vectors == 4) {
      l1 = flush(l1, a1, 0); h1 = flush(h1, a1, 1);
      l2 = flush(l2, a2, 0); h2 = flush(h2, a2, 1);
      l3 = flush(l3, a3, 0); h3 = flush(h3, a3, 1);
    }
  }
  const d = dst + (i << 2);
  v128.store(d, demote(l0, h0));
  if (vectors == 4) {
    v128.store(d, demote(l1, h1), 16);
    v128.store(d, demote(l2, h2), 32);
    v128.store(d, demote(l3, h3), 48);
  }
}

/** out[o, i] = sum_k x[o, k, i], accurate for any r (see sum.ts); the order depends only on the shape. */
export function sum_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, outp: usize): void {
  if (inner == 1) {
    for (let o: usize = 0; o < outer; o++) store<f32>(outp + (o << 2), <f32>rowSum(PLAIN, xp + ((o * r) << 2), r));
    return;
  }
  for (let o: usize = 0; o < outer; o++) {
    const base = xp + ((o * r * inner) << 2);
    const dst = outp + ((o * inner) << 2);
    let i: usize = 0;
    for (; i + 16 <= inner; i += 16) sumColumns(4, base, r, inner, i, dst);
    for (; i + 4 <= inner; i += 4) sumColumns(1, base, r, inner, i, dst);
    for (; i < inner; i++) {
      let total: f64 = 0;
      let k: usize = 0;
      while (k < r) {
        const end = min(r, k + LANE_TERMS);
        let a: f32 = 0;
        for (; k < end; k++) a += load<f32>(base + ((k * inner + i) << 2));
        total += <f64>a;
      }
      store<f32>(dst + (i << 2), <f32>total);
    }
  }
}
export function max_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, outp: usize): void {
  extremeAxis(MAX, outer, r, inner, xp, outp);
}
export function min_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, outp: usize): void {
  extremeAxis(MIN, outer, r, inner, xp, outp);
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
