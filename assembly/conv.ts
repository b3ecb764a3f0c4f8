// Convolution kernels: one 4x8 register-tiled product (f32-conv-gemm-4x8-
// wasmsimd-loadsplat) fed from zero-padded images split into stride phases
// (conv_phases_f32: at stride 1 the padded image itself; at stride s every
// tap (ky, kx) reads one phase through a stride-1 window), plus the packing,
// padding, im2col/col2im (unfold/fold) and weight-gradient kernels around it.
//
// B operands are addressed through a table of byte offsets, one per reduction
// index k: B[k][r, x] = bp + koff[k] + 4 (r rowStride + x) (conv_gemm_f32: the
// 8 output pixels of a tile read 8 consecutive floats), or through a second
// table, one per column: B[k][x] = bp + koff[k] + coff[x] (conv_gemm_gather_f32:
// columns spanning several images, or one phase of a strided map). Both
// gather the 8 columns of a tile into a contiguous K x 8 panel once and run
// every 4-row block over it.
//
// The microkernel is a small separate function on purpose: inlined into its
// loops, or unrolled, V8 hoists its loads and spills accumulators.
//
// Every output element is one accumulator summed over k in increasing order,
// whatever tile (full or tail) it lands in, so results depend only on shapes.


// ---- packing ----

import { madd, tile4x8 } from './tile';
import { copyF32, zeroF32 } from './mem';

/**
 * Packs A (M x K, K = K1 K2 K3) into row blocks of 4: out[mb][k][i] = A[4 mb + i, k]
 * with A[m, (k1, k2, k3)] at ap + 4 (m sm + k1 sk1 + k2 sk2 + k3 sk3) (strides may be
 * negative, e.g. a flipped kernel), and zeros for rows m >= M.
 */
export function conv_pack_a_f32(
  M: usize, K1: usize, K2: usize, K3: usize, ap: usize, sm: isize, sk1: isize, sk2: isize, sk3: isize, outp: usize,
): void {
  const K = K1 * K2 * K3;
  const blocks = (M + 3) >> 2;
  for (let mb: usize = 0; mb < blocks; mb++) {
    const dst = outp + ((mb * K) << 4);
    for (let i: usize = 0; i < 4; i++) {
      const m = mb * 4 + i;
      let k: usize = 0;
      for (let k1: usize = 0; k1 < K1; k1++) {
        for (let k2: usize = 0; k2 < K2; k2++) {
          for (let k3: usize = 0; k3 < K3; k3++) {
            const v: f32 = m < M ? load<f32>(ap + ((<isize>m * sm + <isize>k1 * sk1 + <isize>k2 * sk2 + <isize>k3 * sk3) << 2)) : 0;
            store<f32>(dst + (k << 4) + (i << 2), v);
            k++;
          }
        }
      }
    }
  }
}

/**
 * Byte offsets (i32) of the reduction indices (c, ky, kx) into an image split in
 * sh x sw phases (conv_phases_f32): with t = ky dh = uy sh + py and
 * s = kx dw = ux sw + px, koff = 4 ((py sw + px) phase + c plane + uy row + ux).
 * With sh = sw = 1 (one phase) this is 4 (c plane + ky dh row + kx dw) for any
 * signed dh, dw: also the offset table of any 3-level index (c, ky, kx).
 */
export function conv_offsets_f32(
  C: usize, kh: usize, kw: usize, sh: usize, sw: usize, dh: isize, dw: isize, phase: usize, plane: usize, row: usize, outp: usize,
): void {
  let k: usize = 0;
  for (let c: usize = 0; c < C; c++) {
    for (let ky: usize = 0; ky < kh; ky++) {
      const t = <isize>ky * dh;
      const py: isize = sh == 1 ? 0 : t % <isize>sh, uy: isize = sh == 1 ? t : t / <isize>sh;
      for (let kx: usize = 0; kx < kw; kx++) {
        const u = <isize>kx * dw;
        const px: isize = sw == 1 ? 0 : u % <isize>sw, ux: isize = sw == 1 ? u : u / <isize>sw;
        const off = (py * <isize>sw + px) * <isize>phase + <isize>(c * plane) + uy * <isize>row + ux;
        store<i32>(outp + (k << 2), <i32>(off << 2));
        k++;
      }
    }
  }
}

/**
 * out (C, Hp, Wp) = x (C, H, W) placed at row pt, column pl, zeros around it;
 * parts of x outside the frame are cut off.
 */
export function conv_pad_f32(C: usize, H: usize, W: usize, pt: usize, pl: usize, Hp: usize, Wp: usize, xp: usize, outp: usize): void {
  const y1 = min(H + pt, Hp), x1 = min(W + pl, Wp);
  const n = x1 > pl ? x1 - pl : 0;
  for (let c: usize = 0; c < C; c++) {
    const src = xp + ((c * H * W) << 2);
    const dst = outp + ((c * Hp * Wp) << 2);
    for (let y: usize = 0; y < Hp; y++) {
      const drow = dst + ((y * Wp) << 2);
      if (y < pt || y >= y1 || n == 0) {
        zeroF32(drow, Wp);
        continue;
      }
      zeroF32(drow, pl);
      copyF32(drow + (pl << 2), src + (((y - pt) * W) << 2), n);
      if (x1 < Wp) zeroF32(drow + (x1 << 2), Wp - x1);
    }
  }
}

/**
 * Splits x (C, H, W), padded by ph rows and pw columns of zeros on each side,
 * into sh x sw phases: out[py][px][c][a][b] = xpad[c][a sh + py][b sw + px]
 * (zero outside x), each phase Hh x Wh. A stride-(sh, sw) convolution reads
 * phase ((ky dh) mod sh, (kx dw) mod sw) at row oy + (ky dh) div sh, column
 * ox + (kx dw) div sw: a stride-1 access (conv_offsets_f32 gives the offsets).
 * With sh = sw = 1 this is conv_pad_f32.
 */
export function conv_phases_f32(
  C: usize, H: usize, W: usize, ph: usize, pw: usize, sh: usize, sw: usize, Hh: usize, Wh: usize, xp: usize, outp: usize,
): void {
  let dst = outp;
  for (let py: usize = 0; py < sh; py++) {
    for (let px: usize = 0; px < sw; px++) {
      // the columns b in [lo, hi) read inside the row: ix = b sw + px - pw in [0, W)
      const off = <isize>px - <isize>pw;
      const lo = off >= 0 ? 0 : min<usize>(Wh, (<usize>(-off) + sw - 1) / sw);
      const hi = <isize>W - off <= 0 ? lo : max<usize>(lo, min<usize>(Wh, (<usize>(<isize>W - off) + sw - 1) / sw));
      for (let c: usize = 0; c < C; c++) {
        const plane = xp + ((c * H * W) << 2);
        for (let a: usize = 0; a < Hh; a++) {
          const iy = <isize>(a * sh + py) - <isize>ph;
          if (iy < 0 || iy >= <isize>H) {
            zeroF32(dst, Wh);
          } else {
            zeroF32(dst, lo);
            gatherRow(dst + (lo << 2), plane + ((<usize>iy * W) << 2), <usize>(<isize>(lo * sw) + off), sw, hi - lo, W);
            zeroF32(dst + (hi << 2), Wh - hi);
          }
          dst += Wh << 2;
        }
      }
    }
  }
}

/**
 * col[(c, ky, kx)][oy OW + ox] = x[c, oy sh - ph + ky dh, ox sw - pw + kx dw]
 * (0 outside the image); rows of col are ldcol apart.
 */
export function conv_im2col_f32(
  C: usize, H: usize, W: usize, kh: usize, kw: usize, sh: usize, sw: usize, ph: usize, pw: usize,
  dh: usize, dw: usize, OH: usize, OW: usize, xp: usize, colp: usize, ldcol: usize,
): void {
  let k: usize = 0;
  for (let c: usize = 0; c < C; c++) {
    const plane = xp + ((c * H * W) << 2);
    for (let ky: usize = 0; ky < kh; ky++) {
      for (let kx: usize = 0; kx < kw; kx++) {
        const row = colp + ((k * ldcol) << 2);
        // the outputs ox in [lo, hi) read inside the row: ix = ox sw + kx dw - pw in [0, W)
        const off = <isize>(kx * dw) - <isize>pw;
        const lo = off >= 0 ? 0 : min<usize>(OW, (<usize>(-off) + sw - 1) / sw);
        const hi = <isize>W - off <= 0 ? lo : max<usize>(lo, min<usize>(OW, (<usize>(<isize>W - off) + sw - 1) / sw));
        for (let oy: usize = 0; oy < OH; oy++) {
          const iy = <isize>(oy * sh + ky * dh) - <isize>ph;
          const dst = row + ((oy * OW) << 2);
          if (iy < 0 || iy >= <isize>H) {
            zeroF32(dst, OW);
            continue;
          }
          zeroF32(dst, lo);
          gatherRow(dst + (lo << 2), plane + ((<usize>iy * W) << 2), <usize>(<isize>(lo * sw) + off), sw, hi - lo, W);
          zeroF32(dst + (hi << 2), OW - hi);
        }
        k++;
      }
    }
  }
}

/** dst[j] = src[i0 + j s] for j < n, reading only src[0..W): unit and double strides in vector steps. */
// @ts-ignore: decorator
@inline function gatherRow(dst: usize, src: usize, i0: usize, s: usize, n: usize, W: usize): void {
  if (s == 1) {
    copyF32(dst, src + (i0 << 2), n);
    return;
  }
  let j: usize = 0;
  if (s == 2) {
    // 4 outputs from 8 consecutive inputs while those 8 lie inside the row
    for (; j + 4 <= n && i0 + 2 * j + 8 <= W; j += 4) {
      const p = src + ((i0 + 2 * j) << 2);
      v128.store(dst + (j << 2), v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6));
    }
  }
  for (; j < n; j++) store<f32>(dst + (j << 2), load<f32>(src + ((i0 + j * s) << 2)));
}

/** The adjoint of im2col: dx[c, iy, ix] += col[(c, ky, kx)][q] over every (ky, kx, q) that reads it, in that order. */
export function conv_col2im_add_f32(
  C: usize, H: usize, W: usize, kh: usize, kw: usize, sh: usize, sw: usize, ph: usize, pw: usize,
  dh: usize, dw: usize, OH: usize, OW: usize, colp: usize, ldcol: usize, dxp: usize,
): void {
  let k: usize = 0;
  for (let c: usize = 0; c < C; c++) {
    const plane = dxp + ((c * H * W) << 2);
    for (let ky: usize = 0; ky < kh; ky++) {
      for (let kx: usize = 0; kx < kw; kx++) {
        const row = colp + ((k * ldcol) << 2);
        for (let oy: usize = 0; oy < OH; oy++) {
          const iy = <isize>(oy * sh + ky * dh) - <isize>ph;
          if (iy < 0 || iy >= <isize>H) continue;
          const dst = plane + ((<usize>iy * W) << 2);
          const src = row + ((oy * OW) << 2);
          for (let ox: usize = 0; ox < OW; ox++) {
            const ix = <isize>(ox * sw + kx * dw) - <isize>pw;
            if (ix >= 0 && ix < <isize>W) {
              const p = dst + (<usize>ix << 2);
              store<f32>(p, load<f32>(p) + load<f32>(src + (ox << 2)));
            }
          }
        }
        k++;
      }
    }
  }
}

/**
 * Packs G (O x Q, rows contiguous) into panels of 8 rows: out[ob][q][j] = G[8 ob + j, q]
 * at outp + 4 (ob ldp + 8 q + j), zeros for rows >= O (ldp >= 8 Q: room for other images' columns).
 */
export function conv_pack_panels_f32(O: usize, Q: usize, gp: usize, outp: usize, ldp: usize): void {
  const panels = (O + 7) >> 3;
  for (let ob: usize = 0; ob < panels; ob++) {
    const dst = outp + ((ob * ldp) << 2);
    for (let j: usize = 0; j < 8; j++) {
      const o = ob * 8 + j;
      const src = gp + ((o * Q) << 2);
      if (o < O) {
        for (let q: usize = 0; q < Q; q++) store<f32>(dst + (q << 5) + (j << 2), load<f32>(src + (q << 2)));
      } else {
        for (let q: usize = 0; q < Q; q++) store<f32>(dst + (q << 5) + (j << 2), 0);
      }
    }
  }
}

// ---- products ----

/**
 * C[m][r, x] (+)= sum_k A[m, k] B[k][r, x] for m < M, r < rows, x < rowLen,
 * with A packed by conv_pack_a_f32, B[k][r, x] at bp + koff[k] + 4 (r bRow + x)
 * and C[m][r, x] at cp + 4 (m ldc + r cRow + x). Without accumulate, C starts
 * from bias[m] (biasp != 0) or zero. For each tile of 8 columns the B values
 * are first gathered into a contiguous K x 8 panel at scratchp (read up to 7
 * floats past each row's end: the caller leaves that slack, those lanes are
 * discarded), then every block of 4 rows runs over it. Without accumulate,
 * a row's partial last tile (rows at least 8 wide) runs as a whole tile ending
 * at the row's end, recomputing a few columns with the same results. Other
 * edge tiles (fewer than 4 rows or 8 columns) run the same code on a 32-float
 * scratch tile after the panel, so a result does not depend on where it sits.
 * Scratch: 8 K + 32 floats.
 */
export function conv_gemm_f32(
  M: usize, K: usize, rows: usize, rowLen: usize,
  ap: usize, bp: usize, bRow: usize, koffp: usize,
  cp: usize, ldc: usize, cRow: usize, biasp: usize, accumulate: bool, scratchp: usize,
): void {
  const panel = scratchp, edge = scratchp + (K << 5);
  for (let r: usize = 0; r < rows; r++) {
    for (let x0: usize = 0; x0 < rowLen; x0 += 8) {
      let n = min<usize>(8, rowLen - x0), xs = x0;
      if (n < 8 && rowLen >= 8 && !accumulate) {
        // a row's partial last tile runs whole, ending at the row's end
        xs = rowLen - 8;
        n = 8;
      }
      const bbase = bp + ((r * bRow + xs) << 2);
      for (let k: usize = 0; k < K; k++) {
        const b = bbase + <usize>load<i32>(koffp + (k << 2));
        v128.store(panel + (k << 5), v128.load(b));
        v128.store(panel + (k << 5), v128.load(b, 16), 16);
      }
      for (let mb: usize = 0; mb < M; mb += 4) {
        const live = min<usize>(4, M - mb);
        const ak = ap + ((mb * K) << 2);
        const bias = biasp != 0 ? biasp + (mb << 2) : 0;
        const c = cp + ((mb * ldc + r * cRow + xs) << 2);
        if (live == 4 && n == 8) {
          tile4x8(K, ak, panel, c, ldc << 2, accumulate, 0, accumulate ? 0 : bias);
          continue;
        }
        // edge: start values into the scratch tile, run it there, copy the valid part out
        for (let i: usize = 0; i < 4; i++) {
          for (let j: usize = 0; j < 8; j++) {
            const from = c + ((i * ldc + j) << 2);
            const v: f32 = i >= live || j >= n ? 0 : accumulate ? load<f32>(from) : bias != 0 ? load<f32>(bias + (i << 2)) : 0;
            store<f32>(edge + ((i * 8 + j) << 2), v);
          }
        }
        tile4x8(K, ak, panel, edge, 32, true, 0, 0);
        for (let i: usize = 0; i < live; i++) {
          for (let j: usize = 0; j < n; j++) store<f32>(c + ((i * ldc + j) << 2), load<f32>(edge + ((i * 8 + j) << 2)));
        }
      }
    }
  }
}


/**
 * C[m][x] = bias[m] (biasp != 0, else 0) + sum_k A[m, k] B[k][x] for m < M,
 * x < ncols, with A packed by conv_pack_a_f32, B[k][x] at bp + koff[k] + coff[x]
 * and C[m][x] at cp + ooff[x] + m mStride (koff, coff, ooff: i32 byte offsets,
 * ooff distinct per column). So the columns may be any pixels of any images
 * (several images' pixels in one product, a phase of a strided map), read and
 * written in place. For each tile of 8 columns the B values are gathered into a
 * K x 8 panel (two vector loads per k where the 8 columns are consecutive in
 * memory), then every block of 4 rows runs over it, stored straight to C where
 * the tile's 8 outputs are consecutive, else through a scratch tile. A partial
 * last tile repeats its last column (computed, not stored). Every output is
 * one accumulator over k in increasing order, wherever its tile falls.
 * Scratch: 8 K + 32 floats.
 */
export function conv_gemm_gather_f32(
  M: usize, K: usize, ncols: usize, ap: usize, bp: usize, koffp: usize, coffp: usize,
  cp: usize, ooffp: usize, mStride: usize, biasp: usize, scratchp: usize,
): void {
  const panel = scratchp, edge = scratchp + (K << 5);
  for (let x0: usize = 0; x0 < ncols; x0 += 8) {
    const n = min<usize>(8, ncols - x0);
    const last = ncols - 1;
    const c0 = <usize>load<i32>(coffp + (x0 << 2));
    const c1 = <usize>load<i32>(coffp + (min(x0 + 1, last) << 2));
    const c2 = <usize>load<i32>(coffp + (min(x0 + 2, last) << 2));
    const c3 = <usize>load<i32>(coffp + (min(x0 + 3, last) << 2));
    const c4 = <usize>load<i32>(coffp + (min(x0 + 4, last) << 2));
    const c5 = <usize>load<i32>(coffp + (min(x0 + 5, last) << 2));
    const c6 = <usize>load<i32>(coffp + (min(x0 + 6, last) << 2));
    const c7 = <usize>load<i32>(coffp + (min(x0 + 7, last) << 2));
    const bb = bp + c0;
    if (n == 8 && consecutive(coffp + (x0 << 2))) {
      for (let k: usize = 0; k < K; k++) {
        const b = bb + <usize>load<i32>(koffp + (k << 2));
        v128.store(panel + (k << 5), v128.load(b));
        v128.store(panel + (k << 5), v128.load(b, 16), 16);
      }
    } else {
      const d1 = c1 - c0, d2 = c2 - c0, d3 = c3 - c0, d4 = c4 - c0, d5 = c5 - c0, d6 = c6 - c0, d7 = c7 - c0;
      for (let k: usize = 0; k < K; k++) {
        const b = bb + <usize>load<i32>(koffp + (k << 2));
        let lo = v128.load32_zero(b);
        lo = v128.load32_lane(b + d1, lo, 1);
        lo = v128.load32_lane(b + d2, lo, 2);
        lo = v128.load32_lane(b + d3, lo, 3);
        let hi = v128.load32_zero(b + d4);
        hi = v128.load32_lane(b + d5, hi, 1);
        hi = v128.load32_lane(b + d6, hi, 2);
        hi = v128.load32_lane(b + d7, hi, 3);
        v128.store(panel + (k << 5), lo);
        v128.store(panel + (k << 5), hi, 16);
      }
    }
    const o0 = <usize>load<i32>(ooffp + (x0 << 2));
    const direct = n == 8 && consecutive(ooffp + (x0 << 2));
    for (let mb: usize = 0; mb < M; mb += 4) {
      const live = min<usize>(4, M - mb);
      const ak = ap + ((mb * K) << 2);
      const bias = biasp != 0 ? biasp + (mb << 2) : 0;
      if (live == 4 && direct) {
        tile4x8(K, ak, panel, cp + o0 + mb * mStride, mStride, false, 0, bias);
        continue;
      }
      // edge: the bias into the scratch tile, run it there, scatter the valid part
      for (let i: usize = 0; i < 4; i++) {
        const v = f32x4.splat(bias != 0 && i < live ? load<f32>(bias + (i << 2)) : 0);
        v128.store(edge + (i << 5), v);
        v128.store(edge + (i << 5), v, 16);
      }
      tile4x8(K, ak, panel, edge, 32, true, 0, 0);
      for (let i: usize = 0; i < live; i++) {
        const row = cp + (mb + i) * mStride;
        for (let j: usize = 0; j < n; j++) {
          store<f32>(row + <usize>load<i32>(ooffp + ((x0 + j) << 2)), load<f32>(edge + ((i * 8 + j) << 2)));
        }
      }
    }
  }
}

/** Whether the 8 i32 byte offsets at p step by 4 (8 consecutive floats). */
// @ts-ignore: decorator
@inline function consecutive(p: usize): bool {
  for (let j: usize = 1; j < 8; j++) if (load<i32>(p + (j << 2)) - load<i32>(p + ((j - 1) << 2)) != 4) return false;
  return true;
}

/** dW[o][k..k+3] += the lanes of four accumulators (one per k) for the 4 rows o0..o0+3, `live` of them valid. */
// @ts-ignore: decorator
@inline function addBlock(p: usize, ldw: usize, kLive: usize, oLive: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  // lane j of v_i belongs to dW[o0 + j][k0 + i]
  for (let j: usize = 0; j < oLive; j++) {
    const row = p + ((j * ldw) << 2);
    const t0 = j == 0 ? f32x4.extract_lane(v0, 0) : j == 1 ? f32x4.extract_lane(v0, 1) : j == 2 ? f32x4.extract_lane(v0, 2) : f32x4.extract_lane(v0, 3);
    const t1 = j == 0 ? f32x4.extract_lane(v1, 0) : j == 1 ? f32x4.extract_lane(v1, 1) : j == 2 ? f32x4.extract_lane(v1, 2) : f32x4.extract_lane(v1, 3);
    const t2 = j == 0 ? f32x4.extract_lane(v2, 0) : j == 1 ? f32x4.extract_lane(v2, 1) : j == 2 ? f32x4.extract_lane(v2, 2) : f32x4.extract_lane(v2, 3);
    const t3 = j == 0 ? f32x4.extract_lane(v3, 0) : j == 1 ? f32x4.extract_lane(v3, 1) : j == 2 ? f32x4.extract_lane(v3, 2) : f32x4.extract_lane(v3, 3);
    store<f32>(row, load<f32>(row) + t0);
    if (kLive > 1) store<f32>(row, load<f32>(row, 4) + t1, 4);
    if (kLive > 2) store<f32>(row, load<f32>(row, 8) + t2, 8);
    if (kLive > 3) store<f32>(row, load<f32>(row, 12) + t3, 12);
  }
}

/**
 * Weight gradient: dW[o][k] += sum over images i and pixels q of G_i[o, q] A_i[k][q],
 * images in order, each image's Q = rows rowLen output pixels in order, with
 * A_i[k][r, x] at ap + 4 (i aImg + koff[k] + r aRow + x) (images split into
 * phases, conv_phases_f32) and G packed by conv_pack_panels_f32 with the images'
 * columns side by side in each panel (ldp = 8 images Q). dW[o][k] is at
 * dwp + 4 (o ldw + k). Tiles of 4 k by 8 o, one accumulator each over all
 * the images, added to dW once.
 */
export function conv_wgrad_f32(
  K: usize, O: usize, images: usize, rows: usize, rowLen: usize,
  ap: usize, aImg: usize, aRow: usize, koffp: usize, gpanels: usize, dwp: usize, ldw: usize,
): void {
  const Q = rows * rowLen;
  for (let kb: usize = 0; kb < K; kb += 4) {
    const kLive = min<usize>(4, K - kb);
    // rows past K repeat the last valid offset; their sums are discarded
    const o0 = <usize>load<i32>(koffp + (kb << 2));
    const o1 = <usize>load<i32>(koffp + (min(kb + 1, K - 1) << 2));
    const o2 = <usize>load<i32>(koffp + (min(kb + 2, K - 1) << 2));
    const o3 = <usize>load<i32>(koffp + (min(kb + 3, K - 1) << 2));
    for (let ob: usize = 0; ob < O; ob += 8) {
      let s0l = f32x4.splat(0), s0h = s0l, s1l = s0l, s1h = s0l, s2l = s0l, s2h = s0l, s3l = s0l, s3h = s0l;
      let g = gpanels + ((ob * images * Q) << 2);
      for (let i: usize = 0; i < images; i++) {
        const image = ap + ((i * aImg) << 2);
        for (let r: usize = 0; r < rows; r++) {
          const arow = image + ((r * aRow) << 2);
          const aend = arow + (rowLen << 2);
          for (let a = arow; a < aend; a += 4) {
            const gl = v128.load(g), gh = v128.load(g, 16);
            const x0 = v128.load32_splat(a + o0), x1 = v128.load32_splat(a + o1);
            s0l = madd(x0, gl, s0l);
            s0h = madd(x0, gh, s0h);
            s1l = madd(x1, gl, s1l);
            s1h = madd(x1, gh, s1h);
            const x2 = v128.load32_splat(a + o2), x3 = v128.load32_splat(a + o3);
            s2l = madd(x2, gl, s2l);
            s2h = madd(x2, gh, s2h);
            s3l = madd(x3, gl, s3l);
            s3h = madd(x3, gh, s3h);
            g += 32;
          }
        }
      }
      const oLive = min<usize>(8, O - ob);
      const p = dwp + ((ob * ldw + kb) << 2);
      addBlock(p, ldw, kLive, min<usize>(4, oLive), s0l, s1l, s2l, s3l);
      if (oLive > 4) addBlock(p + ((4 * ldw) << 2), ldw, kLive, oLive - 4, s0h, s1h, s2h, s3h);
    }
  }
}
