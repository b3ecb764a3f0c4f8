// Layout constants, the position-wise products and the output row store shared by the Winograd
// kernels (winograd.ts, winograd-f4.ts, winograd-wgrad.ts). Not exported from the module.

import { tile4x8 } from './tile';
import { distinctPosition } from './winograd-s2-t7-axis';

/**
 * Floats added after each of the 16 positions' slabs of transformed tiles:
 * slabs a multiple of 4 KiB apart map to the same L1 cache sets, and a
 * transform writes (or reads) all 16 at once.
 */
// @ts-ignore: decorator
@inline export const XI_PAD: usize = 16;

/**
 * M_xi = U_xi V_xi for the positions xi = 0 .. positions - 1 of a block of nt
 * tiles: U_xi (Op x C) packed in 4-row strips at up + 4 u Op C, V_xi (C x
 * tiles) in 8-column panels at V + xi vXi (bytes), M_xi rows of bt floats at
 * M + xi mXi; 4 output channels by 8 tiles at a time on tile4x8. u = xi, or
 * with `distinct` (the 7x7 tiles) the one stored position equal to xi
 * (winograd-s2-t7-axis.ts distinctPosition).
 */
export function positionProducts(positions: usize, C: usize, Op: usize, up: usize, V: usize, vXi: usize, M: usize, mXi: usize, bt: usize, nt: usize, distinct: bool = false): void {
  const panels = (nt + 7) >> 3;
  for (let xi: usize = 0; xi < positions; xi++) {
    const u = distinct ? distinctPosition(xi) : xi;
    for (let ob: usize = 0; ob < Op; ob += 4) {
      const pa = up + ((u * Op + ob) * C << 2);
      for (let p: usize = 0; p < panels; p++) {
        tile4x8(C, pa, V + xi * vXi + ((p * C) << 5), M + xi * mXi + ((ob * bt + (p << 3)) << 2), bt << 2, false, 0, 0);
      }
    }
  }
}

/**
 * Zeroes lanes 4..7 of the last 8-column panel of a block of nt tiles when
 * it is half filled (nt mod 8 = 4; their columns are computed and
 * discarded): K rows of each of the positions' slabs (vXi bytes apart) at V.
 */
export function zeroPanelTail(positions: usize, K: usize, nt: usize, V: usize, vXi: usize): void {
  if ((nt & 4) == 0) return;
  const last = V + (((((nt >> 3) * K) << 3) + 4) << 2);
  for (let xi: usize = 0; xi < positions; xi++) {
    for (let k: usize = 0; k < K; k++) v128.store(last + xi * vXi + (k << 5), f32x4.splat(0));
  }
}

/** Stores the first min(8, n) floats of (lo, hi) at p. */
// @ts-ignore: decorator
@inline export function storeOutputRow(p: usize, n: usize, lo: v128, hi: v128): void {
  if (n >= 8) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
    return;
  }
  if (n >= 4) {
    v128.store(p, lo);
    if (n > 4) store<f32>(p, f32x4.extract_lane(hi, 0), 16);
    if (n > 5) store<f32>(p, f32x4.extract_lane(hi, 1), 20);
    if (n > 6) store<f32>(p, f32x4.extract_lane(hi, 2), 24);
    return;
  }
  store<f32>(p, f32x4.extract_lane(lo, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(lo, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(lo, 2), 8);
}

/** Stores the first min(16, n) floats of (v0, v1, v2, v3) at p: whole vectors, then the last one's lanes. */
// @ts-ignore: decorator
@inline export function storeRow16(p: usize, n: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  let v = v0;
  if (n >= 4) {
    v128.store(p, v0);
    v = v1;
    if (n >= 8) {
      v128.store(p, v1, 16);
      v = v2;
      if (n >= 12) {
        v128.store(p, v2, 32);
        v = v3;
        if (n >= 16) {
          v128.store(p, v3, 48);
          return;
        }
      }
    }
  }
  const q = p + ((n & ~3) << 2), rest = n & 3;
  if (rest > 0) store<f32>(q, f32x4.extract_lane(v, 0));
  if (rest > 1) store<f32>(q, f32x4.extract_lane(v, 1), 4);
  if (rest > 2) store<f32>(q, f32x4.extract_lane(v, 2), 8);
}
