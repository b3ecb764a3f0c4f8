/** Layers, losses and initialisers (the `nn` namespace), PyTorch-style. */
import * as initBasic from './init';
import * as initModel from './init-model';

export { Module, Sequential, ModuleList, toTorchKey, fromTorchKey, type StateDict, type ForwardHook, type RemovableHandle, type LoadStateDictOptions, type LoadStateDictReport, type KeyMap } from './module';
export { Linear, Identity, Flatten, type LinearOptions } from './linear';
export { ReLU, LeakyReLU, PReLU, Maxout, ChannelMaxout, CReLU, Tanh, Sigmoid } from './activation';
export { ELU, SELU, CELU, GELU, SiLU, Mish, Softplus, Hardtanh, ReLU6, Hardsigmoid, Hardswish, LogSigmoid, Softsign } from './activation';
export { Dropout, Dropout2d, DropConnect, type DropoutOptions, type DropoutFunctionOptions } from './dropout';
export { BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm';
export { LayerNorm, GroupNorm, type LayerNormOptions, type GroupNormOptions } from './layernorm';
export { Conv2d, type Conv2dOptions } from './conv';
export { ConvTranspose2d, type ConvTranspose2dOptions } from './conv-transpose';
export { BasicBlock, ResNetCifar, resnetCifar, Residual, type Shortcut, type BasicBlockOptions, type ResNetCifarOptions } from './resnet';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pool';
export { Embedding, type EmbeddingModuleOptions } from './embedding';
export { Conv1d, type Conv1dOptions } from './conv1d';
export { MaxPool1d, AvgPool1d, AdaptiveAvgPool1d } from './pool1d';
export { LSTM, GRU, type RNNOptions, type LSTMOptions } from './rnn';
export { MSELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss, type Reduction, type BCEOptions } from './loss';
export { Softmax, LogSoftmax } from './softmax';
export { ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d } from './padding';
export { Upsample, PixelShuffle, PixelUnshuffle } from './vision';
export { InstanceNorm1d, InstanceNorm2d, type InstanceNormOptions } from './instancenorm';
export { AdaptiveMaxPool2d } from './pool';
export { Unflatten } from './unflatten';
/** Gradient clipping (nn.utils.clipGradNorm_, nn.utils.clipGradValue_). */
export * as utils from './utils';

/** In-place initialisers (nn.init.orthogonal_, ...) and model-level lsuv / looksLinear_. */
export const init = { ...initBasic, ...initModel };
export { MultiheadAttention, generateSquareSubsequentMask, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './attention';
export { TransformerEncoderLayer, TransformerEncoder, type TransformerEncoderLayerOptions, type TransformerEncoderForwardOptions } from './transformer';
