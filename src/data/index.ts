/** Data: IDX files, labelled image datasets, and a batching DataLoader. */
export { isGzip, gunzip } from './gzip';
export { parseIdx, readIdx, encodeIdx, type IdxArray, type IdxDtype, type IdxData } from './idx';
export { datasetFromIdx, headOf, type ImageDataset } from './dataset';
export { permutation, splitmix32 } from './shuffle';
export { DataLoader, type DataLoaderOptions, type Batch, type BatchOf, type Normalize } from './loader';
export { TensorDataset } from './tensor-dataset';
export { parseCifar10, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES } from './cifar';
