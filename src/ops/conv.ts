/**
 * conv2d with PyTorch's semantics (NCHW, cross-correlation, groups). For one
 * image and group g, with k = (c, ky, kx) over the group's input channels:
 *   y[o, oy, ox] = b[o] + sum_k w[o, k] x[c, oy sh - ph + ky dh, ox sw - pw + kx dw]
 * i.e. Y = W col(x) (+ b), where col is im2col. Backward, with G = dY:
 *   dW = sum over images of G col(x)^T      db[o] = sum over images and pixels of G[o]
 *   dx = col^T(W^T G)  (col2im of W^T G); for stride 1 and ph <= (kh-1) dh this
 *        equals a stride-1 convolution of G padded by (kh-1) dh - ph with the
 *        flipped, transposed kernel w'[c, o, ky, kx] = w[o, c, kh-1-ky, kw-1-kx].
 * This file checks the arguments and records the autograd node; the passes
 * themselves are the drivers of src/drivers/conv.ts.
 */
import { Tensor } from '../tensor';
import { atomic } from '../autograd/scope';
import { forward, inputGrad, makeGeometry, weightGrad, type Geometry } from '../drivers/conv';
import { fmtShape } from '../shape';
import { needsGrad, pendingGradient, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { materialize } from './create';
import { reshape, unsqueeze } from './views';
import { channelSum } from '../drivers/batchnorm';
import { checkSameStride, isPaddingMode, paddingMode, withPaddingMode, type PaddingMode } from './conv-padding';
import { either, integer, nullable, pair, param, parseArgs, tensor as tensorArg } from '../validate';

export type Pair = number | readonly [number, number];

/**
 * Options of conv2d after input, weight and bias (defaults stride 1, padding 0, dilation 1, groups 1).
 * Input (N, C, H, W) or (C, H, W); weight (O, C / groups, kh, kw); output (N, O, H', W').
 * @example F.conv2d(x, w, b, { stride: 2, padding: 1 })
 */
export interface Conv2dOptions {
  /** Step of the window: a number or [h, w] (default 1). */
  stride?: Pair;
  /** A number, [h, w], or 'same' | 'valid' as PyTorch's (see conv-padding.ts; 'same' needs stride 1). */
  padding?: Pair | PaddingMode;
  /** Spacing of the kernel taps (default 1). */
  dilation?: Pair;
  /** Channel groups: C and O must be divisible by it (default 1). */
  groups?: number;
}

/** A number or [h, w] pair as [h, w], checked to be integers >= min. */
export function pairOf(op: string, name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  if (!p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new RangeError(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/**
 * Internal: the checks every convolution-like op makes first: Tensors, alive,
 * a 4-d input (an unbatched one is already a batch of one) and a 4-d weight
 * laid out as `weightLayout`. Returns "input [..] and weight [..]" for messages.
 */
export function checkConvOperands(op: string, x: Tensor, w: Tensor, bias: Tensor | null, weightLayout: string): string {
  if (!(x instanceof Tensor) || !(w instanceof Tensor)) throw new TypeError(`${op}: input and weight must be Tensors`);
  if (bias !== null && !(bias instanceof Tensor)) throw new TypeError(`${op}: bias must be a Tensor or null`);
  x.assertAlive(op);
  w.assertAlive(op);
  bias?.assertAlive(op);
  const shapes = `input ${fmtShape(x.shape)} and weight ${fmtShape(w.shape)}`;
  if (x.ndim !== 4) throw new RangeError(`${op}: ${shapes}: expected a 3-d (C,H,W) or 4-d (N,C,H,W) input`);
  if (w.ndim !== 4) throw new RangeError(`${op}: ${shapes}: expected a 4-d weight ${weightLayout}`);
  return shapes;
}

function geometry(x: Tensor, w: Tensor, bias: Tensor | null, opts: Conv2dOptions): Geometry {
  const op = 'conv2d';
  const shapes = checkConvOperands(op, x, w, bias, '(O, C/groups, kh, kw)');
  const [sh, sw] = pairOf(op, 'stride', opts.stride ?? 1, 1);
  const [ph, pw] = pairOf(op, 'padding', (opts.padding ?? 0) as Pair, 0); // string modes were resolved by conv2d
  const [dh, dw] = pairOf(op, 'dilation', opts.dilation ?? 1, 1);
  const G = opts.groups ?? 1;
  if (!Number.isInteger(G) || G < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${G}`);
  const [N, C, H, W] = x.shape;
  const [O, Cg, kh, kw] = w.shape;
  if (C % G !== 0) throw new RangeError(`${op}: ${shapes}: ${C} input channels are not divisible by groups=${G}`);
  if (O % G !== 0) throw new RangeError(`${op}: ${shapes}: ${O} output channels are not divisible by groups=${G}`);
  if (Cg !== C / G) throw new RangeError(`${op}: weight ${fmtShape(w.shape)}${G > 1 ? ` with groups=${G}` : ''} expects ${Cg * G} input channels, got ${C} in input ${fmtShape(x.shape)}`);
  if (O === 0 || kh === 0 || kw === 0) throw new RangeError(`${op}: ${shapes}: weight must not be empty`);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== O)) {
    throw new RangeError(`${op}: ${shapes}: bias ${fmtShape(bias.shape)} must have shape [${O}]`);
  }
  const OH = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (OH < 1 || OW < 1) {
    throw new RangeError(`${op}: ${shapes}: the padded input (${H + 2 * ph}x${W + 2 * pw}) is smaller than the dilated kernel (${dh * (kh - 1) + 1}x${dw * (kw - 1) + 1})`);
  }
  return makeGeometry([N, C, H, W], [O, Cg, kh, kw], [sh, sw], [ph, pw], [dh, dw], G, [OH, OW]);
}

/** The three passes of a convolution-like op over contiguous operands (a convolution, or its transpose with the passes swapped). */
export interface ConvPasses {
  forward(x: Tensor, w: Tensor, bias: Tensor | null): Tensor;
  /** dx; with `into` (the pending gradient of x, whose buffer the graph gives up) it may return into + dx in into's buffer. */
  inputGrad(w: Tensor, dy: Tensor, into: Tensor | null): Tensor;
  weightGrad(x: Tensor, dy: Tensor): Tensor;
}

/**
 * Internal: a convolution-like op with autograd: an unbatched x (C, H, W)
 * runs as a batch of one through `batched`; otherwise `passes` (built for
 * x's shape by `plan`, which checks the arguments) compute the output and,
 * on backward, dx, dw and the bias gradient (the channel sums of dy).
 */
export function convLike(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, plan: () => ConvPasses, batched: (xb: Tensor) => Tensor): Tensor {
  return atomic(() => convLikeBody(op, x, weight, bias, plan, batched));
}

function convLikeBody(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, plan: () => ConvPasses, batched: (xb: Tensor) => Tensor): Tensor {
  if (x instanceof Tensor && x.ndim === 3) {
    x.assertAlive(op);
    const xb = unsqueeze(x, 0);
    const yb = batched(xb);
    const y = reshape(yb, yb.shape.slice(1));
    xb.dispose();
    yb.dispose();
    return y;
  }
  const passes = plan();
  const { t: xc, owned: xo } = materialize(x);
  const { t: wc, owned: wo } = materialize(weight);
  const { t: bc, owned: bo } = bias === null ? { t: null, owned: false } : materialize(bias);
  const out = passes.forward(xc, wc, bc);
  if (needsGrad(x, weight, bias)) {
    const xs = xc.keep(), ws = wc.keep();
    const inputs = bias === null ? [x, weight] : [x, weight, bias];
    const wantX = x.requiresGrad, wantW = weight.requiresGrad, wantB = bias !== null && bias.requiresGrad;
    record(out, 'ConvolutionBackward', inputs, [xs, ws], (dy) => {
      const { t: gc } = materialize(dy);
      return [
        wantX ? passes.inputGrad(ws, gc, pendingGradient(0)) : null,
        wantW ? passes.weightGrad(xs, gc) : null,
        wantB ? channelSum(gc) : null,
      ];
    });
  }
  if (xo) xc.dispose();
  if (wo) wc.dispose();
  if (bo) bc!.dispose();
  return out;
}

/** F.conv2d's arguments after input and weight, in its positional order. */
const CONV2D_ARGS = {
  bias: param(nullable(tensorArg), null),
  stride: param(pair({ min: 1 }), [1, 1]),
  padding: param<[number, number] | PaddingMode>(either(pair({ min: 0 }), paddingMode, "an integer >= 0, a pair of them, or 'same' or 'valid'"), [0, 0]),
  dilation: param(pair({ min: 1 }), [1, 1]),
  groups: param(integer({ min: 1 }), 1),
};

/**
 * 2-d convolution: x (N, C, H, W) or (C, H, W), weight (O, C/groups, kh, kw),
 * optional bias (O); stride, padding, dilation a number or [h, w]; padding
 * also 'same' (output of the input's size, stride 1) or 'valid' (none).
 * `conv2d(x, weight, bias?, stride?, padding?, dilation?, groups?)` as F.conv2d, or options after weight or bias.
 * @example F.conv2d(x, w, b, 2, 1);  F.conv2d(x, w, { stride: 2, padding: 1 })
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null | Conv2dOptions, opts?: Conv2dOptions): Tensor;
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, stride?: Pair, padding?: Pair, dilation?: Pair, groups?: number): Tensor;
export function conv2d(x: Tensor, weight: Tensor, ...rest: unknown[]): Tensor {
  const { bias, ...opts } = parseArgs('conv2d', rest, CONV2D_ARGS);
  const mode = opts.padding;
  if (isPaddingMode('conv2d', mode)) {
    checkConvOperands('conv2d', x, weight, bias, '(O, C/groups, kh, kw)');
    checkSameStride('conv2d', mode, opts.stride);
    return withPaddingMode(mode, weight.shape.slice(2), opts.dilation, (p) => conv2d(x, weight, bias, { ...opts, padding: [p[0], p[1]] }));
  }
  const out = convLike('conv2d', x, weight, bias, () => {
    const g = geometry(x, weight, bias, opts);
    return {
      forward: (xc, wc, bc) => forward(g, xc, wc, bc),
      inputGrad: (ws, gc, into) => inputGrad(g, ws, gc, null, into),
      weightGrad: (xs, gc) => weightGrad(g, xs, gc),
    };
  }, (xb) => conv2d(xb, weight, bias, opts));
  // an unbatched input ran as a batch of one, traced as such
  return x.ndim === 4 ? traced(out, 'conv2d', [x, weight, bias], opts) : out;
}
