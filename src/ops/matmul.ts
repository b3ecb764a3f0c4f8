/**
 * matmul with PyTorch's semantics: 1-D x 1-D is a dot product, a 1-D operand
 * gets a size-1 dim prepended (left) or appended (right) that is removed
 * after, and batch dims broadcast. With C = A B:
 *   dA = g B^T,  dB = A^T g   (transposes are strided views, never copies;
 *   broadcast batch dims are summed back by the autograd walk).
 *
 * addmm(input, a, b) = input + a b (2-D a, b; input broadcast to the result)
 * runs as one GEMM: a 1-D input (or [1, n]) is fused as the bias, any other
 * input is copied into the output first and the GEMM accumulates onto it:
 *   dinput = g summed to input's shape,  da = g b^T,  db = a^T g.
 *
 * linear(x, w, bias) = x w^T + bias (PyTorch's F.linear, w is [out, in]) runs
 * as one GEMM with the bias fused into the accumulator's start:
 *   dx = g w,  dw = g^T x (over all leading dims at once),  dbias = sum of g over rows.
 */
import { Tensor } from '../tensor';
import { atomic } from '../autograd/scope';
import { gemm } from '../drivers/gemm';
import { broadcastInto } from '../drivers/copy';
import { sumTo } from '../drivers/reduce';
import { broadcastShapes, fmtShape, numel } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { reshape, transpose, unsqueeze } from './views';
import { add } from './binary';
import { nullable, tensor as tensorArg } from '../validate';

/**
 * The dims [from, to) of t as one dim when they are uniformly strided
 * (stride[d] = shape[d+1] stride[d+1]); returns its stride, or null.
 */
function mergedStride(t: Tensor, from: number, to: number): number | null {
  for (let d = from; d < to - 1; d++) {
    if (t.shape[d] !== 1 && t.strides[d] !== t.shape[d + 1] * t.strides[d + 1]) return null;
  }
  return t.strides[to - 1];
}

/** Internal: C = A B for rank >= 2 operands with broadcast batch dims (no autograd). */
export function bmmRaw(a: Tensor, b: Tensor): Tensor {
  const n = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], m = b.shape[b.ndim - 1];
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = Tensor.empty([...batch, n, m]);
  const count = numel(batch);
  const sa0 = a.strides[a.ndim - 2], sa1 = a.strides[a.ndim - 1];
  const sb0 = b.strides[b.ndim - 2], sb1 = b.strides[b.ndim - 1];
  const bBatch = numel(b.shape.slice(0, -2));
  // B shared by every batch and A's batch and row dims one strided dim: a single GEMM
  if (bBatch === 1 && a.ndim - 2 === batch.length && mergedStride(a, 0, a.ndim - 1) === sa0) {
    gemm(count * n, m, k, { ptr: a.ptr, s0: sa0, s1: sa1 }, { ptr: b.ptr, s0: sb0, s1: sb1 }, out.ptr, m);
    return out;
  }
  const idx = new Array<number>(batch.length).fill(0);
  for (let i = 0; i < count; i++) {
    let oa = 0, ob = 0;
    for (let d = 0; d < batch.length; d++) {
      const da = d - (batch.length - (a.ndim - 2)), db = d - (batch.length - (b.ndim - 2));
      if (da >= 0 && a.shape[da] !== 1) oa += idx[d] * a.strides[da];
      if (db >= 0 && b.shape[db] !== 1) ob += idx[d] * b.strides[db];
    }
    gemm(n, m, k, { ptr: a.ptr + oa * 4, s0: sa0, s1: sa1 }, { ptr: b.ptr + ob * 4, s0: sb0, s1: sb1 }, out.ptr + i * n * m * 4, m);
    for (let d = batch.length - 1; d >= 0 && ++idx[d] === batch[d]; d--) idx[d] = 0;
  }
  return out;
}

/**
 * Internal: the gradient of a broadcast 2-D right operand, A^T g summed over
 * the batch, as one GEMM over the merged batch-and-row dim when A and g allow
 * it (otherwise the batched product, summed down by the caller's walk).
 */
function rightGradShared(sa: Tensor, g: Tensor, bShape: readonly number[]): Tensor {
  const r = sa.ndim - 1;
  const as0 = mergedStride(sa, 0, r), gs0 = mergedStride(g, 0, r);
  if (sa.ndim === g.ndim && as0 !== null && gs0 !== null && numel(sa.shape.slice(0, -2)) === numel(g.shape.slice(0, -2))) {
    const rows = numel(sa.shape.slice(0, -1)), k = sa.shape[r], m = g.shape[r];
    const out = Tensor.empty([...bShape]);
    // (A^T)[i, row] = A[row, i]: strides (s1, s0)
    gemm(k, m, rows, { ptr: sa.ptr, s0: sa.strides[r], s1: as0 }, { ptr: g.ptr, s0: gs0, s1: g.strides[r] }, out.ptr, m);
    return out;
  }
  return bmmRaw(transpose(sa, -1, -2), g);
}

/**
 * Matrix product with PyTorch's rules: 1-D operands are lifted to matrices and
 * the added dim dropped; leading dims broadcast (batched). @example matmul(x, w.t())
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return atomic(() => matmulBody(a, b));
}

function matmulBody(a: Tensor, b: Tensor): Tensor {
  tensorArg(a, { where: 'matmul', name: 'input' });
  tensorArg(b, { where: 'matmul', name: 'other' });
  if (a.ndim === 0 || b.ndim === 0) throw new RangeError(`matmul: both arguments need at least 1 dimension, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const ka = a.shape[a.ndim - 1], kb = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (ka !== kb) throw new RangeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${ka} != ${kb})`);
  if (a.ndim === 1 || b.ndim === 1) {
    // lift the vector to a matrix, multiply, drop the added dim (all differentiable views)
    const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
    const b2 = b.ndim === 1 ? unsqueeze(b, 1) : b;
    const c = matmul(a2, b2);
    const shape = [...c.shape];
    if (b.ndim === 1) shape.pop();
    if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
    const out = reshape(c, shape);
    for (const u of [a2, b2, c]) if (u !== a && u !== b) u.dispose();
    return out;
  }
  broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = bmmRaw(a, b);
  if (needsGrad(a, b)) {
    const sa = b.requiresGrad ? a.keep() : null, sb = a.requiresGrad ? b.keep() : null;
    const bShape = [...b.shape];
    record(out, 'MatmulBackward', [a, b], [sa, sb].filter((t) => t !== null), (g) => [
      sb ? bmmRaw(g, transpose(sb, -1, -2)) : null,
      sa ? (bShape.length === 2 ? rightGradShared(sa, g, bShape) : bmmRaw(transpose(sa, -1, -2), g)) : null,
    ]);
  }
  return traced(out, 'matmul', [a, b]);
}

/**
 * y = x w^T + bias (PyTorch's F.linear): x [..., in], w [out, in], bias [out]
 * or null; y [..., out]. One GEMM, the bias fused.
 */
export function linear(x: Tensor, w: Tensor, bias: Tensor | null = null): Tensor {
  return atomic(() => linearBody(x, w, bias));
}

function linearBody(x: Tensor, w: Tensor, bias: Tensor | null = null): Tensor {
  tensorArg(x, { where: 'linear', name: 'input' });
  tensorArg(w, { where: 'linear', name: 'weight' });
  nullable(tensorArg)(bias, { where: 'linear', name: 'bias' });
  const shapes = `input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}${bias ? `, bias ${fmtShape(bias.shape)}` : ''}`;
  if (x.ndim < 1 || w.ndim !== 2) throw new RangeError(`linear: ${shapes}: weight must be 2-D [out, in] and input at least 1-D`);
  const inF = w.shape[1], outF = w.shape[0];
  if (x.shape[x.ndim - 1] !== inF) throw new RangeError(`linear: ${shapes}: expected ${inF} input features, got ${x.shape[x.ndim - 1]}`);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outF)) throw new RangeError(`linear: ${shapes}: bias must have shape [${outF}]`);
  const rowsStride = x.ndim === 1 ? 0 : mergedStride(x, 0, x.ndim - 1);
  if (rowsStride === null || (bias !== null && bias.strides[0] !== 1)) {
    // leading dims not one strided dim (or a strided bias): the composed form
    const y = matmul(x, transpose(w, 0, 1));
    if (bias === null) return y;
    const r = add(y, bias);
    y.dispose();
    return r;
  }
  const rows = numel(x.shape.slice(0, -1));
  const out = Tensor.empty([...x.shape.slice(0, -1), outF]);
  // B = w^T: B[k, j] = w[j, k]
  gemm(rows, outF, inF, { ptr: x.ptr, s0: rowsStride, s1: x.strides[x.ndim - 1] }, { ptr: w.ptr, s0: w.strides[1], s1: w.strides[0] }, out.ptr, outF, { biasPtr: bias ? bias.ptr : 0 });
  if (needsGrad(x, w, bias)) {
    const sx = w.requiresGrad ? x.keep() : null, sw = x.requiresGrad ? w.keep() : null;
    const xShape = [...x.shape];
    record(out, 'LinearBackward', bias ? [x, w, bias] : [x, w], [sx, sw].filter((t) => t !== null), (g) => {
      const gs0 = g.ndim === 1 ? 0 : mergedStride(g, 0, g.ndim - 1);
      const gm = gs0 === null ? g.contiguous() : g;
      const gRow = gs0 === null ? outF : gs0;
      const res: (Tensor | null)[] = [null, null, null];
      if (sw) {
        // dx = g w: B[k, j] = w[k, j]
        const dx = Tensor.empty(xShape);
        gemm(rows, inF, outF, { ptr: gm.ptr, s0: gRow, s1: gm.strides[gm.ndim - 1] }, { ptr: sw.ptr, s0: sw.strides[0], s1: sw.strides[1] }, dx.ptr, inF);
        res[0] = dx;
      }
      if (sx) {
        // dw = g^T x: A[i, r] = g[r, i], B[r, j] = x[r, j]
        const dw = Tensor.empty([outF, inF]);
        const xs0 = sx.ndim === 1 ? 0 : mergedStride(sx, 0, sx.ndim - 1)!;
        gemm(outF, inF, rows, { ptr: gm.ptr, s0: gm.strides[gm.ndim - 1], s1: gRow }, { ptr: sx.ptr, s0: xs0, s1: sx.strides[sx.ndim - 1] }, dw.ptr, inF);
        res[1] = dw;
      }
      if (bias) res[2] = sumTo(g, [outF]);
      if (gm !== g) gm.dispose();
      return bias ? res : res.slice(0, 2);
    });
  }
  return traced(out, 'linear', [x, w, bias]);
}

/** input + a b for 2-D a [m, k] and b [k, n], input broadcastable to [m, n] (PyTorch's addmm with beta = alpha = 1). */
export function addmm(input: Tensor, a: Tensor, b: Tensor): Tensor {
  return atomic(() => addmmBody(input, a, b));
}

function addmmBody(input: Tensor, a: Tensor, b: Tensor): Tensor {
  tensorArg(input, { where: 'addmm', name: 'input' });
  tensorArg(a, { where: 'addmm', name: 'mat1' });
  tensorArg(b, { where: 'addmm', name: 'mat2' });
  const shapes = `input ${fmtShape(input.shape)}, mat1 ${fmtShape(a.shape)}, mat2 ${fmtShape(b.shape)}`;
  if (a.ndim !== 2 || b.ndim !== 2) throw new RangeError(`addmm: ${shapes}: mat1 and mat2 must be 2-D`);
  const [m, k] = a.shape, n = b.shape[1];
  if (b.shape[0] !== k) throw new RangeError(`addmm: ${shapes}: mat1 and mat2 cannot be multiplied (${k} != ${b.shape[0]})`);
  const fits = input.ndim <= 2 && input.shape.every((d, i) => d === 1 || d === [m, n][i + 2 - input.ndim]);
  if (!fits) throw new RangeError(`addmm: ${shapes}: input does not broadcast to the product's shape [${m},${n}]`);
  const out = Tensor.empty([m, n]);
  const A = { ptr: a.ptr, s0: a.strides[0], s1: a.strides[1] }, B = { ptr: b.ptr, s0: b.strides[0], s1: b.strides[1] };
  const lastDim = input.ndim === 0 ? 1 : input.shape[input.ndim - 1];
  const rowVector = input.ndim >= 1 && lastDim === n && (input.ndim === 1 || input.shape[0] === 1) && (n === 1 || input.strides[input.ndim - 1] === 1);
  if (rowVector) {
    gemm(m, n, k, A, B, out.ptr, n, { biasPtr: input.ptr });
  } else {
    broadcastInto(out, input);
    gemm(m, n, k, A, B, out.ptr, n, { accumulate: true });
  }
  if (needsGrad(input, a, b)) {
    const sa = b.requiresGrad ? a.keep() : null, sb = a.requiresGrad ? b.keep() : null;
    record(out, 'AddmmBackward', [input, a, b], [sa, sb].filter((t) => t !== null), (g) => [
      input.requiresGrad ? g : null,
      sb ? bmmRaw(g, transpose(sb, 0, 1)) : null,
      sa ? bmmRaw(transpose(sa, 0, 1), g) : null,
    ]);
  }
  return traced(out, 'addmm', [input, a, b]);
}
