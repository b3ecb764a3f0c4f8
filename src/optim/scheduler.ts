/**
 * Learning-rate schedulers: step() after each epoch (OneCycleLR: after each
 * batch) sets every group's lr from its initial lr lr0 with the closed forms
 * of torch.optim.lr_scheduler (_get_closed_form_lr), at epoch e = lastEpoch:
 *   StepLR:            lr = lr0 gamma^floor(e / stepSize)
 *   MultiStepLR:       lr = lr0 gamma^(number of milestones <= e, repeats counted)
 *   ExponentialLR:     lr = lr0 gamma^e
 *   CosineAnnealingLR: lr = etaMin + (lr0 - etaMin) (1 + cos(pi e / tMax)) / 2
 *   LinearLR:          lr = lr0 (startFactor + (endFactor - startFactor) min(totalIters, e) / totalIters)
 *   OneCycleLR:        phases annealed by cosine or linearly (see the class)
 * PyTorch's step() uses the equivalent recursive forms (lr *= gamma at a
 * milestone; LinearLR's lr *= 1 + (f - s) / (T s + (e - 1)(f - s))): the
 * values agree up to the last bits of a double, and a closed form resumes
 * from a state dict without replaying. A scheduler whose epoch-0 lr is not
 * lr0 (LinearLR, OneCycleLR) sets it at construction, like PyTorch's initial
 * step. ReduceLROnPlateau instead reacts to a metric passed to step(metric).
 */
import { Tensor } from '../tensor';
import { Optimizer } from './optimizer';
import { arrayOf, boolean, either, instanceOf, integer, invalid, nullable, number, oneOf, param, parseArgs, required, tensor as tensorArg, type Check } from '../validate';

type AnyOptimizer = Optimizer<{ lr: number }>;

/** The first argument of every scheduler. */
const optimizerArg = param(instanceOf(Optimizer as abstract new () => AnyOptimizer, 'an optimizer (optim.SGD, optim.Adam, ...)'), required);

/** ReduceLROnPlateau's metric: a number (NaN allowed: never an improvement) or a one-element tensor. */
const metricArg: Check<number | Tensor> = (v, at) => {
  if (typeof v === 'number') return v;
  if (!(v instanceof Tensor)) throw invalid(at, 'a number or a one-element Tensor', v);
  return tensorArg(v, at);
};

/** A number or one per parameter group (PyTorch's float | list[float]). */
const numberOrList = (range: Parameters<typeof number>[0]): Check<number | number[]> =>
  either(number(range), arrayOf(number(range), 'numbers'), `a finite number${range?.min === 0 ? ' >= 0' : ''} or an array of them (one per parameter group)`);

/**
 * Base of the epoch-indexed lr schedulers: step() advances lastEpoch and sets each group's lr from its initial lr.
 * @example const sched = new optim.StepLR(opt, 30); for (...) { train(); sched.step(); }
 */
export abstract class LRScheduler {
  /** Epochs stepped so far. */
  lastEpoch = 0;
  protected readonly baseLrs: number[];

  constructor(readonly optimizer: AnyOptimizer) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr ?? g.lr);
  }

  /** The lr of group `group` (initial lr `base`) at `epoch`. */
  protected abstract lrAt(base: number, epoch: number, group: number): number;

  /** Sets every group's lr for lastEpoch. */
  protected applyLr(): void {
    const lrs = this.baseLrs.map((base, i) => this.lrAt(base, this.lastEpoch, i));
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
    });
  }

  /** Advances one epoch (OneCycleLR: one batch) and sets every group's lr. */
  step(...args: never[]): void {
    parseArgs(`${this.constructor.name}.step`, args, {});
    this.lastEpoch++;
    this.applyLr();
  }

  /** The current learning rate of each group. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The schedule's progress (lastEpoch) and each group's initial lr: `sched2.loadStateDict(sched.stateDict())`. */
  stateDict(): { lastEpoch: number; baseLrs: number[] } {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /** Restores what stateDict() returned (the optimizer's lrs are set by the next step()). */
  loadStateDict(sd: { lastEpoch: number; baseLrs: number[] }): void {
    this.lastEpoch = sd.lastEpoch;
    this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
  }
}

/**
 * lr = lr0 gamma^floor(epoch / stepSize) (torch.optim.lr_scheduler.StepLR).
 *
 * @example
 * const sched = new optim.StepLR(opt, 30, 0.1);   // or new optim.StepLR(opt, { stepSize: 30, gamma: 0.1 })
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, opts: { stepSize: number; gamma?: number });
  constructor(optimizer: AnyOptimizer, stepSize: number, gamma?: number);
  constructor(...args: unknown[]) {
    const a = parseArgs('StepLR', args, { optimizer: optimizerArg, stepSize: param(integer({ min: 1 }), required), gamma: param(number(), 0.1) });
    super(a.optimizer);
    this.stepSize = a.stepSize;
    this.gamma = a.gamma;
  }

  protected lrAt(base: number, epoch: number): number {
    return base * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/**
 * lr = etaMin + (lr0 - etaMin) (1 + cos(pi epoch / tMax)) / 2
 * (torch.optim.lr_scheduler.CosineAnnealingLR; PyTorch's T_max is tMax here).
 *
 * @example
 * const sched = new optim.CosineAnnealingLR(opt, 200);   // or { tMax: 200, etaMin: 1e-5 }
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: AnyOptimizer, opts: { tMax: number; etaMin?: number });
  constructor(optimizer: AnyOptimizer, tMax: number, etaMin?: number);
  constructor(...args: unknown[]) {
    const a = parseArgs('CosineAnnealingLR', args, { optimizer: optimizerArg, tMax: param(number({ gt: 0 }), required), etaMin: param(number(), 0) });
    super(a.optimizer);
    this.tMax = a.tMax;
    this.etaMin = a.etaMin;
  }

  protected lrAt(base: number, epoch: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/** One value per parameter group from a checked number or list (PyTorch's _format_param). */
function perGroup(op: string, name: string, optimizer: AnyOptimizer, v: number | readonly number[]): number[] {
  const n = optimizer.paramGroups.length;
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  if (v.length !== n) throw new RangeError(`${op}: expected ${n} values for ${name} (one per parameter group), got ${v.length}`);
  return [...v];
}

/**
 * lr = lr0 gamma^(number of milestones <= epoch); a milestone listed twice
 * applies gamma twice (torch.optim.lr_scheduler.MultiStepLR).
 *
 * @example
 * const sched = new optim.MultiStepLR(opt, [100, 150], 0.1);   // or { milestones: [100, 150], gamma: 0.1 }
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, opts: { milestones: readonly number[]; gamma?: number });
  constructor(optimizer: AnyOptimizer, milestones: readonly number[], gamma?: number);
  constructor(...args: unknown[]) {
    const a = parseArgs('MultiStepLR', args, { optimizer: optimizerArg, milestones: param(arrayOf(integer({ min: 0 }), 'epochs (integers >= 0)'), required), gamma: param(number(), 0.1) });
    super(a.optimizer);
    this.milestones = a.milestones.sort((x, y) => x - y);
    this.gamma = a.gamma;
  }

  protected lrAt(base: number, epoch: number): number {
    return base * this.gamma ** this.milestones.filter((m) => m <= epoch).length;
  }
}

/**
 * lr = lr0 gamma^epoch (torch.optim.lr_scheduler.ExponentialLR).
 *
 * @example
 * const sched = new optim.ExponentialLR(opt, 0.95);   // or { gamma: 0.95 }
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, opts: { gamma: number });
  constructor(optimizer: AnyOptimizer, gamma: number);
  constructor(...args: unknown[]) {
    const a = parseArgs('ExponentialLR', args, { optimizer: optimizerArg, gamma: param(number(), required) });
    super(a.optimizer);
    this.gamma = a.gamma;
  }

  protected lrAt(base: number, epoch: number): number {
    return base * this.gamma ** epoch;
  }
}

/**
 * Scales lr0 by a factor moving linearly from startFactor (epoch 0, set at
 * construction) to endFactor (epoch totalIters and after):
 *   lr = lr0 (startFactor + (endFactor - startFactor) min(totalIters, epoch) / totalIters)
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  /**
   * `new LinearLR(optimizer, startFactor = 1/3, endFactor = 1, totalIters = 5)`
   * (torch.optim.lr_scheduler.LinearLR), or the same as options.
   *
   * @example
   * const warmup = new optim.LinearLR(opt, { startFactor: 0.1, totalIters: 500 });
   */
  constructor(optimizer: AnyOptimizer, opts?: { startFactor?: number; endFactor?: number; totalIters?: number });
  constructor(optimizer: AnyOptimizer, startFactor?: number, endFactor?: number, totalIters?: number);
  constructor(...args: unknown[]) {
    const a = parseArgs('LinearLR', args, {
      optimizer: optimizerArg,
      startFactor: param(number({ gt: 0, max: 1 }), 1 / 3),
      endFactor: param(number({ min: 0, max: 1 }), 1),
      totalIters: param(integer({ min: 1 }), 5),
    });
    super(a.optimizer);
    this.startFactor = a.startFactor;
    this.endFactor = a.endFactor;
    this.totalIters = a.totalIters;
    this.applyLr();
  }

  protected lrAt(base: number, epoch: number): number {
    return base * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.totalIters, epoch)) / this.totalIters);
  }
}

/**
 * Options of OneCycleLR: maxLr (required) and totalSteps or epochs x stepsPerEpoch; defaults pctStart 0.3, annealStrategy 'cos',
 * cycleMomentum true, baseMomentum 0.85, maxMomentum 0.95, divFactor 25, finalDivFactor 1e4, threePhase false.
 * @example new optim.OneCycleLR(opt, { maxLr: 0.1, epochs: 10, stepsPerEpoch: loader.length })
 */
export interface OneCycleLROptions {
  /** Peak lr, one for all groups or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  /** With stepsPerEpoch: totalSteps = epochs stepsPerEpoch. */
  epochs?: number;
  /** Batches per epoch (with epochs). */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** Shape of the lr's rise and fall: 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle SGD's/RMSprop's momentum or Adam's beta1 inversely to the lr (default true, as PyTorch). */
  cycleMomentum?: boolean;
  /** Momentum at the lr's peak (default 0.85). */
  baseMomentum?: number | number[];
  /** Momentum at the lr's ends (default 0.95). */
  maxMomentum?: number | number[];
  /** initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to the initial lr, then to the min lr) instead of two. */
  threePhase?: boolean;
}

type Level = 'initialLr' | 'maxLr' | 'minLr';
type MomentumLevel = 'maxMomentum' | 'baseMomentum';
interface Phase { endStep: number; startLr: Level; endLr: Level; startMomentum: MomentumLevel; endMomentum: MomentumLevel }

/**
 * The 1cycle policy (Smith & Topin 2017), torch.optim.lr_scheduler.OneCycleLR;
 * step() after every batch. Each group gets initialLr = maxLr / divFactor
 * (its lr at construction), maxLr and minLr = initialLr / finalDivFactor.
 * With T = totalSteps and phase ends (as floats)
 *   two phases:   pctStart T - 1 (initialLr -> maxLr), T - 1 (maxLr -> minLr)
 *   three phases: pctStart T - 1 (initialLr -> maxLr), 2 pctStart T - 2
 *                 (maxLr -> initialLr), T - 1 (initialLr -> minLr)
 * step s falls in the first phase whose end is >= s (or the last), and with
 * pct = (s - previous end) / (end - previous end), starting from 0,
 *   cos:    lr = end + (start - end) (1 + cos(pi pct)) / 2
 *   linear: lr = start + (end - start) pct
 * Stepping past T throws. With cycleMomentum the group's momentum (SGD,
 * RMSprop) or beta1 (Adam, AdamW) anneals the opposite way, maxMomentum ->
 * baseMomentum -> maxMomentum (third phase: stays at maxMomentum); like
 * PyTorch this also switches momentum on for an SGD built without it.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  private readonly phases: Phase[];
  private readonly useBeta1: boolean;

  /**
   * `new OneCycleLR(optimizer, maxLr, totalSteps?, epochs?, stepsPerEpoch?, pctStart?, ...)`
   * in PyTorch's positional order, or with options (give totalSteps, or epochs and stepsPerEpoch).
   *
   * @example
   * const sched = new optim.OneCycleLR(opt, 0.1, { epochs: 10, stepsPerEpoch: loader.length });
   */
  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions);
  constructor(optimizer: AnyOptimizer, maxLr: number | number[], opts?: Omit<OneCycleLROptions, 'maxLr'>);
  constructor(optimizer: AnyOptimizer, maxLr: number | number[], totalSteps?: number | null, epochs?: number | null, stepsPerEpoch?: number | null, pctStart?: number, annealStrategy?: 'cos' | 'linear', cycleMomentum?: boolean, baseMomentum?: number | number[], maxMomentum?: number | number[], divFactor?: number, finalDivFactor?: number, threePhase?: boolean);
  constructor(...args: unknown[]) {
    const op = 'OneCycleLR';
    const a = parseArgs(op, args, {
      optimizer: optimizerArg,
      maxLr: param(numberOrList({ min: 0 }), required),
      totalSteps: param(nullable(integer({ min: 1 })), null),
      epochs: param(nullable(integer({ min: 1 })), null),
      stepsPerEpoch: param(nullable(integer({ min: 1 })), null),
      pctStart: param(number({ min: 0, max: 1 }), 0.3),
      annealStrategy: param(oneOf(['cos', 'linear']), 'cos'),
      cycleMomentum: param(boolean, true),
      baseMomentum: param(numberOrList({}), 0.85),
      maxMomentum: param(numberOrList({}), 0.95),
      divFactor: param(number({ gt: 0 }), 25),
      finalDivFactor: param(number({ gt: 0 }), 1e4),
      threePhase: param(boolean, false),
    });
    const { optimizer, maxLr, pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase } = a;
    let totalSteps: number;
    if (a.totalSteps !== null) totalSteps = a.totalSteps;
    else if (a.epochs !== null && a.stepsPerEpoch !== null) totalSteps = a.epochs * a.stepsPerEpoch;
    else throw new RangeError(`${op}: you must define either totalSteps or (epochs and stepsPerEpoch), e.g. { totalSteps: 1000 } or { epochs: 10, stepsPerEpoch: loader.length }`);
    const useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum && !('momentum' in optimizer.defaults) && !useBeta1) throw new Error(`${op}: optimizer ${optimizer.constructor.name} must support momentum or beta1 with the cycleMomentum option enabled; pass { cycleMomentum: false }`);
    const maxLrs = perGroup(op, 'maxLr', optimizer, maxLr);
    const maxMoms = cycleMomentum ? perGroup(op, 'maxMomentum', optimizer, maxMomentum) : [];
    const baseMoms = cycleMomentum ? perGroup(op, 'baseMomentum', optimizer, baseMomentum) : [];
    super(optimizer);
    this.totalSteps = totalSteps;
    this.useBeta1 = useBeta1;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    const T = this.totalSteps;
    this.phases = threePhase
      ? [
          { endStep: pctStart * T - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pctStart * T - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: T - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pctStart * T - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: T - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    optimizer.paramGroups.forEach((g, i) => {
      g.initialLr = maxLrs[i] / divFactor;
      g.maxLr = maxLrs[i];
      g.minLr = g.initialLr / finalDivFactor;
      if (cycleMomentum) {
        g.maxMomentum = maxMoms[i];
        g.baseMomentum = baseMoms[i];
      }
    });
    this.baseLrs.splice(0, this.baseLrs.length, ...optimizer.paramGroups.map((g) => g.initialLr as number));
    this.applyLr();
  }

  private anneal(start: number, end: number, pct: number): number {
    return this.annealStrategy === 'cos' ? end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
  }

  /** The phase holding `step` and the fraction of it done. */
  private phaseAt(step: number): { phase: Phase; pct: number } {
    if (step > this.totalSteps) throw new RangeError(`OneCycleLR: tried to step ${step} times; the specified number of total steps is ${this.totalSteps}`);
    let start = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const phase = this.phases[i];
      if (step <= phase.endStep || i === this.phases.length - 1) {
        if (phase.endStep === start) throw new RangeError(`OneCycleLR: phase ${i + 1} of the cycle has zero length (pctStart too close to 0, 0.5 or 1 for ${this.totalSteps} total steps)`);
        return { phase, pct: (step - start) / (phase.endStep - start) };
      }
      start = phase.endStep;
    }
    throw new Error('OneCycleLR: unreachable');
  }

  protected lrAt(_base: number, epoch: number, group: number): number {
    const { phase, pct } = this.phaseAt(epoch);
    const g = this.optimizer.paramGroups[group];
    return this.anneal(g[phase.startLr] as number, g[phase.endLr] as number, pct);
  }

  protected override applyLr(): void {
    super.applyLr();
    if (!this.cycleMomentum) return;
    const { phase, pct } = this.phaseAt(this.lastEpoch);
    for (const g of this.optimizer.paramGroups) {
      const m = this.anneal(g[phase.startMomentum] as number, g[phase.endMomentum] as number, pct);
      if (this.useBeta1) g.betas = [m, ...(g.betas as number[]).slice(1)];
      else g.momentum = m;
    }
  }
}

/** ReduceLROnPlateau's direction: 'min' (lower metric is better) or 'max'. */
export type PlateauMode = 'min' | 'max';

/**
 * Options of ReduceLROnPlateau (defaults mode 'min', factor 0.1, patience 10, threshold 1e-4, thresholdMode 'rel',
 * cooldown 0, minLr 0, eps 1e-8).
 * @example new optim.ReduceLROnPlateau(opt, { mode: 'max', patience: 3 })
 */
export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': rise (an accuracy). */
  mode?: PlateauMode;
  /** new lr = lr factor (< 1). */
  factor?: number;
  /** Epochs without improvement tolerated; the lr falls after patience + 1 bad epochs in a row. */
  patience?: number;
  /** Least change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): improvement relative to the best (best (1 -/+ threshold)); 'abs': best -/+ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown?: number;
  /** Lower bound on the lr, one for all groups or one per group. */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped. */
  eps?: number;
}

/**
 * ReduceLROnPlateau.stateDict(): its settings and progress (best metric, bad epochs, cooldown, last lrs).
 * @example sched2.loadStateDict(sched.stateDict())
 */
export interface ReduceLROnPlateauState {
  /** The options' mode. */
  mode: PlateauMode;
  /** The options' factor. */
  factor: number;
  /** The options' patience. */
  patience: number;
  /** The options' threshold. */
  threshold: number;
  /** The options' thresholdMode. */
  thresholdMode: 'rel' | 'abs';
  /** The options' cooldown. */
  cooldown: number;
  /** The lower bound on the lr, one per parameter group. */
  minLrs: number[];
  /** The options' eps. */
  eps: number;
  /** The best metric seen so far (Infinity for mode min, -Infinity for max, before the first step). */
  best: number;
  /** Epochs in a row without improvement. */
  numBadEpochs: number;
  /** Epochs of cooldown still to run. */
  cooldownCounter: number;
  /** Epochs stepped so far. */
  lastEpoch: number;
  /** Each group's lr after the last step. */
  lastLr: number[];
}

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau: step(metric) once per epoch.
 * A metric is better than the best so far when
 *   min, rel: metric < best (1 - threshold)     min, abs: metric < best - threshold
 *   max, rel: metric > best (1 + threshold)     max, abs: metric > best + threshold
 * (best starts at +inf for min, -inf for max; NaN is never better). A better
 * metric resets the count of bad epochs, others add one; during a cooldown
 * the count stays 0. When it exceeds patience, every group's lr becomes
 * max(lr factor, minLr) unless that changes it by eps or less, the cooldown
 * starts and the count resets.
 */
export class ReduceLROnPlateau {
  mode: PlateauMode;
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  readonly optimizer: AnyOptimizer;

  /**
   * `new ReduceLROnPlateau(optimizer, mode?, factor?, patience?, threshold?, thresholdMode?, cooldown?, minLr?, eps?)`
   * in PyTorch's positional order, or with options.
   *
   * @example
   * const sched = new optim.ReduceLROnPlateau(opt, 'max', 0.5, 3);   // watches an accuracy
   * sched.step(accuracy);
   */
  constructor(optimizer: AnyOptimizer, opts?: ReduceLROnPlateauOptions);
  constructor(optimizer: AnyOptimizer, mode?: PlateauMode, factor?: number, patience?: number, threshold?: number, thresholdMode?: 'rel' | 'abs', cooldown?: number, minLr?: number | number[], eps?: number, opts?: ReduceLROnPlateauOptions);
  constructor(...args: unknown[]) {
    const op = 'ReduceLROnPlateau';
    const a = parseArgs(op, args, {
      optimizer: optimizerArg,
      mode: param(oneOf(['min', 'max']), 'min'),
      factor: param(number({ min: 0, lt: 1 }), 0.1),
      patience: param(integer({ min: 0 }), 10),
      threshold: param(number({ min: 0 }), 1e-4),
      thresholdMode: param(oneOf(['rel', 'abs']), 'rel'),
      cooldown: param(integer({ min: 0 }), 0),
      minLr: param(numberOrList({ min: 0 }), 0),
      eps: param(number({ min: 0 }), 1e-8),
    });
    const { optimizer, mode } = a;
    this.optimizer = optimizer;
    this.minLrs = perGroup(op, 'minLr', optimizer, a.minLr);
    this.mode = mode;
    this.factor = a.factor;
    this.patience = a.patience;
    this.threshold = a.threshold;
    this.thresholdMode = a.thresholdMode;
    this.cooldown = a.cooldown;
    this.eps = a.eps;
    this.best = mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Whether a reduction happened within the last `cooldown` epochs (bad epochs are not counted then). */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether metric `a` improves on `best` by more than threshold (relative or absolute, per mode and thresholdMode). */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** One epoch's metric: a number or a one-element tensor (a loss). */
  step(metric: number | Tensor): void {
    const { metric: m } = parseArgs('ReduceLROnPlateau.step', [...arguments], { metric: param(metricArg, required) });
    const current = typeof m === 'number' ? m : m.item();
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - newLr > this.eps) g.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Each group's lr after the last step (at construction: the current lrs). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Settings and progress (best, bad epochs, cooldown, lrs): `sched2.loadStateDict(sched.stateDict())`. */
  stateDict(): ReduceLROnPlateauState {
    const { mode, factor, patience, threshold, thresholdMode, cooldown, eps, best, numBadEpochs, cooldownCounter, lastEpoch } = this;
    return { mode, factor, patience, threshold, thresholdMode, cooldown, minLrs: [...this.minLrs], eps, best, numBadEpochs, cooldownCounter, lastEpoch, lastLr: [...this.lastLr] };
  }

  /** Restores what stateDict() returned; minLrs must have one entry per parameter group. */
  loadStateDict(sd: ReduceLROnPlateauState): void {
    if (!Array.isArray(sd.minLrs) || sd.minLrs.length !== this.optimizer.paramGroups.length) {
      throw new RangeError(`ReduceLROnPlateau.loadStateDict: the state dict has ${Array.isArray(sd.minLrs) ? sd.minLrs.length : '?'} minLrs, the optimizer ${this.optimizer.paramGroups.length} parameter groups`);
    }
    Object.assign(this, { ...sd, minLrs: [...sd.minLrs], lastLr: [...sd.lastLr] });
  }
}
