/** Optimizers and learning-rate schedulers (the `optim` namespace). */
export { Optimizer, type ParamGroup, type Params, type OptimizerStateDict } from './optimizer';
export { SGD, type SGDOptions } from './sgd';
export { Adam, AdamW, type AdamOptions } from './adam';
export { RMSprop, type RMSpropOptions } from './rmsprop';
export { LRScheduler, StepLR, CosineAnnealingLR, MultiStepLR, ExponentialLR, LinearLR, OneCycleLR, ReduceLROnPlateau, type OneCycleLROptions, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState, type PlateauMode } from './scheduler';
