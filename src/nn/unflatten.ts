/**
 * Unflatten: splits one dim into several (the inverse of Flatten), a view.
 * Shape: [..., prod(sizes), ...] -> [..., ...sizes, ...].
 */
import type { Tensor } from '../tensor';
import { integer, intList, param, parseArgs, required } from '../validate';
import { unflatten } from '../ops/shaping';
import { Module } from './module';

/**
 * `new Unflatten(dim, unflattenedSize)`: dim of the input split into unflattenedSize (one entry may be -1).
 * @example new nn.Unflatten(1, [16, 7, 7]) // [N, 784] -> [N, 16, 7, 7]
 */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: number[];
  constructor(dim: number, unflattenedSize: readonly number[]);
  constructor(...args: unknown[]) {
    const a = parseArgs('Unflatten', args, { dim: param(integer(), required), unflattenedSize: param(intList({ min: -1 }, { single: false }), required) });
    super();
    this.dim = a.dim;
    this.unflattenedSize = a.unflattenedSize;
  }

  forward(x: Tensor): Tensor {
    return unflatten(x, this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=[${this.unflattenedSize}]`;
  }
}
