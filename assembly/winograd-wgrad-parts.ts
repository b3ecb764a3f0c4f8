// Parts shared by the Winograd weight gradients F(2x2, 3x3)
// (winograd-wgrad.ts) and F(4x4, 3x3) (winograd-wgrad-f4.ts): the
// channels-last layout their transforms read, and the per-position products.
// Not exported from the module.

import { tile4x8 } from './tile';

/**
 * out[(y, x)][c] = src[c, y - pt, x - pl] for the part of src (C planes of
 * H x W) inside the Hp x Wp frame, with rows of Cs floats per pixel. Other
 * entries are left as they are (the caller zeroes the frame once).
 */
export function toChannelsLast(C: usize, H: usize, W: usize, pt: usize, pl: usize, Hp: usize, Wp: usize, Cs: usize, src: usize, out: usize): void {
  const y1 = min(H + pt, Hp), x1 = min(W + pl, Wp);
  const n = x1 > pl ? x1 - pl : 0, pixel = Cs << 2, plane = (H * W) << 2;
  let c: usize = 0;
  // 4 channels by 4 pixels at a time: a 4x4 transpose
  for (; c + 4 <= C; c += 4) {
    for (let y = pt; y < y1; y++) {
      const p0 = src + ((c * H * W + (y - pt) * W) << 2), p1 = p0 + plane, p2 = p1 + plane, p3 = p2 + plane;
      let to = out + (((y * Wp + pl) * Cs + c) << 2);
      let x: usize = 0;
      for (; x + 4 <= n; x += 4) {
        const a0 = v128.load(p0 + (x << 2)), a1 = v128.load(p1 + (x << 2)), a2 = v128.load(p2 + (x << 2)), a3 = v128.load(p3 + (x << 2));
        const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
        v128.store(to, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(to + pixel, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        v128.store(to + 2 * pixel, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        v128.store(to + 3 * pixel, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
        to += pixel << 2;
      }
      for (; x < n; x++) {
        store<f32>(to, load<f32>(p0 + (x << 2)));
        store<f32>(to, load<f32>(p1 + (x << 2)), 4);
        store<f32>(to, load<f32>(p2 + (x << 2)), 8);
        store<f32>(to, load<f32>(p3 + (x << 2)), 12);
        to += pixel;
      }
    }
  }
  for (; c < C; c++) {
    for (let y = pt; y < y1; y++) {
      const from = src + ((c * H * W + (y - pt) * W) << 2);
      let to = out + (((y * Wp + pl) * Cs + c) << 2);
      for (let x: usize = 0; x < n; x++) {
        store<f32>(to, load<f32>(from + (x << 2)));
        to += pixel;
      }
    }
  }
}

/**
 * dU[xi] += M_xi V_xi^T for the `positions` positions (slabs vXi, mXi bytes
 * apart) over the block's `fill` tiles: 4 output channels by 8 input
 * channels at a time. Shared with the F(4x4, 3x3) gradient.
 */
export function products(positions: usize, Cp: usize, Op: usize, bt: usize, vXi: usize, mXi: usize, fill: usize, V: usize, M: usize, dup: usize): void {
  for (let xi: usize = 0; xi < positions; xi++) {
    const vx = V + xi * vXi, mx = M + xi * mXi, ux = dup + ((xi * Op * Cp) << 2);
    for (let cb: usize = 0; cb < Cp; cb += 8) {
      const pb = vx + ((cb * bt) << 2);
      for (let ob: usize = 0; ob < Op; ob += 4) {
        tile4x8(fill, mx + ((ob * bt) << 2), pb, ux + ((ob * Cp + cb) << 2), Cp << 2, true, 0, 0);
      }
    }
  }
}
