/**
 * matmul with PyTorch's semantics: 1-D x 1-D is a dot product, a 1-D operand
 * gets a size-1 dim prepended (left) or appended (right) that is removed
 * after, and batch dims broadcast. With C = A B:
 *   dA = g B^T,  dB = A^T g   (transposes are strided views, never copies;
 *   broadcast batch dims are summed back by the autograd walk).
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { broadcastShapes, fmtShape, numel } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { reshape, transpose, unsqueeze } from './views';

/** Internal: C = A B for rank >= 2 operands with broadcast batch dims (no autograd). */
export function bmmRaw(a: Tensor, b: Tensor): Tensor {
  const n = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], m = b.shape[b.ndim - 1];
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = Tensor.empty([...batch, n, m]);
  const kern = kernels();
  const count = numel(batch);
  const sa0 = a.strides[a.ndim - 2], sa1 = a.strides[a.ndim - 1];
  const sb0 = b.strides[b.ndim - 2], sb1 = b.strides[b.ndim - 1];
  const idx = new Array<number>(batch.length).fill(0);
  for (let i = 0; i < count; i++) {
    let oa = 0, ob = 0;
    for (let d = 0; d < batch.length; d++) {
      const da = d - (batch.length - (a.ndim - 2)), db = d - (batch.length - (b.ndim - 2));
      if (da >= 0 && a.shape[da] !== 1) oa += idx[d] * a.strides[da];
      if (db >= 0 && b.shape[db] !== 1) ob += idx[d] * b.strides[db];
    }
    kern.gemm_f32(n, m, k, a.ptr + oa * 4, sa0, sa1, b.ptr + ob * 4, sb0, sb1, out.ptr + i * n * m * 4, m, 0);
    for (let d = batch.length - 1; d >= 0 && ++idx[d] === batch[d]; d--) idx[d] = 0;
  }
  return out;
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError('matmul: both operands must be Tensors');
  a.assertAlive('matmul');
  b.assertAlive('matmul');
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
    const sa = a.keep(), sb = b.keep();
    record(out, 'MatmulBackward', [a, b], [sa, sb], (g) => [
      a.requiresGrad ? bmmRaw(g, transpose(sb, -1, -2)) : null,
      b.requiresGrad ? bmmRaw(transpose(sa, -1, -2), g) : null,
    ]);
  }
  return out;
}

