/**
 * simdgrad is an ES module (its WebAssembly kernels load with a top-level
 * await), so `require('simdgrad')` throws. From CommonJS use
 * `const sg = await import('simdgrad')`, which has the full types.
 */
declare const simdgrad: never;
export = simdgrad;
