/**
 * State dicts and the spelling of their keys, shared by the modules
 * (src/nn/module.ts) and the file formats (safetensors, ONNX): our keys are
 * camelCase per segment (`layer1.0.bn1.runningMean`), PyTorch's snake_case
 * (`layer1.0.bn1.running_mean`).
 */
import type { Tensor } from '../tensor';
import { string } from '../validate';

/** A state dict: our camelCase keys (or PyTorch's snake_case ones) to tensors. */
export type StateDict = Map<string, Tensor> | Record<string, Tensor>;

/** A state-dict key in PyTorch's spelling: each camelCase segment to snake_case (`runningMean` -> `running_mean`). */
export function toTorchKey(key: string): string {
  return string(key, { where: 'toTorchKey', name: 'key' })
    .split('.')
    .map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase())
    .join('.');
}

/** The inverse of toTorchKey: snake_case segments to camelCase (`num_batches_tracked` -> `numBatchesTracked`). */
export function fromTorchKey(key: string): string {
  return string(key, { where: 'fromTorchKey', name: 'key' })
    .split('.')
    .map((s) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
    .join('.');
}
