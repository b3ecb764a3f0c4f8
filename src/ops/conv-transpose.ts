/**
 * conv_transpose2d with PyTorch's semantics: the adjoint of conv2d. For one
 * image, group g and c over the group's input channels, o over its outputs:
 *   y[o, i sh - ph + ky dh, j sw - pw + kx dw] += x[c, i, j] w[c, o, ky, kx]   (+ b[o])
 * with weight (C_in, C_out / groups, kh, kw) and output size per dim
 *   H_out = (H - 1) sh - 2 ph + dh (kh - 1) + oph + 1   (output padding oph < sh or < dh).
 * So, seen as a conv2d from y's shape (N, C_out, H_out, W_out) to x's shape
 * with the same weight as its (O = C_in, C_out / groups, kh, kw) kernel:
 *   forward      y  = conv2d's input gradient of x (+ b)
 *   dx           = conv2d's forward of dy
 *   dW           = conv2d's weight gradient with input dy and output gradient x
 *   db[o]        = sum over images and pixels of dy[o]
 * The conv2d geometry's output (H, W) may be short of what H_out allows
 * (output padding >= stride): the extra rows and columns have no source.
 */
import { Tensor } from '../tensor';
import { traced } from '../autograd/trace';
import { fmtShape } from '../shape';
import { integer, nullable, pair, param, parseArgs, tensor as tensorArg } from '../validate';
import { checkConvOperands, convLike, pairOf, type Pair } from './conv';
import { forward, inputGrad, makeGeometry, weightGrad, type Geometry } from '../drivers/conv';

/**
 * Options of convTranspose2d after input, weight and bias (defaults stride 1, padding 0, outputPadding 0, groups 1, dilation 1).
 * Input (N, C, H, W); weight (C, O / groups, kh, kw); H' = (H - 1) stride - 2 padding + dilation (kh - 1) + outputPadding + 1.
 * @example F.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 })   // doubles H and W for k = 3
 */
export interface ConvTranspose2dOptions {
  /** Step of the forward conv it transposes: a number or [h, w] (default 1). */
  stride?: Pair;
  /** Implicit zero padding removed from each side of the output (default 0). */
  padding?: Pair;
  /** Extra size added to one side of the output, < stride or dilation (default 0). */
  outputPadding?: Pair;
  /** Channel groups (default 1). */
  groups?: number;
  /** Spacing of the kernel taps (default 1). */
  dilation?: Pair;
}

const op = 'convTranspose2d';

/** F.conv_transpose2d's arguments after input and weight, in its positional order. */
const CONV_TRANSPOSE2D_ARGS = {
  bias: param(nullable(tensorArg), null),
  stride: param(pair({ min: 1 }), [1, 1]),
  padding: param(pair({ min: 0 }), [0, 0]),
  outputPadding: param(pair({ min: 0 }), [0, 0]),
  groups: param(integer({ min: 1 }), 1),
  dilation: param(pair({ min: 1 }), [1, 1]),
};

/** The conv2d geometry whose input gradient is this transposed convolution, after every check. */
function transposedGeometry(x: Tensor, w: Tensor, bias: Tensor | null, opts: ConvTranspose2dOptions): Geometry {
  const shapes = checkConvOperands(op, x, w, bias, '(C_in, C_out/groups, kh, kw)');
  const stride = pairOf(op, 'stride', opts.stride ?? 1, 1);
  const padding = pairOf(op, 'padding', opts.padding ?? 0, 0);
  const outPad = pairOf(op, 'outputPadding', opts.outputPadding ?? 0, 0);
  const dilation = pairOf(op, 'dilation', opts.dilation ?? 1, 1);
  const G = opts.groups ?? 1;
  if (!Number.isInteger(G) || G < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${G}`);
  for (let i = 0; i < 2; i++) {
    if (outPad[i] >= stride[i] && outPad[i] >= dilation[i]) {
      throw new RangeError(`${op}: output padding must be smaller than either stride or dilation, got outputPadding=[${outPad}], stride=[${stride}], dilation=[${dilation}]`);
    }
  }
  const [N, C, H, W] = x.shape;
  const [Cw, Og, kh, kw] = w.shape;
  if (Cw !== C) throw new RangeError(`${op}: weight ${fmtShape(w.shape)} expects ${Cw} input channels (its dim 0), got ${C} in input ${fmtShape(x.shape)}`);
  if (C % G !== 0) throw new RangeError(`${op}: ${shapes}: ${C} input channels are not divisible by groups=${G}`);
  if (C === 0 || Og === 0 || kh === 0 || kw === 0) throw new RangeError(`${op}: ${shapes}: weight must not be empty`);
  const O = Og * G;
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== O)) {
    throw new RangeError(`${op}: ${shapes}: bias ${fmtShape(bias.shape)} must have shape [${O}]`);
  }
  const out = [H, W].map((n, i) => (n - 1) * stride[i] - 2 * padding[i] + dilation[i] * ([kh, kw][i] - 1) + outPad[i] + 1);
  if (out[0] < 1 || out[1] < 1) {
    throw new RangeError(`${op}: ${shapes}: the output size ${out[0]}x${out[1]} is too small (padding=[${padding}])`);
  }
  // conv2d from the output (N, O, H_out, W_out) to the input (N, C, H, W) with the weight as its (C, O/G, kh, kw) kernel
  return makeGeometry([N, O, out[0], out[1]], [C, Og, kh, kw], stride, padding, dilation, G, [H, W]);
}

/**
 * 2-d transposed convolution: x (N, C_in, H, W) or (C_in, H, W), weight
 * (C_in, C_out/groups, kh, kw), optional bias (C_out); stride, padding,
 * outputPadding, dilation a number or [h, w].
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null | ConvTranspose2dOptions, opts?: ConvTranspose2dOptions): Tensor;
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null, stride?: Pair, padding?: Pair, outputPadding?: Pair, groups?: number, dilation?: Pair): Tensor;
export function convTranspose2d(x: Tensor, weight: Tensor, ...rest: unknown[]): Tensor {
  const { bias, ...opts } = parseArgs(op, rest, CONV_TRANSPOSE2D_ARGS);
  // the passes of conv2d with input and output swapped
  const out = convLike(op, x, weight, bias, () => {
    const g = transposedGeometry(x, weight, bias, opts);
    return {
      forward: (xc, wc, bc) => inputGrad(g, wc, xc, bc),
      inputGrad: (ws, gc) => forward(g, gc, ws, null),
      weightGrad: (xs, gc) => weightGrad(g, gc, xs),
    };
  }, (xb) => convTranspose2d(xb, weight, bias, opts));
  return x.ndim === 4 ? traced(out, op, [x, weight, bias], opts) : out;
}
