/** Functional forms of the layers and losses (the `F` namespace, like torch.nn.functional). */
export { relu, leakyRelu, tanh, sigmoid } from './ops/unary';
export { elu, selu, celu, gelu, silu, mish, softplus, hardtanh, relu6, hardsigmoid, hardswish, logSigmoid, softsign } from './ops/unary';
export { softmax, logSoftmax } from './ops/softmax';
export { linear } from './ops/matmul';
export { conv2d } from './ops/conv';
export { convTranspose2d } from './ops/conv-transpose';
export { batchNorm } from './ops/batchnorm';
export { layerNorm, groupNorm } from './ops/layernorm';
export { prelu, crelu } from './nn/activation';
export { dropout, dropout2d } from './nn/dropout';
export { mseLoss, binaryCrossEntropyWithLogits } from './nn/loss';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from './ops/pool';
export { crossEntropy, nllLoss } from './ops/loss';
export { embedding } from './ops/embedding';
export { conv1d, maxPool1d, avgPool1d, adaptiveAvgPool1d } from './ops/conv1d';
export { pad } from './ops/shaping';
export { oneHot } from './ops/indexing';
