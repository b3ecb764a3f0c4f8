/**
 * Resampling layers (the functional ops of src/ops/vision.ts):
 *   Upsample: interpolate with a fixed size or scale factor and mode;
 *   PixelShuffle / PixelUnshuffle: [*, C r^2, H, W] <-> [*, C, H r, W r].
 */
import type { Tensor } from '../tensor';
import { integer, param, parseArgs, required } from '../validate';
import { INTERPOLATE_ARGS, pixelShuffle, pixelUnshuffle, resize, type InterpolateMode, type InterpolateOptions } from '../ops/vision';
import { Module } from './module';

const { input: _input, ...UPSAMPLE_ARGS } = INTERPOLATE_ARGS;

/**
 * Upsamples [N, C, ...] with interpolate's modes ('nearest' by default,
 * 'linear', 'bilinear', 'trilinear' with alignCorners).
 * `new Upsample(size?, scaleFactor?, mode?, alignCorners?, recomputeScaleFactor?)` or options.
 * @example new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false })
 */
export class Upsample extends Module {
  readonly size: number[] | null;
  readonly scaleFactor: number | number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;

  constructor(opts: Omit<InterpolateOptions, 'size'> & { size?: number | number[] | null });
  constructor(size?: number | number[] | null, scaleFactor?: number | number[] | null, mode?: InterpolateMode, alignCorners?: boolean | null, recomputeScaleFactor?: boolean | null);
  constructor(...args: unknown[]) {
    const a = parseArgs('Upsample', args, UPSAMPLE_ARGS);
    if ((a.size === null) === (a.scaleFactor === null)) throw new RangeError('Upsample: give exactly one of size and scaleFactor');
    if (a.alignCorners !== null && !['linear', 'bilinear', 'trilinear'].includes(a.mode)) throw new RangeError(`Upsample: alignCorners only applies to the linear modes, not '${a.mode}'`);
    super();
    this.size = a.size;
    this.scaleFactor = a.scaleFactor;
    this.mode = a.mode;
    this.alignCorners = a.alignCorners;
    this.recomputeScaleFactor = a.recomputeScaleFactor;
  }

  forward(x: Tensor): Tensor {
    return resize('Upsample', x, this);
  }

  override extraRepr(): string {
    const what = this.size !== null ? `size=[${this.size}]` : `scaleFactor=${JSON.stringify(this.scaleFactor)}`;
    return `${what}, mode='${this.mode}'${this.alignCorners !== null ? `, alignCorners=${this.alignCorners}` : ''}`;
  }
}

/**
 * Sub-pixel rearrangement [*, C r^2, H, W] -> [*, C, H r, W r] (Shi et al. 2016).
 * @example new nn.PixelShuffle(3)
 */
export class PixelShuffle extends Module {
  readonly upscaleFactor: number;
  constructor(upscaleFactor: number);
  constructor(...args: unknown[]) {
    const { upscaleFactor } = parseArgs('PixelShuffle', args, { upscaleFactor: param(integer({ min: 1 }), required) });
    super();
    this.upscaleFactor = upscaleFactor;
  }

  forward(x: Tensor): Tensor {
    return pixelShuffle(x, this.upscaleFactor);
  }

  override extraRepr(): string {
    return `upscaleFactor=${this.upscaleFactor}`;
  }
}

/**
 * The inverse of PixelShuffle: [*, C, H r, W r] -> [*, C r^2, H, W].
 * @example new nn.PixelUnshuffle(2)
 */
export class PixelUnshuffle extends Module {
  readonly downscaleFactor: number;
  constructor(downscaleFactor: number);
  constructor(...args: unknown[]) {
    const { downscaleFactor } = parseArgs('PixelUnshuffle', args, { downscaleFactor: param(integer({ min: 1 }), required) });
    super();
    this.downscaleFactor = downscaleFactor;
  }

  forward(x: Tensor): Tensor {
    return pixelUnshuffle(x, this.downscaleFactor);
  }

  override extraRepr(): string {
    return `downscaleFactor=${this.downscaleFactor}`;
  }
}
