/** Optimizers and learning-rate schedulers (the `optim` namespace). */
export { Optimizer, type ParamGroup, type Params, type OptimizerStateDict } from './optimizer';
export { SGD, type SGDOptions } from './sgd';
export { Adam, AdamW, type AdamOptions } from './adam';
export { LRScheduler, StepLR, CosineAnnealingLR } from './scheduler';
