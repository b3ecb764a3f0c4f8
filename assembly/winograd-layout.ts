// Layout constants and the position-wise products shared by the Winograd
// kernels (winograd.ts, winograd-f4.ts, winograd-wgrad.ts). Not exported from the module.

import { tile4x8 } from './tile';

/**
 * Floats added after each of the 16 positions' slabs of transformed tiles:
 * slabs a multiple of 4 KiB apart map to the same L1 cache sets, and a
 * transform writes (or reads) all 16 at once.
 */
// @ts-ignore: decorator
@inline export const XI_PAD: usize = 16;

/**
 * M_xi = U_xi V_xi for the positions xi = 0 .. positions - 1 of a block of nt
 * tiles: U_xi (Op x C) packed in 4-row strips at up + 4 xi Op C, V_xi (C x
 * tiles) in 8-column panels at V + xi vXi (bytes), M_xi rows of bt floats at
 * M + xi mXi; 4 output channels by 8 tiles at a time on tile4x8.
 */
export function positionProducts(positions: usize, C: usize, Op: usize, up: usize, V: usize, vXi: usize, M: usize, mXi: usize, bt: usize, nt: usize): void {
  const panels = (nt + 7) >> 3;
  for (let xi: usize = 0; xi < positions; xi++) {
    for (let ob: usize = 0; ob < Op; ob += 4) {
      const pa = up + ((xi * Op + ob) * C << 2);
      for (let p: usize = 0; p < panels; p++) {
        tile4x8(C, pa, V + xi * vXi + ((p * C) << 5), M + xi * mXi + ((ob * bt + (p << 3)) << 2), bt << 2, false, 0, 0);
      }
    }
  }
}
