// The 4x8 register tile shared by the GEMM and the convolution kernels, and
// the multiply-add both build on. Not exported from the module: kernels call it.

/** c + a b per lane: fused in the relaxed-SIMD build, mul then add otherwise. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * C[0..4, 0..8] at cp (row stride ldcb bytes) becomes
 * init + sum_k a[k] b[k] over a packed strip pa (4 floats per k) and panel pb
 * (8 floats per k), in increasing k. init is C itself (loadC) or zero, plus
 * colBias[0..8] when colBiasp != 0 (a GEMM's bias per output column) and
 * rowBias[0..4] when rowBiasp != 0 (a convolution's bias per output channel).
 * A small non-inlined function: inlined or unrolled, V8 spills accumulators.
 */
export function tile4x8(K: usize, pa: usize, pb: usize, cp: usize, ldcb: usize, loadC: bool, colBiasp: usize, rowBiasp: usize): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (loadC) {
    c00 = v128.load(cp); c01 = v128.load(cp, 16);
    c10 = v128.load(cp + ldcb); c11 = v128.load(cp + ldcb, 16);
    c20 = v128.load(cp + 2 * ldcb); c21 = v128.load(cp + 2 * ldcb, 16);
    c30 = v128.load(cp + 3 * ldcb); c31 = v128.load(cp + 3 * ldcb, 16);
  }
  if (colBiasp != 0) {
    const b0 = v128.load(colBiasp), b1 = v128.load(colBiasp, 16);
    c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1);
    c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
    c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1);
    c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
  }
  if (rowBiasp != 0) {
    let b = v128.load32_splat(rowBiasp);
    c00 = f32x4.add(c00, b); c01 = f32x4.add(c01, b);
    b = v128.load32_splat(rowBiasp, 4);
    c10 = f32x4.add(c10, b); c11 = f32x4.add(c11, b);
    b = v128.load32_splat(rowBiasp, 8);
    c20 = f32x4.add(c20, b); c21 = f32x4.add(c21, b);
    b = v128.load32_splat(rowBiasp, 12);
    c30 = f32x4.add(c30, b); c31 = f32x4.add(c31, b);
  }
  // the sum runs until pb reaches its end: no separate counter
  for (const end = pb + (K << 5); pb < end; ) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    // A's four rows for this k, broadcast one at a time. Relaxed build: one
    // load and lane shuffles (fewer memory accesses count where the engine
    // bounds-checks each one in software, as Deno's V8 does; FMAs leave the
    // shuffle port free). Plain build: broadcast loads (its adds share the
    // shuffle port on recent Intel cores).
    const av = ASC_FEATURE_RELAXED_SIMD ? v128.load(pa) : f32x4.splat(0);
    let a = ASC_FEATURE_RELAXED_SIMD ? v128.shuffle<f32>(av, av, 0, 0, 0, 0) : v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = ASC_FEATURE_RELAXED_SIMD ? v128.shuffle<f32>(av, av, 1, 1, 1, 1) : v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = ASC_FEATURE_RELAXED_SIMD ? v128.shuffle<f32>(av, av, 2, 2, 2, 2) : v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = ASC_FEATURE_RELAXED_SIMD ? v128.shuffle<f32>(av, av, 3, 3, 3, 3) : v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    pa += 16;
    pb += 32;
  }
  v128.store(cp, c00); v128.store(cp, c01, 16);
  v128.store(cp + ldcb, c10); v128.store(cp + ldcb, c11, 16);
  v128.store(cp + 2 * ldcb, c20); v128.store(cp + 2 * ldcb, c21, 16);
  v128.store(cp + 3 * ldcb, c30); v128.store(cp + 3 * ldcb, c31, 16);
}
