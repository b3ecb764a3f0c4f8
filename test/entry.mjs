// Runs uvu suites in order and prints one machine-readable result line, the
// same way in every engine (Node, Deno, Bun, the browsers). `suites`:
// [name, () => import(...)]. The line also says what the engine is: its
// version, whether simdgrad runs threads there (and if not, why), and whether
// its relaxed-SIMD multiply-add fuses (test/run.mjs compares relaxed-SIMD
// hashes only between engines that round the same way).
import { threadingStatus } from '../dist/index.js';
import { engineVersion, relaxedMaddFuses } from './engines/engine-info.mjs';

export async function runSuites(suites) {
  const status = threadingStatus();
  const engine = { version: engineVersion(), threads: status.reason === '' || status.reason === 'one core' || status.reason.startsWith('setNumThreads'), threadsReason: status.reason, fma: await relaxedMaddFuses() };
  globalThis.UVU_DEFER = 1;
  globalThis.__sg = { passed: 0, failed: 0, failures: [], hashes: {} };
  const uvu = await import('uvu');
  let i = 0;
  for (const [name, load] of suites) {
    globalThis.UVU_INDEX = i++;
    globalThis.UVU_QUEUE.push([name]);
    await load();
  }
  await uvu.exec(false);
  const r = globalThis.__sg;
  console.log('SIMDGRAD-RESULT ' + JSON.stringify({ passed: r.passed, failed: r.failed, failures: r.failures, hashes: r.hashes, engine }));
  return r;
}
