/** Shape arithmetic and validation shared by every op. */

export type Shape = readonly number[];

export const fmtShape = (s: Shape): string => `[${s.join(',')}]`;

export const numel = (s: Shape): number => {
  let n = 1;
  for (const d of s) n *= d;
  return n;
};

/** Row-major strides of a contiguous tensor of shape `s`, in elements. */
export function contiguousStrides(s: Shape): number[] {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

/**
 * A primitive as a message shows it, strings quoted with the type
 * (validate.ts's describe covers every kind; this file sits below it).
 */
export function shown(v: unknown): string {
  if (typeof v === 'string') return `'${v}' (a string)`;
  if (typeof v === 'number') return `${v} (a number)`;
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? `'${x}'` : String(x))).join(', ')}] (an array)`;
  if (v === null || v === undefined) return String(v);
  return typeof v === 'object' ? `a ${Object.getPrototypeOf(v)?.constructor?.name ?? 'value'}` : `${String(v)} (a ${typeof v})`;
}

/** An integer argument (an index, a start, a length), refused with its value and type otherwise. */
export function checkInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${op}: ${name} must be an integer, got ${shown(v)}`);
  return v;
}

/** Checks a user-given shape: non-negative integer sizes. */
export function checkShape(op: string, s: readonly number[]): number[] {
  if (!Array.isArray(s)) throw new TypeError(`${op}: shape must be an array of sizes, got ${shown(s)}`);
  for (const d of s) {
    if (typeof d !== 'number') throw new TypeError(`${op}: sizes must be integers, got ${shown(s)}`);
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`${op}: sizes must be non-negative integers, got ${fmtShape(s)}`);
  }
  return [...s];
}

/** Normalises a possibly negative dim for a tensor of rank `rank`. */
export function normDim(op: string, dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  checkInt(op, 'dim', dim);
  if (dim < -r || dim >= r) {
    throw new RangeError(`${op}: dim ${dim} out of range for a tensor of rank ${rank} (expected in [${-r}, ${r - 1}])`);
  }
  return dim < 0 ? dim + r : dim;
}

/** The broadcast of two shapes (NumPy/PyTorch rules), or a named error. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dim ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of a view of (shape, strides) broadcast to `to`: 0 along expanded dims. */
export function broadcastStrides(shape: Shape, strides: Shape, to: Shape): number[] {
  const off = to.length - shape.length;
  const out = new Array<number>(to.length).fill(0);
  for (let i = 0; i < shape.length; i++) out[i + off] = shape[i] === 1 && to[i + off] !== 1 ? 0 : strides[i];
  return out;
}

/**
 * Merges dims of a common index space so kernels see at most a few: drops
 * size-1 dims and joins neighbours where every operand's strides chain
 * (stride[i] = stride[i+1] * size[i+1]). Returns the merged sizes and each
 * operand's merged strides.
 */
export function collapse(shape: Shape, strides: readonly Shape[]): { shape: number[]; strides: number[][] } {
  const s: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && strides.every((x, k) => st[k][last] === x[i] * shape[i])) {
      s[last] *= shape[i];
      strides.forEach((x, k) => (st[k][last] = x[i]));
    } else {
      s.push(shape[i]);
      strides.forEach((x, k) => st[k].push(x[i]));
    }
  }
  return { shape: s, strides: st };
}

export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
