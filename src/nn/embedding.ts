/** The lookup-table layer (torch.nn.Embedding). */
import type { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { embedding, paddingIndex } from '../ops/embedding';
import { narrow } from '../ops/views';
import { Module } from './module';
import { normal_, zeros_ } from './init';
import { integer, nullable, number, onlyDefault, param, parseArgs, required } from '../validate';

/** Options of Embedding after its sizes (PyTorch's names in camelCase). */
export interface EmbeddingModuleOptions {
  /** Row that starts at zero and receives no gradient; negative counts from the end (default null: none). */
  paddingIdx?: number | null;
  /** Rows each forward looks up whose normType-norm exceeds it are renormalised in place to it first (PyTorch's embedding_renorm_; default null: never). */
  maxNorm?: number | null;
  /** The p of maxNorm's p-norm (default 2). */
  normType?: number;
  /** Only false (the default) is supported. */
  scaleGradByFreq?: false;
  /** Only false (the default) is supported: gradients are dense. */
  sparse?: false;
}

/** Embedding's arguments in PyTorch's positional order (torch.nn.Embedding). */
const EMBEDDING_ARGS = {
  numEmbeddings: param(integer({ min: 1 }), required),
  embeddingDim: param(integer({ min: 1 }), required),
  paddingIdx: param(nullable(integer()), null),
  maxNorm: param(nullable(number({ gt: 0 })), null),
  normType: param(number({ gt: 0, infinite: true }), 2),
  scaleGradByFreq: param(onlyDefault(false, 'gradients are not scaled by index frequency here'), false),
  sparse: param(onlyDefault(false, 'gradients are dense here'), false),
};

/**
 * A lookup table: y = weight[indices] (F.embedding), weight of shape
 * [numEmbeddings, embeddingDim] initialised N(0, 1) as PyTorch's. With
 * paddingIdx (negative counts from the end) that row starts at zero and
 * receives no gradient. With maxNorm, the rows each forward looks up are
 * first renormalised in place to a normType-norm of at most maxNorm.
 * Backward scatters-adds into the rows looked up.
 * Shape: indices of any shape S (a float tensor holding integers in
 * [0, numEmbeddings)) -> [...S, embeddingDim].
 *
 * @example
 * new nn.Embedding(10, 3);        // 10 rows of 3
 * new nn.Embedding(10, 3, 0);     // PyTorch's positional padding_idx=0
 * new nn.Embedding(10, 3, { paddingIdx: -1 });
 */
export class Embedding extends Module {
  /** The table: [numEmbeddings, embeddingDim]. */
  readonly weight: Tensor;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** In [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;

  constructor(numEmbeddings: number, embeddingDim: number, paddingIdx?: number | null, maxNorm?: number | null, normType?: number, scaleGradByFreq?: false, sparse?: false);
  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingModuleOptions);
  constructor(...args: unknown[]) {
    const a = parseArgs('Embedding', args, EMBEDDING_ARGS);
    const pad = paddingIndex('Embedding', a.paddingIdx, a.numEmbeddings);
    super();
    this.numEmbeddings = a.numEmbeddings;
    this.embeddingDim = a.embeddingDim;
    this.paddingIdx = pad < 0 ? null : pad;
    this.maxNorm = a.maxNorm;
    this.normType = a.normType;
    this.weight = this.registerParameter('weight', empty([a.numEmbeddings, a.embeddingDim]));
    this.resetParameters();
  }

  /** Re-draws the weight from N(0, 1), with the padding row zero. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const row = narrow(this.weight, 0, this.paddingIdx, 1);
      zeros_(row);
      row.dispose();
    }
  }

  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  override extraRepr(): string {
    const parts = [`${this.numEmbeddings}, ${this.embeddingDim}`];
    if (this.paddingIdx !== null) parts.push(`paddingIdx=${this.paddingIdx}`);
    if (this.maxNorm !== null) parts.push(`maxNorm=${this.maxNorm}`);
    if (this.normType !== 2) parts.push(`normType=${this.normType}`);
    return parts.join(', ');
  }
}
