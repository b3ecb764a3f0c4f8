/**
 * conv2d with PyTorch's semantics (NCHW, cross-correlation, groups). For one
 * image and group g, with k = (c, ky, kx) over the group's input channels:
 *   y[o, oy, ox] = b[o] + sum_k w[o, k] x[c, oy sh - ph + ky dh, ox sw - pw + kx dw]
 * i.e. Y = W col(x) (+ b), where col is im2col. Backward, with G = dY:
 *   dW = sum over images of G col(x)^T      db[o] = sum over images and pixels of G[o]
 *   dx = col^T(W^T G)  (col2im of W^T G); for stride 1 and ph <= (kh-1) dh this
 *        equals a stride-1 convolution of G padded by (kh-1) dh - ph with the
 *        flipped, transposed kernel w'[c, o, ky, kx] = w[o, c, kh-1-ky, kw-1-kx].
 * Stride-1 products read the zero-padded image directly (no im2col buffer);
 * other strides go through im2col/col2im. Work proceeds one image at a time,
 * so scratch memory does not grow with the batch.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { parallelFor } from '../runtime/parallel';
import type { Kernels } from '../runtime/kernels.generated';
import { fmtShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { materialize } from './create';
import { reshape, unsqueeze } from './views';
import { channelSum } from './batchnorm';

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/**
 * Sizes of one convolution: batch, channels, image, kernel, stride, padding,
 * dilation, groups, output. OH x OW may be smaller than the size the image
 * allows (a transposed convolution with output padding >= stride uses this
 * geometry backwards); every path reads only the output pixels it is given.
 */
export interface Geometry {
  N: number; C: number; H: number; W: number; O: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  G: number; Cg: number; Og: number; Kg: number; OH: number; OW: number;
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
  const [ph, pw] = pairOf(op, 'padding', opts.padding ?? 0, 0);
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

/** A Geometry from the input shape (N, C, H, W), weight shape (O, C/G, kh, kw), stride, padding, dilation, groups and output size. */
export function makeGeometry(
  [N, C, H, W]: readonly number[], [O, Cg, kh, kw]: readonly number[],
  [sh, sw]: readonly number[], [ph, pw]: readonly number[], [dh, dw]: readonly number[], G: number, [OH, OW]: readonly number[],
): Geometry {
  return { N, C, H, W, O, kh, kw, sh, sw, ph, pw, dh, dw, G, Cg, Og: O / G, Kg: Cg * kh * kw, OH, OW };
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;
/** Floats read past a B row's end by a tail tile. */
const SLACK = 8;

/**
 * The source of the reduction operand for one image: a zero-padded image read
 * directly (stride 1) or an im2col buffer; `prepare(n)` fills it for image n.
 */
class ColumnSource {
  readonly direct: boolean;
  readonly buf: Tensor;
  readonly koff: Tensor;
  readonly rows: number;
  readonly rowLen: number;
  readonly rowStride: number;
  /** Floats between the groups' first channels in buf. */
  readonly groupStride: number;
  private readonly Hp: number;
  private readonly Wp: number;

  constructor(private readonly g: Geometry) {
    const k = kernels();
    this.direct = g.sh === 1 && g.sw === 1;
    this.koff = Tensor.empty([g.Kg]);
    if (this.direct) {
      this.Hp = g.H + 2 * g.ph;
      this.Wp = g.W + 2 * g.pw;
      this.buf = Tensor.empty([g.C * this.Hp * this.Wp + SLACK]);
      [this.rows, this.rowLen, this.rowStride] = [g.OH, g.OW, this.Wp];
      this.groupStride = g.Cg * this.Hp * this.Wp;
      k.conv_offsets_f32(g.Cg, g.kh, g.kw, this.Hp * this.Wp, this.Wp, g.dh, g.dw, this.koff.ptr);
    } else {
      this.Hp = this.Wp = 0;
      const Q = g.OH * g.OW;
      this.buf = Tensor.empty([g.Kg * Q + SLACK]);
      [this.rows, this.rowLen, this.rowStride] = [1, Q, 0];
      this.groupStride = 0;
      k.conv_offsets_f32(g.Kg, 1, 1, Q, 0, 0, 0, this.koff.ptr);
    }
  }

  /** Fills the buffer for image `xn` (byte offset) and group `grp` (kernels called through `k`); returns the group's base pointer. */
  prepare(xn: number, grp: number, k: Kernels = kernels()): number {
    const g = this.g;
    if (this.direct) {
      if (grp === 0) k.conv_pad_f32(g.C, g.H, g.W, g.ph, g.pw, this.Hp, this.Wp, xn, this.buf.ptr);
      return this.buf.ptr + grp * this.groupStride * 4;
    }
    k.conv_im2col_f32(g.Cg, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, xn + grp * g.Cg * g.H * g.W * 4, this.buf.ptr, g.OH * g.OW);
    return this.buf.ptr;
  }

  dispose(): void {
    this.buf.dispose();
    this.koff.dispose();
  }
}

/** Scratch of conv_gemm_f32 for a reduction of length K: a K x 8 panel and an edge tile. */
const gemmScratch = (K: number): Tensor => Tensor.empty([8 * K + 32]);

/** Packs each group's weight rows (Og x Kg) for conv_gemm_f32. */
function packWeights(g: Geometry, w: Tensor): Tensor {
  const per = roundUp(g.Og, 4) * g.Kg;
  const packed = Tensor.empty([g.G * per]);
  for (let grp = 0; grp < g.G; grp++) {
    kernels().conv_pack_a_f32(g.Og, g.Kg, 1, w.ptr + grp * g.Og * g.Kg * 4, g.Kg, 1, 0, packed.ptr + grp * per * 4);
  }
  return packed;
}

export function forward(g: Geometry, x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  const out = Tensor.empty([g.N, g.O, g.OH, g.OW]);
  if (out.numel() === 0) return out;
  const Q = g.OH * g.OW;
  const packed = packWeights(g, w);
  const per = roundUp(g.Og, 4) * g.Kg;
  // threads split the batch; each has its own column buffer and scratch
  const lanes: (ColumnSource | Tensor)[][] = [];
  parallelFor(g.N, g.N * g.O * Q * g.Kg, (k, lo, hi, lane) => {
    const [src, scratch] = (lanes[lane] = [new ColumnSource(g), gemmScratch(g.Kg)]) as [ColumnSource, Tensor];
    for (let n = lo; n < hi; n++) {
      for (let grp = 0; grp < g.G; grp++) {
        const bp = src.prepare(x.ptr + n * g.C * g.H * g.W * 4, grp, k);
        const cp = out.ptr + (n * g.O + grp * g.Og) * Q * 4;
        const biasp = bias === null ? 0 : bias.ptr + grp * g.Og * 4;
        k.conv_gemm_f32(g.Og, g.Kg, src.rows, src.rowLen, packed.ptr + grp * per * 4, bp, src.rowStride, src.koff.ptr, cp, Q, src.direct ? g.OW : 0, biasp, 0, scratch.ptr);
      }
    }
  });
  for (const t of [...lanes.flat(), packed]) t.dispose();
  return out;
}

/** dW = sum over images of G col(x)^T, per group. */
export function weightGrad(g: Geometry, x: Tensor, dy: Tensor): Tensor {
  const k = kernels();
  const dw = Tensor.empty([g.O, g.Cg, g.kh, g.kw]);
  k.fill_f32(dw.numel(), dw.ptr, 0);
  const Q = g.OH * g.OW;
  // threads split each group's output channels in whole 8-row panels (every
  // dW element still sums the images in order); each has its own buffers
  const lanes: (ColumnSource | Tensor)[][] = [];
  parallelFor(Math.ceil(g.Og / 8), g.N * g.O * Q * g.Kg, (k, lo, hi, lane) => {
    const o0 = lo * 8, og = Math.min(g.Og, hi * 8) - o0;
    const [src, panels] = (lanes[lane] = [new ColumnSource(g), Tensor.empty([roundUp(og, 8) * Q])]) as [ColumnSource, Tensor];
    for (let n = 0; n < g.N; n++) {
      for (let grp = 0; grp < g.G; grp++) {
        const ap = src.prepare(x.ptr + n * g.C * g.H * g.W * 4, grp, k);
        k.conv_pack_panels_f32(og, Q, dy.ptr + (n * g.O + grp * g.Og + o0) * Q * 4, panels.ptr);
        k.conv_wgrad_f32(g.Kg, og, src.rows, src.rowLen, ap, src.rowStride, src.koff.ptr, panels.ptr, dw.ptr + (grp * g.Og + o0) * g.Kg * 4, g.Kg);
      }
    }
  });
  for (const t of lanes.flat()) t.dispose();
  return dw;
}

/**
 * dx: a stride-1 convolution of the padded G with the flipped kernel when
 * possible, else col2im(W^T G); plus bias[c] when a bias (C) is given (the
 * forward of a transposed convolution).
 */
export function inputGrad(g: Geometry, w: Tensor, dy: Tensor, bias: Tensor | null = null): Tensor {
  const k = kernels();
  const dx = Tensor.empty([g.N, g.C, g.H, g.W]);
  const Q = g.OH * g.OW, HW = g.H * g.W, khw = g.kh * g.kw;
  const qh = (g.kh - 1) * g.dh - g.ph, qw = (g.kw - 1) * g.dw - g.pw;
  if (g.sh === 1 && g.sw === 1 && qh >= 0 && qw >= 0) {
    // G padded by q before and up to the image plus the dilated kernel (>= q after: more when OH is short of what the image allows)
    const Hg = g.H + (g.kh - 1) * g.dh, Wg = g.W + (g.kw - 1) * g.dw;
    const per = roundUp(g.Cg, 4) * g.Og * khw;
    const packed = Tensor.empty([g.G * per]);
    for (let grp = 0; grp < g.G; grp++) {
      k.conv_pack_a_f32(g.Cg, g.Og, khw, w.ptr + (grp * g.Og * g.Kg + khw - 1) * 4, khw, g.Kg, -1, packed.ptr + grp * per * 4);
    }
    const koff = Tensor.empty([g.Og * khw]);
    k.conv_offsets_f32(g.Og, g.kh, g.kw, Hg * Wg, Wg, g.dh, g.dw, koff.ptr);
    // threads split the batch, each with its own padded gradient and scratch
    const lanes: Tensor[][] = [];
    parallelFor(g.N, g.N * g.C * HW * g.Og * khw, (k, lo, hi, lane) => {
      const [gpad, scratch] = (lanes[lane] = [Tensor.empty([g.O * Hg * Wg + SLACK]), gemmScratch(g.Og * khw)]);
      for (let n = lo; n < hi; n++) {
        k.conv_pad_f32(g.O, g.OH, g.OW, qh, qw, Hg, Wg, dy.ptr + n * g.O * Q * 4, gpad.ptr);
        for (let grp = 0; grp < g.G; grp++) {
          k.conv_gemm_f32(g.Cg, g.Og * khw, g.H, g.W, packed.ptr + grp * per * 4, gpad.ptr + grp * g.Og * Hg * Wg * 4, Wg, koff.ptr,
            dx.ptr + (n * g.C + grp * g.Cg) * HW * 4, HW, g.W, bias === null ? 0 : bias.ptr + grp * g.Cg * 4, 0, scratch.ptr);
        }
      }
    });
    for (const t of [packed, koff, ...lanes.flat()]) t.dispose();
    return dx;
  }
  k.fill_f32(dx.numel(), dx.ptr, 0);
  const per = roundUp(g.Kg, 4) * g.Og;
  const packed = Tensor.empty([g.G * per]);
  for (let grp = 0; grp < g.G; grp++) {
    k.conv_pack_a_f32(g.Kg, g.Og, 1, w.ptr + grp * g.Og * g.Kg * 4, 1, g.Kg, 0, packed.ptr + grp * per * 4);
  }
  const koff = Tensor.empty([g.Og]);
  k.conv_offsets_f32(g.Og, 1, 1, Q, 0, 0, 0, koff.ptr);
  const ones = bias === null ? null : Tensor.empty([g.C]);
  if (ones !== null) k.fill_f32(g.C, ones.ptr, 1);
  // threads split the batch, each with its own buffers
  const lanes: Tensor[][] = [];
  parallelFor(g.N, g.N * g.O * Q * g.Kg, (k, lo, hi, lane) => {
    const [gbuf, dcol, scratch] = (lanes[lane] = [Tensor.empty([g.O * Q + SLACK]), Tensor.empty([g.Kg * Q]), gemmScratch(g.Og)]);
    for (let n = lo; n < hi; n++) {
      k.conv_pad_f32(g.O, 1, Q, 0, 0, 1, Q, dy.ptr + n * g.O * Q * 4, gbuf.ptr);
      for (let grp = 0; grp < g.G; grp++) {
        k.conv_gemm_f32(g.Kg, g.Og, 1, Q, packed.ptr + grp * per * 4, gbuf.ptr + grp * g.Og * Q * 4, 0, koff.ptr, dcol.ptr, Q, 0, 0, 0, scratch.ptr);
        k.conv_col2im_add_f32(g.Cg, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.OH, g.OW, dcol.ptr, Q, dx.ptr + (n * g.C + grp * g.Cg) * HW * 4);
      }
      if (bias !== null) k.channel_affine_f32(1, g.C, HW, dx.ptr + n * g.C * HW * 4, ones!.ptr, bias.ptr, dx.ptr + n * g.C * HW * 4);
    }
  });
  for (const t of [packed, koff, ...lanes.flat()]) t.dispose();
  ones?.dispose();
  return dx;
}

/** The three passes of a convolution-like op over contiguous operands (a convolution, or its transpose with the passes swapped). */
export interface ConvPasses {
  forward(x: Tensor, w: Tensor, bias: Tensor | null): Tensor;
  inputGrad(w: Tensor, dy: Tensor): Tensor;
  weightGrad(x: Tensor, dy: Tensor): Tensor;
}

/**
 * Internal: a convolution-like op with autograd: an unbatched x (C, H, W)
 * runs as a batch of one through `batched`; otherwise `passes` (built for
 * x's shape by `plan`, which checks the arguments) compute the output and,
 * on backward, dx, dw and the bias gradient (the channel sums of dy).
 */
export function convLike(op: string, x: Tensor, weight: Tensor, bias: Tensor | null, plan: () => ConvPasses, batched: (xb: Tensor) => Tensor): Tensor {
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
        wantX ? passes.inputGrad(ws, gc) : null,
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

/**
 * 2-d convolution: x (N, C, H, W) or (C, H, W), weight (O, C/groups, kh, kw),
 * optional bias (O); stride, padding, dilation a number or [h, w].
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  const out = convLike('conv2d', x, weight, bias, () => {
    const g = geometry(x, weight, bias, opts);
    return {
      forward: (xc, wc, bc) => forward(g, xc, wc, bc),
      inputGrad: (ws, gc) => inputGrad(g, ws, gc),
      weightGrad: (xs, gc) => weightGrad(g, xs, gc),
    };
  }, (xb) => conv2d(xb, weight, bias, opts));
  // an unbatched input ran as a batch of one, traced as such
  return x.ndim === 4 ? traced(out, 'conv2d', [x, weight, bias], opts) : out;
}
