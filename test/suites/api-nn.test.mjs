// The nn API written the PyTorch way: every nn constructor and function takes
// PyTorch's positional order or a trailing camelCase options object; positional
// misuse, unknown / snake_case keys and wrong types are refused with a message
// naming the problem and the heap unchanged. Modules assigned to fields are
// registered (PyTorch's __setattr__); forward hooks; porting programs (a DCGAN,
// an MLP with Dropout and BatchNorm1d, a CIFAR ResNet) build the intended models.
import * as assert from 'uvu/assert';
import { suite, sg } from '../helpers/harness.mjs';
import { refused } from '../helpers/refused.mjs';

const test = suite('api-nn');
const { nn, F, optim } = sg;

// One row per constructor or function:
//   make:   builds it from an argument list
//   base:   the smallest valid argument list (the required arguments)
//   key:    [a misspelled or snake_case key, the name suggested or null] (null: it takes no options;
//           false: its arguments are modules, no options)
//   torch:  [PyTorch-style arguments, check of the result] pairs
//   bad:    [arguments, error class, message patterns] for positional misuse and wrong types
const ctor = (C) => (...a) => new C(...a);
const x4 = () => sg.randn([2, 4, 6, 6]);
const rows = [
  {
    name: 'Linear', make: ctor(nn.Linear), base: [4, 3], key: ['in_features', 'inFeatures'],
    torch: [[[4, 3, false], (m) => m.bias === null && m.weight.shape.join() === '3,4'], [[4, 3], (m) => m.bias.shape[0] === 3]],
    bad: [[[4, 3, 'false'], TypeError, /Linear: bias must be a boolean/, /'false' \(a string\)/, /without quotes/], [[4, 3, false, true], TypeError, /takes 3 positional arguments/], [[4.5, 3], TypeError, /inFeatures must be an integer/, /4.5 \(a number\)/], [[0, 3], RangeError, /inFeatures must be an integer >= 1/]],
  },
  { name: 'Identity', make: ctor(nn.Identity), base: [], key: null, bad: [[[54], TypeError, /Identity: takes 0 positional arguments/]] },
  { name: 'Flatten', make: ctor(nn.Flatten), base: [], key: ['start_dim', 'startDim'], torch: [[[0, 1], (m) => m.startDim === 0 && m.endDim === 1]], bad: [[['1'], TypeError, /startDim must be an integer/]] },
  { name: 'ReLU', make: ctor(nn.ReLU), base: [], key: ['in_place', 'inplace'], torch: [[[true], (m) => m instanceof nn.ReLU]], bad: [[[0.1], TypeError, /ReLU: inplace must be a boolean/]] },
  { name: 'LeakyReLU', make: ctor(nn.LeakyReLU), base: [], key: ['negative_slope', 'negativeSlope'], torch: [[[0.1], (m) => m.negativeSlope === 0.1], [[0.2, true], (m) => m.negativeSlope === 0.2]], bad: [[[NaN], TypeError, /negativeSlope must be a finite number/, /NaN/], [[{ slope: 0.1 }], TypeError, /unknown option 'slope'/]] },
  { name: 'PReLU', make: ctor(nn.PReLU), base: [], key: ['num_parameters', 'numParameters'], torch: [[[4], (m) => m.weight.shape[0] === 4 && m.weight.toArray()[0] === 0.25], [[3, 0.1], (m) => m.weight.shape[0] === 3 && Math.abs(m.weight.toArray()[2] - 0.1) < 1e-7]], bad: [[[0], RangeError, /numParameters must be an integer >= 1/], [['4'], TypeError, /numParameters must be an integer/, /'4' \(a string\)/]] },
  { name: 'Tanh', make: ctor(nn.Tanh), base: [], key: null, bad: [[[1], TypeError, /Tanh: takes 0 positional arguments/]] },
  { name: 'Sigmoid', make: ctor(nn.Sigmoid), base: [], key: null },
  { name: 'Maxout', make: ctor(nn.Maxout), base: [4, 3, 2], key: ['in_features', 'inFeatures'], torch: [[[4, 3, 2], (m) => m.linear.weight.shape.join() === '6,4']], bad: [[[4, 3], TypeError, /missing pieces/]] },
  { name: 'ChannelMaxout', make: ctor(nn.ChannelMaxout), base: [2], key: ['Pieces', 'pieces'], bad: [[[0], RangeError, /pieces must be an integer >= 1/]] },
  { name: 'CReLU', make: ctor(nn.CReLU), base: [], key: ['dimension', null], torch: [[[-1], (m) => m.dim === -1]], bad: [[[1.5], TypeError, /dim must be an integer/]] },
  { name: 'ELU', make: ctor(nn.ELU), base: [], key: ['Alpha', 'alpha'], torch: [[[0.5], (m) => m.alpha === 0.5]], bad: [[['big'], TypeError, /alpha must be a finite number/]] },
  { name: 'SELU', make: ctor(nn.SELU), base: [], key: ['in_place', 'inplace'] },
  { name: 'CELU', make: ctor(nn.CELU), base: [], key: ['Alpha', 'alpha'], torch: [[[2], (m) => m.alpha === 2]], bad: [[[0], RangeError, /alpha cannot be 0/]] },
  { name: 'GELU', make: ctor(nn.GELU), base: [], key: ['approx', null], torch: [[['tanh'], (m) => m.approximate === 'tanh']], bad: [[['erf'], RangeError, /approximate must be one of 'none', 'tanh', got 'erf' \(a string\)/]] },
  { name: 'SiLU', make: ctor(nn.SiLU), base: [], key: ['in_place', 'inplace'] },
  { name: 'Mish', make: ctor(nn.Mish), base: [], key: ['in_place', 'inplace'] },
  { name: 'Softplus', make: ctor(nn.Softplus), base: [], key: ['treshold', 'threshold'], torch: [[[2, 10], (m) => m.beta === 2 && m.threshold === 10]], bad: [[[Infinity], TypeError, /beta must be a finite number/]] },
  { name: 'Hardtanh', make: ctor(nn.Hardtanh), base: [], key: ['min_val', 'minVal'], torch: [[[0, 6], (m) => m.minVal === 0 && m.maxVal === 6]], bad: [[[1, 1], RangeError, /maxVal must be greater than minVal/]] },
  { name: 'ReLU6', make: ctor(nn.ReLU6), base: [], key: ['in_place', 'inplace'] },
  { name: 'Hardsigmoid', make: ctor(nn.Hardsigmoid), base: [], key: ['in_place', 'inplace'] },
  { name: 'Hardswish', make: ctor(nn.Hardswish), base: [], key: ['in_place', 'inplace'] },
  { name: 'LogSigmoid', make: ctor(nn.LogSigmoid), base: [], key: null },
  { name: 'Softsign', make: ctor(nn.Softsign), base: [], key: null },
  { name: 'Dropout', make: ctor(nn.Dropout), base: [], key: ['P', 'p'], torch: [[[0.2], (m) => m.p === 0.2], [[0.3, false], (m) => m.p === 0.3]], bad: [[[1.5], RangeError, /Dropout: p must be a finite number in \[0, 1\], got 1.5/], [['0.2'], TypeError, /p must be a finite number/, /'0.2' \(a string\)/, /pass the number 0.2/]] },
  { name: 'Dropout2d', make: ctor(nn.Dropout2d), base: [], key: ['P', 'p'], torch: [[[0.1], (m) => m.p === 0.1]], bad: [[[-0.1], RangeError, /in \[0, 1\]/]] },
  { name: 'DropConnect', make: ctor(nn.DropConnect), base: [4, 3], key: ['drop_prob', null], torch: [[[4, 3, 0.2, false], (m) => m.p === 0.2 && m.bias === null]], bad: [[[4, 3, 2], RangeError, /p must be a finite number in \[0, 1\]/]] },
  {
    name: 'BatchNorm1d', make: ctor(nn.BatchNorm1d), base: [8], key: ['track_running_stats', 'trackRunningStats'],
    torch: [[[8, 1e-3], (m) => m.eps === 1e-3 && m.momentum === 0.1], [[8, 1e-5, 0.01, false], (m) => m.momentum === 0.01 && m.weight === null], [[8, 1e-5, null], (m) => m.momentum === null]],
    bad: [[[8, { momentum: '0.01' }], TypeError, /momentum must be a finite number/, /'0.01' \(a string\)/], [[8, 0], RangeError, /eps must be a finite number > 0/], [[8, 1e-5, 2], RangeError, /momentum must be a finite number in \[0, 1\]/], [[8, 1e-5, 0.1, true, true, true], TypeError, /takes 5 positional arguments/]],
  },
  { name: 'BatchNorm2d', make: ctor(nn.BatchNorm2d), base: [8], key: ['affin', 'affine'], torch: [[[16, 1e-5, 0.01], (m) => m.numFeatures === 16 && m.momentum === 0.01]], bad: [[[8, { affine: 'no' }], TypeError, /affine must be a boolean/]] },
  { name: 'LayerNorm', make: ctor(nn.LayerNorm), base: [[8]], key: ['elementwise_affine', 'elementwiseAffine'], torch: [[[[8], 1e-6], (m) => m.eps === 1e-6 && m.normalizedShape.join() === '8'], [[8, 1e-5, false], (m) => m.weight === null]], bad: [[[[8, 0]], RangeError, /normalizedShape must be an integer or an array of integers >= 1/], [['8'], TypeError, /normalizedShape/]] },
  { name: 'GroupNorm', make: ctor(nn.GroupNorm), base: [2, 8], key: ['num_groups', 'numGroups'], torch: [[[4, 32, 1e-6, false], (m) => m.eps === 1e-6 && m.weight === null]], bad: [[[3, 8], RangeError, /positive multiple of numGroups/]] },
  {
    name: 'Conv2d', make: ctor(nn.Conv2d), base: [3, 8, 3], key: ['padding_mode', null],
    torch: [[[3, 8, 3, 2, 1], (m) => m.stride.join() === '2,2' && m.padding.join() === '1,1'], [[3, 8, [3, 5], 1, [1, 2], 1, 1, false], (m) => m.padding.join() === '1,2' && m.bias === null]],
    bad: [[[3, 8, 3, '2'], TypeError, /stride must be an integer >= 1 or a pair/, /'2' \(a string\)/], [[3, 8, 3, 2, { stride: 2 }], TypeError, /stride was given twice/]],
  },
  { name: 'Conv1d', make: ctor(nn.Conv1d), base: [3, 8, 3], key: ['out_channels', 'outChannels'], torch: [[[16, 32, 5, 1, 2], (m) => m.padding === 2 && m.stride === 1], [[4, 4, 3, 1, 0, 1, 2, false], (m) => m.groups === 2 && m.bias === null]], bad: [[[3, 8, 3, 1, 'full'], TypeError, /padding must be an integer/, /'same' or 'valid'/, /'full' \(a string\)/]] },
  {
    name: 'ConvTranspose2d', make: ctor(nn.ConvTranspose2d), base: [8, 4, 4], key: ['output_padding', 'outputPadding'],
    torch: [[[100, 64, 4, 1, 0, 0, 1, false], (m) => m.bias === null && m.weight.shape.join() === '100,64,4,4'], [[64, 32, 4, 2, 1, { bias: false }], (m) => m.stride.join() === '2,2' && m.padding.join() === '1,1' && m.bias === null]],
    bad: [[[8, 4, 4, 1, 0, 1], RangeError, /output padding must be smaller than either stride or dilation/], [[8, 4, 4, { bias: 0 }], TypeError, /bias must be a boolean/]],
  },
  { name: 'BasicBlock', make: ctor(nn.BasicBlock), base: [16, 16], key: ['short_cut', null], torch: [[[16, 32, 2], (m) => m.stride === 2 && m.shortcut !== null], [[16, 32, 2, { shortcut: 'A' }], (m) => m.shortcut === null]], bad: [[[16, 32, 2, 'A'], TypeError, /BasicBlock: takes 3 positional arguments/, /pass shortcut, residual by name/], [[16, 32, { shortcut: 'C' }], RangeError, /shortcut must be one of 'A', 'B'/]] },
  { name: 'resnetCifar', make: (...a) => nn.resnetCifar(...a), base: [8], key: ['num_classes', 'numClasses'], torch: [[[8, { numClasses: 100 }], (m) => m.fc.outFeatures === 100]], bad: [[[20, 100], TypeError, /takes 1 positional argument/, /numClasses: \.\.\./], [[21], RangeError, /depth must be 6n \+ 2/]] },
  { name: 'Residual', make: ctor(nn.Residual), base: [new nn.Identity()], key: ['bodyy', 'body'], bad: [[[nn.ReLU], TypeError, /body must be a Module/]] },
  {
    name: 'MaxPool2d', make: ctor(nn.MaxPool2d), base: [2], key: ['ceil_mode', 'ceilMode'],
    torch: [[[3, 2], (m) => m.kernelSize === 3 && m.opts.stride === 2], [[3, 2, 1, 1, false, true], (m) => m.opts.ceilMode === true && m.opts.padding === 1]],
    bad: [[[3, 2, 1, 1, true], RangeError, /returnIndices must be false/, /values only/], [[2, { stride: '2' }], TypeError, /stride/]],
  },
  { name: 'AvgPool2d', make: ctor(nn.AvgPool2d), base: [2], key: ['count_include_pad', 'countIncludePad'], torch: [[[3, 1, 1, false, false], (m) => m.opts.countIncludePad === false && m.opts.stride === 1]], bad: [[[2, { divisor_override: 2 }], TypeError, /did you mean 'divisorOverride'/], [[2, { ceilMode: 'yes' }], TypeError, /ceilMode must be a boolean/]] },
  { name: 'AdaptiveAvgPool2d', make: ctor(nn.AdaptiveAvgPool2d), base: [1], key: ['output_size', 'outputSize'], bad: [[[0], RangeError, /outputSize must be an integer >= 1/]] },
  { name: 'MaxPool1d', make: ctor(nn.MaxPool1d), base: [2], key: ['ceil_mode', 'ceilMode'], torch: [[[3, 2], (m) => m.kernelSize === 3 && m.opts.stride === 2]], bad: [[[3, 2, 0, 1, true], RangeError, /returnIndices/]] },
  { name: 'AvgPool1d', make: ctor(nn.AvgPool1d), base: [2], key: ['count_include_pad', 'countIncludePad'], torch: [[[4, 2, 1, true], (m) => m.opts.ceilMode === true && m.opts.stride === 2]], bad: [[[4, 2, 1, true, true, 3], TypeError, /takes 5 positional arguments/, /divisorOverride: \.\.\./]] },
  { name: 'AdaptiveAvgPool1d', make: ctor(nn.AdaptiveAvgPool1d), base: [1], key: ['output_size', 'outputSize'] },
  {
    name: 'Embedding', make: ctor(nn.Embedding), base: [10, 3], key: ['padding_idx', 'paddingIdx'],
    torch: [[[10, 3, 0], (m) => m.paddingIdx === 0 && m.weight.toArray().slice(0, 3).every((v) => v === 0)], [[10, 3, -1], (m) => m.paddingIdx === 9]],
    bad: [[[10, 3, 10], RangeError, /paddingIdx must be an integer in \[-10, 10\)/], [[10, 3, null, null, 2, true], RangeError, /scaleGradByFreq must be false/], [[10, 3, { sparse: true }], RangeError, /sparse must be false/, /dense/]],
  },
  { name: 'MSELoss', make: ctor(nn.MSELoss), base: [], key: ['Reduction', 'reduction'], torch: [[[{ reduction: 'sum' }], (m) => m.reduction === 'sum']], bad: [[[null, null, 'sum'], TypeError, /MSELoss: takes 0 positional arguments/, /pass reduction by name/], [[{ reduction: 'avg' }], RangeError, /reduction must be one of 'mean', 'sum', 'none'/]] },
  { name: 'BCEWithLogitsLoss', make: ctor(nn.BCEWithLogitsLoss), base: [], key: ['pos_weight', 'posWeight'], bad: [[[[1, 2, 3]], TypeError, /weight must be a Tensor/, /wrap it with tensor/], [[{ posWeight: [2] }], TypeError, /posWeight must be a Tensor/, /wrap it with tensor/]] },
  { name: 'CrossEntropyLoss', make: ctor(nn.CrossEntropyLoss), base: [], key: ['label_smoothing', 'labelSmoothing'], torch: [[[null, { labelSmoothing: 0.1, ignoreIndex: 0 }], (m) => m.opts.labelSmoothing === 0.1 && m.opts.ignoreIndex === 0]], bad: [[[{ num_classes: 100 }], TypeError, /unknown option 'num_classes'/], [[{ labelSmoothing: 1.5 }], RangeError, /labelSmoothing/], [[{ weight: [1, 2] }], TypeError, /weight must be a Tensor/]] },
  { name: 'NLLLoss', make: ctor(nn.NLLLoss), base: [], key: ['ignore_index', 'ignoreIndex'], bad: [[[{ ignoreIndex: 0.5 }], TypeError, /ignoreIndex must be an integer/]] },
  { name: 'Sequential', make: ctor(nn.Sequential), base: [], key: false, bad: [[[nn.ReLU], TypeError, /Sequential: module 0 must be a Module/, /new nn.ReLU\(\.\.\.\)/], [[new nn.ReLU(), 3], TypeError, /module 1 must be a Module, got 3 \(a number\)/]] },
  { name: 'ModuleList', make: ctor(nn.ModuleList), base: [], key: false, bad: [[[5], TypeError, /modules must be an iterable of Modules/]] },
  // functions
  { name: 'F.dropout', make: (...a) => F.dropout(...a), base: [sg.ones([4])], key: ['Training', 'training'], bad: [[[sg.ones([4]), 0.5, 'yes'], TypeError, /dropout: training must be a boolean/], [[[1, 2]], TypeError, /input must be a Tensor/]] },
  { name: 'F.dropout2d', make: (...a) => F.dropout2d(...a), base: [sg.ones([1, 2, 2, 2])], key: ['P', 'p'], bad: [[[sg.ones([1, 2, 2, 2]), 2], RangeError, /p must be a finite number in \[0, 1\]/]] },
  { name: 'F.prelu', make: (...a) => F.prelu(...a), base: [sg.ones([2, 3]), sg.ones([1])], key: null, bad: [[[sg.ones([2, 3]), 0.25], TypeError, /prelu: weight must be a Tensor/]] },
  { name: 'F.crelu', make: (...a) => F.crelu(...a), base: [sg.ones([2, 3])], key: ['dimension', null], bad: [[[sg.ones([2, 3]), '1'], TypeError, /crelu: dim must be an integer/]] },
  { name: 'F.batchNormRelu', make: (...a) => F.batchNormRelu(...a), base: [sg.ones([2, 3]), sg.zeros([3]), sg.ones([3])], key: ['Training', 'training'], torch: [[[sg.ones([2, 3]), null, null, null, null, true, 0.1, 1e-3], (y) => y.shape.join() === '2,3']], bad: [[[sg.ones([2, 3]), null, null, null, null, 'true'], TypeError, /batchNormRelu: training must be a boolean/], [[sg.ones([2, 3]), sg.zeros([3]), sg.ones([3]), null, null, false, 0.1, -1], RangeError, /batchNormRelu: eps must be a finite number > 0/]] },
  { name: 'F.batchNormAddRelu', make: (...a) => F.batchNormAddRelu(...a), base: [sg.ones([2, 3]), sg.ones([2, 3]), sg.zeros([3]), sg.ones([3])], key: ['Training', 'training'], torch: [[[sg.ones([2, 3]), sg.ones([2, 3]), null, null, null, null, true, 0.1, 1e-3], (y) => y.shape.join() === '2,3']], bad: [[[sg.ones([2, 3]), sg.ones([2, 3]), null, null, null, null, 'true'], TypeError, /batchNormAddRelu: training must be a boolean/], [[sg.ones([2, 3]), sg.ones([3]), sg.zeros([3]), sg.ones([3])], RangeError, /batchNormAddRelu: input \[2,3\] and other \[3\]/, /F\.addRelu\(F\.batchNorm/]] },
  { name: 'F.addRelu', make: (...a) => F.addRelu(...a), base: [sg.ones([2, 3]), sg.ones([3])], key: null, bad: [[[sg.ones([2]), [1, 2]], TypeError, /addRelu: other must be a Tensor/, /wrap it with tensor/]] },
  { name: 'F.mseLoss', make: (...a) => F.mseLoss(...a), base: [sg.ones([2]), sg.ones([2])], key: ['Reduction', 'reduction'], bad: [[[sg.ones([2]), sg.ones([2]), 'sum'], TypeError, /takes 2 positional arguments/, /pass reduction by name/]] },
  { name: 'F.binaryCrossEntropyWithLogits', make: (...a) => F.binaryCrossEntropyWithLogits(...a), base: [sg.ones([2]), sg.ones([2])], key: ['pos_weight', 'posWeight'], bad: [[[sg.ones([2]), sg.ones([2]), sg.ones([2, 2])], RangeError, /weight \[2,2\] must broadcast to the input's shape \[2\]/]] },
  { name: 'init.uniform_', make: (...a) => nn.init.uniform_(...a), base: [sg.zeros([2, 2])], key: ['low', null], bad: [[[sg.zeros([2]), 1, 0], RangeError, /a must be <= b/], [[[0, 0]], TypeError, /uniform_: tensor must be a Tensor/]] },
  { name: 'init.normal_', make: (...a) => nn.init.normal_(...a), base: [sg.zeros([2, 2])], key: ['STD', 'std'], bad: [[[sg.zeros([2]), 0, -1], RangeError, /std must be a finite number >= 0/]] },
  { name: 'init.constant_', make: (...a) => nn.init.constant_(...a), base: [sg.zeros([2]), 1], key: ['Val', 'val'], bad: [[[sg.zeros([2])], TypeError, /missing val/]] },
  { name: 'init.zeros_', make: (...a) => nn.init.zeros_(...a), base: [sg.ones([2])], key: null, bad: [[[sg.ones([2]), 1], TypeError, /takes 1 positional argument/]] },
  { name: 'init.ones_', make: (...a) => nn.init.ones_(...a), base: [sg.ones([2])], key: null },
  { name: 'init.xavierUniform_', make: (...a) => nn.init.xavierUniform_(...a), base: [sg.zeros([2, 2])], key: ['Gain', 'gain'], bad: [[[sg.zeros([2, 2]), '1'], TypeError, /gain must be a finite number/]] },
  { name: 'init.xavierNormal_', make: (...a) => nn.init.xavierNormal_(...a), base: [sg.zeros([2, 2])], key: ['Gain', 'gain'] },
  { name: 'init.kaimingUniform_', make: (...a) => nn.init.kaimingUniform_(...a), base: [sg.zeros([2, 2])], key: ['non_linearity', null], bad: [[[sg.zeros([2, 2]), 0, 'fan_out'], RangeError, /mode must be one of 'fanIn', 'fanOut'/, /did you mean 'fanOut'/], [[sg.zeros([2, 2]), { nonlinearity: 'swish' }], RangeError, /nonlinearity must be one of/]] },
  { name: 'init.kaimingNormal_', make: (...a) => nn.init.kaimingNormal_(...a), base: [sg.zeros([2, 2])], key: ['mode_', 'mode'] },
  { name: 'init.orthogonal_', make: (...a) => nn.init.orthogonal_(...a), base: [sg.zeros([2, 2])], key: ['Gain', 'gain'], bad: [[[sg.zeros([2, 2]), NaN], TypeError, /gain must be a finite number/]] },
  { name: 'init.calculateGain', make: (...a) => nn.init.calculateGain(...a), base: ['relu'], key: ['parm', 'param'], bad: [[['leakyRelu', '0.2'], TypeError, /param must be a finite number/], [['Relu'], RangeError, /did you mean 'relu'/]] },
  { name: 'init.lsuv', make: (...a) => nn.init.lsuv(...a), base: [new nn.Linear(2, 2), sg.randn([8, 2])], key: ['max_iterations', 'maxIterations'], bad: [[[new nn.Linear(2, 2), sg.randn([8, 2]), 0.1], TypeError, /lsuv: takes 2 positional arguments/, /tolerance: \.\.\./], [[{}, sg.randn([8, 2])], TypeError, /model must be a Module/]] },
  { name: 'init.looksLinear_', make: (...a) => nn.init.looksLinear_(...a), base: [new nn.Linear(2, 2)], key: null, bad: [[[null], TypeError, /looksLinear_: model must be a Module, got null/]] },
  { name: 'utils.clipGradNorm_', make: (...a) => nn.utils.clipGradNorm_(...a), base: [[sg.ones([2], { requiresGrad: true })], 1], key: ['norm_type', 'normType'], torch: [[[[sg.ones([2], { requiresGrad: true })], 1, Infinity], (t) => t.item() === 0]], bad: [[[[sg.ones([2])], 1, 0], RangeError, /normType must be a number > 0/], [[[sg.ones([2])], '1'], TypeError, /maxNorm must be a number/, /pass the number 1/], [[new nn.Linear(2, 2), 1], TypeError, /parameters must be a Tensor or an iterable of Tensors/, /model.parameters\(\)/]] },
  { name: 'utils.clipGradValue_', make: (...a) => nn.utils.clipGradValue_(...a), base: [[sg.ones([2], { requiresGrad: true })], 1], key: ['clip_value', 'clipValue'], bad: [[[[sg.ones([2])], 1, 'x'], TypeError, /foreach must be a boolean/]] },
];

/** Runs fn, prefixing a failure with the row's name. */
function named(name, fn) {
  try {
    return fn();
  } catch (e) {
    e.message = `${name}: ${e.message}`;
    throw e;
  }
}

/** Disposes what a row built (a module or a tensor), unless it is one of the arguments (in-place initialisers return theirs). */
function release(v, args) {
  if ((v instanceof nn.Module || v instanceof sg.Tensor) && !args.includes(v)) v.dispose();
}

test('every nn constructor and function: an unknown or snake_case key is refused with a did-you-mean, the heap unchanged', () => {
  for (const r of rows.filter((r) => r.key !== false)) {
    const [key, camel] = r.key ?? ['foo_bar', null];
    const e = named(r.name, () => refused(() => r.make(...r.base, { [key]: 1 }), TypeError, new RegExp(`unknown option '${key}'`)));
    assert.ok(e.message.includes(r.name.replace(/^(F|init|utils)\./, '')), `${r.name}: message names it: ${e.message}`);
    if (camel !== null) assert.ok(e.message.includes(`did you mean '${camel}'`), `${r.name}: ${e.message}`);
    if (r.key === null) assert.ok(/takes no options|the options are/.test(e.message), `${r.name}: ${e.message}`);
  }
});

test('every nn constructor and function: positional misuse and wrong types refused with the problem named, the heap unchanged', () => {
  let n = 0;
  for (const r of rows) {
    for (const [args, kind, ...patterns] of r.bad ?? []) {
      named(r.name, () => refused(() => r.make(...args), kind, ...patterns));
      n++;
    }
  }
  assert.ok(n >= 60, `${n} misuse rows`);
});

test('every nn constructor and function: the base arguments are accepted, and PyTorch positional forms build what PyTorch builds', () => {
  for (const r of rows) {
    release(r.make(...r.base), r.base);
    for (const [args, check] of r.torch ?? []) {
      const m = r.make(...args);
      assert.ok(check(m), `${r.name}(${args.map(String).join(', ')})`);
      release(m, args);
    }
  }
});

test('positional and options forms build the same layers', () => {
  const same = (a, b, fields) => {
    for (const f of fields) assert.equal(a[f], b[f], `${a.constructor.name}.${f}`);
    a.dispose();
    b.dispose();
  };
  same(new nn.Conv2d(3, 8, 3, 2, 1, 1, 1, false), new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false }), ['stride', 'padding', 'bias']);
  same(new nn.ConvTranspose2d(8, 4, 4, 2, 1, 1), new nn.ConvTranspose2d(8, 4, 4, { stride: 2, padding: 1, outputPadding: 1 }), ['stride', 'padding', 'outputPadding']);
  same(new nn.BatchNorm1d(8, 1e-3, 0.2, false, false), new nn.BatchNorm1d(8, { eps: 1e-3, momentum: 0.2, affine: false, trackRunningStats: false }), ['eps', 'momentum', 'affine', 'trackRunningStats', 'runningMean']);
  same(new nn.MaxPool2d(3, 2, 1), new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }), ['kernelSize', 'opts']);
  same(new nn.Embedding(10, 3, 2), new nn.Embedding(10, 3, { paddingIdx: 2 }), ['paddingIdx']);
  same(new nn.LayerNorm([4, 4], 1e-6, true, false), new nn.LayerNorm([4, 4], { eps: 1e-6, bias: false }), ['eps', 'normalizedShape', 'bias']);
  same(new nn.Hardtanh(-2, 2), new nn.Hardtanh({ minVal: -2, maxVal: 2 }), ['minVal', 'maxVal']);
  // MaxPool2d(3, 2) pools 3x3 windows with stride 2: a 7x7 map gives 3x3
  const y = new nn.MaxPool2d(3, 2).forward(sg.randn([1, 1, 7, 7]));
  assert.equal(y.shape, [1, 1, 3, 3]);
});

test('conv channel mismatch is worded as PyTorch does', () => {
  const conv = new nn.Conv2d(3, 16, 3);
  const gray = sg.ones([1, 1, 8, 8]);
  refused(() => conv.forward(gray), RangeError, /weight \[16,3,3,3\] expects 3 input channels, got 1/);
  conv.dispose();
});

test('Identity, Dropout in eval and with p = 0, F.dropout with training false: a new handle, so disposing the output keeps the input', () => {
  const x = sg.randn([4, 5], { requiresGrad: true });
  const drop = new nn.Dropout(0.5).eval();
  for (const f of [(t) => new nn.Identity().forward(t), (t) => drop.forward(t), (t) => new nn.Dropout(0).forward(t), (t) => F.dropout(t, 0.5, false), (t) => new nn.Dropout2d(0.3).eval().forward(t.reshape([1, 4, 5, 1]))]) {
    const y = f(x);
    assert.is.not(y, x);
    assert.equal(Array.from(y.toArray()), Array.from(x.toArray()));
    y.sum().backward();
    assert.ok(x.grad.toArray().every((v) => v === 1), 'the gradient passes through');
    x.grad.dispose();
    x.grad = null;
    y.dispose();
    assert.not.ok(x.disposed);
  }
});

// ---------------------------------------------------------------------------
// Registration through fields (PyTorch's __setattr__) and forward hooks

class MLP extends nn.Module {
  constructor(inF, hidden, out) {
    super();
    this.body = new nn.Sequential(new nn.Linear(inF, hidden), new nn.BatchNorm1d(hidden, 1e-3), new nn.ReLU(), new nn.Dropout(0.2));
    this.head = new nn.Linear(hidden, out, false);
    this.scale = sg.ones([out], { requiresGrad: true });
    this.notAParameter = sg.ones([out]);
  }

  forward(x) {
    return sg.scope(() => this.head.call(this.body.call(x)).mul(this.scale));
  }
}

test('registration through fields: parameters, eval reaching a nested BatchNorm, stateDict keys, toString, dispose', () => {
  const before = sg.memory();
  const m = new MLP(6, 8, 3);
  const names = [...m.namedParameters()].map(([n]) => n);
  // PyTorch's order: the module's own parameters, then each child's
  assert.equal(names, ['scale', 'body.0.weight', 'body.0.bias', 'body.1.weight', 'body.1.bias', 'head.weight']);
  assert.is([...m.parameters()].length, 6);
  m.eval();
  assert.is(m.body.at(1).training, false, 'eval() reaches the BatchNorm1d inside a field');
  assert.is(m.body.at(3).training, false);
  const keys = sg.scope(() => [...m.stateDict().keys()]);
  assert.equal(keys, ['scale', 'body.0.weight', 'body.0.bias', 'body.1.weight', 'body.1.bias', 'body.1.runningMean', 'body.1.runningVar', 'body.1.numBatchesTracked', 'head.weight']);
  assert.equal(keys.map(nn.toTorchKey).slice(5, 7), ['body.1.running_mean', 'body.1.running_var']);
  assert.ok(m.toString().includes('(body): Sequential'), m.toString());
  assert.ok(m.toString().includes('(head): Linear(inFeatures=8, outFeatures=3, bias=false)'));
  // a round trip through the state dict reaches field parameters too
  const copy = new MLP(6, 8, 3);
  sg.scope(() => copy.loadStateDict(m.stateDict()));
  assert.equal(Array.from(copy.scale.toArray()), [1, 1, 1]);
  assert.equal(Array.from(copy.head.weight.toArray()), Array.from(m.head.weight.toArray()));
  copy.dispose();
  copy.notAParameter.dispose();
  m.dispose();
  m.notAParameter.dispose();
  const after = sg.memory();
  assert.is(after.liveTensors, before.liveTensors, 'dispose() frees field parameters too');
  assert.is(after.bytesInUse, before.bytesInUse);
});

test('registration: arrays of modules, explicit registrations first, shared modules and parameters counted once', () => {
  class Net extends nn.Module {
    constructor() {
      super();
      this.heads = [new nn.Linear(2, 2), new nn.Linear(2, 1)];
      this.registerParameter('w', sg.ones([2]));
      this.alias = this.heads[0];
    }

    forward(x) {
      return this.heads[1].call(this.heads[0].call(x));
    }
  }
  const net = new Net();
  assert.equal([...net.namedParameters()].map(([n]) => n), ['w', 'heads.0.weight', 'heads.0.bias', 'heads.1.weight', 'heads.1.bias']);
  assert.equal([...net.namedModules()].map(([n]) => n), ['', 'heads.0', 'heads.1']);
  assert.ok(net.toString().includes('(heads.1): Linear'));
  net.dispose();
});

test('forward hooks: called with (module, inputs, output) after call(), may replace the output, removed by the handle', () => {
  const lin = new nn.Linear(3, 2);
  const model = new nn.Sequential(lin, new nn.ReLU());
  const seen = [];
  const h = lin.registerForwardHook((m, inputs, out) => {
    seen.push([m, inputs[0].shape, out.shape]);
  });
  const x = sg.randn([4, 3]);
  model.call(x);
  assert.is(seen.length, 1);
  assert.is(seen[0][0], lin);
  assert.equal(seen[0][1], [4, 3]);
  assert.equal(seen[0][2], [4, 2]);
  const h2 = lin.registerForwardHook((_, __, out) => out.mul(0));
  assert.ok(model.call(x).toArray().every((v) => v === 0), 'a returned tensor replaces the output');
  h.remove();
  h2.remove();
  h2.remove();
  model.call(x);
  assert.is(seen.length, 2, 'removed hooks do not run');
  refused(() => lin.registerForwardHook('f'), TypeError, /registerForwardHook: hook must be a function/);
  model.dispose();
});

test('Module methods check their arguments: zeroGrad(setToNone), train(mode), loadStateDict(sd, strict), registerParameter', () => {
  const m = new nn.Linear(2, 2);
  m.call(sg.ones([1, 2])).sum().backward();
  m.zeroGrad(false);
  assert.ok([...m.parameters()].every((p) => p.grad !== null && p.grad.toArray().every((v) => v === 0)), 'zeroGrad(false) zeroes');
  m.zeroGrad({ setToNone: true });
  assert.ok([...m.parameters()].every((p) => p.grad === null), 'zeroGrad() frees');
  refused(() => m.zeroGrad('no'), TypeError, /Linear.zeroGrad: setToNone must be a boolean/);
  refused(() => m.train('eval'), TypeError, /Linear.train: mode must be a boolean/);
  refused(() => m.loadStateDict(new Map(), 'no'), TypeError, /Linear.loadStateDict: strict must be a boolean/);
  refused(() => m.loadStateDict([1]), TypeError, /stateDict must be a Map or a plain object of tensors/);
  refused(() => m.registerParameter('w', [1, 2]), TypeError, /registerParameter: 'w' must be a Tensor/, /wrap it with tensor/);
  refused(() => m.registerModule('x', {}), TypeError, /registerModule: 'x' must be a Module or null, got an object \{\}/);
  const bn = new nn.BatchNorm1d(8);
  refused(() => bn.forward([1, 2]), TypeError, /BatchNorm1d: input must be a Tensor/);
  const gn = new nn.GroupNorm(2, 4);
  refused(() => gn.forward(3), TypeError, /GroupNorm: input must be a Tensor/);
  refused(() => nn.toTorchKey(5), TypeError, /toTorchKey: key must be a string/);
  bn.dispose();
  gn.dispose();
  const r = sg.scope(() => m.loadStateDict(m.stateDict(), false));
  assert.equal(r, { missingKeys: [], unexpectedKeys: [], matched: [['weight', 'weight'], ['bias', 'bias']] });
  m.dispose();
});

// ---------------------------------------------------------------------------
// Porting programs written the PyTorch way

test('porting: a DCGAN generator and discriminator (ConvTranspose2d(nz, 64, 4, 1, 0, bias=False) ...) output 32x32 and 1x1', () => {
  const nz = 16;
  const G = new nn.Sequential(
    new nn.ConvTranspose2d(nz, 64, 4, 1, 0, { bias: false }), new nn.BatchNorm2d(64), new nn.ReLU(true),
    new nn.ConvTranspose2d(64, 32, 4, 2, 1, { bias: false }), new nn.BatchNorm2d(32), new nn.ReLU(true),
    new nn.ConvTranspose2d(32, 16, 4, 2, 1, { bias: false }), new nn.BatchNorm2d(16), new nn.ReLU(true),
    new nn.ConvTranspose2d(16, 3, 4, 2, 1, { bias: false }), new nn.Tanh(),
  );
  const D = new nn.Sequential(
    new nn.Conv2d(3, 16, 4, 2, 1, { bias: false }), new nn.LeakyReLU(0.2, true),
    new nn.Conv2d(16, 32, 4, 2, 1, { bias: false }), new nn.BatchNorm2d(32), new nn.LeakyReLU(0.2, true),
    new nn.Conv2d(32, 1, 8, 1, 0, { bias: false }),
  );
  // DCGAN's init: conv weights N(0, 0.02), batch-norm weights N(1, 0.02) and zero bias
  for (const m of [...G.modules(), ...D.modules()]) {
    if (m instanceof nn.ConvTranspose2d || m instanceof nn.Conv2d) nn.init.normal_(m.weight, 0.0, 0.02);
    else if (m instanceof nn.BatchNorm2d) {
      nn.init.normal_(m.weight, 1.0, 0.02);
      nn.init.constant_(m.bias, 0);
    }
  }
  const optG = new optim.Adam(G.parameters(), 2e-4, [0.5, 0.999]);
  const fake = G.call(sg.randn([2, nz, 1, 1]));
  assert.equal(fake.shape, [2, 3, 32, 32]);
  const p = D.call(fake);
  assert.equal(p.shape, [2, 1, 1, 1]);
  const loss = F.binaryCrossEntropyWithLogits(p.reshape([2]), sg.ones([2]));
  optG.zeroGrad();
  loss.backward();
  optG.step();
  assert.ok([...G.parameters()].every((w) => w.grad !== null));
  optG.dispose();
  G.dispose();
  D.dispose();
});

test('porting: an MLP with Dropout and BatchNorm1d trains with Adam and clipping, evaluates deterministically, saves and loads', () => {
  const m = new MLP(6, 8, 3);
  const opt = new optim.Adam(m.parameters(), 0.01);
  const lossFn = new nn.CrossEntropyLoss(null, { labelSmoothing: 0.1 });
  const x = sg.randn([16, 6]);
  const y = sg.tensor(Array.from({ length: 16 }, (_, i) => i % 3));
  for (let step = 0; step < 3; step++) {
    sg.scope(() => {
      opt.zeroGrad();
      lossFn.call(m.call(x), y).backward();
      nn.utils.clipGradNorm_(m.parameters(), 1.0);
      opt.step();
    });
  }
  assert.is(m.body.at(1).numBatchesTracked.item(), 3, 'BatchNorm1d inside a field saw every training batch');
  m.eval();
  const a = m.call(x).toArray(), b = m.call(x).toArray();
  assert.equal(Array.from(a), Array.from(b), 'eval: dropout off, running statistics used');
  const saved = new MLP(6, 8, 3);
  sg.scope(() => saved.loadStateDict(m.stateDict()));
  saved.eval();
  assert.equal(Array.from(saved.call(x).toArray()), Array.from(a));
  opt.dispose();
  for (const net of [m, saved]) {
    net.dispose();
    net.notAParameter.dispose();
  }
});

test('porting: a CIFAR ResNet written as a class with fields has the intended parameters and keys', () => {
  class ResNet extends nn.Module {
    constructor(numClasses = 10) {
      super();
      this.conv1 = new nn.Conv2d(3, 16, 3, 1, 1, { bias: false });
      this.bn1 = new nn.BatchNorm2d(16);
      this.layers = [new nn.BasicBlock(16, 16), new nn.BasicBlock(16, 32, 2), new nn.BasicBlock(32, 64, 2)];
      this.pool = new nn.AdaptiveAvgPool2d(1);
      this.flatten = new nn.Flatten();
      this.fc = new nn.Linear(64, numClasses);
    }

    forward(x) {
      return sg.scope(() => {
        let h = F.relu(this.bn1.call(this.conv1.call(x)));
        for (const block of this.layers) h = block.call(h);
        return this.fc.call(this.flatten.call(this.pool.call(h)));
      });
    }
  }
  const net = new ResNet(100);
  assert.equal(net.call(sg.randn([2, 3, 32, 32])).shape, [2, 100]);
  // every weight counted once: the per-layer formula
  const conv = (i, o, k) => i * o * k * k, bn = (c) => 2 * c;
  const block = (i, o, s) => conv(i, o, 3) + bn(o) + conv(o, o, 3) + bn(o) + (s !== 1 || i !== o ? conv(i, o, 1) + bn(o) : 0);
  const expected = conv(3, 16, 3) + bn(16) + block(16, 16, 1) + block(16, 32, 2) + block(32, 64, 2) + 64 * 100 + 100;
  assert.is([...net.parameters()].reduce((s, p) => s + p.numel(), 0), expected);
  const keys = sg.scope(() => [...net.stateDict().keys()].map(nn.toTorchKey));
  for (const k of ['conv1.weight', 'bn1.running_mean', 'layers.1.shortcut.0.weight', 'layers.2.bn2.num_batches_tracked', 'fc.bias']) assert.ok(keys.includes(k), k);
  net.eval();
  assert.ok([...net.modules()].every((m) => m.training === false), 'eval() reaches the blocks inside the array');
  net.dispose();
  // the library's own ResNet-20: 0.27M parameters as in the paper
  const r20 = nn.resnetCifar(20);
  const stage = (i, o, s, n) => block(i, o, 1) - (s !== 1 || i !== o ? conv(i, o, 1) + bn(o) : 0) + (n - 1) * block(o, o, 1);
  const want = conv(3, 16, 3) + bn(16) + stage(16, 16, 1, 3) + stage(16, 32, 2, 3) + stage(32, 64, 2, 3) + 64 * 10 + 10;
  assert.is([...r20.parameters()].reduce((s, p) => s + p.numel(), 0), want);
  assert.is(want, 269722);
  r20.dispose();
});

test.run();
