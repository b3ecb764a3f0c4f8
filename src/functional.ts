/** Functional forms of the layers and losses (the `F` namespace, like torch.nn.functional). */
export { relu, leakyRelu, tanh, sigmoid } from './ops/unary';
export { elu, selu, celu, gelu, silu, mish, softplus, hardtanh, relu6, hardsigmoid, hardswish, logSigmoid, softsign } from './ops/unary';
export { softmax, logSoftmax } from './ops/softmax';
export { linear } from './ops/matmul';
export { conv2d } from './ops/conv';
export { convTranspose2d } from './ops/conv-transpose';
export { batchNorm } from './ops/batchnorm';
export { layerNorm, groupNorm } from './ops/layernorm';
export { prelu, crelu } from './ops/activation';
export { dropout, dropout2d } from './ops/dropout';
export { mseLoss, binaryCrossEntropyWithLogits } from './ops/loss-pointwise';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from './ops/pool';
export { crossEntropy, nllLoss } from './ops/loss';
export { embedding } from './ops/embedding';
export { conv1d, maxPool1d, avgPool1d, adaptiveAvgPool1d } from './ops/conv1d';
export { pad } from './ops/shaping';
export { oneHot } from './ops/indexing';
export { interpolate, pixelShuffle, pixelUnshuffle, unfold, fold, normalize, cosineSimilarity } from './ops/vision';
export { adaptiveMaxPool2d } from './ops/pool';
export { instanceNorm } from './ops/instancenorm';
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from './ops/attention';
/** Fused forms of common pairs (same values and gradients as the pair, fewer passes over memory): relu(batchNorm(...)), relu(batchNorm(...) + other) and relu(add(a, b)). */
export { batchNormRelu, batchNormAddRelu } from './ops/batchnorm';
export { addRelu } from './ops/binary';
