/**
 * Random tensors from the counter-based generator in the kernels (Philox4x32-10):
 * a value depends only on the seed and how many values were drawn before it,
 * so one seed gives the same numbers in every runtime.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import type { Shape } from '../shape';
import type { CreateOptions } from './create';
import { copyInto, sizeAndOptions } from './create';
import { checkInPlace } from './inplace';

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
  ({ key0, key1, counter } = s);
}

type Draw = (n: number, out: number, k0: number, k1: number, clo: number, chi: number) => void;

/** Fills t (any view) from the stream, advancing it by ceil(n / 4) blocks. */
function draw(t: Tensor, fill: Draw): void {
  const n = t.numel();
  const target = t.isContiguous() ? t : Tensor.empty(t.shape);
  fill(n, target.ptr, key0, key1, counter >>> 0, Math.floor(counter / 2 ** 32) >>> 0);
  counter += Math.ceil(n / 4);
  if (target !== t) {
    copyInto(t, target);
    target.dispose();
  }
}

function fresh(op: string, args: readonly unknown[], fill: Draw): Tensor {
  const { shape, requiresGrad } = sizeAndOptions(op, args);
  const t = Tensor.empty(shape);
  draw(t, fill);
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
  const k = kernels();
  return fresh('rand', sizeThenOptions, (n, o, a, b, c, d) => k.uniform_f32(n, o, a, b, c, d, 0, 1));
}

/**
 * Standard normal samples: `randn([2, 3])` or `randn(2, 3)`, then options.
 * @example randn(64, 784, { requiresGrad: true })
 */
export function randn(...sizeThenOptions: (number | Shape | CreateOptions)[]): Tensor {
  const k = kernels();
  return fresh('randn', sizeThenOptions, (n, o, a, b, c, d) => k.normal_f32(n, o, a, b, c, d, 0, 1));
}

/** Fills t in place with uniform samples in [from, to). */
export function uniform_(t: Tensor, from = 0, to = 1): void {
  checkInPlace('uniform_', t);
  checkFinite('uniform_', from, to);
  if (from > to) throw new RangeError(`uniform_: expects from <= to, got from=${from}, to=${to}`);
  const k = kernels();
  draw(t, (n, o, a, b, c, d) => k.uniform_f32(n, o, a, b, c, d, from, to));
}

/** Fills t in place with normal samples of the given mean and std. */
export function normal_(t: Tensor, mean = 0, std = 1): void {
  checkInPlace('normal_', t);
  checkFinite('normal_', mean, std);
  if (std < 0) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  const k = kernels();
  draw(t, (n, o, a, b, c, d) => k.normal_f32(n, o, a, b, c, d, mean, std));
}

/** Each element 1 with probability p, else 0. */
export function bernoulli_(t: Tensor, p = 0.5): void {
  checkInPlace('bernoulli_', t);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`bernoulli_: p must be in [0, 1], got ${p}`);
  const k = kernels();
  draw(t, (n, o, a, b, c, d) => k.bernoulli_f32(n, o, a, b, c, d, p, 1));
}

/** Internal: a mask of `value` with probability p, else 0 (dropout's scaled keep-mask in one pass). */
export function bernoulliMask(shape: Shape, p: number, value: number): Tensor {
  const k = kernels();
  return fresh('bernoulli', [shape], (n, o, a, b, c, d) => k.bernoulli_f32(n, o, a, b, c, d, p, value));
}
