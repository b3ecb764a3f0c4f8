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
import type { Optimizer } from './optimizer';

export abstract class LRScheduler {
  /** Epochs stepped so far. */
  lastEpoch = 0;
  protected readonly baseLrs: number[];

  constructor(readonly optimizer: Optimizer<{ lr: number }>) {
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

  step(): void {
    this.lastEpoch++;
    this.applyLr();
  }

  /** The current learning rate of each group. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): { lastEpoch: number; baseLrs: number[] } {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  loadStateDict(sd: { lastEpoch: number; baseLrs: number[] }): void {
    this.lastEpoch = sd.lastEpoch;
    this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
  }
}

export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer<{ lr: number }>, { stepSize, gamma = 0.1 }: { stepSize: number; gamma?: number }) {
    super(optimizer);
    if (!Number.isInteger(stepSize) || stepSize <= 0) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.stepSize = stepSize;
    this.gamma = gamma;
  }

  protected lrAt(base: number, epoch: number): number {
    return base * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer<{ lr: number }>, { tMax, etaMin = 0 }: { tMax: number; etaMin?: number }) {
    super(optimizer);
    if (!(tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${tMax}`);
    this.tMax = tMax;
    this.etaMin = etaMin;
  }

  protected lrAt(base: number, epoch: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

type AnyOptimizer = Optimizer<{ lr: number }>;

function checkNumber(op: string, name: string, v: unknown, ok: (v: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !ok(v)) throw new RangeError(`${op}: ${name} must be ${want}, got ${String(v)}`);
  return v;
}
const isPositiveInt = (v: number): boolean => Number.isInteger(v) && v > 0;

/** One value per parameter group from a number or a list (PyTorch's _format_param). */
function perGroup(op: string, name: string, optimizer: AnyOptimizer, v: number | readonly number[]): number[] {
  const n = optimizer.paramGroups.length;
  if (Array.isArray(v)) {
    if (v.length !== n) throw new RangeError(`${op}: expected ${n} values for ${name} (one per parameter group), got ${v.length}`);
    return v.map((x) => checkNumber(op, name, x, Number.isFinite, 'a finite number'));
  }
  return new Array<number>(n).fill(checkNumber(op, name, v, Number.isFinite, 'a finite number or one per parameter group'));
}

/** lr = lr0 gamma^(number of milestones <= epoch); a milestone listed twice applies gamma twice. */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, { milestones, gamma = 0.1 }: { milestones: readonly number[]; gamma?: number }) {
    super(optimizer);
    if (!Array.isArray(milestones)) throw new TypeError(`MultiStepLR: milestones must be an array of epochs, got ${String(milestones)}`);
    for (const m of milestones) checkNumber('MultiStepLR', 'each milestone', m, (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = checkNumber('MultiStepLR', 'gamma', gamma, Number.isFinite, 'a finite number');
  }

  protected lrAt(base: number, epoch: number): number {
    return base * this.gamma ** this.milestones.filter((m) => m <= epoch).length;
  }
}

/** lr = lr0 gamma^epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, { gamma }: { gamma: number }) {
    super(optimizer);
    this.gamma = checkNumber('ExponentialLR', 'gamma', gamma, Number.isFinite, 'a finite number');
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

  constructor(optimizer: AnyOptimizer, { startFactor = 1 / 3, endFactor = 1, totalIters = 5 }: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    this.startFactor = checkNumber('LinearLR', 'startFactor', startFactor, (v) => v > 0 && v <= 1, 'greater than 0 and at most 1');
    this.endFactor = checkNumber('LinearLR', 'endFactor', endFactor, (v) => v >= 0 && v <= 1, 'between 0 and 1');
    this.totalIters = checkNumber('LinearLR', 'totalIters', totalIters, isPositiveInt, 'a positive integer');
    this.applyLr();
  }

  protected lrAt(base: number, epoch: number): number {
    return base * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.totalIters, epoch)) / this.totalIters);
  }
}

export interface OneCycleLROptions {
  /** Peak lr, one for all groups or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle SGD's/RMSprop's momentum or Adam's beta1 inversely to the lr (default true, as PyTorch). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
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

  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions) {
    super(optimizer);
    const op = 'OneCycleLR';
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${op}: expected an options object with maxLr`);
    const { maxLr, totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true, baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false } = opts;
    if (totalSteps !== undefined) {
      this.totalSteps = checkNumber(op, 'totalSteps', totalSteps, isPositiveInt, 'a positive integer');
    } else if (epochs !== undefined && stepsPerEpoch !== undefined) {
      this.totalSteps = checkNumber(op, 'epochs', epochs, isPositiveInt, 'a positive integer') * checkNumber(op, 'stepsPerEpoch', stepsPerEpoch, isPositiveInt, 'a positive integer');
    } else {
      throw new RangeError(`${op}: you must define either totalSteps or (epochs and stepsPerEpoch)`);
    }
    checkNumber(op, 'pctStart', pctStart, (v) => v >= 0 && v <= 1, 'a number between 0 and 1');
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new RangeError(`${op}: annealStrategy must be one of 'cos' or 'linear', got ${String(annealStrategy)}`);
    checkNumber(op, 'divFactor', divFactor, (v) => v > 0 && Number.isFinite(v), 'a positive number');
    checkNumber(op, 'finalDivFactor', finalDivFactor, (v) => v > 0 && Number.isFinite(v), 'a positive number');
    if (typeof threePhase !== 'boolean') throw new TypeError(`${op}: threePhase must be a boolean, got ${String(threePhase)}`);
    if (typeof cycleMomentum !== 'boolean') throw new TypeError(`${op}: cycleMomentum must be a boolean, got ${String(cycleMomentum)}`);
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
    const maxLrs = perGroup(op, 'maxLr', optimizer, maxLr);
    let maxMoms: number[] = [], baseMoms: number[] = [];
    this.useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults) && !this.useBeta1) throw new Error(`${op}: optimizer ${optimizer.constructor.name} must support momentum or beta1 with the cycleMomentum option enabled`);
      maxMoms = perGroup(op, 'maxMomentum', optimizer, maxMomentum);
      baseMoms = perGroup(op, 'baseMomentum', optimizer, baseMomentum);
    }
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

export type PlateauMode = 'min' | 'max';

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': rise (an accuracy). */
  mode?: PlateauMode;
  /** new lr = lr factor (< 1). */
  factor?: number;
  /** Epochs without improvement tolerated; the lr falls after patience + 1 bad epochs in a row. */
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown?: number;
  /** Lower bound on the lr, one for all groups or one per group. */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped. */
  eps?: number;
}

export interface ReduceLROnPlateauState {
  mode: PlateauMode;
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs: number;
  cooldownCounter: number;
  lastEpoch: number;
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

  constructor(readonly optimizer: AnyOptimizer, { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 }: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    if (typeof factor !== 'number' || !(factor < 1)) throw new RangeError(`${op}: factor should be < 1.0, got ${String(factor)}`);
    checkNumber(op, 'factor', factor, (v) => v >= 0, 'at least 0');
    if (mode !== 'min' && mode !== 'max') throw new RangeError(`${op}: mode ${String(mode)} is unknown (expected 'min' or 'max')`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new RangeError(`${op}: threshold mode ${String(thresholdMode)} is unknown (expected 'rel' or 'abs')`);
    this.mode = mode;
    this.factor = factor;
    this.patience = checkNumber(op, 'patience', patience, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    this.threshold = checkNumber(op, 'threshold', threshold, (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0');
    this.thresholdMode = thresholdMode;
    this.cooldown = checkNumber(op, 'cooldown', cooldown, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    this.minLrs = perGroup(op, 'minLr', optimizer, minLr);
    for (const m of this.minLrs) checkNumber(op, 'minLr', m, (v) => v >= 0, 'at least 0');
    this.eps = checkNumber(op, 'eps', eps, (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0');
    this.best = mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** One epoch's metric: a number or a one-element tensor (a loss). */
  step(metric: number | Tensor): void {
    let current: number;
    if (typeof metric === 'number') current = metric;
    else if (metric instanceof Tensor) current = metric.item();
    else throw new TypeError(`ReduceLROnPlateau.step: metric must be a number or a one-element tensor, got ${String(metric)}`);
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

  stateDict(): ReduceLROnPlateauState {
    const { mode, factor, patience, threshold, thresholdMode, cooldown, eps, best, numBadEpochs, cooldownCounter, lastEpoch } = this;
    return { mode, factor, patience, threshold, thresholdMode, cooldown, minLrs: [...this.minLrs], eps, best, numBadEpochs, cooldownCounter, lastEpoch, lastLr: [...this.lastLr] };
  }

  loadStateDict(sd: ReduceLROnPlateauState): void {
    if (!Array.isArray(sd.minLrs) || sd.minLrs.length !== this.optimizer.paramGroups.length) {
      throw new RangeError(`ReduceLROnPlateau.loadStateDict: the state dict has ${Array.isArray(sd.minLrs) ? sd.minLrs.length : '?'} minLrs, the optimizer ${this.optimizer.paramGroups.length} parameter groups`);
    }
    Object.assign(this, { ...sd, minLrs: [...sd.minLrs], lastLr: [...sd.lastLr] });
  }
}
