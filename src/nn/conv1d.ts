/**
 * Conv1d: y = conv1d(x, W, b) over (N, C, L) or (C, L) with W of shape
 * [out, in / groups, k]; default init as PyTorch's Conv1d (the same rule as
 * Conv2d: kaimingUniform with a = sqrt 5, bias U(-1/sqrt fanIn, 1/sqrt fanIn),
 * fanIn = in / groups k). Integer padding only.
 */
import type { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { conv1d, intOf } from '../ops/conv1d';
import { Module } from './module';
import { defaultInit_ } from './linear';

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: number, { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true }: Conv1dOptions = {}) {
    super();
    for (const [n, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`Conv1d: ${n} must be a positive integer, got ${v}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) throw new RangeError(`Conv1d: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`);
    this.kernelSize = intOf('Conv1d', 'kernelSize', kernelSize, 1);
    this.stride = intOf('Conv1d', 'stride', stride, 1);
    this.padding = intOf('Conv1d', 'padding', padding, 0);
    this.dilation = intOf('Conv1d', 'dilation', dilation, 1);
    this.groups = groups;
    this.weight = this.registerParameter('weight', empty([outChannels, inChannels / groups, this.kernelSize]));
    this.bias = this.registerParameter('bias', bias ? empty([outChannels]) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    defaultInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}`];
    if (this.padding !== 0) parts.push(`padding=${this.padding}`);
    if (this.dilation !== 1) parts.push(`dilation=${this.dilation}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}
