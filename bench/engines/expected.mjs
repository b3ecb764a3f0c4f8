// Prints the plain-SIMD self-check hashes of every workload at both sizes,
// computed here in Node on one thread: the reference the benchmark page
// (web/bench.mjs) judges a browser's plain-SIMD results by. Run by
// scripts/build-web.mjs, which writes them to web/dist/bench-expected.json.
import * as sg from '../../dist/index.js';
import { selfCheck } from './measure.mjs';
import { workloads } from './workloads.mjs';

sg.useVariant('simd');
sg.setNumThreads(1);
const expected = {};
for (const size of ['smoke', 'full']) {
  expected[size] = Object.fromEntries(workloads(size).map((w) => [w.id, selfCheck(sg, w, size)]));
}
console.log(JSON.stringify({ kernels: 'simd', engine: `Node ${process.versions.node}`, expected }));
process.exit(0);
