/**
 * 2-d padding layers over [N, C, H, W] or [C, H, W] (F.pad of src/ops/shaping.ts):
 * padding is one integer for all four sides or [left, right, top, bottom].
 *   ZeroPad2d: zeros; ConstantPad2d: a value (negative padding crops);
 *   ReflectionPad2d: mirrored without the edge (padding < the size);
 *   ReplicationPad2d: the edge repeated.
 */
import type { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { invalid, number, param, parseArgs, required, type Check } from '../validate';
import { pad, type PadMode } from '../ops/shaping';
import { Module } from './module';

/** One integer for every side, or four: [left, right, top, bottom]. */
const sides: Check<[number, number, number, number]> = (v, at) => {
  const list = typeof v === 'number' ? [v, v, v, v] : Array.isArray(v) && v.length === 4 ? v : null;
  if (list === null || !list.every((x) => typeof x === 'number' && Number.isInteger(x))) throw invalid(at, 'an integer or 4 integers [left, right, top, bottom]', v);
  return [list[0], list[1], list[2], list[3]];
};

abstract class Pad2d extends Module {
  constructor(readonly padding: [number, number, number, number], readonly mode: PadMode, readonly value = 0) {
    super();
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${this.constructor.name}: expected a 3-d [C, H, W] or 4-d [N, C, H, W] input, got ${fmtShape(x.shape)}`);
    return pad(x, this.padding, this.mode, this.mode === 'constant' ? this.value : null);
  }

  override extraRepr(): string {
    return `[${this.padding}]${this.mode === 'constant' && this.value !== 0 ? `, value=${this.value}` : ''}`;
  }
}

/**
 * Pads with zeros. Shape: [*, H, W] -> [*, H + top + bottom, W + left + right].
 * @example new nn.ZeroPad2d([1, 1, 2, 0])
 */
export class ZeroPad2d extends Pad2d {
  constructor(padding: number | [number, number, number, number]);
  constructor(...args: unknown[]) {
    super(parseArgs('ZeroPad2d', args, { padding: param(sides, required) }).padding, 'constant');
  }
}

/**
 * Pads with a constant value.
 * @example new nn.ConstantPad2d(2, -1)
 */
export class ConstantPad2d extends Pad2d {
  constructor(padding: number | [number, number, number, number], value: number);
  constructor(...args: unknown[]) {
    const a = parseArgs('ConstantPad2d', args, { padding: param(sides, required), value: param(number({ infinite: true }), required) });
    super(a.padding, 'constant', a.value);
  }
}

/**
 * Pads with the reflection of the input at its border (the border itself not repeated).
 * @example new nn.ReflectionPad2d(1) // [[1, 2], [3, 4]] row 0 -> [4, 3, 4, 3]
 */
export class ReflectionPad2d extends Pad2d {
  constructor(padding: number | [number, number, number, number]);
  constructor(...args: unknown[]) {
    super(parseArgs('ReflectionPad2d', args, { padding: param(sides, required) }).padding, 'reflect');
  }
}

/**
 * Pads by repeating the border values.
 * @example new nn.ReplicationPad2d([1, 0, 0, 1])
 */
export class ReplicationPad2d extends Pad2d {
  constructor(padding: number | [number, number, number, number]);
  constructor(...args: unknown[]) {
    super(parseArgs('ReplicationPad2d', args, { padding: param(sides, required) }).padding, 'replicate');
  }
}
