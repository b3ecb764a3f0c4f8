// npm run soak: 5,000 training steps of a small residual network with batch
// norm and dropout. After warm-up the heap's bytes in use must stay flat
// (within 1%) and the live-tensor count must return to its baseline.
import * as sg from '../dist/index.js';
import { makeSoak, collectGarbage } from './soak-net.mjs';

const steps = Number(process.argv[2] ?? 5000);
const warmup = Math.min(100, Math.floor(steps / 10));
const soak = makeSoak(1);
let baseline = null;
let worst = 0;
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const loss = soak.step(i);
  if (!Number.isFinite(loss)) throw new Error(`step ${i}: loss is ${loss}`);
  if (i === warmup) {
    await collectGarbage();
    baseline = sg.memory();
  }
  if (baseline && i % 500 === 0) {
    await collectGarbage();
    const m = sg.memory();
    worst = Math.max(worst, Math.abs(m.bytesInUse - baseline.bytesInUse) / baseline.bytesInUse);
    console.log(`step ${i}: loss ${loss.toFixed(4)}, bytes in use ${m.bytesInUse}, live tensors ${m.liveTensors}, heap ${m.heapBytes}`);
  }
}
await collectGarbage();
const end = sg.memory();
const drift = Math.abs(end.bytesInUse - baseline.bytesInUse) / baseline.bytesInUse;
worst = Math.max(worst, drift);
console.log(`${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s; bytes in use ${baseline.bytesInUse} -> ${end.bytesInUse} (worst drift ${(worst * 100).toFixed(2)}%), live tensors ${baseline.liveTensors} -> ${end.liveTensors}`);
sg.checkHeap();
if (worst > 0.01 || end.liveTensors !== baseline.liveTensors) {
  console.error('soak: FAILED: the heap is not flat');
  process.exit(1);
}
console.log('soak: heap flat');
