// The bad-input catalogue: every public function refuses wrong types, ranks,
// shapes and hyperparameters with an error naming the function and the
// problem, before any kernel runs; after each refusal the heap is intact.
import { suite, sg, assertThrows } from '../helpers/harness.mjs';

const test = suite('bad input');

const m23 = () => sg.ones([2, 3]);
const catalogue = [
  // creation
  ['tensor ragged', () => sg.tensor([[1], [2, 3]]), ['tensor', 'ragged']],
  ['tensor wrong type', () => sg.tensor('abc'), ['tensor']],
  ['tensor shape/data mismatch', () => sg.tensor([1, 2, 3], { shape: [2, 2] }), ['tensor', '3 values', '[2,2]']],
  ['zeros negative', () => sg.zeros([-1]), ['zeros', 'size', 'integers >= 0', '[-1]']],
  ['zeros fractional', () => sg.zeros([2.5]), ['zeros', 'integers >= 0', '2.5']],
  ['zeros not a size', () => sg.zeros('3'), ['zeros', 'size must be', "'3'"]],
  ['full NaN size', () => sg.full([NaN], 1), ['full', 'integers >= 0', 'NaN']],
  ['full non-number', () => sg.full([2], 'x'), ['full', 'number']],
  ['arange zero step', () => sg.arange(0, 5, 0), ['arange', 'nonzero']],
  ['arange wrong sign', () => sg.arange(0, 5, -1), ['arange', 'inconsistent']],
  ['randn negative', () => sg.randn([2, -3]), ['randn', 'integers >= 0']],
  ['manualSeed fractional', () => sg.manualSeed(1.5), ['manualSeed']],
  // elementwise
  ['add shapes', () => sg.add(m23(), sg.ones([3, 2])), ['add', '[2,3]', '[3,2]']],
  ['sub type', () => sg.sub(m23(), {}), ['sub', 'Tensor or a number']],
  ['div null', () => sg.div(m23(), null), ['div']],
  ['where shapes', () => sg.where(sg.ones([2]), sg.ones([3]), 0), ['where', '[2]', '[3]']],
  ['where non-tensor condition', () => sg.where(true, 1, 0), ['where', 'condition']],
  ['pow NaN', () => m23().pow(NaN), ['pow', 'exponent']],
  ['clamp no bounds', () => m23().clamp(), ['clamp']],
  ['clamp NaN bound', () => m23().clamp(NaN, 1), ['clamp', 'NaN']],
  ['leakyRelu slope', () => sg.leakyRelu(m23(), Infinity), ['leakyRelu', 'negativeSlope', 'Infinity']],
  // reductions
  ['sum dim out of range', () => m23().sum(5), ['sum', 'dim 5', 'rank 2']],
  ['mean fractional dim', () => m23().mean(0.5), ['mean', 'dim must be', '0.5']],
  ['max empty dim', () => sg.zeros([0, 2]).max(0), ['max', 'zero-size']],
  ['argmax empty', () => sg.zeros([0]).argmax(), ['argmax', 'empty']],
  ['norm negative p', () => m23().norm(-2), ['norm', 'p']],
  ['softmax dim', () => m23().softmax(2), ['softmax', 'dim 2']],
  // shapes
  ['reshape count', () => m23().reshape(4, 2), ['reshape', '[4,2]', 'size 6']],
  ['view of transpose', () => m23().t().view(6), ['view', 'reshape']],
  ['permute rank', () => m23().permute(0), ['permute', 'rank 2']],
  ['permute repeat', () => m23().permute(0, 0), ['permute', 'repeat']],
  ['expand mismatch', () => m23().expand(4, 3), ['expand', '[2,3]', '[4,3]']],
  ['narrow out of range', () => m23().narrow(1, 2, 2), ['narrow', 'out of range', 'size 3']],
  ['slice zero step', () => m23().slice(1, 0, 3, 0), ['slice', 'step']],
  ['select out of range', () => m23().select(0, 2), ['select', 'index 2', 'size 2']],
  ['t of 3-d', () => sg.ones([2, 2, 2]).t(), ['t', 'rank <= 2']],
  ['squeeze dim', () => m23().squeeze(4), ['squeeze', 'dim 4']],
  ['cat shapes', () => sg.cat([m23(), sg.ones([2, 2])], 0), ['cat', '[2,3]', '[2,2]']],
  ['cat non-tensor', () => sg.cat([m23(), 3]), ['cat', 'tensors[1] must be a Tensor, got 3 (a number)']],
  ['stack shapes', () => sg.stack([m23(), sg.ones([3, 2])]), ['stack', '[2,3]', '[3,2]']],
  ['indexSelect range', () => m23().indexSelect(1, [0, 3]), ['indexSelect', 'index 3', 'size 3']],
  ['indexSelect negative', () => m23().indexSelect(1, [-1]), ['indexSelect', 'index -1']],
  ['indexSelect 2-d index', () => m23().indexSelect(1, sg.zeros([1, 1])), ['indexSelect', '1-D']],
  ['gather rank', () => m23().gather(1, sg.zeros([2])), ['gather', 'same rank']],
  ['gather range', () => m23().gather(1, sg.full([2, 1], 3)), ['gather', 'index 3']],
  ['matmul inner', () => sg.matmul(sg.ones([3, 4]), sg.ones([5, 6])), ['matmul: shapes [3,4] and [5,6] cannot be multiplied (4 != 5)']],
  ['matmul 0-d', () => sg.matmul(sg.tensor(1), m23()), ['matmul', 'at least 1 dimension']],
  ['matmul batch', () => sg.matmul(sg.ones([2, 2, 3]), sg.ones([3, 3, 1])), ['matmul', 'broadcast']],
  // in place and autograd
  ['copy_ shapes', () => m23().copy_(sg.ones([4])), ['copy_', '[4]', '[2,3]']],
  ['fill_ leaf requiring grad', () => sg.ones([2], { requiresGrad: true }).fill_(0), ['fill_', 'noGrad']],
  ['uniform_ reversed', () => m23().uniform_(1, 0), ['uniform_', 'from <= to']],
  ['bernoulli_ p', () => m23().bernoulli_(-0.1), ['bernoulli_', '[0, 1]']],
  ['normal_ std', () => m23().normal_(0, NaN), ['normal_']],
  ['backward non-scalar', () => sg.ones([2], { requiresGrad: true }).mul(2).backward(), ['backward', 'one element']],
  ['backward wrong grad shape', () => sg.ones([2], { requiresGrad: true }).mul(2).backward(sg.ones([3])), ['backward', '[3]', '[2]']],
  ['backward no grad', () => m23().sum().backward(), ['backward', 'does not require grad']],
  ['item of many', () => m23().item(), ['item', '[2,3]']],
  ['memory limit', () => sg.setMemoryLimit(0), ['setMemoryLimit']],
  ['disposed input', () => { const x = m23(); x.dispose(); return x.exp(); }, ['disposed', '[2,3]']],
];

for (const [name, call, patterns] of catalogue) {
  test(`refuses: ${name}`, () => {
    const before = sg.memory().bytesInUse;
    sg.scope(() => assertThrows(call, ...patterns));
    sg.checkHeap();
    if (sg.memory().bytesInUse !== before) throw new Error(`heap bytes changed after the refusal: ${before} -> ${sg.memory().bytesInUse}`);
  });
}

// the toolkit: constructors, hyperparameters, labels, state dicts
const { nn, optim } = sg;
const leaf = () => [sg.ones([2], { requiresGrad: true })];
/** Builds a module, uses it, and disposes it (a module owns its parameters beyond any scope). */
const withModule = (make, use) => {
  const m = make();
  try {
    return use(m);
  } finally {
    m.dispose();
  }
};
const toolkit = [
  ['Dropout p > 1', () => new nn.Dropout(1.5), ['Dropout', '1.5']],
  ['Dropout p NaN', () => new nn.Dropout(NaN), ['Dropout', 'NaN']],
  ['Dropout2d p < 0', () => new nn.Dropout2d(-0.1), ['Dropout2d', '-0.1']],
  ['DropConnect p', () => new nn.DropConnect(3, 2, { p: 2 }), ['DropConnect', '2']],
  ['BatchNorm eps 0', () => new nn.BatchNorm1d(3, { eps: 0 }), ['BatchNorm1d', 'eps']],
  ['BatchNorm eps < 0', () => new nn.BatchNorm2d(3, { eps: -1 }), ['BatchNorm2d', 'eps']],
  ['BatchNorm momentum', () => new nn.BatchNorm1d(3, { momentum: 2 }), ['BatchNorm1d', 'momentum']],
  ['BatchNorm channels', () => new nn.BatchNorm1d(0), ['BatchNorm1d', 'numFeatures']],
  ['batchNorm eps', () => sg.batchNorm(sg.ones([4, 3]), null, null, null, null, { training: true, eps: 0 }), ['batchNorm', 'eps']],
  ['Linear sizes', () => new nn.Linear(-1, 3), ['Linear', 'inFeatures', '-1']],
  ['Conv2d groups', () => new nn.Conv2d(3, 4, 3, { groups: 2 }), ['Conv2d', 'groups']],
  ['Conv2d stride', () => new nn.Conv2d(3, 4, 3, { stride: 0 }), ['Conv2d', 'stride']],
  ['MaxPool2d kernel', () => new nn.MaxPool2d(0), ['MaxPool2d', 'kernelSize']],
  ['AvgPool2d stride', () => new nn.AvgPool2d(2, { stride: -1 }), ['AvgPool2d', 'stride']],
  ['PReLU parameters', () => new nn.PReLU({ numParameters: 0 }), ['PReLU', 'numParameters']],
  ['LeakyReLU slope', () => new nn.LeakyReLU(NaN), ['LeakyReLU', 'negativeSlope']],
  ['Maxout pieces', () => new nn.Maxout(3, 2, 0), ['Maxout', 'pieces']],
  ['resnetCifar depth', () => nn.resnetCifar(21), ['resnetCifar', '6n + 2', '21']],
  ['BasicBlock shortcut', () => new nn.BasicBlock(3, 4, { shortcut: 'C' }), ['BasicBlock', 'shortcut']],
  ['SGD negative lr', () => new optim.SGD(leaf(), { lr: -1 }), ['SGD', 'lr must be', '-1']],
  ['SGD NaN lr', () => new optim.SGD(leaf(), { lr: NaN }), ['SGD', 'lr must be', 'NaN']],
  ['SGD nesterov', () => new optim.SGD(leaf(), { lr: 0.1, nesterov: true }), ['SGD', 'Nesterov']],
  ['Adam betas', () => new optim.Adam(leaf(), { betas: [1.5, 0.9] }), ['Adam', 'betas']],
  ['Adam eps', () => new optim.Adam(leaf(), { eps: -1 }), ['Adam', 'eps must be']],
  ['AdamW weight decay', () => new optim.AdamW(leaf(), { weightDecay: -0.1 }), ['AdamW', 'weightDecay']],
  ['optimizer non-leaf', () => new optim.SGD([sg.ones([2], { requiresGrad: true }).mul(2)], { lr: 0.1 }), ['SGD', 'non-leaf']],
  ['StepLR step size', () => new optim.StepLR(new optim.SGD(leaf(), { lr: 0.1 }), { stepSize: 0 }), ['StepLR', 'stepSize']],
  ['crossEntropy label range', () => sg.crossEntropy(sg.ones([2, 3]), sg.tensor([0, 3])), ['crossEntropy', 'target 3', 'C = 3']],
  ['crossEntropy fractional label', () => sg.crossEntropy(sg.ones([2, 3]), sg.tensor([0, 1.5])), ['crossEntropy', '1.5']],
  ['crossEntropy shapes', () => sg.crossEntropy(sg.ones([2, 3]), sg.tensor([0, 1, 2])), ['crossEntropy', '[2,3]', '[3]']],
  ['crossEntropy smoothing', () => sg.crossEntropy(sg.ones([2, 3]), sg.tensor([0, 1]), { labelSmoothing: 2 }), ['crossEntropy', 'labelSmoothing']],
  ['MSELoss shapes', () => new nn.MSELoss().forward(sg.ones([2, 3]), sg.ones([3, 2])), ['mseLoss', '[2,3]', '[3,2]']],
  ['conv2d channels', () => sg.conv2d(sg.ones([1, 3, 5, 5]), sg.ones([4, 2, 3, 3])), ['conv2d', '[1,3,5,5]', '[4,2,3,3]']],
  ['maxPool2d window', () => sg.maxPool2d(sg.ones([1, 1, 2, 2]), { kernelSize: 3 }), ['maxPool2d', '[1,1,2,2]']],
  ['BatchNorm1d input channels', () => withModule(() => new nn.BatchNorm1d(3), (m) => m.forward(sg.ones([4, 5]))), ['BatchNorm1d', '[4,5]']],
  ['BatchNorm one value per channel', () => withModule(() => new nn.BatchNorm1d(3), (m) => m.forward(sg.ones([1, 3]))), ['batchNorm', 'more than 1 value']],
  ['Linear input features', () => withModule(() => new nn.Linear(3, 2), (m) => m.forward(sg.ones([4, 5]))), ['linear', '[4,5]', '[2,3]']],
  ['loadStateDict mismatch', () => withModule(() => new nn.Linear(3, 2), (m) => m.loadStateDict(new Map([['weight', sg.ones([2, 2])]]))), ['loadStateDict', 'missing keys: bias', 'weight']],
  ['loadStateDict unexpected key', () => withModule(() => new nn.Linear(3, 2), (m) => m.loadStateDict(new Map([['weight', sg.ones([2, 3])], ['bias', sg.ones([2])], ['extra', sg.ones([1])]]))), ['loadStateDict', 'unexpected keys: extra']],
  ['orthogonal_ of a vector', () => nn.init.orthogonal_(sg.ones([3])), ['orthogonal_', '[3]']],
  ['kaiming mode', () => nn.init.kaimingUniform_(sg.ones([3, 3]), { mode: 'fan' }), ['kaimingUniform_', 'mode']],
  ['save of a non-tensor', () => sg.save(new Map([['a', 3]])), ['save', "'a'"]],
];
for (const [name, call, patterns] of toolkit) {
  test(`refuses: ${name}`, () => {
    const before = sg.memory().bytesInUse;
    sg.scope(() => assertThrows(call, ...patterns));
    sg.checkHeap();
    if (sg.memory().bytesInUse !== before) throw new Error(`heap bytes changed after the refusal: ${before} -> ${sg.memory().bytesInUse}`);
  });
}

test.run();
