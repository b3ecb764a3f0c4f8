/**
 * Random tensors from the counter-based generator in the kernels (Philox4x32-10):
 * a value depends only on the seed and how many values were drawn before it,
 * so one seed gives the same numbers in every runtime.
 */
import { Tensor } from '../tensor';
import { drawInto, type Distribution } from '../drivers/random';
import type { Shape } from '../shape';
import type { CreateOptions } from './create';
import { copyInto, sizeAndOptions } from './create';
import { checkInPlace } from './inplace';
import { integer, options, param, required } from '../validate';

/** PyTorch's default seed, so an unseeded run is still reproducible. */
const DEFAULT_SEED = 67280421310721;

let key0 = 0, key1 = 0;
/** Blocks of four 32-bit words drawn so far. */
let counter = 0;

/** Seeds the generator (an integer in [0, 2^53)); the stream restarts. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`manualSeed: seed must be a non-negative safe integer, got ${seed}`);
  key0 = seed >>> 0;
  key1 = Math.floor(seed / 2 ** 32) >>> 0;
  counter = 0;
}
manualSeed(DEFAULT_SEED);

/** The generator's state, to save and restore around a computation. */
export function getRngState(): { key0: number; key1: number; counter: number } {
  return { key0, key1, counter };
}
/** Restores the engine's random stream saved by getRngState(). */
export function setRngState(s: { key0: number; key1: number; counter: number }): void {
  const word = param(integer({ min: 0, max: 2 ** 32 - 1 }), required);
  ({ key0, key1, counter } = options('setRngState', s, { key0: word, key1: word, counter: param(integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), required) }));
}

/** Fills t (any view) from the stream, advancing it by ceil(n / 4) blocks. */
function draw(t: Tensor, dist: Distribution): void {
  const n = t.numel();
  const target = t.isContiguous() ? t : Tensor.empty(t.shape);
  drawInto(target, dist, { k0: key0, k1: key1, counter });
  counter += Math.ceil(n / 4);
  if (target !== t) {
    copyInto(t, target);
    target.dispose();
  }
}

function fresh(op: string, args: readonly unknown[], dist: Distribution): Tensor {
  const { shape, requiresGrad } = sizeAndOptions(op, args);
  const t = Tensor.empty(shape);
  draw(t, dist);
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

const checkFinite = (op: string, ...v: number[]) => {
  for (const x of v) if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`${op}: arguments must be finite numbers, got ${v.join(', ')}`);
};

/**
 * Uniform samples in [0, 1) from the engine's seeded stream: `rand([2, 3])` or `rand(2, 3)`, then options.
 * @example manualSeed(0); rand(4, 4)
 */
export function rand(...sizeThenOptions: (number | Shape | CreateOptions)[]): Tensor {
  return fresh('rand', sizeThenOptions, { kind: 'uniform', lo: 0, hi: 1 });
}

/**
 * Standard normal samples: `randn([2, 3])` or `randn(2, 3)`, then options.
 * @example randn(64, 784, { requiresGrad: true })
 */
export function randn(...sizeThenOptions: (number | Shape | CreateOptions)[]): Tensor {
  return fresh('randn', sizeThenOptions, { kind: 'normal', mean: 0, std: 1 });
}

/** Fills t in place with uniform samples in [from, to). */
export function uniform_(t: Tensor, from = 0, to = 1): void {
  checkInPlace('uniform_', t);
  checkFinite('uniform_', from, to);
  if (from > to) throw new RangeError(`uniform_: expects from <= to, got from=${from}, to=${to}`);
  draw(t, { kind: 'uniform', lo: from, hi: to });
}

/** Fills t in place with normal samples of the given mean and std. */
export function normal_(t: Tensor, mean = 0, std = 1): void {
  checkInPlace('normal_', t);
  checkFinite('normal_', mean, std);
  if (std < 0) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  draw(t, { kind: 'normal', mean, std });
}

/** Each element 1 with probability p, else 0. */
export function bernoulli_(t: Tensor, p = 0.5): void {
  checkInPlace('bernoulli_', t);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`bernoulli_: p must be in [0, 1], got ${p}`);
  draw(t, { kind: 'bernoulli', p, value: 1 });
}

/** Internal: a mask of `value` with probability p, else 0 (dropout's scaled keep-mask in one pass). */
export function bernoulliMask(shape: Shape, p: number, value: number): Tensor {
  return fresh('bernoulli', [shape], { kind: 'bernoulli', p, value });
}
