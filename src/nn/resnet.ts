/**
 * Residual networks for CIFAR (He et al. 2016, section 4.2).
 *
 * BasicBlock: out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), 3x3
 * convolutions without bias, the first with the block's stride. Shortcut
 * when the shape changes: 'A' subsamples x by the stride and zero-pads the
 * extra channels (no parameters), 'B' is a 1x1 convolution with the stride
 * followed by batch norm; otherwise the identity. residual = false drops the
 * addition: the "plain" network of the paper's comparison.
 *
 * resnetCifar(depth = 6n + 2): conv3x3 -> BN -> ReLU, three stages of n
 * blocks at widths w, 2w, 4w (stride 2 at the start of stages 2 and 3),
 * global average pooling, Linear to the classes.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { scope } from '../autograd/scope';
import { zeros } from '../ops/create';
import { add } from '../ops/binary';
import { relu } from '../ops/unary';
import { mean } from '../ops/reduce';
import { slice } from '../ops/views';
import { cat } from '../ops/join';
import { Module, Sequential } from './module';
import { Conv2d } from './conv';
import { BatchNorm2d } from './batchnorm';
import { Linear } from './linear';

export type Shortcut = 'A' | 'B';

export interface BasicBlockOptions {
  stride?: number;
  shortcut?: Shortcut;
  residual?: boolean;
}

/** Option A: x[:, :, ::s, ::s] with outC - inC zero channels appended. */
function padShortcut(x: Tensor, stride: number, outC: number): Tensor {
  return scope(() => {
    const sub = stride === 1 ? x : slice(slice(x, 2, 0, undefined, stride), 3, 0, undefined, stride);
    const extra = outC - x.shape[1];
    if (extra === 0) return sub.contiguous();
    return cat([sub, zeros([sub.shape[0], extra, sub.shape[2], sub.shape[3]])], 1);
  });
}

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

  constructor(readonly inChannels: number, readonly outChannels: number, { stride = 1, shortcut = 'B', residual = true }: BasicBlockOptions = {}) {
    super();
    if (shortcut !== 'A' && shortcut !== 'B') throw new RangeError(`BasicBlock: shortcut must be 'A' or 'B', got '${String(shortcut)}'`);
    if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`BasicBlock: stride must be a positive integer, got ${stride}`);
    if (shortcut === 'A' && outChannels < inChannels) throw new RangeError(`BasicBlock: option A can only add channels (${inChannels} -> ${outChannels})`);
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
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) throw new RangeError(`BasicBlock: input ${fmtShape(x.shape)}: expected (N, ${this.inChannels}, H, W)`);
    return scope(() => {
      const h = relu(this.bn1.call(this.conv1.call(x)));
      const y = this.bn2.call(this.conv2.call(h));
      if (!this.residual) return relu(y);
      const s = this.shortcut !== null ? this.shortcut.call(x) : this.shortcutKind === 'A' ? padShortcut(x, this.stride, this.outChannels) : x;
      return relu(add(y, s));
    });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, stride=${this.stride}, shortcut='${this.shortcutKind}', residual=${this.residual}`;
  }
}

export interface ResNetCifarOptions {
  numClasses?: number;
  inChannels?: number;
  width?: number;
  residual?: boolean;
  shortcut?: Shortcut;
}

export class ResNetCifar extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly fc: Linear;

  constructor(readonly depth: number, { numClasses = 10, inChannels = 3, width = 16, residual = true, shortcut = 'A' }: ResNetCifarOptions = {}) {
    super();
    if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) throw new RangeError(`resnetCifar: depth must be 6n + 2 with n >= 1 (8, 20, 32, 44, 56, 110), got ${depth}`);
    const n = (depth - 2) / 6;
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, width, 3, { padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(width));
    const stage = (inC: number, outC: number, stride: number) =>
      new Sequential(...Array.from({ length: n }, (_, i) => new BasicBlock(i === 0 ? inC : outC, outC, { stride: i === 0 ? stride : 1, shortcut, residual })));
    this.layer1 = this.registerModule('layer1', stage(width, width, 1));
    this.layer2 = this.registerModule('layer2', stage(width, 2 * width, 2));
    this.layer3 = this.registerModule('layer3', stage(2 * width, 4 * width, 2));
    this.fc = this.registerModule('fc', new Linear(4 * width, numClasses));
  }

  forward(x: Tensor): Tensor {
    return scope(() => {
      const h = relu(this.bn1.call(this.conv1.call(x)));
      const f = this.layer3.call(this.layer2.call(this.layer1.call(h)));
      // global average pooling over H and W
      return this.fc.call(mean(f, [2, 3]));
    });
  }
}

/** A CIFAR ResNet (or its plain counterpart with residual: false) of the given depth 6n + 2. */
export function resnetCifar(depth: number, opts: ResNetCifarOptions = {}): ResNetCifar {
  return new ResNetCifar(depth, opts);
}

/**
 * y = x + body(x): an identity shortcut around any module whose output has
 * its input's shape (the general form of He et al. 2016's pass-through).
 */
export class Residual extends Module {
  readonly body: Module;

  constructor(body: Module) {
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
