/**
 * 2-d pooling with PyTorch's semantics over (N, C, H, W) or (C, H, W) input;
 * output size floor((H + 2 pad - k) / stride) + 1 (adaptive: the given size).
 *   maxPool2d: y = max over the window (padding counts as -inf);
 *     dx[argmax] += g, the first maximum on ties.
 *   avgPool2d: y = window sum / divisor, the divisor being the window clipped
 *     to the padded input (countIncludePad) or to the input; dx[window] += g / divisor.
 *   adaptiveAvgPool2d: windows [floor(o H / OH), ceil((o + 1) H / OH)), an average each.
 */
import { Tensor } from '../tensor';
import type { Kernels } from '../runtime/kernels.generated';
import { parallelFor } from '../runtime/parallel';
import { fmtShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { materialize } from './create';
import { pairOf, type Pair } from './conv';

export interface Pool2dOptions {
  kernelSize: Pair;
  stride?: Pair | null;
  padding?: Pair;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  countIncludePad?: boolean;
}

interface PoolGeometry { P: number; lead: number[]; H: number; W: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; OH: number; OW: number }

function planes(op: string, x: Tensor): { P: number; lead: number[]; H: number; W: number } {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  x.assertAlive(op);
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: input ${fmtShape(x.shape)}: expected a 3-d (C,H,W) or 4-d (N,C,H,W) input`);
  const lead = x.shape.slice(0, -2);
  if (x.shape[x.ndim - 1] === 0 || x.shape[x.ndim - 2] === 0) throw new RangeError(`${op}: input ${fmtShape(x.shape)}: empty spatial dims`);
  return { P: lead.reduce((a, b) => a * b, 1), lead, H: x.shape[x.ndim - 2], W: x.shape[x.ndim - 1] };
}

function poolGeometry(op: string, x: Tensor, opts: Pool2dOptions): PoolGeometry {
  const base = planes(op, x);
  if (opts === undefined || opts.kernelSize === undefined) throw new RangeError(`${op}: kernelSize is required`);
  const [kh, kw] = pairOf(op, 'kernelSize', opts.kernelSize, 1);
  const [sh, sw] = pairOf(op, 'stride', opts.stride ?? opts.kernelSize, 1);
  const [ph, pw] = pairOf(op, 'padding', opts.padding ?? 0, 0);
  if (2 * ph > kh || 2 * pw > kw) throw new RangeError(`${op}: padding ${JSON.stringify(opts.padding)} should be at most half of kernelSize ${JSON.stringify(opts.kernelSize)}`);
  const OH = Math.floor((base.H + 2 * ph - kh) / sh) + 1, OW = Math.floor((base.W + 2 * pw - kw) / sw) + 1;
  if (OH < 1 || OW < 1) throw new RangeError(`${op}: input ${fmtShape(x.shape)} is smaller than the kernel ${kh}x${kw} (padding ${ph}x${pw})`);
  return { ...base, kh, kw, sh, sw, ph, pw, OH, OW };
}

/**
 * Runs a per-plane pooling kernel over planes [0, P), split across threads by
 * whole planes (planes are independent, so any split gives the same bits);
 * `run` offsets its pointers by the first plane p0 of its n planes.
 */
function overPlanes(P: number, workPerPlane: number, run: (k: Kernels, p0: number, n: number) => void): void {
  parallelFor(P, P * workPerPlane, (k, lo, hi) => run(k, lo, hi - lo));
}

const outShape = (g: { lead: number[]; OH: number; OW: number }): number[] => [...g.lead, g.OH, g.OW];

export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const g = poolGeometry('maxPool2d', x, opts);
  const { t: xc, owned } = materialize(x);
  const out = Tensor.empty(outShape(g)), idx = Tensor.empty(outShape(g));
  const HW = g.H * g.W, Q = g.OH * g.OW;
  overPlanes(g.P, Q * g.kh * g.kw, (kt, p0, n) =>
    kt.max_pool2d_f32(n, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.OH, g.OW, xc.ptr + p0 * HW * 4, out.ptr + p0 * Q * 4, idx.ptr + p0 * Q * 4),
  );
  if (owned) xc.dispose();
  if (needsGrad(x)) {
    const ids = idx.keep(), shape = [...x.shape];
    record(out, 'MaxPool2DBackward', [x], [ids], (dy) => {
      const { t: gc } = materialize(dy);
      const dx = Tensor.empty(shape);
      overPlanes(g.P, HW + Q, (kt, p0, n) => kt.max_pool2d_bwd_f32(n, HW, Q, gc.ptr + p0 * Q * 4, ids.ptr + p0 * Q * 4, dx.ptr + p0 * HW * 4));
      return [dx];
    });
  }
  idx.dispose();
  return out;
}

export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  const g = poolGeometry('avgPool2d', x, opts);
  const include = opts.countIncludePad ?? true;
  const { t: xc, owned } = materialize(x);
  const out = Tensor.empty(outShape(g));
  const HW = g.H * g.W, Q = g.OH * g.OW;
  // forward reads planes of HW and writes planes of Q; backward the reverse
  const run = (src: number, dst: number, backward: boolean): void =>
    overPlanes(g.P, Q * g.kh * g.kw, (kt, p0, n) =>
      kt.avg_pool2d_f32(n, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.OH, g.OW, src + p0 * (backward ? Q : HW) * 4, dst + p0 * (backward ? HW : Q) * 4, include ? 1 : 0, backward ? 1 : 0),
    );
  run(xc.ptr, out.ptr, false);
  if (owned) xc.dispose();
  if (needsGrad(x)) {
    const shape = [...x.shape];
    record(out, 'AvgPool2DBackward', [x], [], (dy) => {
      const { t: gc } = materialize(dy);
      const dx = Tensor.empty(shape);
      run(gc.ptr, dx.ptr, true);
      return [dx];
    });
  }
  return out;
}

export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const op = 'adaptiveAvgPool2d';
  const base = planes(op, x);
  const [OH, OW] = pairOf(op, 'outputSize', outputSize, 1);
  const g = { ...base, OH, OW };
  const { t: xc, owned } = materialize(x);
  const out = Tensor.empty(outShape(g));
  const HW = g.H * g.W, Q = OH * OW;
  overPlanes(g.P, HW + Q, (kt, p0, n) => kt.adaptive_avg_pool2d_f32(n, g.H, g.W, OH, OW, xc.ptr + p0 * HW * 4, out.ptr + p0 * Q * 4, 0));
  if (owned) xc.dispose();
  if (needsGrad(x)) {
    const shape = [...x.shape];
    record(out, 'AdaptiveAvgPool2DBackward', [x], [], (dy) => {
      const { t: gc } = materialize(dy);
      const dx = Tensor.empty(shape);
      overPlanes(g.P, HW + Q, (kt, p0, n) => kt.adaptive_avg_pool2d_f32(n, g.H, g.W, OH, OW, gc.ptr + p0 * Q * 4, dx.ptr + p0 * HW * 4, 1));
      return [dx];
    });
  }
  return out;
}
