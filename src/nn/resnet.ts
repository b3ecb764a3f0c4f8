/** Residual networks for CIFAR (He et al. 2016, section 4.2): BasicBlock, ResNetCifar / resnetCifar, Residual. */
import { Tensor } from '../tensor';
import { fmtShape, sameShape } from '../shape';
import { scope } from '../autograd/scope';
import { zeros } from '../ops/create';
import { add, addRelu } from '../ops/binary';
import { relu } from '../ops/unary';
import { mean } from '../ops/reduce';
import { slice } from '../ops/views';
import { cat } from '../ops/join';
import { Module, Sequential } from './module';
import { Conv2d } from './conv';
import { BatchNorm2d } from './batchnorm';
import { Linear } from './linear';
import { tracer } from '../autograd/trace';
import { boolean, instanceOf, integer, oneOf, param, parseArgs, required, tensor } from '../validate';

/** How a block's shortcut matches a changed shape: 'A' zero-pads channels (no parameters), 'B' projects (1x1 conv + BN). */
export type Shortcut = 'A' | 'B';

/** Options of BasicBlock after its channel counts. */
export interface BasicBlockOptions {
  /** Stride of the first convolution (and of the shortcut) (default 1). */
  stride?: number;
  /** The shortcut when the shape changes (default 'B'). */
  shortcut?: Shortcut;
  /** Add the shortcut (default true); false gives the paper's "plain" block. */
  residual?: boolean;
}

const shortcutKind = oneOf(['A', 'B'] as const);

/** BasicBlock's arguments: torchvision's (inplanes, planes, stride) order, then options. */
const BASIC_BLOCK_ARGS = {
  inChannels: param(integer({ min: 1 }), required),
  outChannels: param(integer({ min: 1 }), required),
  stride: param(integer({ min: 1 }), 1),
  shortcut: param(shortcutKind, 'B'),
  residual: param(boolean, true),
};

/**
 * relu(bn.call(x)), fused into one op (batchNormRelu) when bn is the
 * library's own BatchNorm2d with no forward hooks and no export is tracing
 * (a subclass or another norm module, hooks, or exportOnnx take the
 * two-call path, which the fused op equals bit for bit).
 */
function normRelu(bn: Module, x: Tensor): Tensor {
  if (fusable(bn)) return (bn as BatchNorm2d).forwardRelu(x);
  return scope(() => relu(bn.call(x)));
}

/** relu(bn.call(x) + s), fused into one op (batchNormAddRelu) on normRelu's terms, s of x's shape. */
function normAddRelu(bn: Module, x: Tensor, s: Tensor): Tensor {
  if (fusable(bn) && sameShape(x.shape, s.shape)) return (bn as BatchNorm2d).forwardAddRelu(x, s);
  return scope(() => addRelu(bn.call(x), s));
}

/** bn is the library's own BatchNorm2d with no forward hooks, and no export is tracing. */
const fusable = (bn: Module): boolean => tracer === null && Object.getPrototypeOf(bn) === BatchNorm2d.prototype && !bn.hasForwardHooks();

/** Option A: x[:, :, ::s, ::s] with outC - inC zero channels appended. */
function padShortcut(x: Tensor, stride: number, outC: number): Tensor {
  return scope(() => {
    const sub = stride === 1 ? x : slice(slice(x, 2, 0, undefined, stride), 3, 0, undefined, stride);
    const extra = outC - x.shape[1];
    if (extra === 0) return sub.contiguous();
    return cat([sub, zeros([sub.shape[0], extra, sub.shape[2], sub.shape[3]])], 1);
  });
}

/**
 * The two-convolution residual block:
 *   out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)),
 * 3x3 convolutions without bias, the first with the block's stride. When the
 * shape changes the shortcut is 'A' (x subsampled by the stride, extra
 * channels zero) or 'B' (a 1x1 convolution with the stride, then batch
 * norm); otherwise the identity. residual false drops the addition.
 * Shape: [N, inChannels, H, W] -> [N, outChannels, H / stride, W / stride].
 *
 * @example
 * new nn.BasicBlock(16, 32, 2);                       // downsampling block, 'B' shortcut
 * new nn.BasicBlock(16, 32, 2, { shortcut: 'A' });
 */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  /** The 'B' projection (1x1 conv + BN), or null for the identity / option A. */
  readonly shortcut: Sequential | null;
  readonly stride: number;
  readonly shortcutKind: Shortcut;
  readonly residual: boolean;
  readonly inChannels: number;
  readonly outChannels: number;

  constructor(inChannels: number, outChannels: number, stride?: number, opts?: Omit<BasicBlockOptions, 'stride'>);
  constructor(inChannels: number, outChannels: number, opts: BasicBlockOptions);
  constructor(...args: unknown[]) {
    const { inChannels, outChannels, stride, shortcut, residual } = parseArgs('BasicBlock', args, BASIC_BLOCK_ARGS, 3);
    if (shortcut === 'A' && outChannels < inChannels) throw new RangeError(`BasicBlock: option A can only add channels (${inChannels} -> ${outChannels})`);
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.stride = stride;
    this.shortcutKind = shortcut;
    this.residual = residual;
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(outChannels));
    this.conv2 = this.registerModule('conv2', new Conv2d(outChannels, outChannels, 3, { stride: 1, padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outChannels));
    const project = residual && shortcut === 'B' && (stride !== 1 || inChannels !== outChannels);
    this.shortcut = this.registerModule(
      'shortcut',
      project ? new Sequential(new Conv2d(inChannels, outChannels, 1, { stride, bias: false }), new BatchNorm2d(outChannels)) : null,
    );
  }

  forward(x: Tensor): Tensor {
    tensor(x, { where: 'BasicBlock', name: 'input' });
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) throw new RangeError(`BasicBlock: input ${fmtShape(x.shape)}: expected (N, ${this.inChannels}, H, W)`);
    return scope(() => {
      const h = normRelu(this.bn1, this.conv1.call(x));
      if (!this.residual) return normRelu(this.bn2, this.conv2.call(h));
      const y = this.conv2.call(h);
      const s = this.shortcut !== null ? this.shortcut.call(x) : this.shortcutKind === 'A' ? padShortcut(x, this.stride, this.outChannels) : x;
      return normAddRelu(this.bn2, y, s);
    });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, stride=${this.stride}, shortcut='${this.shortcutKind}', residual=${this.residual}`;
  }
}

/** Options of resnetCifar / ResNetCifar after the depth. */
export interface ResNetCifarOptions {
  /** Outputs of the final Linear (default 10). */
  numClasses?: number;
  /** Channels of the input images (default 3). */
  inChannels?: number;
  /** Channels of the first stage w; the others have 2w and 4w (default 16). */
  width?: number;
  /** Residual blocks (default true), or the paper's plain network. */
  residual?: boolean;
  /** The shortcut of the downsampling blocks (default 'A', as the paper's CIFAR networks). */
  shortcut?: Shortcut;
}

/** ResNetCifar's arguments: the depth, then options. */
const RESNET_CIFAR_ARGS = {
  depth: param(integer({ min: 8 }), required),
  numClasses: param(integer({ min: 1 }), 10),
  inChannels: param(integer({ min: 1 }), 3),
  width: param(integer({ min: 1 }), 16),
  residual: param(boolean, true),
  shortcut: param(shortcutKind, 'A'),
};

/**
 * A CIFAR ResNet of depth 6n + 2 (He et al. 2016, section 4.2): conv3x3 ->
 * BN -> ReLU, three stages of n BasicBlocks at widths w, 2w, 4w (stride 2 at
 * the start of stages 2 and 3), global average pooling, Linear to the classes.
 * Children conv1, bn1, layer1..layer3, fc (state-dict keys like torchvision's).
 * Shape: [N, inChannels, H, W] -> [N, numClasses].
 * @example const model = nn.resnetCifar(20, { numClasses: 100 });
 */
export class ResNetCifar extends Module {
  readonly depth: number;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly fc: Linear;

  constructor(depth: number, opts?: ResNetCifarOptions);
  constructor(...args: unknown[]) {
    const { depth, numClasses, inChannels, width, residual, shortcut } = parseArgs('resnetCifar', args, RESNET_CIFAR_ARGS, 1);
    if ((depth - 2) % 6 !== 0) throw new RangeError(`resnetCifar: depth must be 6n + 2 with n >= 1 (8, 20, 32, 44, 56, 110), got ${depth}`);
    super();
    this.depth = depth;
    const n = (depth - 2) / 6;
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, width, 3, { padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(width));
    const stage = (inC: number, outC: number, stride: number) =>
      new Sequential(...Array.from({ length: n }, (_, i) => new BasicBlock(i === 0 ? inC : outC, outC, i === 0 ? stride : 1, { shortcut, residual })));
    this.layer1 = this.registerModule('layer1', stage(width, width, 1));
    this.layer2 = this.registerModule('layer2', stage(width, 2 * width, 2));
    this.layer3 = this.registerModule('layer3', stage(2 * width, 4 * width, 2));
    this.fc = this.registerModule('fc', new Linear(4 * width, numClasses));
  }

  forward(x: Tensor): Tensor {
    return scope(() => {
      const h = normRelu(this.bn1, this.conv1.call(x));
      const f = this.layer3.call(this.layer2.call(this.layer1.call(h)));
      // global average pooling over H and W
      return this.fc.call(mean(f, [2, 3]));
    });
  }
}

/**
 * A CIFAR ResNet (or its plain counterpart with residual: false) of the given
 * depth 6n + 2 (8, 20, 32, 44, 56, 110): `new ResNetCifar(depth, opts)`.
 * @example nn.resnetCifar(20)   // ResNet-20 for 3x32x32 images, 10 classes
 */
export function resnetCifar(depth: number, opts?: ResNetCifarOptions): ResNetCifar {
  return new ResNetCifar(depth, opts);
}

/**
 * y = x + body(x): an identity shortcut around any module whose output has
 * its input's shape (the general form of He et al. 2016's pass-through).
 * @example new nn.Residual(new nn.Sequential(new nn.Linear(64, 64), new nn.ReLU()))
 */
export class Residual extends Module {
  readonly body: Module;

  constructor(body: Module);
  constructor(...args: unknown[]) {
    const { body } = parseArgs('Residual', args, { body: param(instanceOf(Module, 'a Module'), required) });
    super();
    this.body = this.registerModule('body', body);
  }

  forward(x: Tensor): Tensor {
    const y = this.body.call(x);
    if (y.shape.length !== x.shape.length || y.shape.some((d, i) => d !== x.shape[i])) {
      y.dispose();
      throw new RangeError(`Residual: the body maps ${fmtShape(x.shape)} to ${fmtShape(y.shape)}; the shortcut needs the same shape`);
    }
    const out = add(x, y);
    y.dispose();
    return out;
  }
}
