// The input transform along one axis and the position counts shared by the
// stride-2 Winograd kernels with 7x7 output tiles (winograd-s2-t7.ts, the
// forward, winograd-s2-t7-dx.ts, its transpose, and the weight gradient's
// image tiles in winograd-wgrad-tiles.ts). Not exported from the module.

/** Positions per axis, and per tile. */
// @ts-ignore: decorator
@inline export const P1: usize = 16;
// @ts-ignore: decorator
@inline export const P2: usize = 256;

/**
 * G's rows 9..15 are all (0, 1, 0) (winograd-s2-t7.ts), so the weights'
 * transform U at position 16 i + j equals U at (min(i, 9), min(j, 9)): only
 * U_SIDE x U_SIDE positions are distinct, and only those are stored.
 */
// @ts-ignore: decorator
@inline export const U_SIDE: usize = 10;
// @ts-ignore: decorator
@inline export const U_POSITIONS: usize = U_SIDE * U_SIDE;

/** The stored U position (U_SIDE row + column) of position xi = 16 i + j. */
// @ts-ignore: decorator
@inline export function distinctPosition(xi: usize): usize {
  return min(xi >> 4, U_SIDE - 1) * U_SIDE + min(xi & 15, U_SIDE - 1);
}

/**
 * Where tile t (of T1 per image, TW per row) of side x side outputs goes in
 * a map of H x W per channel, images imgFloats apart, packed for
 * placedOffset, placedRows and placedColumns. Computed once per group of
 * four tiles and channel: its four divisions would otherwise run for every
 * row it stores.
 */
// @ts-ignore: decorator
@inline export function placeTile(t: usize, T1: usize, TW: usize, side: usize, H: usize, W: usize, imgFloats: usize): u64 {
  const img = t / T1, rem = t % T1, y = (rem / TW) * side, x = (rem % TW) * side;
  return <u64>((img * imgFloats + y * W + x) << 2) | (<u64>min<usize>(side, H - y) << 32) | (<u64>min<usize>(side, W - x) << 40);
}

/** The byte offset of a placed tile's first output from the first image's channel 0. */
// @ts-ignore: decorator
@inline export function placedOffset(at: u64): usize {
  return <usize>(at & 0xffffffff);
}

/** The rows of a placed tile inside the map (0 for no tile). */
// @ts-ignore: decorator
@inline export function placedRows(at: u64): usize {
  return <usize>((at >> 32) & 0xff);
}

/** The columns of a placed tile inside the map. */
// @ts-ignore: decorator
@inline export function placedColumns(at: u64): usize {
  return <usize>(at >> 40);
}

/**
 * B^T d for the 15 inputs d0..d14 of one axis, stored at out + k stride
 * (k = 0..15): with e_k = d_2k, f_k = e_3+k,
 * (e0 - e2, e1 + e2, e2 - e1, e3 - e1, 2 f0 + f1 - 2 f2 - f3, 2 f1 + 3 f2 + f3,
 * f2 + f3 - 2 f1, f1 - f3, 2 f3 - 2 f1 - f2 + f4, d1, d3, .., d13)
 * (winograd-s2-t7.ts derives it).
 */
// @ts-ignore: decorator
@inline export function inputAxis(
  d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, d6: v128, d7: v128,
  d8: v128, d9: v128, d10: v128, d11: v128, d12: v128, d13: v128, d14: v128, out: usize, stride: usize,
): void {
  v128.store(out, f32x4.sub(d0, d4));
  v128.store(out + stride, f32x4.add(d2, d4));
  v128.store(out + 2 * stride, f32x4.sub(d4, d2));
  v128.store(out + 3 * stride, f32x4.sub(d6, d2));
  // f = (d6, d8, d10, d12, d14)
  const t = f32x4.sub(d6, d10), u = f32x4.sub(d8, d12);
  v128.store(out + 4 * stride, f32x4.add(f32x4.add(t, t), u));
  v128.store(out + 5 * stride, f32x4.add(f32x4.add(f32x4.add(d8, d8), f32x4.mul(d10, f32x4.splat(3))), d12));
  v128.store(out + 6 * stride, f32x4.sub(f32x4.add(d10, d12), f32x4.add(d8, d8)));
  v128.store(out + 7 * stride, u);
  v128.store(out + 8 * stride, f32x4.add(f32x4.sub(f32x4.mul(u, f32x4.splat(-2)), d10), d14));
  v128.store(out + 9 * stride, d1);
  v128.store(out + 10 * stride, d3);
  v128.store(out + 11 * stride, d5);
  v128.store(out + 12 * stride, d7);
  v128.store(out + 13 * stride, d9);
  v128.store(out + 14 * stride, d11);
  v128.store(out + 15 * stride, d13);
}

/**
 * The second half of a tile's input transform: B^T along y down each of the
 * 16 columns j of its rows transformed along x (15 x 16 vectors at rows, row
 * r column j at rows + 16 (16 r + j)) into the positions 16 i + j at
 * dst + (16 i + j) xiStride.
 */
// @ts-ignore: decorator
@inline export function inputColumns(rows: usize, dst: usize, xiStride: usize): void {
  for (let j: usize = 0; j < P1; j++) {
    const q = rows + (j << 4);
    inputAxis(
      v128.load(q), v128.load(q, 256), v128.load(q, 512), v128.load(q, 768), v128.load(q, 1024),
      v128.load(q, 1280), v128.load(q, 1536), v128.load(q, 1792), v128.load(q, 2048), v128.load(q, 2304),
      v128.load(q, 2560), v128.load(q, 2816), v128.load(q, 3072), v128.load(q, 3328), v128.load(q, 3584),
      dst + j * xiStride, P1 * xiStride,
    );
  }
}

/**
 * For tile l (0..3) of a group of four read in place: lane masks of its
 * window's `cols` columns from column ix0 (all ones inside 0 .. W - 1, at
 * masks + 4 cols l), and for each of its `rowsN` rows from row iy0 the address
 * of that row's first column in channel 0 of the image at img (rows H x W,
 * channel planes H W floats apart) and the step to the next channel, at
 * base / step + 4 (rowsN l + r); a row outside 0 .. H - 1 reads the zero row
 * at `zero`, step 0. The forward's 7x7 tiles (15 x 16 windows) and the input
 * gradient's 14x14 tiles (8 x 8) lay out their groups with it.
 */
// @ts-ignore: decorator
@inline export function windowTables(
  l: usize, rowsN: usize, cols: usize, iy0: isize, ix0: isize, H: usize, W: usize, img: usize,
  zero: usize, masks: usize, base: usize, step: usize,
): void {
  for (let k: isize = 0; k < <isize>cols; k++) store<i32>(masks + ((l * cols + <usize>k) << 2), ix0 + k >= 0 && ix0 + k < <isize>W ? -1 : 0);
  const plane = (H * W) << 2;
  for (let r: usize = 0; r < rowsN; r++) {
    const iy = iy0 + <isize>r, inside = iy >= 0 && iy < <isize>H, e = (l * rowsN + r) << 2;
    store<u32>(base + e, inside ? <u32>(<isize>img + ((iy * <isize>W + ix0) << 2)) : <u32>zero);
    store<u32>(step + e, inside ? <u32>plane : 0);
  }
}
