/**
 * Embedding: a lookup table y = weight[indices] (F.embedding), weight of shape
 * [numEmbeddings, embeddingDim] initialised N(0, 1) as PyTorch's; with
 * paddingIdx (negative counts from the end) that row starts at zero and
 * receives no gradient. maxNorm is not supported.
 */
import type { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { embedding, paddingIndex, refuseMaxNorm } from '../ops/embedding';
import { narrow } from '../ops/views';
import { Module } from './module';
import { normal_, zeros_ } from './init';

export interface EmbeddingModuleOptions {
  paddingIdx?: number | null;
  maxNorm?: number | null;
}

export class Embedding extends Module {
  readonly weight: Tensor;
  /** In [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, { paddingIdx = null, maxNorm = null }: EmbeddingModuleOptions = {}) {
    super();
    for (const [n, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`Embedding: ${n} must be a positive integer, got ${v}`);
    }
    refuseMaxNorm('Embedding', maxNorm);
    const pad = paddingIndex('Embedding', paddingIdx, numEmbeddings);
    this.paddingIdx = pad < 0 ? null : pad;
    this.weight = this.registerParameter('weight', empty([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const row = narrow(this.weight, 0, this.paddingIdx, 1);
      zeros_(row);
      row.dispose();
    }
  }

  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
