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
  ['zeros negative', () => sg.zeros([-1]), ['non-negative']],
  ['zeros fractional', () => sg.zeros([2.5]), ['non-negative integers']],
  ['zeros not an array', () => sg.zeros(3), ['shape must be an array']],
  ['full NaN size', () => sg.full([NaN], 1), ['non-negative integers']],
  ['full non-number', () => sg.full([2], 'x'), ['full', 'number']],
  ['arange zero step', () => sg.arange(0, 5, 0), ['arange', 'nonzero']],
  ['arange wrong sign', () => sg.arange(0, 5, -1), ['arange', 'inconsistent']],
  ['randn negative', () => sg.randn([2, -3]), ['randn', 'non-negative']],
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
  ['leakyRelu slope', () => sg.leakyRelu(m23(), Infinity), ['leakyRelu', 'slope']],
  // reductions
  ['sum dim out of range', () => m23().sum(5), ['sum', 'dim 5', 'rank 2']],
  ['mean fractional dim', () => m23().mean(0.5), ['mean', 'dim 0.5']],
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
  ['cat non-tensor', () => sg.cat([m23(), 3]), ['cat', 'not a Tensor']],
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

test.run();
