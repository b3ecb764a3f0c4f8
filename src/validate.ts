/**
 * The validation layer: every public function and constructor checks its
 * arguments here, before anything is allocated, so a refused call leaves the
 * heap exactly as it was and every refusal reads the same way:
 *
 *   `Conv2d: stride must be an integer >= 1 or a pair of them, got '2' (a string)`
 *   `optim.SGD: unknown option 'weight_decay' (did you mean 'weightDecay'? options are camelCase)`
 *
 * The rule for arguments (also in the README): a function takes PyTorch's
 * positional order for the arguments PyTorch has positionally, and, as its
 * last argument, an options object whose keys are the camelCase names of the
 * same arguments. `new nn.Conv2d(3, 8, 3, 2, 1)` and
 * `new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 })` build the same layer;
 * an argument given both ways, too many positional arguments, an unknown key
 * or a wrong type is refused with the options form shown.
 */
import { Tensor } from './tensor';

/** Where a value is being checked: the op or module, and the argument's name. */
export interface At {
  readonly where: string;
  readonly name: string;
}

/** Checks one value and returns it parsed (a pair expanded, a default applied), or throws. */
export type Check<T> = (v: unknown, at: At) => T;

/** A value as an error message shows it: strings quoted, with its type: `'0.01' (a string)`, `NaN (a number)`. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}' (a string)`;
  if (typeof v === 'number') return `${Object.is(v, -0) ? '-0' : String(v)} (a number)`;
  if (typeof v === 'boolean') return `${v} (a boolean)`;
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  if (typeof v === 'function') return `a function${v.name ? ` ${v.name}` : ''}`;
  if (typeof v === 'symbol') return `a symbol ${String(v.description ?? '')}`;
  if (v instanceof Tensor) return `a Tensor of shape [${v.shape.join(',')}]`;
  if (Array.isArray(v)) return v.length <= 8 ? `[${v.map((x) => (typeof x === 'string' ? `'${x}'` : typeof x === 'object' && x !== null ? '...' : String(x))).join(', ')}] (an array)` : `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  const name = Object.getPrototypeOf(v)?.constructor?.name;
  if (name && name !== 'Object') return `a ${name}`;
  const keys = Object.keys(v as object);
  return `an object {${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}}`;
}

/** The error for a value that fails a check: TypeError for a wrong type, RangeError for a value out of range. */
export function invalid(at: At, expected: string, v: unknown, hint = '', kind: 'type' | 'range' = 'type'): Error {
  const message = `${at.where}: ${at.name} must be ${expected}, got ${describe(v)}${hint ? `; ${hint}` : ''}`;
  return kind === 'type' ? new TypeError(message) : new RangeError(message);
}

/** A plain object: what an options argument is (not an array, a tensor, a typed array or a class instance). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** " (did you mean 'weightDecay'? ...)" for an unknown key, or '' when nothing is close. */
export function didYouMean(key: string, known: readonly string[]): string {
  const c = camel(key);
  if (c !== key && known.includes(c)) return ` (did you mean '${c}'? options are camelCase)`;
  const lower = key.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower || k.toLowerCase() === c.toLowerCase());
  if (exact) return ` (did you mean '${exact}'?)`;
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(c.toLowerCase(), k.toLowerCase());
    if (d < bestD) (bestD = d), (best = k);
  }
  return best && bestD <= Math.max(1, Math.floor(best.length / 3)) ? ` (did you mean '${best}'?)` : '';
}

// ---------------------------------------------------------------------------
// Checks of single values

export interface NumberRange {
  /** Inclusive lower bound. */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive lower bound. */
  gt?: number;
  /** Exclusive upper bound. */
  lt?: number;
  /** Allow ±Infinity (default false; NaN is never allowed). */
  infinite?: boolean;
}

function rangeText({ min, max, gt, lt }: NumberRange): string {
  const lo = gt !== undefined ? `> ${gt}` : min !== undefined ? `>= ${min}` : '';
  const hi = lt !== undefined ? `< ${lt}` : max !== undefined ? `<= ${max}` : '';
  if (lo && hi) {
    if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
    return ` ${lo} and ${hi}`;
  }
  return lo || hi ? ` ${lo || hi}` : '';
}

function inRange(v: number, { min, max, gt, lt }: NumberRange): boolean {
  return !((min !== undefined && v < min) || (max !== undefined && v > max) || (gt !== undefined && v <= gt) || (lt !== undefined && v >= lt));
}

/** A number (never NaN; finite unless `infinite`), optionally within a range. */
export function number(range: NumberRange = {}): Check<number> {
  const what = `a ${range.infinite ? '' : 'finite '}number${rangeText(range)}`;
  return (v, at) => {
    if (typeof v !== 'number' || Number.isNaN(v) || (!range.infinite && !Number.isFinite(v))) {
      throw invalid(at, what, v, typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? `pass the number ${Number(v)}, not a string` : '');
    }
    if (!inRange(v, range)) throw invalid(at, what, v, '', 'range');
    return v;
  };
}

/** Any number, NaN and infinities included (a fill value, a scalar operand). */
export const anyNumber: Check<number> = (v, at) => {
  if (typeof v !== 'number') throw invalid(at, 'a number', v, typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? `pass the number ${Number(v)}, not a string` : '');
  return v;
};

/** An integer (a number with no fraction), optionally within a range. */
export function integer(range: NumberRange = {}): Check<number> {
  const what = `an integer${rangeText(range)}`;
  return (v, at) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(at, what, v, typeof v === 'number' && Number.isFinite(v) ? `round it, e.g. ${Math.round(v)}` : '');
    if (!inRange(v, range)) throw invalid(at, what, v, '', 'range');
    return v;
  };
}

/** A boolean: `true` or `false`, not a string or a number. */
export const boolean: Check<boolean> = (v, at) => {
  if (typeof v !== 'boolean') throw invalid(at, 'a boolean (true or false)', v, typeof v === 'string' ? `write ${v === 'false' ? 'false' : 'true'} without quotes` : '');
  return v;
};

/** One of the listed strings. */
export function oneOf<const T extends string>(values: readonly T[]): Check<T> {
  const what = `one of ${values.map((s) => `'${s}'`).join(', ')}`;
  return (v, at) => {
    if (typeof v !== 'string' || !values.includes(v as T)) {
      const close = typeof v === 'string' ? didYouMean(v, values).trim() : '';
      throw invalid(at, what, v, close.replace(/^\(|\)$/g, ''), typeof v === 'string' ? 'range' : 'type');
    }
    return v as T;
  };
}

/** An integer or a pair of integers (PyTorch's `int | tuple[int, int]`), each within the range, expanded to a pair. */
export function pair(range: NumberRange = {}): Check<[number, number]> {
  const what = `an integer${rangeText(range)} or a pair of them`;
  return (v, at) => {
    const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
    if (p === null || !p.every((x) => typeof x === 'number' && Number.isInteger(x))) throw invalid(at, what, v);
    if (!p.every((x) => inRange(x, range))) throw invalid(at, what, v, '', 'range');
    return [p[0], p[1]];
  };
}

/** An integer within the range, also written as a one-element array (PyTorch's `(k,)` for 1-d ops). */
export function single(range: NumberRange = {}): Check<number> {
  const check = integer(range);
  return (v, at) => check(Array.isArray(v) && v.length === 1 ? v[0] : v, at);
}

/** An integer or a list of integers (a shape, a list of dims), each within the range, as an array. */
export function intList(range: NumberRange = {}, { single = true } = {}): Check<number[]> {
  const what = `${single ? 'an integer or ' : ''}an array of integers${rangeText(range)}`;
  return (v, at) => {
    const list = single && typeof v === 'number' ? [v] : Array.isArray(v) ? v : null;
    if (list === null || !list.every((x) => typeof x === 'number' && Number.isInteger(x))) throw invalid(at, what, v);
    if (!list.every((x) => inRange(x, range))) throw invalid(at, what, v, '', 'range');
    return list.slice();
  };
}

/** An array of values each passing `check` (exactly `length` of them when given), as a new array. */
export function arrayOf<T>(check: Check<T>, what: string, { length }: { length?: number } = {}): Check<T[]> {
  const expected = `${length === undefined ? 'an array' : `an array of ${length}`} of ${what}`;
  return (v, at) => {
    if (!Array.isArray(v) || (length !== undefined && v.length !== length)) throw invalid(at, expected, v);
    return v.map((x, i) => check(x, { where: at.where, name: `${at.name}[${i}]` }));
  };
}

/** An instance of `cls` (checked with instanceof); `hint` says how to get one. */
export function instanceOf<T>(cls: abstract new (...a: never[]) => T, what: string, hint = ''): Check<T> {
  return (v, at) => {
    if (!(v instanceof cls)) throw invalid(at, what, v, hint);
    return v;
  };
}

/** A live Tensor. */
export const tensor: Check<Tensor> = (v, at) => {
  if (!(v instanceof Tensor)) throw invalid(at, 'a Tensor', v, Array.isArray(v) || typeof v === 'number' ? 'wrap it with tensor(...)' : '');
  v.assertAlive(`${at.where} (${at.name})`);
  return v;
};

/** A live Tensor or any number (a scalar operand: where's values, maskedFill's value, lerp's weight). */
export const tensorOrNumber: Check<Tensor | number> = (v, at) => (typeof v === 'number' ? v : tensor(v, at));

/** A string (any). */
export const string: Check<string> = (v, at) => {
  if (typeof v !== 'string') throw invalid(at, 'a string', v);
  return v;
};

/** A function. */
export const func: Check<(...a: never[]) => unknown> = (v, at) => {
  if (typeof v !== 'function') throw invalid(at, 'a function', v);
  return v as (...a: never[]) => unknown;
};

/**
 * Only `value` (PyTorch's default) is accepted: for an argument kept so that
 * PyTorch's positional order still lines up, whose other values are not
 * implemented; anything else is refused with `why` instead of being ignored.
 */
export function onlyDefault<T>(value: T, why: string): Check<T> {
  return (v, at) => {
    if (v !== value) throw invalid(at, `${describe(value).replace(/ \(an? \w+\)$/, '')} (the only value supported)`, v, why, 'range');
    return v as T;
  };
}

/** `null` (or undefined, read as null) or a value passing `check`. */
export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, at) => (v === null || v === undefined ? null : check(v, at));
}

/** The first of several checks that accepts the value; the error lists what each expects. */
export function either<A, B>(a: Check<A>, b: Check<B>, what: string): Check<A | B> {
  return (v, at) => {
    try {
      return a(v, at);
    } catch {
      try {
        return b(v, at);
      } catch {
        throw invalid(at, what, v);
      }
    }
  };
}

// ---------------------------------------------------------------------------
// Options objects and PyTorch's positional order

/** One named argument: its check and its default (`required` when there is none). */
export interface Param<T> {
  readonly check: Check<T>;
  readonly fallback: T | typeof required;
}

/** Marks a parameter with no default: leaving it out is an error. */
export const required: unique symbol = Symbol('required');

/** A named argument with a default (or `required`). */
export function param<T>(check: Check<T>, fallback: NoInfer<T> | typeof required): Param<T> {
  return { check, fallback };
}

export type Spec = Record<string, Param<unknown>>;
export type Parsed<S extends Spec> = { [K in keyof S]: S[K] extends Param<infer T> ? T : never };

function optionsExample(names: readonly string[]): string {
  return `{ ${names.map((n) => `${n}: ...`).join(', ')} }`;
}

/**
 * Checks an options object (undefined means empty): an object, no unknown
 * key (did-you-mean, snake_case pointed to camelCase), each value through its
 * check, defaults filled in. `undefined` values count as absent.
 */
export function options<S extends Spec>(where: string, opts: unknown, spec: S): Parsed<S> {
  if (opts !== undefined && !isPlainObject(opts)) throw new TypeError(`${where}: options must be an object like ${optionsExample(Object.keys(spec))}, got ${describe(opts)}`);
  return parseArgs(where, opts === undefined ? [] : [opts], spec, 0);
}

/**
 * Parses `args` as PyTorch would bind them: the first `positional` names of
 * `spec` (in its key order) may come positionally, and a trailing plain
 * object holds any of the names as options. Refuses more positional
 * arguments than that, a name given both ways, unknown keys and bad values,
 * each with the options form in the message.
 */
export function parseArgs<S extends Spec>(where: string, args: readonly unknown[], spec: S, positional = Object.keys(spec).length): Parsed<S> {
  const names = Object.keys(spec);
  // trailing undefineds are absent arguments (a wrapper passing its optional parameters on)
  let given = args.length;
  while (given > 0 && args[given - 1] === undefined) given--;
  const last = given > 0 ? args[given - 1] : undefined;
  const hasOptions = given > 0 && isPlainObject(last) && !(given - 1 < positional && acceptsObject(spec[names[given - 1]!]!));
  let pos = args.slice(0, hasOptions ? given - 1 : given);
  while (pos.length > 0 && pos[pos.length - 1] === undefined) pos = pos.slice(0, -1);
  const opts = (hasOptions ? last : {}) as Record<string, unknown>;
  if (pos.length > positional) {
    const extra = names.slice(positional);
    const form = extra.length > 0 ? `pass ${extra.join(', ')} by name: ${optionsExample(extra)}` : 'remove it';
    throw new TypeError(`${where}: takes ${positional} positional argument${positional === 1 ? '' : 's'}${positional > 0 ? ` (${names.slice(0, positional).join(', ')})` : ''}, got ${pos.length}: argument ${positional + 1} is ${describe(pos[positional])}; ${form}`);
  }
  for (const key of Object.keys(opts)) {
    if (!names.includes(key)) throw new TypeError(`${where}: unknown option '${key}'${didYouMean(key, names)}; ${names.length === 0 ? 'it takes no options' : `the options are ${names.map((n) => `'${n}'`).join(', ')}`}`);
  }
  const out: Record<string, unknown> = {};
  names.forEach((name, i) => {
    const p = spec[name]!;
    const fromPos = i < pos.length ? pos[i] : undefined;
    const fromOpt = opts[name];
    if (fromPos !== undefined && fromOpt !== undefined) throw new TypeError(`${where}: ${name} was given twice, as argument ${i + 1}: ${describe(fromPos)}, and as an option: ${describe(fromOpt)}; give it once`);
    const v = fromPos !== undefined ? fromPos : fromOpt;
    if (v === undefined) {
      if (p.fallback === required) throw new TypeError(`${where}: missing ${name} (argument ${i + 1}${i < positional ? ', or the option' : ' as an option'} '${name}')`);
      out[name] = p.fallback;
    } else {
      out[name] = p.check(v, { where, name });
    }
  });
  return out as Parsed<S>;
}

/** Whether a parameter's check takes a plain object (then a trailing object may be that argument, not options). */
function acceptsObject(p: Param<unknown>): boolean {
  return (p.check as { takesObject?: boolean }).takesObject === true;
}

/** Marks a check as taking plain objects (e.g. a state dict), so parseArgs does not read one as options. */
export function takesObject<T>(check: Check<T>): Check<T> {
  return Object.assign((v: unknown, at: At) => check(v, at), { takesObject: true });
}
