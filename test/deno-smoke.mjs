// Deno with no permissions at all: importing the build and training a step
// must need none (the kernels are embedded; nothing is read from disk).
import * as sg from '../dist/index.js';

const w = sg.randn([4, 3], { requiresGrad: true });
const loss = sg.matmul(sg.ones([2, 4]), w).tanh().sum();
loss.backward();
const ok = w.grad !== null && w.grad.shape.join() === '4,3' && Number.isFinite(loss.item());
console.log('SIMDGRAD-RESULT ' + JSON.stringify({ passed: ok ? 1 : 0, failed: ok ? 0 : 1, failures: ok ? [] : ['deno without permissions: step failed'], hashes: {} }));
