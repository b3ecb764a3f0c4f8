/**
 * Products with PyTorch's names: bmm, baddbmm, outer, dot and einsum, all on
 * the GEMM of matmul (src/ops/matmul.ts) and views, so their gradients are
 * matmul's (dA = g B^T, dB = A^T g) carried back through the views:
 *   baddbmm(input, b1, b2, beta, alpha) = beta input + alpha b1 b2:
 *     dinput = beta g (summed to input's shape), db1 = alpha g b2^T, db2 = alpha b1^T g
 *   outer(a, b) = a b^T: da = g b, db = g^T a;  dot(a, b) = sum a b: da = g b, db = g a
 * einsum contracts operands pairwise, left to right: labels of one operand
 * alone that the output does not keep are summed first, repeated labels in
 * one operand take the diagonal, then each pair is one batched matmul over
 * [shared kept labels, left labels, summed labels] x [shared, summed, right].
 */
import { Tensor } from '../tensor';
import { fmtShape, numel } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { atomic } from '../autograd/scope';
import { traced } from '../autograd/trace';
import { number, param, parseArgs, required, tensor } from '../validate';
import { copyInto, zeros } from './create';
import { matmul } from './matmul';
import { add, mul } from './binary';
import { sum } from './reduce';
import { expand, permute, reshape, unsqueeze } from './views';

/**
 * Batched matrix product of two 3-d tensors with the same batch size (no
 * broadcasting, as torch.bmm; use matmul for that).
 * Shape: [B, n, k] x [B, k, m] -> [B, n, m].
 * @example bmm(randn([4, 2, 3]), randn([4, 3, 5])).shape // [4, 2, 5]
 */
export function bmm(input: Tensor, mat2: Tensor): Tensor;
export function bmm(...args: unknown[]): Tensor {
  const { input: a, mat2: b } = parseArgs('bmm', args, { input: param(tensor, required), mat2: param(tensor, required) });
  checkBatched('bmm', a, b);
  return matmul(a, b);
}

/** Both 3-d, same batch, inner sizes agreeing. */
function checkBatched(op: string, a: Tensor, b: Tensor): void {
  const shapes = `${fmtShape(a.shape)} and ${fmtShape(b.shape)}`;
  if (a.ndim !== 3 || b.ndim !== 3) throw new RangeError(`${op}: batch1 and batch2 must be 3-d [B, n, k] and [B, k, m], got ${shapes}`);
  if (a.shape[0] !== b.shape[0]) throw new RangeError(`${op}: batch sizes differ: ${shapes}`);
  if (a.shape[2] !== b.shape[1]) throw new RangeError(`${op}: ${shapes} cannot be multiplied (${a.shape[2]} != ${b.shape[1]})`);
}

const BADDBMM_ARGS = {
  input: param(tensor, required),
  batch1: param(tensor, required),
  batch2: param(tensor, required),
  beta: param(number(), 1),
  alpha: param(number(), 1),
} as const;

/**
 * beta input + alpha (batch1 batch2), input broadcast to [B, n, m]; beta and
 * alpha are keyword-only (as PyTorch). With beta = 0, input is ignored (its
 * NaN and inf do not propagate) and gets no gradient.
 * Shape: input ~ [B, n, m], [B, n, k] x [B, k, m] -> [B, n, m].
 * @example baddbmm(bias, q, kT, { alpha: 1 / Math.sqrt(d) })
 */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor;
export function baddbmm(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input, batch1, batch2, beta, alpha } = parseArgs('baddbmm', args, BADDBMM_ARGS, 3);
    checkBatched('baddbmm', batch1, batch2);
    const shape = [batch1.shape[0], batch1.shape[1], batch2.shape[2]];
    const fits = input.ndim <= 3 && input.shape.every((d, i) => d === 1 || d === shape[i + 3 - input.ndim]);
    if (!fits) throw new RangeError(`baddbmm: input ${fmtShape(input.shape)} does not broadcast to the product's shape ${fmtShape(shape)}`);
    const p = matmul(batch1, batch2);
    const scaled = alpha === 1 ? p : mul(p, alpha);
    if (scaled !== p) p.dispose();
    if (beta === 0) return scaled;
    const base = beta === 1 ? input : mul(input, beta);
    const out = add(base, scaled);
    if (base !== input) base.dispose();
    scaled.dispose();
    return out;
  });
}

/**
 * The outer product of two vectors: out[i, j] = a[i] b[j].
 * Shape: [n] x [m] -> [n, m].
 * @example outer(tensor([1, 2]), tensor([3, 4, 5])) // [[3, 4, 5], [6, 8, 10]]
 */
export function outer(input: Tensor, vec2: Tensor): Tensor;
export function outer(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: a, vec2: b } = parseArgs('outer', args, { input: param(tensor, required), vec2: param(tensor, required) });
    if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`outer: both arguments must be 1-d vectors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
    const col = unsqueeze(a, 1), row = unsqueeze(b, 0);
    const out = mul(col, row);
    col.dispose();
    row.dispose();
    return out;
  });
}

/**
 * The dot product of two vectors of the same length, a 0-d tensor.
 * @example dot(tensor([1, 2]), tensor([3, 4])) // 11
 */
export function dot(input: Tensor, other: Tensor): Tensor;
export function dot(...args: unknown[]): Tensor {
  const { input: a, other: b } = parseArgs('dot', args, { input: param(tensor, required), other: param(tensor, required) });
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) throw new RangeError(`dot: expects two 1-d tensors of the same length, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b);
}

// ---------------------------------------------------------------------------
// einsum

/** A label: a letter's index (A-Z 0-25, a-z 26-51, PyTorch's order for implicit outputs) or an ellipsis dim (52 + k). */
type Label = number;

const ELLIPSIS = 52;

function letter(op: string, c: string, eq: string): Label {
  const code = c.charCodeAt(0);
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 97 && code <= 122) return code - 97 + 26;
  throw new RangeError(`${op}: invalid character '${c}' in equation '${eq}' (labels are letters a-z, A-Z, with '...' for broadcast dims)`);
}

/** A label as the equation wrote it. */
const labelName = (l: Label): string => (l >= ELLIPSIS ? "a '...' dim" : `label '${String.fromCharCode(l < 26 ? 65 + l : 71 + l)}'`);

/** Splits a term into letters and the position of its ellipsis (-1 if none). */
function parseTerm(op: string, term: string, eq: string): { letters: Label[]; ellipsisAt: number } {
  const at = term.indexOf('...');
  if (at >= 0 && term.indexOf('...', at + 1) >= 0) throw new RangeError(`${op}: more than one '...' in the term '${term}' of '${eq}'`);
  const letters = [...term.replace('...', '')].map((c) => letter(op, c, eq));
  return { letters, ellipsisAt: at < 0 ? -1 : [...term.slice(0, at)].length };
}

/** A tensor with one label per dim. */
interface Labelled {
  t: Tensor;
  labels: Label[];
}

/** The diagonal over dims that share a label (a strided view, copied; gradient written back on the diagonal). */
function mergeRepeated(x: Labelled): Labelled {
  const { t, labels } = x;
  const first = labels.findIndex((l, i) => labels.indexOf(l) !== i);
  if (first < 0) return x;
  const l = labels[first];
  const dims = labels.map((m, i) => (m === l ? i : -1)).filter((i) => i >= 0);
  const keep = labels.map((_, i) => i).filter((i) => labels[i] !== l || i === dims[0]);
  const shape = keep.map((i) => t.shape[i]);
  const strides = keep.map((i) => (i === dims[0] ? dims.reduce((s, d) => s + t.strides[d], 0) : t.strides[i]));
  const size = t.shape[dims[0]];
  if (dims.some((d) => t.shape[d] !== size)) throw new RangeError(`einsum: label repeated in one operand with different sizes ${fmtShape(dims.map((d) => t.shape[d]))}`);
  const view = t.viewOf(shape, strides, t.offset);
  const out = Tensor.empty(shape);
  copyInto(out, view);
  view.dispose();
  if (needsGrad(t)) {
    const inShape = [...t.shape];
    record(out, 'DiagonalBackward', [t], [], (g) => {
      const dx = zeros(inShape);
      const d = dx.viewOf(shape, keep.map((i) => (i === dims[0] ? dims.reduce((s, k) => s + dx.strides[k], 0) : dx.strides[i])), 0);
      copyInto(d, g);
      d.dispose();
      return [dx];
    });
  }
  return mergeRepeated({ t: out, labels: keep.map((i) => labels[i]) });
}

/** Sums out the labels of x not in `keep`. */
function sumOut(x: Labelled, keep: Set<Label>): Labelled {
  const dims = x.labels.map((l, i) => (keep.has(l) ? -1 : i)).filter((i) => i >= 0);
  if (dims.length === 0) return x;
  return { t: sum(x.t, dims), labels: x.labels.filter((l) => keep.has(l)) };
}

/** x permuted to the label order `order` (each of its labels exactly once) and broadcast to `sizes`. */
function arrange(x: Labelled, order: Label[], sizes: Map<Label, number>): Tensor {
  const p = permute(x.t, order.map((l) => x.labels.indexOf(l)));
  const target = order.map((l) => sizes.get(l)!);
  if (target.every((s, i) => s === p.shape[i])) return p;
  const e = expand(p, target);
  p.dispose();
  return e;
}

/** One batched matmul contracting the labels of a and b that `needed` does not keep. */
function contractPair(a: Labelled, b: Labelled, needed: Set<Label>, sizes: Map<Label, number>): Labelled {
  const inB = new Set(b.labels), inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && needed.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !needed.has(l));
  const left = a.labels.filter((l) => !inB.has(l));
  const right = b.labels.filter((l) => !inA.has(l));
  const size = (ls: Label[]) => numel(ls.map((l) => sizes.get(l)!));
  const pa = arrange(a, [...batch, ...left, ...summed], sizes);
  const pb = arrange(b, [...batch, ...summed, ...right], sizes);
  const ra = reshape(pa, [size(batch), size(left), size(summed)]);
  const rb = reshape(pb, [size(batch), size(summed), size(right)]);
  const prodT = matmul(ra, rb);
  const labels = [...batch, ...left, ...right];
  const out = reshape(prodT, labels.map((l) => sizes.get(l)!));
  for (const t of [pa, pb, ra, rb, prodT]) t.dispose();
  return { t: out, labels };
}

/**
 * Einstein summation (torch.einsum): `equation` names each operand's dims
 * with letters ('...' for broadcast dims); letters shared by operands are
 * multiplied, letters missing from the output (after '->'; without it, the
 * letters used once, in alphabetical order, after the '...' dims) are summed.
 * A letter repeated in one operand takes the diagonal; size-1 dims
 * broadcast. Operands come as arguments or as one array.
 * Examples: batched matmul 'bij,bjk->bik', attention scores
 * 'bhqd,bhkd->bhqk', bilinear form 'bn,anm,bm->ba', trace 'ii', outer 'i,j->ij'.
 * Gradients: those of the matmuls, sums and views it runs.
 * @example einsum('bhqd,bhkd->bhqk', q, k) // [B, H, Tq, Tk]
 */
export function einsum(equation: string, ...operands: Tensor[] | [Tensor[]]): Tensor {
  return atomic(() => {
    const op = 'einsum';
    if (typeof equation !== 'string') throw new TypeError(`einsum: equation must be a string like 'ij,jk->ik', got ${typeof equation}`);
    const ops = (operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands) as unknown[];
    ops.forEach((t, i) => tensor(t, { where: op, name: `operand ${i}` }));
    const xs = ops as Tensor[];
    const eq = equation.replace(/\s+/g, '');
    const [lhs, rhs, extra] = eq.split('->');
    if (extra !== undefined) throw new RangeError(`einsum: more than one '->' in '${equation}'`);
    const terms = lhs.split(',');
    if (terms.length !== xs.length) throw new RangeError(`einsum: '${equation}' names ${terms.length} operand${terms.length === 1 ? '' : 's'}, got ${xs.length}`);
    // labels per operand, ellipsis dims right-aligned across operands
    const parsed = terms.map((term) => parseTerm(op, term, equation));
    const ellipsisDims = parsed.map((p, i) => {
      const e = xs[i].ndim - p.letters.length;
      if (p.ellipsisAt < 0 ? e !== 0 : e < 0) throw new RangeError(`einsum: the term '${terms[i]}' names ${p.letters.length} dims but operand ${i} has shape ${fmtShape(xs[i].shape)}`);
      return e;
    });
    const E = Math.max(0, ...ellipsisDims);
    const ellipsisLabels = (e: number) => Array.from({ length: e }, (_, k) => ELLIPSIS + E - e + k);
    const inputs: Labelled[] = parsed.map((p, i) => ({
      t: xs[i],
      labels: p.ellipsisAt < 0 ? p.letters : [...p.letters.slice(0, p.ellipsisAt), ...ellipsisLabels(ellipsisDims[i]), ...p.letters.slice(p.ellipsisAt)],
    }));
    // sizes, broadcasting size-1 dims
    const sizes = new Map<Label, number>();
    inputs.forEach(({ t, labels }, i) => labels.forEach((l, d) => {
      const have = sizes.get(l), s = t.shape[d];
      if (have === undefined || have === 1) sizes.set(l, s);
      else if (s !== 1 && s !== have) throw new RangeError(`einsum: ${labelName(l)} has size ${have} in one operand and ${s} in operand ${i} (shape ${fmtShape(t.shape)})`);
    }));
    const counts = new Map<Label, number>();
    for (const { labels } of inputs) for (const l of new Set(labels)) counts.set(l, (counts.get(l) ?? 0) + 1);
    let output: Label[];
    if (rhs === undefined) {
      const once = [...counts.keys()].filter((l) => l < ELLIPSIS && counts.get(l) === 1 && inputs.every(({ labels }) => labels.filter((m) => m === l).length <= 1));
      output = [...ellipsisLabels(E), ...once.sort((a, b) => a - b)];
    } else {
      const p = parseTerm(op, rhs, equation);
      output = p.ellipsisAt < 0 ? p.letters : [...p.letters.slice(0, p.ellipsisAt), ...ellipsisLabels(E), ...p.letters.slice(p.ellipsisAt)];
      if (new Set(output).size !== output.length) throw new RangeError(`einsum: the output '${rhs}' of '${equation}' repeats a label`);
      for (const l of output) if (!counts.has(l)) throw new RangeError(`einsum: the output's ${labelName(l)} of '${equation}' does not appear in any operand`);
    }
    const made: Tensor[] = [];
    const own = (x: Labelled): Labelled => {
      if (!xs.includes(x.t) && !made.includes(x.t)) made.push(x.t);
      return x;
    };
    try {
      // labels still needed after operand i: the output's and later operands'
      const neededAfter = (i: number) => new Set<Label>([...output, ...inputs.slice(i + 1).flatMap((x) => x.labels)]);
      let acc = own(sumOut(own(mergeRepeated(inputs[0])), new Set([...neededAfter(0)])));
      for (let i = 1; i < inputs.length; i++) {
        const need = neededAfter(i);
        const b = own(sumOut(own(mergeRepeated(inputs[i])), new Set([...need, ...acc.labels])));
        acc = own(sumOut(acc, new Set([...need, ...b.labels])));
        acc = own(contractPair(acc, b, need, sizes));
      }
      acc = own(sumOut(acc, new Set(output)));
      // broadcast size-1 output dims (a label of size 1 in this operand, larger in one contracted away) and order as the output
      return traced(arrange(acc, output, sizes), 'einsum', xs, { equation: eq });
    } finally {
      for (const t of made) t.dispose();
    }
  });
}
