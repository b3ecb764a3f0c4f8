// The kernel module: every export is a plain function over byte offsets into
// the host's memory. Nothing here allocates, throws or keeps state.
export * from './elementwise.generated';
export * from './copy';
export * from './reduce';
export * from './softmax';
export * from './random';
export * from './gemm';
export * from './optim';
export * from './qr';
export * from './conv';
export * from './winograd';
export * from './batchnorm';
export * from './pool';
export * from './loss';
export * from './norm';
export * from './layernorm';
export * from './scan';
export * from './indexing';
export * from './attention';
export * from './winograd-wgrad';
export * from './winograd-wgrad-f4';
export * from './winograd-f4';
export * from './winograd-s2';
export * from './winograd-s2-t7';
export * from './winograd-s2-t7-dx';
export * from './winograd-s2-dx';
export * from './winograd-s2-wgrad';
