// Data movement: strided gather into contiguous memory, fills and selects.

/**
 * out[0] = the first position i < N whose value t[i] is neither an integer
 * in [0, size) nor `skip` (pass NaN to skip nothing), or -1: the index check
 * of gathers and the label check of classification losses (skip = ignoreIndex).
 */
export function check_indices_f32(N: usize, size: usize, tp: usize, skip: f64, outp: usize): void {
  for (let i: usize = 0; i < N; i++) {
    const t = <f64>load<f32>(tp + (i << 2));
    if (t == skip) continue;
    if (!(t >= 0 && t < <f64>size && Math.floor(t) == t)) {
      store<f32>(outp, <f32>i);
      return;
    }
  }
  store<f32>(outp, -1);
}

/**
 * dst[i] = src[i] over a 4-d index space d0..d3, each side with its own
 * element strides (a stride of 0 on the source repeats a value; the
 * destination must not overlap itself).
 */
export function copy_strided_f32(
  d0: usize, d1: usize, d2: usize, d3: usize,
  src: usize, s0: usize, s1: usize, s2: usize, s3: usize,
  dst: usize, t0: usize, t1: usize, t2: usize, t3: usize,
): void {
  for (let i0: usize = 0; i0 < d0; i0++) {
    for (let i1: usize = 0; i1 < d1; i1++) {
      for (let i2: usize = 0; i2 < d2; i2++) {
        const r = src + ((i0 * s0 + i1 * s1 + i2 * s2) << 2);
        const o = dst + ((i0 * t0 + i1 * t1 + i2 * t2) << 2);
        if (s3 == 1 && t3 == 1) {
          // contiguous rows: one bulk copy
          memory.copy(o, r, d3 << 2);
        } else if (s3 == 0 && t3 == 1) {
          fill_f32(d3, o, load<f32>(r));
        } else {
          for (let j: usize = 0; j < d3; j++) store<f32>(o + ((j * t3) << 2), load<f32>(r + ((j * s3) << 2)));
        }
      }
    }
  }
}

/** out[i] = start + i step, computed in f64 and rounded once. */
export function arange_f32(n: usize, outp: usize, start: f64, step: f64): void {
  for (let i: usize = 0; i < n; i++) store<f32>(outp + (i << 2), <f32>(start + <f64>i * step));
}

/** out[i] = v for i < n. */
export function fill_f32(n: usize, outp: usize, v: f32): void {
  const s = f32x4.splat(v);
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) v128.store(outp + (i << 2), s);
  for (; i < n; i++) store<f32>(outp + (i << 2), v);
}

/** out[i] = c[i] != 0 ? a[i] : b[i] for i < n (all contiguous). */
export function where_f32(n: usize, cp: usize, ap: usize, bp: usize, outp: usize): void {
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const m = f32x4.ne(v128.load(cp + (i << 2)), f32x4.splat(0));
    v128.store(outp + (i << 2), v128.bitselect(v128.load(ap + (i << 2)), v128.load(bp + (i << 2)), m));
  }
  for (; i < n; i++) {
    store<f32>(outp + (i << 2), load<f32>(cp + (i << 2)) != 0 ? load<f32>(ap + (i << 2)) : load<f32>(bp + (i << 2)));
  }
}

/**
 * Rows gathered by index: out[o, j, i] = x[o, idx[j], i] with x of shape
 * (outer, dimIn, inner), idx holding k float32 indices (validated by the host).
 */
export function index_select_f32(outer: usize, dimIn: usize, inner: usize, xp: usize, k: usize, idxp: usize, outp: usize): void {
  let o = outp;
  for (let a: usize = 0; a < outer; a++) {
    for (let j: usize = 0; j < k; j++) {
      const r = <usize>load<f32>(idxp + (j << 2));
      memory.copy(o, xp + (((a * dimIn + r) * inner) << 2), inner << 2);
      o += inner << 2;
    }
  }
}

/** Scatter-add, the adjoint of index_select: dx[o, idx[j], i] += g[o, j, i]. */
export function index_add_f32(outer: usize, dimIn: usize, inner: usize, dxp: usize, k: usize, idxp: usize, gp: usize): void {
  let g = gp;
  for (let a: usize = 0; a < outer; a++) {
    for (let j: usize = 0; j < k; j++) {
      const r = <usize>load<f32>(idxp + (j << 2));
      const d = dxp + (((a * dimIn + r) * inner) << 2);
      let i: usize = 0;
      for (; i + 4 <= inner; i += 4) {
        v128.store(d + (i << 2), f32x4.add(v128.load(d + (i << 2)), v128.load(g + (i << 2))));
      }
      for (; i < inner; i++) store<f32>(d + (i << 2), load<f32>(d + (i << 2)) + load<f32>(g + (i << 2)));
      g += inner << 2;
    }
  }
}

/**
 * gather along the middle axis: out[o, j, i] = x[o, idx[o, j, i], i], x of shape
 * (outer, dimIn, inner) and idx/out of shape (outer, k, inner).
 */
export function gather_f32(outer: usize, dimIn: usize, inner: usize, xp: usize, k: usize, idxp: usize, outp: usize): void {
  for (let a: usize = 0; a < outer; a++) {
    for (let j: usize = 0; j < k; j++) {
      for (let i: usize = 0; i < inner; i++) {
        const e = (a * k + j) * inner + i;
        const r = <usize>load<f32>(idxp + (e << 2));
        store<f32>(outp + (e << 2), load<f32>(xp + (((a * dimIn + r) * inner + i) << 2)));
      }
    }
  }
}

/** Adjoint of gather: dx[o, idx[o, j, i], i] += g[o, j, i]. */
export function scatter_add_f32(outer: usize, dimIn: usize, inner: usize, dxp: usize, k: usize, idxp: usize, gp: usize): void {
  for (let a: usize = 0; a < outer; a++) {
    for (let j: usize = 0; j < k; j++) {
      for (let i: usize = 0; i < inner; i++) {
        const e = (a * k + j) * inner + i;
        const r = <usize>load<f32>(idxp + (e << 2));
        const d = dxp + (((a * dimIn + r) * inner + i) << 2);
        store<f32>(d, load<f32>(d) + load<f32>(gp + (e << 2)));
      }
    }
  }
}
