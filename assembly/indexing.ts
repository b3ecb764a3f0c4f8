// Indexing by tensors of float32 indices (validated by the host: integers in
// range): scatter and gather over a strided 4-d index space, stable sorting
// along an axis, and the positions of nonzero elements.

/**
 * Over the index space d0..d3 (the index tensor's shape): with r = idx[pos],
 * dst[pos . t + r dimStride] = src[pos . s] (add: +=). The destination's
 * strides t are 0 along the scattered dim, whose stride is dimStride. A
 * source stride of 0 everywhere scatters one value. Positions are visited in
 * row-major order, so repeated indices resolve the same way every time
 * (the last write wins; additions in order).
 */
export function scatter_strided_f32(
  d0: usize, d1: usize, d2: usize, d3: usize,
  idxp: usize, i0: usize, i1: usize, i2: usize, i3: usize,
  srcp: usize, s0: usize, s1: usize, s2: usize, s3: usize,
  dstp: usize, t0: usize, t1: usize, t2: usize, t3: usize,
  dimStride: usize, add: bool,
): void {
  for (let a: usize = 0; a < d0; a++) {
    for (let b: usize = 0; b < d1; b++) {
      for (let c: usize = 0; c < d2; c++) {
        const ir = idxp + ((a * i0 + b * i1 + c * i2) << 2);
        const sr = srcp + ((a * s0 + b * s1 + c * s2) << 2);
        const tr = dstp + ((a * t0 + b * t1 + c * t2) << 2);
        for (let e: usize = 0; e < d3; e++) {
          const r = <usize>load<f32>(ir + ((e * i3) << 2));
          const at = tr + ((e * t3 + r * dimStride) << 2);
          const v = load<f32>(sr + ((e * s3) << 2));
          store<f32>(at, add ? load<f32>(at) + v : v);
        }
      }
    }
  }
}

/**
 * The adjoint read: out[pos . o] = src[pos . s + idx[pos] dimStride] over
 * the index space d0..d3, src's strides s being 0 along the gathered dim.
 */
export function gather_strided_f32(
  d0: usize, d1: usize, d2: usize, d3: usize,
  idxp: usize, i0: usize, i1: usize, i2: usize, i3: usize,
  srcp: usize, s0: usize, s1: usize, s2: usize, s3: usize,
  outp: usize, o0: usize, o1: usize, o2: usize, o3: usize,
  dimStride: usize,
): void {
  for (let a: usize = 0; a < d0; a++) {
    for (let b: usize = 0; b < d1; b++) {
      for (let c: usize = 0; c < d2; c++) {
        const ir = idxp + ((a * i0 + b * i1 + c * i2) << 2);
        const sr = srcp + ((a * s0 + b * s1 + c * s2) << 2);
        const orow = outp + ((a * o0 + b * o1 + c * o2) << 2);
        for (let e: usize = 0; e < d3; e++) {
          const r = <usize>load<f32>(ir + ((e * i3) << 2));
          store<f32>(orow + ((e * o3) << 2), load<f32>(sr + ((e * s3 + r * dimStride) << 2)));
        }
      }
    }
  }
}

/** Whether a comes strictly before b: ascending with NaN last, or descending with NaN first. */
// @ts-ignore: decorator
@inline function before(a: f32, b: f32, descending: bool): bool {
  if (descending) return a > b || (a != a && b == b);
  return a < b || (b != b && a == a);
}

/**
 * Stable sort of each line x[o, :, i] of an (outer, r, inner) layout:
 * idx[o, k, i] = the position (as float32) of the line's k-th element in
 * ascending (or descending) order, NaN ordered as the largest value, ties
 * in their original order. A bottom-up merge sort over two u32 position
 * arrays at scratch (8 r bytes).
 */
export function sort_axis_f32(outer: usize, r: usize, inner: usize, xp: usize, idxp: usize, scratch: usize, descending: bool): void {
  let a = scratch, b = scratch + (r << 2);
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      const line = xp + ((o * r * inner + i) << 2);
      const step = inner << 2;
      let src = a, dst = b;
      for (let k: usize = 0; k < r; k++) store<u32>(src + (k << 2), <u32>k);
      for (let width: usize = 1; width < r; width <<= 1) {
        for (let lo: usize = 0; lo < r; lo += width << 1) {
          const mid = min(lo + width, r), hi = min(lo + (width << 1), r);
          let p = lo, q = mid, w = lo;
          while (p < mid && q < hi) {
            const pi = load<u32>(src + (p << 2)), qi = load<u32>(src + (q << 2));
            // take the right element only when it strictly precedes the left one (stability)
            if (before(load<f32>(line + qi * step), load<f32>(line + pi * step), descending)) {
              store<u32>(dst + (w << 2), qi);
              q++;
            } else {
              store<u32>(dst + (w << 2), pi);
              p++;
            }
            w++;
          }
          while (p < mid) store<u32>(dst + (w++ << 2), load<u32>(src + (p++ << 2)));
          while (q < hi) store<u32>(dst + (w++ << 2), load<u32>(src + (q++ << 2)));
        }
        const t = src;
        src = dst;
        dst = t;
      }
      const out = idxp + ((o * r * inner + i) << 2);
      for (let k: usize = 0; k < r; k++) store<f32>(out + k * step, <f32>load<u32>(src + (k << 2)));
    }
  }
}

/** out[0] = the number of i < n with x[i] != 0 (NaN counts), as float32. */
export function count_nonzero_f32(n: usize, xp: usize, outp: usize): void {
  let c: u32 = 0;
  for (let i: usize = 0; i < n; i++) if (load<f32>(xp + (i << 2)) != 0) c++;
  store<f32>(outp, <f32>c);
}

/**
 * Row j of out (ndim columns) = the multi-index of the j-th nonzero x[i]
 * (row-major order) in a tensor whose sizes are shapep[0..ndim) (float32).
 */
export function nonzero_f32(n: usize, xp: usize, ndim: usize, shapep: usize, outp: usize): void {
  let row = outp;
  for (let i: usize = 0; i < n; i++) {
    if (load<f32>(xp + (i << 2)) == 0) continue;
    let rest = i;
    for (let d = <isize>ndim - 1; d >= 0; d--) {
      const size = <usize>load<f32>(shapep + (<usize>d << 2));
      store<f32>(row + (<usize>d << 2), <f32>(rest % size));
      rest /= size;
    }
    row += ndim << 2;
  }
}
