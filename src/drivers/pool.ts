/**
 * Pooling drivers (assembly/pool.ts) over P independent planes of H x W
 * (every dim before the last two folded into P), split across threads by
 * whole planes, so any split gives the same bits. Each forward and backward
 * takes contiguous inputs and returns new tensors. No autograd, no argument
 * checks (src/ops/pool.ts computes and checks the geometry).
 */
import { Tensor } from '../tensor';
import type { Kernels } from '../runtime/kernels.generated';
import { ELEMENT_WORK, parallelFor } from '../runtime/parallel';

/** Planes and their sizes: P planes of H x W in, OH x OW out. */
export interface Planes {
  P: number; H: number; W: number; OH: number; OW: number;
}

/** A pooling window: size, stride, padding, dilation; average pooling's divisor rules. */
export interface Window {
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  includePad: boolean; divisorOverride: number;
}

/**
 * Runs a per-plane kernel over planes [0, P) split by whole planes; `run`
 * offsets its pointers by the first plane p0 of its n planes.
 */
function overPlanes(P: number, workPerPlane: number, run: (k: Kernels, p0: number, n: number) => void): void {
  parallelFor(P, P * workPerPlane * ELEMENT_WORK, (k, lo, hi) => run(k, lo, hi - lo));
}

/** Max pooling: the maxima (outShape) and the flat in-plane position of each (float32). */
export function maxPool2dForward(x: Tensor, g: Planes & Window, outShape: readonly number[]): { out: Tensor; idx: Tensor } {
  const out = Tensor.empty(outShape), idx = Tensor.empty(outShape);
  const HW = g.H * g.W, Q = g.OH * g.OW;
  overPlanes(g.P, Q * g.kh * g.kw, (k, p0, n) =>
    k.max_pool2d_f32(n, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, x.ptr + p0 * HW * 4, out.ptr + p0 * Q * 4, idx.ptr + p0 * Q * 4));
  return { out, idx };
}

/**
 * The gradient of a max pooling (or adaptive max pooling): each output's
 * gradient goes to the position idx recorded; `pairs` (the 2x2 stride-2
 * tiling without padding, dilation or clipped windows) writes dx directly.
 */
export function maxPool2dBackward(dy: Tensor, idx: Tensor, g: Planes, inShape: readonly number[], pairs: boolean): Tensor {
  const dx = Tensor.empty(inShape);
  const HW = g.H * g.W, Q = g.OH * g.OW;
  overPlanes(g.P, HW + Q, (k, p0, n) => k.max_pool2d_bwd_f32(n, g.H, g.W, g.OH, g.OW, dy.ptr + p0 * Q * 4, idx.ptr + p0 * Q * 4, dx.ptr + p0 * HW * 4, pairs ? 1 : 0));
  return dx;
}

/** Average pooling forward (planes of H x W to OH x OW) or backward (dy's planes of OH x OW spread back to H x W). */
export function avgPool2d(src: Tensor, g: Planes & Window, outShape: readonly number[], backward: boolean): Tensor {
  const dst = Tensor.empty(outShape);
  const HW = g.H * g.W, Q = g.OH * g.OW;
  overPlanes(g.P, Q * g.kh * g.kw, (k, p0, n) =>
    k.avg_pool2d_f32(n, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.OH, g.OW, src.ptr + p0 * (backward ? Q : HW) * 4, dst.ptr + p0 * (backward ? HW : Q) * 4, g.includePad ? 1 : 0, backward ? 1 : 0, g.divisorOverride));
  return dst;
}

/** Adaptive average pooling (PyTorch's windows) forward, or backward from dy's planes of OH x OW. */
export function adaptiveAvgPool2d(src: Tensor, g: Planes, outShape: readonly number[], backward: boolean): Tensor {
  const dst = Tensor.empty(outShape);
  const HW = g.H * g.W, Q = g.OH * g.OW;
  overPlanes(g.P, HW + Q, (k, p0, n) => k.adaptive_avg_pool2d_f32(n, g.H, g.W, g.OH, g.OW, src.ptr + p0 * (backward ? Q : HW) * 4, dst.ptr + p0 * (backward ? HW : Q) * 4, backward ? 1 : 0));
  return dst;
}

/** Adaptive max pooling: the maxima and the flat in-plane position of each (float32); backward: maxPool2dBackward without pairs. */
export function adaptiveMaxPool2d(x: Tensor, g: Planes, outShape: readonly number[]): { out: Tensor; idx: Tensor } {
  const out = Tensor.empty(outShape), idx = Tensor.empty(outShape);
  const HW = g.H * g.W, Q = g.OH * g.OW;
  overPlanes(g.P, HW + Q, (k, p0, n) => k.adaptive_max_pool2d_f32(n, g.H, g.W, g.OH, g.OW, x.ptr + p0 * HW * 4, out.ptr + p0 * Q * 4, idx.ptr + p0 * Q * 4));
  return { out, idx };
}
