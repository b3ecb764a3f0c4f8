/**
 * simdgrad: WebAssembly SIMD tensors with reverse-mode autograd.
 *
 * Importing this module compiles and instantiates the embedded kernels (a
 * top-level await), so everything is ready to use once the import resolves.
 */
import { init } from './runtime/engine';

await init();

export { init, memory, setMemoryLimit, checkHeap, setHeapDebug, type MemoryInfo } from './runtime/engine';
export { wasmVariant, useVariant } from './runtime/engine';
export { type WasmVariant } from './runtime/variant';
export { setNumThreads, getNumThreads, threadingStatus, threadsReady, terminateThreads, type ThreadingStatus } from './runtime/pool';
/** @internal Running a kernel across the worker threads (for tests and benchmarks; not part of the public API). */
export { parallelFor, type PieceBody } from './runtime/parallel';
export { setMinWorkPerThread } from './runtime/parallel';
export { OutOfMemoryError } from './runtime/heap';
export { Tensor, type TensorLike } from './tensor';
export { noGrad, isGradEnabled, type BackwardOptions } from './autograd/graph';
export { scope } from './autograd/scope';
export { tensor, zeros, ones, full, arange, eye, zerosLike, onesLike, fullLike, clone, contiguous, type CreateOptions, type NestedArray } from './ops/create';
export { manualSeed, rand, randn, getRngState, setRngState } from './ops/random';
export { add, sub, mul, div, maximum, minimum, gt, lt, ge, le, eq, ne } from './ops/binary';
export { neg, exp, log, sqrt, abs, tanh, sigmoid, relu, leakyRelu, pow, clamp, sign, affine } from './ops/unary';
export { erf, elu, selu, celu, gelu, silu, mish, softplus, hardtanh, relu6, hardsigmoid, hardswish, logSigmoid, softsign, type EluOptions, type GeluOptions, type GeluApproximate, type SoftplusOptions, type HardtanhOptions } from './ops/unary';
export { sum, mean, max, min, amax, amin, argmax, argmin, variance as var, std, norm, logsumexp, type VarOptions } from './ops/reduce';
export { reshape, view, flatten, squeeze, unsqueeze, transpose, permute, t, expand, narrow, slice, select } from './ops/views';
export { cat, stack } from './ops/join';
export { indexSelect, gather } from './ops/gather';
export { matmul, addmm } from './ops/matmul';
export { softmax, logSoftmax } from './ops/softmax';
export { where } from './ops/where';
/** Data: IDX files, labelled image datasets (MNIST, CIFAR-10), TensorDataset and a batching DataLoader. @example const loader = new data.DataLoader(ds, { batchSize: 64, shuffle: true }) */
export * as data from './data/index';
export { DataLoader, TensorDataset } from './data/index';
/** Layers, losses and initialisers, PyTorch-style (torch.nn). @example const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10)) */
export * as nn from './nn/index';
/** Optimizers (SGD, Adam, AdamW, RMSprop) and learning-rate schedulers (torch.optim). @example const opt = new optim.Adam(model.parameters(), 1e-3) */
export * as optim from './optim/index';
/** Functional forms of the layers and losses (torch.nn.functional). @example const y = F.relu(F.conv2d(x, w, b, { padding: 1 })) */
export * as F from './functional';
export { save, load, loadWithMetadata } from './io/safetensors';
export { conv2d, type Conv2dOptions } from './ops/conv';
export { convTranspose2d, type ConvTranspose2dOptions } from './ops/conv-transpose';
export { batchNorm, type BatchNormOptions } from './ops/batchnorm';
export { layerNorm, groupNorm } from './ops/layernorm';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type Pool2dOptions, type MaxPool2dOptions, type AvgPool2dOptions } from './ops/pool';
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions, type Reduction } from './ops/loss';
export { embedding, type EmbeddingOptions } from './ops/embedding';
export { conv1d, maxPool1d, avgPool1d, adaptiveAvgPool1d, type Conv1dOptions as Conv1dFunctionalOptions, type Pool1dOptions, type MaxPool1dOptions, type AvgPool1dOptions } from './ops/conv1d';
export { sin, cos, square, rsqrt, reciprocal, floor, ceil, round, trunc, clampMin, clampMax, lerp, type RoundOptions } from './ops/math';
export { prod, cumsum, cumprod, any, all } from './ops/scan';
export { pad, split, chunk, unbind, flip, roll, repeat, tile, repeatInterleave, expandAs, unflatten, triu, tril, diag, type PadMode, type PadOptions } from './ops/shaping';
export { maskedFill, scatter, scatterAdd, oneHot, sort, argsort, topk, nonzero, type ValuesIndices } from './ops/indexing';
export { exportOnnx, saveOnnx, type ExportOnnxOptions } from './io/onnx';
export { bmm, baddbmm, outer, dot, einsum } from './ops/products';
export { interpolate, pixelShuffle, pixelUnshuffle, unfold, fold, normalize, cosineSimilarity, type InterpolateMode, type InterpolateOptions } from './ops/vision';
export { adaptiveMaxPool2d } from './ops/pool';
export { instanceNorm } from './ops/instancenorm';
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from './ops/attention';
