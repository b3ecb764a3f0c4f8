/**
 * Scaled dot-product attention (Vaswani et al., 2017), fused: per (batch,
 * head) slice and block of query rows, the scores by the library's GEMM into
 * a block of scratch, their maximum, exponentials and sum in wasm
 * (assembly/attention.ts), and the weighted sum of the values by the GEMM;
 * the L x S score matrix is never stored. The forward keeps the row
 * log-sum-exp for the backward, which recomputes the probabilities block by
 * block (src/drivers/attention.ts runs it on threads, with the same bits for
 * any thread count).
 */
import { Tensor } from '../tensor';
import { broadcastShapes, fmtShape } from '../shape';
import { attentionBackward, attentionForward } from '../drivers/attention';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { materialize, zeros } from './create';
import { expand } from './views';
import { where } from './where';
import { bernoulliMask } from './random';
import { boolean, nullable, number, param, parseArgs, required, tensor } from '../validate';

/** A contiguous copy of x broadcast to `shape` (x itself when it is already that). */
function spread(x: Tensor, shape: number[]): { t: Tensor; owned: boolean } {
  if (x.ndim === shape.length && x.shape.every((d, i) => d === shape[i])) return materialize(x);
  const e = expand(x, shape);
  const m = materialize(e);
  if (m.t !== e) e.dispose();
  return { t: m.t, owned: true };
}

/** Checked arguments of the fused op. */
interface Attention {
  q: Tensor; k: Tensor; v: Tensor;
  /** Additive float mask (a bool mask already converted), or null. */
  mask: Tensor | null;
  dropoutP: number; isCausal: boolean; scale: number;
}

/** The shapes of an attention call; throws (allocating nothing) when they do not fit. */
function attentionShapes(op: string, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, isCausal: boolean) {
  for (const [name, t] of [['query', q], ['key', k], ['value', v]] as const) {
    t.assertAlive(op);
    if (t.ndim < 2) throw new RangeError(`${op}: ${name} ${fmtShape(t.shape)}: expected at least 2 dims (..., ${name === 'query' ? 'L, E' : name === 'key' ? 'S, E' : 'S, Ev'})`);
  }
  const L = q.shape[q.ndim - 2]!, E = q.shape[q.ndim - 1]!, S = k.shape[k.ndim - 2]!, Ev = v.shape[v.ndim - 1]!;
  const shapes = `query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)}, value ${fmtShape(v.shape)}`;
  if (k.shape[k.ndim - 1] !== E) throw new RangeError(`${op}: ${shapes}: query and key must have the same last dim E (${E} vs ${k.shape[k.ndim - 1]})`);
  if (v.shape[v.ndim - 2] !== S) throw new RangeError(`${op}: ${shapes}: key and value must have the same number of positions S (dim -2: ${S} vs ${v.shape[v.ndim - 2]})`);
  let batch: number[];
  try {
    batch = broadcastShapes(op, broadcastShapes(op, q.shape.slice(0, -2), k.shape.slice(0, -2)), v.shape.slice(0, -2));
  } catch {
    throw new RangeError(`${op}: ${shapes}: the batch dims (all but the last two) must broadcast together`);
  }
  if (mask !== null) {
    mask.assertAlive(op);
    if (isCausal) throw new RangeError(`${op}: attnMask and isCausal=true were both given; PyTorch refuses this too: pass one (the causal mask is tril(ones(L, S)))`);
    const full = [...batch, L, S];
    let ok = mask.ndim <= full.length;
    if (ok) {
      try {
        const b = broadcastShapes(op, mask.shape, full);
        ok = b.every((d, i) => d === full[i]);
      } catch {
        ok = false;
      }
    }
    if (!ok) throw new RangeError(`${op}: attnMask ${fmtShape(mask.shape)} must broadcast to the scores' shape ${fmtShape(full)} (batch..., L, S) for ${shapes}`);
  }
  return { batch, L, E, S, Ev };
}

/** The fused forward (and its backward) on checked arguments. */
function fusedAttention(a: Attention, batch: number[], L: number, E: number, S: number, Ev: number): Tensor {
  const out = Tensor.empty([...batch, L, Ev]);
  if (out.numel() === 0 && !needsGrad(a.q, a.k, a.v, a.mask)) return out;
  const temps: Tensor[] = [];
  const own = (m: { t: Tensor; owned: boolean }): Tensor => (m.owned && temps.push(m.t), m.t);
  try {
    const full = [...batch, L, S];
    const mask = a.mask === null ? null : expand(a.mask, full);
    if (mask !== null && mask !== a.mask) temps.push(mask);
    const drop = a.dropoutP === 0 ? null : a.dropoutP === 1 ? zeros(full) : bernoulliMask(full, 1 - a.dropoutP, 1 / (1 - a.dropoutP));
    if (drop !== null) temps.push(drop);
    const x = { q: own(spread(a.q, [...batch, L, E])), k: own(spread(a.k, [...batch, S, E])), v: own(spread(a.v, [...batch, S, Ev])), mask, drop };
    const shape = { batch, L, S, E, Ev, causal: a.isCausal, scale: a.scale };
    const lse = Tensor.empty([...batch, L]);
    temps.push(lse);
    attentionForward(shape, x, out, lse);
    const wantMask = a.mask !== null && a.mask.requiresGrad;
    if (needsGrad(a.q, a.k, a.v) || wantMask) {
      const inputs = wantMask ? [a.q, a.k, a.v, a.mask!] : [a.q, a.k, a.v];
      const want = inputs.map((t) => t.requiresGrad);
      const kept = { q: x.q.keep(), k: x.k.keep(), v: x.v.keep(), mask: mask?.keep() ?? null, drop: drop?.keep() ?? null };
      const so = out.keep(), sl = lse.keep();
      const saved = [kept.q, kept.k, kept.v, so, sl, ...(kept.mask ? [kept.mask] : []), ...(kept.drop ? [kept.drop] : [])];
      record(out, 'ScaledDotProductAttentionBackward', inputs, saved, (g) => {
        const { t: gc, owned } = materialize(g);
        const grads = [Tensor.empty([...batch, L, E]), Tensor.empty([...batch, S, E]), Tensor.empty([...batch, S, Ev])];
        if (wantMask) grads.push(Tensor.empty(full));
        try {
          attentionBackward(shape, kept, so, sl, gc, grads[0]!, grads[1]!, grads[2]!, wantMask ? grads[3]! : null);
        } finally {
          if (owned) gc.dispose();
        }
        return grads.map((t, i) => {
          if (want[i]) return t;
          t.dispose();
          return null;
        });
      });
    }
    return out;
  } catch (e) {
    out.dispose();
    throw e;
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** The arguments of F.scaledDotProductAttention in PyTorch's positional order, then boolMask by name. */
const SDPA_ARGS = {
  query: param(tensor, required),
  key: param(tensor, required),
  value: param(tensor, required),
  attnMask: param(nullable(tensor), null),
  dropoutP: param(number({ min: 0, max: 1 }), 0),
  isCausal: param(boolean, false),
  scale: param(nullable(number()), null),
  boolMask: param(boolean, false),
};

/** Options of F.scaledDotProductAttention after query, key and value. */
export interface ScaledDotProductAttentionOptions {
  /** Mask broadcastable to (..., L, S): added to the scores, or with boolMask, nonzero = take part (default none). */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights, applied whenever > 0 (as PyTorch; modules pass 0 in eval) (default 0). */
  dropoutP?: number;
  /** Query i attends to keys j <= i only (tril of ones(L, S), top-left aligned); refused with attnMask (default false). */
  isCausal?: boolean;
  /** Multiplier of q . k (default 1 / sqrt(E)). */
  scale?: number | null;
  /**
   * The attnMask holds booleans as 0 / 1 (simdgrad tensors are float32): nonzero
   * entries take part, zero ones are masked out, as a torch.bool mask. Default
   * false: the mask is a float mask added to the scores (-inf masks out).
   */
  boolMask?: boolean;
}

/**
 * Scaled dot-product attention (F.scaled_dot_product_attention, PyTorch 2.x):
 *   A = softmax(scale Q K^T + M) (row-wise over the S keys), out = dropout(A) V
 * with scale = 1 / sqrt(E) by default and M the float mask (0 / -inf from a
 * bool mask, -inf above the diagonal with isCausal). A query row whose keys
 * are all masked out gets zeros (PyTorch >= 2.5's math path; older versions
 * gave NaN). Dropout zeroes each weight with probability dropoutP and scales
 * the kept ones by 1 / (1 - dropoutP), drawn from the library's generator
 * (manualSeed) like F.dropout.
 *
 * Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev);
 * the batch dims (...) broadcast together; attnMask broadcasts to (..., L, S).
 * Gradients flow to query, key, value, and to a float attnMask that requires grad.
 *
 * @example
 * const q = sg.randn([2, 4, 10, 16]), k = sg.randn([2, 4, 12, 16]), v = sg.randn([2, 4, 12, 8]);
 * const out = F.scaledDotProductAttention(q, k, v);                       // (2, 4, 10, 8)
 * const causal = F.scaledDotProductAttention(q, q, q, { isCausal: true });
 * const padded = F.scaledDotProductAttention(q, k, v, keep, { boolMask: true }); // keep (2, 1, 1, 12) of 0 / 1
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts?: ScaledDotProductAttentionOptions): Tensor;
export function scaledDotProductAttention(
  query: Tensor, key: Tensor, value: Tensor, attnMask?: Tensor | null, dropoutP?: number, isCausal?: boolean, scale?: number | null,
  opts?: Pick<ScaledDotProductAttentionOptions, 'boolMask'>,
): Tensor;
export function scaledDotProductAttention(...args: unknown[]): Tensor {
  const op = 'scaledDotProductAttention';
  const a = parseArgs(op, args, SDPA_ARGS, 7);
  return attention(op, a.query, a.key, a.value, a.attnMask, a.boolMask, a.dropoutP, a.isCausal, a.scale);
}

/**
 * Internal (for the modules): attention on arguments whose types were
 * checked; the shapes are checked here. A bool mask is converted to 0 / -inf
 * first. Reported to the tracer as 'scaledDotProductAttention' with inputs
 * (query, key, value, float mask or null) and attrs { dropoutP, isCausal, scale }.
 */
export function attention(
  op: string, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, boolMask: boolean, dropoutP: number, isCausal: boolean, scale: number | null,
): Tensor {
  const { batch, L, E, S, Ev } = attentionShapes(op, q, k, v, mask, isCausal);
  const s = scale ?? 1 / Math.sqrt(E);
  const m = mask !== null && boolMask ? where(mask, 0, -Infinity) : mask;
  try {
    const out = fusedAttention({ q, k, v, mask: m, dropoutP, isCausal, scale: s }, batch, L, E, S, Ev);
    return traced(out, 'scaledDotProductAttention', [q, k, v, m], { dropoutP, isCausal, scale: s });
  } finally {
    if (m !== mask) m!.dispose();
  }
}
