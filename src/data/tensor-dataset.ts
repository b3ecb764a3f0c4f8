/**
 * TensorDataset: samples are rows of tensors that share their first
 * dimension (torch.utils.data.TensorDataset). A DataLoader over it yields
 * each batch as an array with one tensor per dataset tensor.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { describe } from '../validate';

/** Samples as rows of tensors sharing their first dimension (torch.utils.data.TensorDataset). */
export class TensorDataset {
  /** The tensors, each [N, ...]; the dataset does not own them (dispose them yourself). */
  readonly tensors: readonly Tensor[];

  /**
   * @example
   * const ds = new data.TensorDataset(x, y);   // x [N, 784], y [N]
   * for (const [xb, yb] of new DataLoader(ds, 64, true)) { ... }
   */
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new TypeError('TensorDataset: give at least one tensor, e.g. new TensorDataset(x, y)');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${i + 1} must be a Tensor, got ${describe(t)}`);
      t.assertAlive(`TensorDataset (argument ${i + 1})`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset: argument ${i + 1} is a 0-d tensor; each tensor needs a first dimension of samples`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new RangeError(`TensorDataset: size mismatch between tensors: argument 1 has shape ${fmtShape(tensors[0].shape)}, argument ${i + 1} ${fmtShape(t.shape)} (the first dimensions must agree)`);
      }
    });
    this.tensors = tensors;
  }

  /** Sample count N. */
  get length(): number {
    return this.tensors[0].shape[0];
  }
}
