/**
 * Optimizer base: parameter groups with their hyperparameters, per-parameter
 * state tensors (owned by the optimizer, outside any scope, freed by
 * dispose()), zeroGrad, and a state dict like torch.optim's
 * ({state: index -> entries, paramGroups: hyperparameters + param indices}).
 * Subclasses implement one fused wasm update per parameter.
 */
import { Tensor } from '../tensor';
import { fmtShape, sameShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { untracked } from '../autograd/scope';
import { clone, zeros, materialize } from '../ops/create';
import { fill_ } from '../ops/inplace';
import { boolean, describe, invalid, isPlainObject, options, param, parseArgs, required, type Check, type Param, type Spec } from '../validate';

/**
 * One parameter group of an optimizer: its tensors and its hyperparameters H (lr, ...).
 * @example opt.paramGroups[0].lr = 0.01
 */
export interface ParamGroup<H> {
  /** The tensors this group updates. */
  params: Tensor[];
  /** Set by the optimizer: the learning rate the group started with (schedulers scale from it). */
  initialLr?: number;
  [key: string]: unknown;
}

/**
 * An optimizer's first argument: an iterable of tensors, or parameter groups with their own hyperparameters.
 * @example new optim.SGD([{ params: a.parameters() }, { params: b.parameters(), lr: 1e-3 }], 0.1)
 */
export type Params<H> = Iterable<Tensor> | (Partial<H> & { params: Iterable<Tensor> })[];

/** Per-parameter state: the step count and named tensors (momentum buffers, moments). */
export interface ParamState {
  step: number;
  tensors: Map<string, Tensor>;
}

/**
 * What Optimizer.stateDict() returns and loadStateDict() takes: per-parameter state by index and the groups' hyperparameters.
 * @example opt2.loadStateDict(opt.stateDict())
 */
export interface OptimizerStateDict {
  /** Per-parameter state keyed by the parameter's index over all groups: step count and buffers. */
  state: Map<number, { step: number; tensors: Map<string, Tensor> }>;
  /** Each group's hyperparameters and its parameters' indices. */
  paramGroups: Record<string, unknown>[];
}

/**
 * The first argument of every optimizer: an iterable of parameter tensors
 * (`model.parameters()`) or a list of parameter groups `{ params, ...hyperparameters }`.
 */
const paramsArg: Check<unknown[]> = (v, at) => {
  if (v instanceof Tensor) throw invalid(at, 'an iterable of Tensors or a list of parameter groups', v, 'wrap a single tensor in an array: [p]');
  if (v === null || typeof v !== 'object' || typeof (v as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    const hint = typeof (v as { parameters?: unknown } | null)?.parameters === 'function' ? 'pass model.parameters()' : '';
    throw invalid(at, 'an iterable of Tensors or a list of parameter groups', v, hint);
  }
  return [...(v as Iterable<unknown>)];
};

/** An optimizer's hyperparameters in PyTorch's positional order (after params), with checks and defaults. */
export type OptimizerArgs<H> = { [K in keyof H]: Param<H[K]> };

/**
 * Base of SGD, Adam, AdamW and RMSprop: parameter groups, per-parameter state, zeroGrad(), step(), stateDict().
 * @example const opt = new optim.SGD(model.parameters(), 0.1); opt.zeroGrad(); loss.backward(); opt.step();
 */
export abstract class Optimizer<H extends { lr: number }> {
  readonly paramGroups: (H & ParamGroup<H>)[] = [];
  /** The hyperparameters a group takes when it does not set its own. */
  readonly defaults: H;
  protected readonly state = new Map<Tensor, ParamState>();
  private readonly name: string;

  /**
   * Binds `args` (PyTorch's positional order, or options) through `spec`;
   * each parameter group's own hyperparameters are checked by the same
   * spec, with the optimizer's values as defaults.
   */
  protected constructor(name: string, args: readonly unknown[], spec: OptimizerArgs<H>) {
    this.name = name;
    const { params: list, ...defaults } = parseArgs(name, args, { params: param(paramsArg, required), ...(spec as Spec) }) as { params: unknown[] } & H;
    this.defaults = defaults as unknown as H;
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list; pass model.parameters() of a model that has parameters`);
    const grouped = !(list[0] instanceof Tensor);
    const groups = grouped ? list : [{ params: list }];
    const hyperSpec: Spec = {};
    for (const key of Object.keys(defaults)) hyperSpec[key] = param(spec[key as keyof H].check as Check<unknown>, (defaults as Record<string, unknown>)[key]);
    const seen = new Set<Tensor>();
    groups.forEach((g, gi) => {
      const where = grouped ? `${name}: parameter group ${gi}` : name;
      if (!isPlainObject(g) || !('params' in g)) {
        throw new TypeError(`${name}: params must hold only Tensors or only parameter groups { params, ...hyperparameters }; item ${gi} is ${describe(g)}`);
      }
      const { params, ...own } = g;
      const ps = grouped ? paramsArg(params, { where, name: 'params' }) : (params as unknown[]);
      ps.forEach((p, i) => {
        if (!(p instanceof Tensor)) throw new TypeError(`${where}: params must be Tensors; item ${i} is ${describe(p)}`);
        p.assertAlive(where);
        if (!p.isLeaf) throw new Error(`${where}: can't optimize a non-leaf Tensor (shape ${fmtShape(p.shape)}, made by ${p.gradFn}); optimize the leaf it was computed from`);
        if (seen.has(p)) throw new Error(`${where}: some parameters appear in more than one parameter group`);
        seen.add(p);
      });
      const group = { ...options(where, own, hyperSpec), params: ps } as H & ParamGroup<H>;
      this.validate(group);
      group.initialLr = group.lr;
      this.paramGroups.push(group);
    });
  }

  /** Checks what the spec cannot: relations between a group's hyperparameters (throws a named error). */
  protected validate(_group: H): void {}

  /** Updates one parameter with its (contiguous) gradient and state. */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, group: H): void;

  /** One optimisation step over every parameter that has a gradient. */
  step(...args: never[]): void {
    parseArgs(`${this.name}.step`, args, {});
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (p.grad === null || p.grad.disposed) continue;
          p.assertAlive(`${this.name}.step`);
          if (!p.isContiguous()) throw new Error(`${this.name}.step: parameter of shape ${fmtShape(p.shape)} must be contiguous`);
          if (!sameShape(p.grad.shape, p.shape)) throw new RangeError(`${this.name}.step: gradient ${fmtShape(p.grad.shape)} does not match parameter ${fmtShape(p.shape)}`);
          let st = this.state.get(p);
          if (st === undefined) {
            st = { step: 0, tensors: new Map() };
            this.state.set(p, st);
          }
          const { t: g, owned } = materialize(p.grad);
          try {
            this.update(p, g, st, group);
          } finally {
            if (owned) g.dispose();
          }
        }
      }
    });
  }

  /** A zero-filled state tensor like p, owned by the optimizer. */
  protected stateTensor(st: ParamState, name: string, p: Tensor): Tensor {
    let t = st.tensors.get(name);
    if (t === undefined) {
      t = untracked(() => zeros(p.shape));
      st.tensors.set(name, t);
    }
    return t;
  }

  /**
   * Frees every parameter's gradient (PyTorch's default `set_to_none=True`),
   * or with `zeroGrad(false)` / `{ setToNone: false }` fills it with zeros.
   */
  zeroGrad(setToNone?: boolean | { setToNone?: boolean }): void {
    const a = parseArgs(`${this.name}.zeroGrad`, setToNone === undefined ? [] : [setToNone], { setToNone: param(boolean, true) });
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.grad === null) continue;
        if (!a.setToNone && !p.grad.disposed) {
          fill_(p.grad, 0);
        } else {
          p.grad.dispose();
          p.grad = null;
        }
      }
    }
  }

  /** The state (new handles sharing the optimizer's tensors) and the groups' hyperparameters with parameter indices. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      return { ...hyper, params: params.map((p) => { index.set(p, index.size); return index.size - 1; }) };
    });
    const state = new Map<number, { step: number; tensors: Map<string, Tensor> }>();
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state.set(i, { step: st.step, tensors: new Map([...st.tensors].map(([k, t]) => [k, t.detach()])) });
    }
    return { state, paramGroups };
  }

  /** Restores hyperparameters and state (copies of the given tensors) for the same parameter layout. */
  loadStateDict(sd: OptimizerStateDict): void {
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${this.name}.loadStateDict: the state dict has ${sd.paramGroups.length} parameter groups, the optimizer ${this.paramGroups.length}`);
    }
    const params: Tensor[] = [];
    sd.paramGroups.forEach((g, i) => {
      const ours = this.paramGroups[i];
      const idx = g.params as number[];
      if (!Array.isArray(idx) || idx.length !== ours.params.length) {
        throw new Error(`${this.name}.loadStateDict: group ${i} has ${Array.isArray(idx) ? idx.length : '?'} parameters in the state dict, ${ours.params.length} in the optimizer`);
      }
      params.push(...ours.params);
    });
    for (const [i, st] of sd.state) {
      const p = params[i];
      if (p === undefined) throw new Error(`${this.name}.loadStateDict: state for parameter ${i}, which does not exist`);
      for (const [k, t] of st.tensors) {
        if (!sameShape(t.shape, p.shape)) throw new RangeError(`${this.name}.loadStateDict: state '${k}' of parameter ${i} has shape ${fmtShape(t.shape)}, the parameter ${fmtShape(p.shape)}`);
      }
    }
    this.disposeState();
    sd.paramGroups.forEach((g, i) => {
      const { params: _, ...hyper } = g;
      Object.assign(this.paramGroups[i], hyper);
    });
    for (const [i, st] of sd.state) {
      const tensors = new Map<string, Tensor>();
      for (const [k, t] of st.tensors) tensors.set(k, untracked(() => noGrad(() => clone(t))));
      this.state.set(params[i], { step: st.step, tensors });
    }
  }

  private disposeState(): void {
    for (const st of this.state.values()) for (const t of st.tensors.values()) t.dispose();
    this.state.clear();
  }

  /** Frees the optimizer's state tensors (not the parameters). */
  dispose(): void {
    this.disposeState();
  }

  /** dispose() for `using opt = ...` (explicit resource management). */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
