/** The Module base class, Sequential and ModuleList (torch.nn.Module's registration, traversal, state dicts, hooks). */
import { Tensor } from '../tensor';
import { fmtShape, sameShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { untracked } from '../autograd/scope';
import { tracer } from '../autograd/trace';
import { clone } from '../ops/create';
import { copy_, fill_ } from '../ops/inplace';
import { boolean, describe, func, invalid, isPlainObject, nullable, param, parseArgs, required, string, takesObject, tensor, type Check } from '../validate';
import { fromTorchKey, type StateDict } from '../io/keys';

export { toTorchKey, fromTorchKey, type StateDict } from '../io/keys';

/**
 * Called after `module.forward(...inputs)` returned `output` (through
 * module.call); a returned tensor replaces the output, undefined keeps it.
 */
export type ForwardHook = (module: Module, inputs: Tensor[], output: Tensor) => Tensor | void;

/** What registerForwardHook returns: remove() unregisters the hook (idempotent). */
export interface RemovableHandle {
  remove(): void;
}

/** Takes over `t` as a module-owned tensor: an untracked handle (t itself is disposed), contiguous and unshared. */
function adopt(t: Tensor, requiresGrad: boolean): Tensor {
  t.assertAlive('register');
  const owned = untracked(() => noGrad(() => (t.isOwnedContiguous() ? t.alias() : clone(t))));
  t.dispose();
  owned.requiresGrad = requiresGrad;
  return owned;
}

const isModuleArray = (v: unknown): v is Module[] => Array.isArray(v) && v.length > 0 && v.every((m) => m instanceof Module);
const isParameter = (v: unknown): v is Tensor => v instanceof Tensor && v.requiresGrad && v.isLeaf;

const stateDictArg: Check<StateDict> = takesObject((v, at) => {
  if (v instanceof Map || (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)) return v as StateDict;
  throw new TypeError(`${at.where}: ${at.name} must be a Map or a plain object of tensors (what stateDict() returns), got ${describe(v)}`);
});
/** Options of loadStateDict (after the state dict, PyTorch's positional strict). */
export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true); shape mismatches always are. */
  strict?: boolean;
  /**
   * Renames checkpoint keys before matching: an object of leading-segment
   * renames (`{ '0': 'conv1', '3': 'layer1' }`, the longest match wins) or a
   * function from a checkpoint key to this module's key (null skips it).
   */
  keyMap?: KeyMap | null;
  /** Pair entries by position in order (stateDict() order here), not by name (default false). */
  byPosition?: boolean;
}

/** A checkpoint-key rename: leading-segment renames, or a function (null skips the entry). */
export type KeyMap = Record<string, string> | ((key: string) => string | null);

/** What loadStateDict did: keys left out on either side, and every [module key, checkpoint key] it copied. */
export interface LoadStateDictReport {
  /** This module's keys the checkpoint did not supply. */
  missingKeys: string[];
  /** The checkpoint's keys no module entry took. */
  unexpectedKeys: string[];
  /** Every pair copied: [this module's key, the checkpoint's key]. */
  matched: [string, string][];
}

/** A keyMap: a function, or a plain object whose values are strings. */
const keyMapArg: Check<KeyMap> = (v, at) => {
  if (typeof v === 'function') return v as KeyMap;
  if (isPlainObject(v) && Object.values(v).every((s) => typeof s === 'string')) return v as Record<string, string>;
  throw invalid(at, "a function (key) => newKey or an object of prefix renames like { '0': 'conv1' }", v);
};

const ZERO_GRAD_ARGS = { setToNone: param(boolean, true) };

const LOAD_STATE_DICT_ARGS = {
  stateDict: param(stateDictArg, required),
  strict: param(boolean, true),
  keyMap: param(nullable(keyMapArg), null),
  byPosition: param(boolean, false),
};

/** The rename a keyMap describes (identity for none); prefixes match whole dot-separated segments. */
function renamer(map: KeyMap | null): (key: string) => string | null {
  if (map === null) return (k) => k;
  if (typeof map === 'function') {
    return (k) => {
      const r = map(k);
      if (r !== null && typeof r !== 'string') throw new TypeError(`loadStateDict: keyMap('${k}') must return a string or null, got ${describe(r)}`);
      return r;
    };
  }
  const strip = (s: string) => s.replace(/\.$/, '');
  const rules = Object.entries(map).map(([from, to]) => [strip(from), strip(to)] as const).sort((x, y) => y[0].length - x[0].length);
  return (k) => {
    for (const [from, to] of rules) {
      if (k === from) return to;
      if (k.startsWith(`${from}.`)) return to === '' ? k.slice(from.length + 1) : `${to}${k.slice(from.length)}`;
    }
    return k;
  };
}

/**
 * Module: the base of every layer, as torch.nn.Module.
 *
 * Registration. A module's parameters, buffers and child modules are found
 * two ways, both seen by parameters(), namedParameters(), train()/eval(),
 * stateDict(), loadStateDict(), toString() and dispose():
 * - explicitly, with registerParameter / registerBuffer / registerModule
 *   (the library's own layers do this; the module takes ownership of the tensors);
 * - like PyTorch's attribute assignment: an own field holding a Module, an
 *   array of Modules (children `name.0`, `name.1`, ... as a ModuleList would
 *   name them) or a parameter tensor (a leaf with requiresGrad) is registered
 *   under the field's name. Fields are read when a traversal runs (no Proxy),
 *   in declaration order, after the explicit registrations; a field whose
 *   name or value is already registered explicitly is not counted twice.
 *   A plain tensor without requiresGrad is not registered (use registerBuffer),
 *   as in PyTorch. A parameter found in a field stays the caller's handle:
 *   a tensor made inside a scope() dies with it (registerParameter adopts it instead).
 *
 * Names join with dots into state-dict keys such as `layer1.0.bn1.runningMean`
 * (toTorchKey gives PyTorch's `layer1.0.bn1.running_mean`). A module or a
 * parameter reachable twice is visited once (PyTorch's remove_duplicate).
 *
 * Ownership: a module owns its registered parameters and buffers. They live
 * outside any scope() (a model built inside a scope survives it) and are freed
 * by dispose(), or by the garbage-collection safety net when the module is dropped.
 *
 * @example
 * class Net extends nn.Module {
 *   constructor() {
 *     super();
 *     this.features = new nn.Sequential(new nn.Conv2d(1, 8, 3, 1, 1), new nn.BatchNorm2d(8), new nn.ReLU());
 *     this.heads = [new nn.Linear(8, 10), new nn.Linear(8, 2)];   // children heads.0, heads.1
 *   }
 *   forward(x) { ... }
 * }
 */
export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics); set with train()/eval(). */
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly bufs = new Map<string, Tensor | null>();
  private readonly subs = new Map<string, Module | null>();
  private readonly hooks = new Map<number, ForwardHook>();
  private nextHook = 0;

  /**
   * The computation; call it through call() so forward hooks run. Typed
   * loosely here so a layer may take extra arguments and return PyTorch's
   * tuples (LSTM's `[output, [hN, cN]]`); each layer declares its own types.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract forward(...inputs: any[]): any;

  /** forward(...inputs), then every forward hook in registration order (PyTorch's module call). */
  call(...inputs: Tensor[]): Tensor {
    // while exportOnnx traces, the call goes through its tracer
    let out = tracer === null ? this.forward(...inputs) : tracer.module(this, inputs);
    if (this.hooks.size === 0) return out;
    for (const hook of [...this.hooks.values()]) {
      const replaced = hook(this, inputs, out);
      if (replaced !== undefined) out = replaced;
    }
    return out;
  }

  /** @internal Whether forward hooks are registered (a block fusing this module's forward into another op must then call() it instead). */
  hasForwardHooks(): boolean {
    return this.hooks.size > 0;
  }

  /**
   * Runs `hook(module, inputs, output)` after every call() of this module
   * (PyTorch's register_forward_hook); a tensor it returns replaces the
   * output. Returns a handle whose remove() unregisters it.
   *
   * @example
   * const seen = [];
   * const h = model.at(0).registerForwardHook((m, inputs, out) => { seen.push(out.var().item()); });
   * model.call(x);
   * h.remove();
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    parseArgs(`${this.constructor.name}.registerForwardHook`, [hook], { hook: param(func, required) });
    const id = this.nextHook++;
    this.hooks.set(id, hook);
    return { remove: () => void this.hooks.delete(id) };
  }

  /**
   * Registers a learnable tensor under `name` and returns the module's own
   * handle on it: the module takes ownership, `t` itself is disposed.
   * null registers an absent parameter (like a Linear without bias).
   */
  registerParameter(name: string, t: Tensor | null): Tensor {
    this.checkName('registerParameter', name);
    nullable(tensor)(t, { where: 'registerParameter', name: `'${name}'` });
    const p = t === null ? null : adopt(t, true);
    this.params.set(name, p);
    return p as Tensor;
  }

  /** Registers persistent state that is not learned (running statistics); same ownership as parameters. */
  registerBuffer(name: string, t: Tensor | null): Tensor {
    this.checkName('registerBuffer', name);
    nullable(tensor)(t, { where: 'registerBuffer', name: `'${name}'` });
    const b = t === null ? null : adopt(t, false);
    this.bufs.set(name, b);
    return b as Tensor;
  }

  /** Registers a child module; returns it. */
  registerModule<M extends Module | null>(name: string, m: M): M {
    this.checkName('registerModule', name);
    if (m !== null && !(m instanceof Module)) throw new TypeError(`registerModule: '${name}' must be a Module or null, got ${describe(m)}`);
    this.subs.set(name, m);
    return m;
  }

  private checkName(op: string, name: string): void {
    string(name, { where: op, name: 'name' });
    if (name === '' || name.includes('.')) throw new TypeError(`${op}: name must be a non-empty string without dots, got ${describe(name)}`);
    if (this.params.has(name) || this.bufs.has(name) || this.subs.has(name)) throw new Error(`${op}: '${name}' is already registered on ${this.constructor.name}`);
  }

  /**
   * Children and parameters held in own fields and not registered explicitly
   * (see the class comment), in declaration order.
   */
  private fieldEntries(): { children: [string, Module][]; params: [string, Tensor][] } {
    const registered = new Set<unknown>([...this.params.values(), ...this.bufs.values(), ...this.subs.values()]);
    const children: [string, Module][] = [];
    const params: [string, Tensor][] = [];
    for (const [key, v] of Object.entries(this)) {
      if (this.params.has(key) || this.bufs.has(key) || this.subs.has(key) || registered.has(v)) continue;
      if (v instanceof Module) children.push([key, v]);
      else if (isModuleArray(v)) {
        if (!v.every((m) => registered.has(m))) v.forEach((m, i) => children.push([`${key}.${i}`, m]));
      } else if (isParameter(v)) params.push([key, v]);
    }
    return { children, params };
  }

  /** This module's own parameters (explicit, then found in fields), with their local names. */
  private *ownParameters(): IterableIterator<[string, Tensor]> {
    for (const [n, p] of this.params) if (p !== null) yield [n, p];
    yield* this.fieldEntries().params;
  }

  /** Direct children with their names: registered ones, then those found in fields. */
  *namedChildren(): IterableIterator<[string, Module]> {
    for (const [n, m] of this.subs) if (m !== null) yield [n, m];
    yield* this.fieldEntries().children;
  }

  /** Direct children (see namedChildren). */
  *children(): IterableIterator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and every descendant, depth first in registration order, with dotted names ('' for this one); each module once. */
  *namedModules(prefix = '', memo = new Set<Module>()): IterableIterator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [n, m] of this.namedChildren()) yield* m.namedModules(prefix === '' ? n : `${prefix}.${n}`, memo);
  }

  /** This module and every descendant, each once (see namedModules). */
  *modules(): IterableIterator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** Every parameter of this module and its descendants under its dotted name; each tensor once. */
  *namedParameters(): IterableIterator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [prefix === '' ? n : `${prefix}.${n}`, p];
      }
    }
  }

  /**
   * Every parameter, each once: what an optimizer takes.
   * @example const opt = new optim.SGD(model.parameters(), 0.1, 0.9);
   */
  *parameters(): IterableIterator<Tensor> {
    for (const [, p] of this.namedParameters()) yield p;
  }

  /** Every buffer (running statistics) of this module and its descendants under its dotted name. */
  *namedBuffers(): IterableIterator<[string, Tensor]> {
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, b] of m.bufs) if (b !== null) yield [prefix === '' ? n : `${prefix}.${n}`, b];
    }
  }

  /** Every buffer (see namedBuffers). */
  *buffers(): IterableIterator<Tensor> {
    for (const [, b] of this.namedBuffers()) yield b;
  }

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    boolean(mode, { where: `${this.constructor.name}.train`, name: 'mode' });
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /**
   * Frees the gradient of every parameter (PyTorch's default set_to_none=true),
   * or with `zeroGrad(false)` / `{ setToNone: false }` fills each with zeros.
   */
  zeroGrad(setToNone?: boolean | { setToNone?: boolean }): void;
  zeroGrad(...args: unknown[]): void {
    const { setToNone } = parseArgs(`${this.constructor.name}.zeroGrad`, args, ZERO_GRAD_ARGS);
    for (const p of this.parameters()) {
      if (p.grad === null) continue;
      if (!setToNone && !p.grad.disposed) {
        noGrad(() => fill_(p.grad as Tensor, 0));
      } else {
        p.grad.dispose();
        p.grad = null;
      }
    }
  }

  /** Parameters then buffers of each module, in registration order, as [key, tensor] (the order of stateDict()). */
  private *namedState(): IterableIterator<[string, Tensor]> {
    const seen = new Set<string>();
    for (const [prefix, m] of this.namedModules()) {
      const key = (n: string) => (prefix === '' ? n : `${prefix}.${n}`);
      const entries: [string, Tensor | null][] = [...m.ownParameters(), ...m.bufs];
      for (const [n, t] of entries) {
        if (t === null || seen.has(key(n))) continue;
        seen.add(key(n));
        yield [key(n), t];
      }
    }
  }

  /**
   * Parameters then buffers of each module, in registration order, under
   * dotted camelCase keys. The values are new handles sharing the module's
   * storage (no history): dispose them, or take them inside a scope().
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [k, t] of this.namedState()) out.set(k, t.detach());
    return out;
  }

  /**
   * Copies a state dict into this module's tensors, as PyTorch's
   * load_state_dict(stateDict, strict): keys ours or PyTorch's (snake_case).
   * Shape mismatches are always an error; with strict (the default) missing
   * and unexpected keys are too. The error lists every problem at once, and
   * nothing is copied unless everything checks.
   *
   * A checkpoint saved from a differently structured model of the same
   * layers (e.g. one PyTorch nn.Sequential with keys `0.weight`,
   * `3.0.conv1.weight`) loads with either option:
   *   keyMap: `{ '0': 'conv1', '1': 'bn1', '3': 'layer1' }` renames leading key
   *     segments (the longest matching prefix wins), or a function
   *     `(key) => newKey` (null skips the entry);
   *   byPosition: true pairs the checkpoint's entries with this module's
   *     stateDict() entries in order, ignoring names; every pair's shape must match.
   * Returns what happened: `matched` lists [this module's key, the checkpoint's key].
   *   model.loadStateDict(sd, { byPosition: true }).matched  // [['conv1.weight', '0.weight'], ...]
   */
  loadStateDict(stateDict: StateDict, strict?: boolean): LoadStateDictReport;
  loadStateDict(stateDict: StateDict, opts?: LoadStateDictOptions): LoadStateDictReport;
  loadStateDict(stateDict: StateDict, strict: boolean, opts: LoadStateDictOptions): LoadStateDictReport;
  loadStateDict(...args: unknown[]): LoadStateDictReport {
    const a = parseArgs(`${this.constructor.name}.loadStateDict`, args, LOAD_STATE_DICT_ARGS, 2);
    const rename = renamer(a.keyMap);
    const given: { key: string; from: string; t: Tensor }[] = [];
    for (const [from, t] of a.stateDict instanceof Map ? a.stateDict : Object.entries(a.stateDict)) {
      if (!(t instanceof Tensor)) throw new TypeError(`loadStateDict: value of '${from}' is not a Tensor, got ${describe(t)}`);
      t.assertAlive('loadStateDict');
      const mapped = rename(from);
      if (mapped !== null) given.push({ key: fromTorchKey(mapped), from, t });
    }
    const own = [...this.namedState()];
    const pairs: { key: string; target: Tensor; from: string; t: Tensor }[] = [];
    let missingKeys: string[], unexpectedKeys: string[];
    if (a.byPosition) {
      const n = Math.min(own.length, given.length);
      for (let i = 0; i < n; i++) pairs.push({ key: own[i][0], target: own[i][1], from: given[i].from, t: given[i].t });
      missingKeys = own.slice(n).map(([k]) => k);
      unexpectedKeys = given.slice(n).map((g) => g.from);
    } else {
      const byKey = new Map<string, (typeof given)[number]>();
      for (const g of given) {
        const twice = byKey.get(g.key);
        if (twice !== undefined) throw new Error(`loadStateDict: checkpoint keys '${twice.from}' and '${g.from}' both map to '${g.key}'${a.keyMap === null ? '' : ' after keyMap'}`);
        byKey.set(g.key, g);
      }
      const ownKeys = new Set(own.map(([k]) => k));
      for (const [key, target] of own) {
        const g = byKey.get(key);
        if (g !== undefined) pairs.push({ key, target, from: g.from, t: g.t });
      }
      missingKeys = own.filter(([k]) => !byKey.has(k)).map(([k]) => k);
      unexpectedKeys = given.filter((g) => !ownKeys.has(g.key)).map((g) => g.from);
    }
    const mismatched = pairs.filter((p) => !sameShape(p.t.shape, p.target.shape))
      .map((p) => `${p.key}${p.from !== p.key ? ` <- '${p.from}'` : ''}: checkpoint ${fmtShape(p.t.shape)} vs module ${fmtShape(p.target.shape)}`);
    const problems: string[] = [];
    if (a.strict && missingKeys.length > 0) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (a.strict && unexpectedKeys.length > 0) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    if (mismatched.length > 0) problems.push(`shape mismatches: ${mismatched.slice(0, 8).join('; ')}${mismatched.length > 8 ? `; and ${mismatched.length - 8} more` : ''}`);
    if (problems.length > 0) {
      const lineUp = !a.byPosition && own.length === given.length && own.every(([, t], i) => sameShape(t.shape, given[i].t.shape));
      const hint = lineUp && pairs.length < own.length ? '; the shapes line up in order: pass { byPosition: true } (or a keyMap) to load by position' : '';
      throw new Error(`loadStateDict: error(s) loading the state dict of ${this.constructor.name}: ${problems.join('; ')}${hint}`);
    }
    noGrad(() => {
      for (const p of pairs) copy_(p.target, p.t);
    });
    return { missingKeys, unexpectedKeys, matched: pairs.map((p) => [p.key, p.from] as [string, string]) };
  }

  /** Frees every parameter, buffer (and their gradients) of this module and its descendants. */
  dispose(): void {
    for (const m of [...this.modules()]) {
      for (const [, p] of [...m.ownParameters()]) p.dispose();
      for (const b of m.bufs.values()) b?.dispose();
    }
  }

  /** `using model = ...` disposes it at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The text between the parentheses of this module's line in toString(). */
  extraRepr(): string {
    return '';
  }

  /** A readable tree like PyTorch's module repr. */
  toString(): string {
    const lines: string[] = [];
    for (const [n, m] of this.namedChildren()) {
      const child = m.toString().split('\n').join('\n  ');
      lines.push(`  (${n}): ${child}`);
    }
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    return lines.length === 0 ? `${head})` : `${head}\n${lines.join('\n')}\n)`;
  }
}

/** An ordered list of child modules named by their index: what Sequential and ModuleList share. */
abstract class ModuleSequence extends Module {
  protected readonly list: Module[] = [];

  /** Adds a module at the end (named by its index); returns this. */
  append(m: Module): this {
    if (!(m instanceof Module)) {
      const hint = typeof m === 'function' ? `; construct it first: new nn.${(m as { name: string }).name}(...)` : '';
      throw new TypeError(`${this.constructor.name}: module ${this.list.length} must be a Module, got ${describe(m)}${hint}`);
    }
    this.registerModule(String(this.list.length), m);
    this.list.push(m);
    return this;
  }

  /** The number of modules. */
  get length(): number {
    return this.list.length;
  }

  /** The i-th module (negative i counts from the end). */
  at(i: number): Module {
    const j = i < 0 ? i + this.list.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.list.length) throw new RangeError(`${this.constructor.name}.at: index ${i} out of range for length ${this.list.length}`);
    return this.list[j];
  }

  [Symbol.iterator](): IterableIterator<Module> {
    return this.list[Symbol.iterator]();
  }
}

/**
 * Modules applied in order: forward(x) = m_n(...m_2(m_1(x))), through each
 * module's call() (so forward hooks run); indexable with at(i), iterable,
 * with a length; children named '0', '1', ...
 * @example const mlp = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(128, 10));
 */
export class Sequential extends ModuleSequence {
  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Each module's output feeds the next; intermediates are freed as the chain proceeds (the graph keeps what backward needs). */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.list) {
      const next = m.call(y);
      if (y !== x && next !== y) y.dispose();
      y = next;
    }
    return y;
  }
}

/**
 * A list of modules registered as children named '0', '1', ... (no forward
 * of its own). A plain array of modules in a field is registered the same way.
 * @example this.blocks = new nn.ModuleList([new nn.BasicBlock(16, 16), new nn.BasicBlock(16, 32, 2)]);
 */
export class ModuleList extends ModuleSequence {
  constructor(modules: Iterable<Module> = []) {
    super();
    if (modules === null || typeof (modules as Iterable<Module>)[Symbol.iterator] !== 'function') throw new TypeError(`ModuleList: modules must be an iterable of Modules (an array), got ${describe(modules)}`);
    for (const m of modules) this.append(m);
  }

  forward(): Tensor {
    throw new Error('ModuleList: has no forward; iterate over its modules');
  }
}
