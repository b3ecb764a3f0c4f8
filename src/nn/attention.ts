/**
 * Multi-head attention (torch.nn.MultiheadAttention; Vaswani et al., 2017):
 * the inputs projected per head, scaled dot-product attention per head, the
 * heads concatenated and projected back. Without attention weights the heads
 * run in the fused kernel (F.scaledDotProductAttention); with them, as
 * PyTorch, through an explicit softmax whose weights are returned.
 */
import { Tensor } from '../tensor';
import { empty, zeros } from '../ops/create';
import { linear, matmul } from '../ops/matmul';
import { add, mul } from '../ops/binary';
import { softmax } from '../ops/softmax';
import { mean } from '../ops/reduce';
import { narrow, permute, reshape, squeeze, transpose, unsqueeze } from '../ops/views';
import { where } from '../ops/where';
import { attention } from '../ops/attention';
import { scope } from '../autograd/scope';
import { fmtShape } from '../shape';
import { Module } from './module';
import { Linear } from './linear';
import { xavierUniform_, zeros_ } from './init';
import { dropout as dropoutFn } from '../ops/dropout';
import { boolean, integer, nullable, number, onlyDefault, param, parseArgs, required, tensor } from '../validate';

/** Options of MultiheadAttention after embedDim and numHeads (PyTorch's names in camelCase). */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights, in training (default 0). */
  dropout?: number;
  /** Learn biases of the input and output projections (default true). */
  bias?: boolean;
  /** PyTorch's learned extra key/value; not implemented: only false. */
  addBiasKV?: boolean;
  /** PyTorch's extra zero key/value; not implemented: only false. */
  addZeroAttn?: boolean;
  /** Features of the keys (default embedDim). */
  kdim?: number | null;
  /** Features of the values (default embedDim). */
  vdim?: number | null;
  /** Inputs and output as (N, L, E) instead of (L, N, E) (default false). */
  batchFirst?: boolean;
}

const MHA_ARGS = {
  embedDim: param(integer({ min: 1 }), required),
  numHeads: param(integer({ min: 1 }), required),
  dropout: param(number({ min: 0, max: 1 }), 0),
  bias: param(boolean, true),
  addBiasKV: param(onlyDefault(false, 'learned key/value biases are not implemented; leave addBiasKV false'), false),
  addZeroAttn: param(onlyDefault(false, 'the extra zero attention position is not implemented; leave addZeroAttn false'), false),
  kdim: param(nullable(integer({ min: 1 })), null),
  vdim: param(nullable(integer({ min: 1 })), null),
  batchFirst: param(boolean, false),
};

/** Options of MultiheadAttention.forward after query, key and value. */
export interface MultiheadAttentionForwardOptions {
  /** (N, S), or (S) unbatched: keys to ignore (boolMask: nonzero = ignore) or a float mask added to the scores (default none). */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** (L, S) or (N numHeads, L, S): positions not to attend (boolMask: nonzero = masked out) or a float mask added (default none). */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  averageAttnWeights?: boolean;
  /** Hint that attnMask is the causal mask (which must be given, as PyTorch); without a key padding mask and weights, the fused causal path runs (default false). */
  isCausal?: boolean;
  /**
   * The masks hold booleans as 0 / 1 (simdgrad tensors are float32): nonzero
   * entries are masked out, as torch.bool masks here. Default false: float masks added to the scores.
   */
  boolMask?: boolean;
}

const MHA_FORWARD_ARGS = {
  query: param(tensor, required),
  key: param(tensor, required),
  value: param(tensor, required),
  keyPaddingMask: param(nullable(tensor), null),
  needWeights: param(boolean, true),
  attnMask: param(nullable(tensor), null),
  averageAttnWeights: param(boolean, true),
  isCausal: param(boolean, false),
  boolMask: param(boolean, false),
};

/**
 * Multi-head attention (torch.nn.MultiheadAttention): with E = embedDim,
 * H = numHeads, d = E / H and W_q, W_k, W_v the rows of inProjWeight (or
 * qProjWeight, kProjWeight, vProjWeight when kdim or vdim differ from E),
 *   head_h = softmax((Q W_q,h^T + b_q,h)(K W_k,h^T + b_k,h)^T / sqrt d + M) (V W_v,h^T + b_v,h)
 *   out = concat_h(head_h) W_o^T + b_o
 * with dropout on the weights in training and M the masks added (bool masks:
 * -inf where nonzero). Parameters under PyTorch's state-dict keys:
 * in_proj_weight (3E, E) (or q_proj_weight (E, E), k_proj_weight (E, kdim),
 * v_proj_weight (E, vdim)), in_proj_bias (3E), out_proj.weight, out_proj.bias.
 * Init: xavier-uniform projections, zero biases, out_proj.weight as Linear's.
 *
 * forward(query, key, value, opts?) returns `[output, weights | null]`:
 * query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batchFirst: (N, L, E)...,
 * unbatched (L, E)...) -> output like query; weights (N, L, S) averaged over
 * the heads, or (N, H, L, S) (unbatched without N); null with needWeights false.
 *
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const x = sg.randn([2, 5, 16]);
 * const [out, w] = mha.forward(x, x, x);                          // out (2, 5, 16), w (2, 5, 5)
 * const [y] = mha.forward(x, x, x, { needWeights: false, keyPaddingMask: pad, boolMask: true });
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  /** (3E, E) when kdim = vdim = E, else null. */
  readonly inProjWeight: Tensor | null;
  /** (E, E), (E, kdim), (E, vdim) when kdim or vdim differ from E, else null. */
  readonly qProjWeight: Tensor | null;
  readonly kProjWeight: Tensor | null;
  readonly vProjWeight: Tensor | null;
  /** (3E), or null without bias. */
  readonly inProjBias: Tensor | null;
  readonly outProj: Linear;

  /**
   * `new MultiheadAttention(embedDim, numHeads, dropout?, bias?, addBiasKV?, addZeroAttn?, kdim?, vdim?, batchFirst?)`,
   * PyTorch's positional order, or the optional ones as a trailing options object.
   */
  constructor(embedDim: number, numHeads: number, opts?: MultiheadAttentionOptions);
  constructor(embedDim: number, numHeads: number, dropout?: number, bias?: boolean, addBiasKV?: boolean, addZeroAttn?: boolean, kdim?: number | null, vdim?: number | null, batchFirst?: boolean);
  constructor(...args: unknown[]) {
    const a = parseArgs('MultiheadAttention', args, MHA_ARGS);
    if (a.embedDim % a.numHeads !== 0) throw new RangeError(`MultiheadAttention: embedDim ${a.embedDim} must be divisible by numHeads ${a.numHeads} (each head gets embedDim / numHeads features)`);
    super();
    const E = a.embedDim;
    this.embedDim = E;
    this.numHeads = a.numHeads;
    this.headDim = E / a.numHeads;
    this.dropout = a.dropout;
    this.kdim = a.kdim ?? E;
    this.vdim = a.vdim ?? E;
    this.batchFirst = a.batchFirst;
    const same = this.kdim === E && this.vdim === E;
    this.inProjWeight = this.registerParameter('inProjWeight', same ? empty([3 * E, E]) : null);
    this.qProjWeight = this.registerParameter('qProjWeight', same ? null : empty([E, E]));
    this.kProjWeight = this.registerParameter('kProjWeight', same ? null : empty([E, this.kdim]));
    this.vProjWeight = this.registerParameter('vProjWeight', same ? null : empty([E, this.vdim]));
    this.inProjBias = this.registerParameter('inProjBias', a.bias ? empty([3 * E]) : null);
    this.outProj = this.registerModule('outProj', new Linear(E, E, a.bias));
    this.resetParameters();
  }

  /** PyTorch's init: xavier-uniform input projections, zero biases (out_proj.weight keeps Linear's init). */
  resetParameters(): void {
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w !== null) xavierUniform_(w);
    for (const b of [this.inProjBias, this.outProj.bias]) if (b !== null) zeros_(b);
  }

  /** `[output, weights | null]` (shapes in the class comment). */
  override forward(query: Tensor, key: Tensor, value: Tensor, opts?: MultiheadAttentionForwardOptions): [Tensor, Tensor | null];
  override forward(
    query: Tensor, key: Tensor, value: Tensor, keyPaddingMask?: Tensor | null, needWeights?: boolean, attnMask?: Tensor | null,
    averageAttnWeights?: boolean, isCausal?: boolean, opts?: Pick<MultiheadAttentionForwardOptions, 'boolMask'>,
  ): [Tensor, Tensor | null];
  override forward(...args: unknown[]): [Tensor, Tensor | null] {
    const where_ = 'MultiheadAttention.forward';
    const a = parseArgs(where_, args, MHA_FORWARD_ARGS, 8);
    const { query, key, value } = a;
    const E = this.embedDim, H = this.numHeads, d = this.headDim;
    const batched = query.ndim === 3;
    const shapes = `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`;
    const form = !batched ? '(L, E), (S, kdim), (S, vdim)' : this.batchFirst ? '(N, L, E), (N, S, kdim), (N, S, vdim)' : '(L, N, E), (S, N, kdim), (S, N, vdim)';
    const ok = (query.ndim === 2 || query.ndim === 3) && key.ndim === query.ndim && value.ndim === query.ndim &&
      query.shape[query.ndim - 1] === E && key.shape[key.ndim - 1] === this.kdim && value.shape[value.ndim - 1] === this.vdim &&
      (!batched || (key.shape[this.batchFirst ? 0 : 1] === query.shape[this.batchFirst ? 0 : 1] && value.shape[this.batchFirst ? 0 : 1] === query.shape[this.batchFirst ? 0 : 1])) &&
      key.shape[batched && this.batchFirst ? 1 : 0] === value.shape[batched && this.batchFirst ? 1 : 0];
    if (!ok) throw new RangeError(`${where_}: ${shapes}: expected ${form} with E = ${E}, kdim = ${this.kdim}, vdim = ${this.vdim}, the same batch N and the same S for key and value`);
    const N = batched ? query.shape[this.batchFirst ? 0 : 1]! : 1;
    const L = query.shape[batched && this.batchFirst ? 1 : 0]!, S = key.shape[batched && this.batchFirst ? 1 : 0]!;
    const kpmShape = batched ? [N, S] : [S];
    if (a.keyPaddingMask !== null && fmtShape(a.keyPaddingMask.shape) !== fmtShape(kpmShape)) {
      throw new RangeError(`${where_}: keyPaddingMask ${fmtShape(a.keyPaddingMask.shape)}: expected ${fmtShape(kpmShape)} (${batched ? 'N, S' : 'S'}) for ${shapes}`);
    }
    const m = a.attnMask;
    if (m !== null && !(fmtShape(m.shape) === fmtShape([L, S]) || fmtShape(m.shape) === fmtShape([N * H, L, S]))) {
      throw new RangeError(`${where_}: attnMask ${fmtShape(m.shape)}: expected (L, S) = ${fmtShape([L, S])} or (N numHeads, L, S) = ${fmtShape([N * H, L, S])}`);
    }
    if (a.isCausal && m === null) {
      throw new RangeError(`${where_}: isCausal is a hint that attnMask is the causal mask, and needs attnMask (as PyTorch); pass attnMask: nn.generateSquareSubsequentMask(${L})`);
    }
    return scope(() => {
      // (L, N, features) whatever the layout
      const seqFirst = (t: Tensor): Tensor => (!batched ? unsqueeze(t, 1) : this.batchFirst ? transpose(t, 0, 1) : t);
      const [q, k, v] = this.project(seqFirst(query), seqFirst(key), seqFirst(value));
      // (T, N, E) -> (N, H, T, d)
      const heads = (t: Tensor, T: number): Tensor => permute(reshape(t, [T, N, H, d]), [1, 2, 0, 3]);
      const qh = heads(q, L), kh = heads(k, S), vh = heads(v, S);
      // the masks as one float mask broadcastable to (N, H, L, S)
      const asFloat = (t: Tensor): Tensor => (a.boolMask ? where(t, -Infinity, 0) : t);
      let mask: Tensor | null = m === null ? null : asFloat(m.ndim === 2 ? m : reshape(m, [N, H, L, S]));
      if (a.keyPaddingMask !== null) {
        const kpm = reshape(asFloat(a.keyPaddingMask), [N, 1, 1, S]);
        mask = mask === null ? kpm : add(mask, kpm);
      }
      const p = this.training ? this.dropout : 0;
      let out: Tensor, weights: Tensor | null = null;
      if (!a.needWeights) {
        const causal = a.isCausal && a.keyPaddingMask === null;
        out = attention(where_, qh, kh, vh, causal ? null : mask, false, p, causal, null);
      } else {
        let w = softmax(add(matmul(mul(qh, 1 / Math.sqrt(d)), transpose(kh, 2, 3)), mask ?? 0), -1);
        if (p > 0) w = dropoutFn(w, p, true);
        out = matmul(w, vh);
        weights = a.averageAttnWeights ? mean(w, 1) : w;
        if (!batched) weights = squeeze(weights, 0);
      }
      // (N, H, L, d) -> (L, N, E) -> out_proj -> the input's layout
      const merged = this.outProj.call(reshape(permute(out, [2, 0, 1, 3]), [L, N, E]));
      const output = !batched ? squeeze(merged, 1) : this.batchFirst ? transpose(merged, 0, 1) : merged;
      return [output, weights] as [Tensor, Tensor | null];
    });
  }

  /** q, k, v (T, N, E) from the sequence-first inputs through the input projections. */
  private project(query: Tensor, key: Tensor, value: Tensor): [Tensor, Tensor, Tensor] {
    const E = this.embedDim;
    const part = (t: Tensor | null, i: number): Tensor | null => (t === null ? null : narrow(t, 0, i * E, E));
    const w = this.inProjWeight;
    return [
      linear(query, w === null ? this.qProjWeight! : part(w, 0)!, part(this.inProjBias, 0)),
      linear(key, w === null ? this.kProjWeight! : part(w, 1)!, part(this.inProjBias, 1)),
      linear(value, w === null ? this.vProjWeight! : part(w, 2)!, part(this.inProjBias, 2)),
    ];
  }

  override extraRepr(): string {
    const parts = [`embedDim=${this.embedDim}`, `numHeads=${this.numHeads}`];
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.inProjBias === null) parts.push('bias=false');
    if (this.kdim !== this.embedDim) parts.push(`kdim=${this.kdim}`);
    if (this.vdim !== this.embedDim) parts.push(`vdim=${this.vdim}`);
    if (this.batchFirst) parts.push('batchFirst=true');
    return parts.join(', ');
  }
}

/**
 * The (sz, sz) float causal mask: 0 on and below the diagonal, -inf above
 * (PyTorch's nn.Transformer.generate_square_subsequent_mask), for attnMask / mask.
 * @example const mask = nn.generateSquareSubsequentMask(5);   // row i may attend to 0..i
 */
export function generateSquareSubsequentMask(sz: number): Tensor {
  const a = parseArgs('generateSquareSubsequentMask', [sz], { sz: param(integer({ min: 0 }), required) });
  return scope(() => where(triuOnes(a.sz), -Infinity, 0));
}

/** ones(sz, sz) above the diagonal, zeros elsewhere. */
function triuOnes(sz: number): Tensor {
  const z = zeros([sz, sz]);
  return z.add(1).triu(1);
}
