// Matrix multiply C = [C +] [bias +] A B, for row-major C with leading
// dimension ldc and A, B addressed through element strides (a transposed
// operand is just another pair of strides; the packing routines absorb it).
//
// Structure (Goto/BLIS style, host-chosen block sizes mc x kc x nc):
//   for each kc-block of K (in increasing k):
//     for each nc-block of N: pack B[kc, nc] into 8-wide panels (kc x 8, zero-padded)
//       for each mc-block of M: pack A[mc, kc] into MR-row strips (kc x MR, zero-padded)
//         for each panel, for each strip: the MR x 8 microkernel
// Two kernels, named by their register tile (rows x columns of C held in
// registers): gemm_4x8_f32 (tile.ts's 4x8, which loads A once per k and
// broadcasts by shuffles in the relaxed build, "loadsplat" in the plain one)
// and gemm_6x8_f32 (6x8, 12 accumulators that hide the FMA latency). In the
// relaxed build (relaxed_madd) the 6x8 tile is the faster where the engine
// checks memory bounds with guard pages (Node, Chromium), the 4x8 one where
// it checks each access in software (Deno, whose V8 runs without the trap
// handler): fewer loads, fewer checks. In the plain build (mul then add) six
// rows spill registers, so 4x8 is the one to use there; 6x8 still computes
// the same results. src/runtime/gemm-kernel.ts makes the choice.
// Threads can later split the mc-blocks of one packed B block between them.
//
// Determinism: every C element is one accumulator that starts at
// (accumulate ? C : 0) + bias and then adds A[i,k] B[k,j] for k = 0, 1, ...
// in increasing order; between kc-blocks it is stored to C and reloaded,
// which is exact. Edge tiles run the same vector code on a zero-padded copy,
// so a result does not depend on where it sits, nor on the block sizes.
// The plain build (mul then add) therefore equals the scalar reference
// gemm_ref_f32 bit for bit; the relaxed build fuses them (relaxed_madd).
//
// Scratch (given by the host, never allocated here), in floats:
//   kc * roundUp(nc, 8)   packed B block
//   (mc + 8) * kc         packed A block (room for roundUp(mc, MR) rows)
//   64                    edge tile (MR x 8) and its bias (8)
// where kc, nc, mc are the block sizes clipped to K, N, M (kc at least 1).

import { madd, tile4x8 } from './tile';

/** Tile width (columns of B per panel). */
// @ts-ignore: decorator
@inline const NR: usize = 8;

/** Transposes the 4x4 block of rows r0..r3 and stores its columns at dst, dst+16, dst+32, dst+48 (stride `step` bytes). */
// @ts-ignore: decorator
@inline function storeTransposed4x4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + step, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * step, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Packs the mc x kc block of A (element [i, k] at ap + 4 (i sa0 + k sa1))
 * into strips of MR rows: strip s holds A[s MR + r, k] at dst + 4 ((s kc + k) MR + r),
 * rows past mc are zero.
 */
function packA(MR: usize, mc: usize, kc: usize, ap: usize, sa0: usize, sa1: usize, dst: usize): void {
  for (let i0: usize = 0; i0 < mc; i0 += MR) {
    const rows = min(MR, mc - i0);
    const strip = dst + ((i0 * kc) << 2);
    const src = ap + ((i0 * sa0) << 2);
    let k: usize = 0;
    if (rows == MR && sa0 == 1) {
      // A transposed: the MR rows of one k are contiguous
      for (; k < kc; k++) {
        const from = src + ((k * sa1) << 2), to = strip + ((k * MR) << 2);
        v128.store(to, v128.load(from));
        if (MR == 6) store<u64>(to, load<u64>(from, 16), 16);
      }
    } else if (rows == MR && sa1 == 1) {
      // A row-major: 4x4 transposes of rows 0-3 (and rows 4, 5 interleaved in pairs)
      const r1 = src + (sa0 << 2), r2 = src + (sa0 << 3), r3 = r1 + (sa0 << 3);
      const r4 = r2 + (sa0 << 3), r5 = r3 + (sa0 << 3);
      for (; k + 4 <= kc; k += 4) {
        const o = k << 2, to = strip + ((k * MR) << 2);
        storeTransposed4x4(v128.load(src + o), v128.load(r1 + o), v128.load(r2 + o), v128.load(r3 + o), to, MR << 2);
        if (MR == 6) {
          const a4 = v128.load(r4 + o), a5 = v128.load(r5 + o);
          const lo = v128.shuffle<f32>(a4, a5, 0, 4, 1, 5), hi = v128.shuffle<f32>(a4, a5, 2, 6, 3, 7);
          store<u64>(to, i64x2.extract_lane(lo, 0), 16);
          store<u64>(to, i64x2.extract_lane(lo, 1), 40);
          store<u64>(to, i64x2.extract_lane(hi, 0), 64);
          store<u64>(to, i64x2.extract_lane(hi, 1), 88);
        }
      }
    }
    for (; k < kc; k++) {
      for (let r: usize = 0; r < MR; r++) {
        store<f32>(strip + (((k * MR) + r) << 2), r < rows ? load<f32>(src + ((r * sa0 + k * sa1) << 2)) : 0);
      }
    }
  }
}

/**
 * Packs the kc x nc block of B (element [k, j] at bp + 4 (k sb0 + j sb1))
 * into panels of NR columns: panel p holds B[k, p NR + c] at dst + 4 ((p kc + k) NR + c),
 * columns past nc are zero.
 */
function packB(kc: usize, nc: usize, bp: usize, sb0: usize, sb1: usize, dst: usize): void {
  for (let j0: usize = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    const panel = dst + ((j0 * kc) << 2);
    const src = bp + ((j0 * sb1) << 2);
    let k: usize = 0;
    if (cols == NR && sb1 == 1) {
      // B row-major: a panel row is two vectors
      for (; k < kc; k++) {
        const row = src + ((k * sb0) << 2);
        v128.store(panel + (k << 5), v128.load(row));
        v128.store(panel + (k << 5), v128.load(row, 16), 16);
      }
    } else if (cols == NR && sb0 == 1) {
      // B transposed: columns are contiguous in k, two 4x4 transposes per 4 k
      const s = sb1 << 2;
      for (; k + 4 <= kc; k += 4) {
        const c0 = src + (k << 2);
        storeTransposed4x4(v128.load(c0), v128.load(c0 + s), v128.load(c0 + 2 * s), v128.load(c0 + 3 * s), panel + (k << 5), 32);
        const c4 = c0 + 4 * s;
        storeTransposed4x4(v128.load(c4), v128.load(c4 + s), v128.load(c4 + 2 * s), v128.load(c4 + 3 * s), panel + (k << 5) + 16, 32);
      }
    }
    for (; k < kc; k++) {
      for (let c: usize = 0; c < NR; c++) {
        store<f32>(panel + (((k * NR) + c) << 2), c < cols ? load<f32>(src + ((k * sb0 + c * sb1) << 2)) : 0);
      }
    }
  }
}

/** The 6x8 microkernel: as tile4x8 (tile.ts) with six rows and a bias per column. */
function tile6x8(kc: usize, pa: usize, pb: usize, cp: usize, ldcb: usize, loadC: bool, biasp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  if (loadC) {
    c00 = v128.load(cp); c01 = v128.load(cp, 16);
    c10 = v128.load(cp + ldcb); c11 = v128.load(cp + ldcb, 16);
    c20 = v128.load(cp + 2 * ldcb); c21 = v128.load(cp + 2 * ldcb, 16);
    c30 = v128.load(cp + 3 * ldcb); c31 = v128.load(cp + 3 * ldcb, 16);
    c40 = v128.load(cp + 4 * ldcb); c41 = v128.load(cp + 4 * ldcb, 16);
    c50 = v128.load(cp + 5 * ldcb); c51 = v128.load(cp + 5 * ldcb, 16);
  }
  if (biasp != 0) {
    const b0 = v128.load(biasp), b1 = v128.load(biasp, 16);
    c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1);
    c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
    c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1);
    c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
    c40 = f32x4.add(c40, b0); c41 = f32x4.add(c41, b1);
    c50 = f32x4.add(c50, b0); c51 = f32x4.add(c51, b1);
  }
  for (let k: usize = 0; k < kc; k++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(pa, 16);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    a = v128.load32_splat(pa, 20);
    c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
    pa += 24;
    pb += NR << 2;
  }
  v128.store(cp, c00); v128.store(cp, c01, 16);
  v128.store(cp + ldcb, c10); v128.store(cp + ldcb, c11, 16);
  v128.store(cp + 2 * ldcb, c20); v128.store(cp + 2 * ldcb, c21, 16);
  v128.store(cp + 3 * ldcb, c30); v128.store(cp + 3 * ldcb, c31, 16);
  v128.store(cp + 4 * ldcb, c40); v128.store(cp + 4 * ldcb, c41, 16);
  v128.store(cp + 5 * ldcb, c50); v128.store(cp + 5 * ldcb, c51, 16);
}

/** The MR x 8 microkernel. */
// @ts-ignore: decorator
@inline function microkernel(MR: usize, kc: usize, pa: usize, pb: usize, cp: usize, ldcb: usize, loadC: bool, biasp: usize): void {
  if (MR == 6) tile6x8(kc, pa, pb, cp, ldcb, loadC, biasp);
  else tile4x8(kc, pa, pb, cp, ldcb, loadC, biasp, 0);
}

/**
 * One tile of `rows` x `cols` (at most MR x 8) at cp: full tiles run in
 * place, edge tiles on a zero-padded copy in `edge` (MR x 8 floats, then 8 for
 * the bias) so that they use the same code.
 */
function tile(MR: usize, rows: usize, cols: usize, kc: usize, pa: usize, pb: usize, cp: usize, ldcb: usize, loadC: bool, biasp: usize, edge: usize): void {
  if (rows == MR && cols == NR) {
    microkernel(MR, kc, pa, pb, cp, ldcb, loadC, biasp);
    return;
  }
  const eb = edge + (MR * NR << 2);
  for (let r: usize = 0; r < MR; r++) {
    for (let c: usize = 0; c < NR; c++) {
      store<f32>(edge + ((r * NR + c) << 2), loadC && r < rows && c < cols ? load<f32>(cp + r * ldcb + (c << 2)) : 0);
    }
  }
  if (biasp != 0) for (let c: usize = 0; c < NR; c++) store<f32>(eb + (c << 2), c < cols ? load<f32>(biasp + (c << 2)) : 0);
  microkernel(MR, kc, pa, pb, edge, NR << 2, true, biasp != 0 ? eb : 0);
  for (let r: usize = 0; r < rows; r++) {
    for (let c: usize = 0; c < cols; c++) store<f32>(cp + r * ldcb + (c << 2), load<f32>(edge + ((r * NR + c) << 2)));
  }
}

/**
 * C[i, j] = (accumulate ? C[i, j] : 0) + (biasp ? bias[j] : 0) + sum_k A[i, k] B[k, j]
 * with A[i, k] at ap + 4 (i sa0 + k sa1), B[k, j] at bp + 4 (k sb0 + j sb1),
 * C[i, j] at cp + 4 (i ldc + j), bias[j] at biasp + 4 j (biasp = 0: no bias).
 * MR is the tile height (4 or 6, see the top of this file);
 * mc, kc, nc are the block sizes (mc is rounded down to a multiple of the tile height, nc must be one of 8; all >= 1);
 * packp is scratch of the size given at the top of this file.
 */
// @ts-ignore: decorator
@inline function gemm(
  MR: usize, M: usize, N: usize, K: usize,
  ap: usize, sa0: usize, sa1: usize,
  bp: usize, sb0: usize, sb1: usize,
  cp: usize, ldc: usize, biasp: usize, accumulate: i32,
  packp: usize, mc: usize, kc: usize, nc: usize,
): void {
  if (M == 0 || N == 0) return;
  const ldcb = ldc << 2;
  // K in equal blocks of at most kc (784 = 4 x 196 rather than 3 x 256 + 16)
  if (K > kc) kc = (K + (K + kc - 1) / kc - 1) / ((K + kc - 1) / kc);
  kc = max<usize>(1, min(kc, K));
  nc = min(nc, N);
  mc = min(max<usize>(MR, mc - mc % MR), M);
  const packedB = packp;
  const packedA = packedB + ((kc * ((nc + NR - 1) & ~(NR - 1))) << 2);
  const edge = packedA + (((mc + 8) * kc) << 2);
  // K = 0 still runs one (empty) k-block: C = init
  let pc: usize = 0;
  do {
    const kb = min(kc, K - pc);
    const first = pc == 0;
    const loadC = !first || accumulate != 0;
    for (let jc: usize = 0; jc < N; jc += nc) {
      const nb = min(nc, N - jc);
      packB(kb, nb, bp + ((pc * sb0 + jc * sb1) << 2), sb0, sb1, packedB);
      for (let ic: usize = 0; ic < M; ic += mc) {
        const mb = min(mc, M - ic);
        packA(MR, mb, kb, ap + ((ic * sa0 + pc * sa1) << 2), sa0, sa1, packedA);
        for (let jr: usize = 0; jr < nb; jr += NR) {
          const cols = min(NR, nb - jr);
          const pb = packedB + ((jr * kb) << 2);
          const bias = first && biasp != 0 ? biasp + ((jc + jr) << 2) : 0;
          for (let ir: usize = 0; ir < mb; ir += MR) {
            const rows = min(MR, mb - ir);
            tile(MR, rows, cols, kb, packedA + ((ir * kb) << 2), pb, cp + (ic + ir) * ldcb + ((jc + jr) << 2), ldcb, loadC, bias, edge);
          }
        }
      }
    }
    pc += kc;
  } while (pc < K);
}

/** gemm with the 4x8 register tile (arguments as gemm's above, without MR). */
export function gemm_4x8_f32(
  M: usize, N: usize, K: usize,
  ap: usize, sa0: usize, sa1: usize,
  bp: usize, sb0: usize, sb1: usize,
  cp: usize, ldc: usize, biasp: usize, accumulate: i32,
  packp: usize, mc: usize, kc: usize, nc: usize,
): void {
  gemm(4, M, N, K, ap, sa0, sa1, bp, sb0, sb1, cp, ldc, biasp, accumulate, packp, mc, kc, nc);
}

/** gemm with the 6x8 register tile (arguments as gemm's above, without MR). */
export function gemm_6x8_f32(
  M: usize, N: usize, K: usize,
  ap: usize, sa0: usize, sa1: usize,
  bp: usize, sb0: usize, sb1: usize,
  cp: usize, ldc: usize, biasp: usize, accumulate: i32,
  packp: usize, mc: usize, kc: usize, nc: usize,
): void {
  gemm(6, M, N, K, ap, sa0, sa1, bp, sb0, sb1, cp, ldc, biasp, accumulate, packp, mc, kc, nc);
}

/**
 * Scalar reference of gemm_4x8_f32 and gemm_6x8_f32 (their arguments without the scratch and blocks): one accumulator
 * per element, init then increasing k, a product then a sum per step.
 */
export function gemm_ref_f32(
  M: usize, N: usize, K: usize,
  ap: usize, sa0: usize, sa1: usize,
  bp: usize, sb0: usize, sb1: usize,
  cp: usize, ldc: usize, biasp: usize, accumulate: i32,
): void {
  for (let i: usize = 0; i < M; i++) {
    for (let j: usize = 0; j < N; j++) {
      const cij = cp + ((i * ldc + j) << 2);
      let c: f32 = accumulate != 0 ? load<f32>(cij) : 0;
      if (biasp != 0) c += load<f32>(biasp + (j << 2));
      for (let k: usize = 0; k < K; k++) c += load<f32>(ap + ((i * sa0 + k * sa1) << 2)) * load<f32>(bp + ((k * sb0 + j * sb1) << 2));
      store<f32>(cij, c);
    }
  }
}
