/**
 * Scan drivers (assembly/scan.ts): running sums and products, products and
 * cumprod's gradient along the middle axis of an (outer, r, inner) layout.
 * Inputs are taken as they come (a strided view through a contiguous copy);
 * outputs are new contiguous tensors. The outer blocks are independent, so
 * they are split across threads: each line is computed by the same kernel
 * code whatever the split, and results are bit-identical for any thread
 * count. No autograd, no argument checks (src/ops/scan.ts does those).
 */
import { Tensor } from '../tensor';
import { ELEMENT_WORK, parallelFor } from '../runtime/parallel';
import type { Kernels } from '../runtime/kernels.generated';
import { materialize } from './copy';

/** Sizes around the scanned axis: the product of the dims before it, its length, the product of the dims after it. */
export type AxisLayout = readonly [outer: number, r: number, inner: number];

/**
 * Runs `call` for each lane's range of outer blocks [lo, hi) with its input
 * and output byte offsets (`inPer` and `outPer` floats per outer block), on
 * contiguous versions of `inputs`.
 */
function overOuter(
  [outer, r, inner]: AxisLayout, inputs: readonly Tensor[], out: Tensor, outPer: number,
  call: (k: Kernels, count: number, ptrs: number[], outPtr: number) => void,
): void {
  const held = inputs.map(materialize);
  try {
    const inPer = r * inner;
    parallelFor(outer, outer * inPer * ELEMENT_WORK, (k, lo, hi) =>
      call(k, hi - lo, held.map((h) => h.t.ptr + lo * inPer * 4), out.ptr + lo * outPer * 4));
  } finally {
    for (const h of held) if (h.owned) h.t.dispose();
  }
}

/**
 * A new tensor of x's shape with the running sum (or product) along the
 * axis: y_k = x_0 + ... + x_k, from the end with `reverse` (float64 per
 * line, each output rounded once).
 */
export function scanAxis(x: Tensor, lay: AxisLayout, { product, reverse }: { product: boolean; reverse: boolean }): Tensor {
  const out = Tensor.empty(x.shape);
  overOuter(lay, [x], out, lay[1] * lay[2], (k, count, [xp], op) => k.scan_axis_f32(count, lay[1], lay[2], xp, op, product ? 1 : 0, reverse ? 1 : 0));
  return out;
}

/** A new tensor of `outShape` (outer x inner elements) with the product along the axis (1 where r = 0). */
export function prodAxis(x: Tensor, lay: AxisLayout, outShape: readonly number[]): Tensor {
  const out = Tensor.empty(outShape);
  overOuter(lay, [x], out, lay[2], (k, count, [xp], op) => k.prod_axis_f32(count, lay[1], lay[2], xp, op));
  return out;
}

/**
 * dx of y = cumprod(x) along the axis given the output's gradient g (both of
 * x's shape), without dividing by x: dx_k = (x_0 ... x_{k-1}) S_k with
 * S_k = g_k + x_{k+1} S_{k+1}, exact where x has zeros.
 */
export function cumprodBackward(x: Tensor, g: Tensor, lay: AxisLayout): Tensor {
  const dx = Tensor.empty(x.shape);
  overOuter(lay, [x, g], dx, lay[1] * lay[2], (k, count, [xp, gp], dxp) => k.cumprod_bwd_f32(count, lay[1], lay[2], xp, gp, dxp));
  return dx;
}
