// The experiments, in report order.
import rectifiers from './rectifiers.mjs';
import dropout from './dropout.mjs';
import batchnorm from './batchnorm.mjs';
import depth from './depth.mjs';
import init from './init.mjs';
import regions from './regions.mjs';
import shattered from './shattered.mjs';

export const EXPERIMENTS = [rectifiers, dropout, batchnorm, depth, init, regions, shattered];
