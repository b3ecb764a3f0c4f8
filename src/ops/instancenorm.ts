/**
 * Instance normalisation (Ulyanov et al. 2016): each (sample, channel) plane
 * of [N, C, *] normalised by its own mean and biased variance,
 *   y = (x - mean) / sqrt(var + eps) weight[c] + bias[c],
 * computed as PyTorch does: batchNorm over the input viewed as [1, N C, *]
 * (so its gradient is batchNorm's), with the running statistics (if given)
 * repeated per sample, updated, and averaged back over the samples. With
 * useInputStats false, the running statistics normalise instead.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { atomic } from '../autograd/scope';
import { traced } from '../autograd/trace';
import { boolean, nullable, number, param, parseArgs, required, tensor } from '../validate';
import { batchNorm } from './batchnorm';
import { copyInto } from './create';
import { mean } from './reduce';
import { reshape } from './views';
import { repeat } from './shaping';

const INSTANCE_NORM_ARGS = {
  input: param(tensor, required),
  runningMean: param(nullable(tensor), null),
  runningVar: param(nullable(tensor), null),
  weight: param(nullable(tensor), null),
  bias: param(nullable(tensor), null),
  useInputStats: param(boolean, true),
  momentum: param(number({ min: 0, max: 1 }), 0.1),
  eps: param(number({ gt: 0 }), 1e-5),
} as const;

/**
 * torch.nn.functional.instance_norm: input [N, C, L] or [N, C, H, W];
 * runningMean, runningVar, weight, bias of shape [C] or null.
 * @example instanceNorm(x) // each plane to mean 0, variance 1
 */
export function instanceNorm(
  input: Tensor, runningMean?: Tensor | null, runningVar?: Tensor | null, weight?: Tensor | null, bias?: Tensor | null,
  useInputStats?: boolean, momentum?: number, eps?: number,
): Tensor;
export function instanceNorm(input: Tensor, opts: { runningMean?: Tensor | null; runningVar?: Tensor | null; weight?: Tensor | null; bias?: Tensor | null; useInputStats?: boolean; momentum?: number; eps?: number }): Tensor;
export function instanceNorm(...args: unknown[]): Tensor {
  return atomic(() => {
    const a = parseArgs('instanceNorm', args, INSTANCE_NORM_ARGS);
    const x = a.input;
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`instanceNorm: input must be [N, C, L] or [N, C, H, W], got ${fmtShape(x.shape)}`);
    const [N, C] = x.shape;
    for (const [name, t] of [['runningMean', a.runningMean], ['runningVar', a.runningVar], ['weight', a.weight], ['bias', a.bias]] as const) {
      if (t !== null && (t.ndim !== 1 || t.shape[0] !== C)) throw new RangeError(`instanceNorm: ${name} ${fmtShape(t.shape)} must have shape [${C}] (input ${fmtShape(x.shape)})`);
    }
    if (!a.useInputStats && (a.runningMean === null || a.runningVar === null)) throw new RangeError('instanceNorm: runningMean and runningVar are required when useInputStats is false');
    if (a.useInputStats && x.numel() / (N * C) <= 1) throw new RangeError(`instanceNorm: input ${fmtShape(x.shape)}: expected more than 1 spatial element per plane when using input statistics`);
    const perSample = (t: Tensor | null) => (t === null ? null : repeat(t, [N]));
    const rm = perSample(a.runningMean), rv = perSample(a.runningVar), w = perSample(a.weight), b = perSample(a.bias);
    const flat = reshape(x, [1, N * C, ...x.shape.slice(2)]);
    try {
      const y = batchNorm(flat, rm, rv, w, b, { training: a.useInputStats, momentum: a.momentum, eps: a.eps });
      const out = traced(reshape(y, x.shape), 'instanceNorm', [x, a.runningMean, a.runningVar, a.weight, a.bias], { useInputStats: a.useInputStats, eps: a.eps });
      y.dispose();
      // the updated per-sample running statistics, averaged over the samples
      if (a.useInputStats) {
        noGrad(() => {
          for (const [to, from] of [[a.runningMean, rm], [a.runningVar, rv]] as const) {
            if (to === null || from === null) continue;
            const rows = reshape(from, [N, C]);
            const m = mean(rows, 0);
            copyInto(to, m);
            rows.dispose();
            m.dispose();
          }
        });
      }
      return out;
    } finally {
      for (const t of [rm, rv, w, b, flat]) t?.dispose();
    }
  });
}
